# The yima API image (the database runs from the neo4j:5.26-community image, see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY graph_model graph_model
COPY loaders loaders
COPY algorithms algorithms
COPY cli cli
COPY runtime runtime
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["yima", "serve", "--host", "0.0.0.0", "--port", "8000"]
