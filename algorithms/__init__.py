"""Pure algorithms on plain data and networkx graphs; nothing here imports neo4j."""
