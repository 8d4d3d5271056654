"""One real Neo4j server for the whole test session.

By default the session starts yima's own local server under ``var/neo4j-test`` (ports 17687 /
17474) and stops it at the end if it started it (``YIMA_KEEP_TEST_NEO4J=1`` keeps it running
for the next run). ``YIMA_TEST_NEO4J_URI`` points the tests at any other server instead. Tests
isolate themselves by their own ids (the ``ns`` fixture), never by wiping the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings, open_driver
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings

SHARED_DIR = Path(os.environ.get("YIMA_SHARED_DIR") or PROJECT_ROOT.parent / "shared")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"reference data folder {SHARED_DIR} is missing; set YIMA_SHARED_DIR")
    return SHARED_DIR


@pytest.fixture(scope="session")
def database_settings() -> Iterator[DatabaseSettings]:
    uri = os.environ.get("YIMA_TEST_NEO4J_URI")
    if uri:
        yield DatabaseSettings(
            uri=uri,
            user=os.environ.get("YIMA_TEST_NEO4J_USER"),
            password=os.environ.get("YIMA_TEST_NEO4J_PASSWORD"),
        )
        return
    settings = ServerSettings(
        home=PROJECT_ROOT / "var" / "neo4j-test",
        bolt_port=int(os.environ.get("YIMA_TEST_NEO4J_BOLT_PORT", "17687")),
        http_port=int(os.environ.get("YIMA_TEST_NEO4J_HTTP_PORT", "17474")),
        heap=os.environ.get("YIMA_TEST_NEO4J_HEAP", "1g"),
        pagecache="512m",
    )
    server = LocalNeo4j(settings)
    started = server.start()
    try:
        yield DatabaseSettings(uri=settings.bolt_uri)
    finally:
        if started and not os.environ.get("YIMA_KEEP_TEST_NEO4J"):
            server.stop()


@pytest.fixture(scope="session")
def driver(database_settings: DatabaseSettings) -> Iterator[neo4j.Driver]:
    drv = open_driver(database_settings)
    drv.verify_connectivity()
    apply_schema(drv)
    yield drv
    drv.close()


@pytest.fixture
def ns() -> str:
    """A short prefix unique to this test, for the ids of everything it writes."""
    return "t" + uuid.uuid4().hex[:10]
