"""How yima reaches Neo4j: ``YIMA_NEO4J_URI``, ``_USER``, ``_PASSWORD``, ``_DATABASE``."""

from __future__ import annotations

import os
from dataclasses import dataclass

import neo4j

__all__ = ["DatabaseSettings", "local_uri", "open_driver"]

DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_DATABASE = "neo4j"


def local_uri() -> str:
    """Bolt address of yima's own local server, on the port ``yima neo4j start`` uses."""
    port = os.environ.get("YIMA_NEO4J_BOLT_PORT") or "7687"
    return f"bolt://127.0.0.1:{port}"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    uri: str = DEFAULT_URI
    user: str | None = None
    password: str | None = None
    database: str = DEFAULT_DATABASE

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        return cls(
            uri=os.environ.get("YIMA_NEO4J_URI") or local_uri(),
            user=os.environ.get("YIMA_NEO4J_USER") or None,
            password=os.environ.get("YIMA_NEO4J_PASSWORD") or None,
            database=os.environ.get("YIMA_NEO4J_DATABASE") or DEFAULT_DATABASE,
        )

    @property
    def is_local_default(self) -> bool:
        """True when no other server was configured, so yima may start its own."""
        return "YIMA_NEO4J_URI" not in os.environ


def open_driver(settings: DatabaseSettings) -> neo4j.Driver:
    """A driver for ``settings``; the caller owns it and closes it."""
    auth = (settings.user or "neo4j", settings.password) if settings.password else None
    return neo4j.GraphDatabase.driver(
        settings.uri,
        auth=auth,
        max_connection_pool_size=50,
        connection_acquisition_timeout=30,
        notifications_min_severity="OFF",
    )
