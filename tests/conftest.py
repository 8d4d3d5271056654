"""One real Neo4j server for the whole test session.

By default the session starts yima's own local server under ``var/neo4j-test`` (ports 17687 /
17474) and stops it at the end if it started it (``YIMA_KEEP_TEST_NEO4J=1`` keeps it running
for the next run); its one user database is called ``yimatest``. ``YIMA_TEST_NEO4J_URI`` (and
``_USER``, ``_PASSWORD``, ``_DATABASE``) points the tests at any other server instead. Tests
isolate themselves by their own ids (the ``ns`` fixture), never by wiping the database.
"""

from __future__ import annotations

import os
import shutil
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


#: The test server's one user database is not called ``neo4j``, so code that forgets the
#: configured database name (``YIMA_NEO4J_DATABASE``) fails in the tests.
TEST_DATABASE = "yimatest"


def _default_database_is(uri: str, name: str) -> bool:
    with neo4j.GraphDatabase.driver(uri) as probe:
        records, _, _ = probe.execute_query("SHOW DEFAULT DATABASE YIELD name", database_="system")
    return bool(records) and records[0]["name"] == name


@pytest.fixture(scope="session")
def database_settings() -> Iterator[DatabaseSettings]:
    uri = os.environ.get("YIMA_TEST_NEO4J_URI")
    if uri:
        yield DatabaseSettings(
            uri=uri,
            user=os.environ.get("YIMA_TEST_NEO4J_USER"),
            password=os.environ.get("YIMA_TEST_NEO4J_PASSWORD"),
            database=os.environ.get("YIMA_TEST_NEO4J_DATABASE") or "neo4j",
        )
        return
    settings = ServerSettings(
        home=PROJECT_ROOT / "var" / "neo4j-test",
        bolt_port=int(os.environ.get("YIMA_TEST_NEO4J_BOLT_PORT", "17687")),
        http_port=int(os.environ.get("YIMA_TEST_NEO4J_HTTP_PORT", "17474")),
        heap=os.environ.get("YIMA_TEST_NEO4J_HEAP", "1g"),
        pagecache="512m",
        extra_conf={"initial.dbms.default_database": TEST_DATABASE},
    )
    server = LocalNeo4j(settings)
    started = server.start()
    if not _default_database_is(settings.bolt_uri, TEST_DATABASE):
        # A server home made before the test database had its own name: start it afresh.
        server.stop()
        shutil.rmtree(settings.home / "data", ignore_errors=True)
        started = server.start()
    try:
        yield DatabaseSettings(uri=settings.bolt_uri, database=TEST_DATABASE)
    finally:
        if started and not os.environ.get("YIMA_KEEP_TEST_NEO4J"):
            server.stop()


@pytest.fixture
def cli_env(database_settings: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``yima`` commands run in the test session's server and database."""
    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)


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
def admin_headers(db: Database) -> Iterator[dict[str, str]]:
    """Headers carrying an admin key made for this session (revoked at its end)."""
    from graph_model.keys import Role
    from services.keys import KeyService

    keys = KeyService(db)
    issued = keys.create("test-admin-" + uuid.uuid4().hex[:10], Role.ADMIN)
    yield {"Authorization": "Bearer " + issued.secret}
    keys.revoke(issued.key.name)


@pytest.fixture(scope="session")
def client(
    database_settings: DatabaseSettings, db: Database, admin_headers: dict[str, str]
) -> Iterator[TestClient]:
    """The API served in process on the session's database (one app for the session), auth on,
    every request carrying an admin key."""
    from api.app import create_app
    from api.security.settings import SecuritySettings

    app = create_app(database_settings, SecuritySettings())
    with TestClient(app, headers=admin_headers) as test_client:
        yield test_client


@pytest.fixture
def ns() -> str:
    """A short prefix unique to this test, for the ids of everything it writes."""
    return "t" + uuid.uuid4().hex[:10]
