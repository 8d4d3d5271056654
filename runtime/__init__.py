"""Running a Neo4j 5.26 Community server for yima without Docker: jars from Maven Central,
started as a child process with its data under the project's ``var/`` folder."""
