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
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from tests.shared import SHARED_DIR


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
def db(database_settings: DatabaseSettings) -> Iterator[Database]:
    """The test session's database handle, schema applied."""
    handle = Database.open(database_settings)
    handle.verify()
    apply_schema(handle)
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def driver(db: Database) -> neo4j.Driver:
    """The raw driver, for tests that check the graph with Cypher of their own."""
    return db.driver


@pytest.fixture(scope="session")
def client(database_settings: DatabaseSettings, db: Database) -> Iterator[TestClient]:
    """The API served in process on the session's database (one app for the session)."""
    from api.app import create_app

    with TestClient(create_app(database_settings)) as test_client:
        yield test_client


@pytest.fixture
def ns() -> str:
    """A short prefix unique to this test, for the ids of everything it writes."""
    return "t" + uuid.uuid4().hex[:10]
