"""yima's HTTP interface: GraphQL at /graphql and the EPCIS 2.0 REST binding."""
