"""yima's domain: identifiers, value types, the graph schema and one repository per aggregate."""
