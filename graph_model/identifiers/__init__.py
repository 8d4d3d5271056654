"""Identifiers of units, packages and locations: GS1 keys, EPC URNs, Digital Link URIs and
opaque brand codes."""
