"""Who may do what: API keys checked by one middleware, GraphQL operations by one extension."""
