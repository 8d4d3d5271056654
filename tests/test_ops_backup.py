"""``yima neo4j dump`` / ``yima neo4j load`` round trip on a server of the test's own
(``var/neo4j-backup``, ports 17692 / 17479): counts and a provenance answer come back equal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from services.capture import CaptureService
from tests.factories import Chain, document

pytestmark = pytest.mark.slow

runner = CliRunner()
SETTINGS = ServerSettings(
    home=PROJECT_ROOT / "var" / "neo4j-backup",
    bolt_port=17692,
    http_port=17479,
    heap="512m",
    pagecache="128m",
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalNeo4j]:
    own = LocalNeo4j(SETTINGS)
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def backup_env(server: LocalNeo4j, monkeypatch: pytest.MonkeyPatch) -> None:
    """``yima neo4j`` commands work on the test's own server."""
    monkeypatch.setenv("YIMA_NEO4J_HOME", str(SETTINGS.home))
    monkeypatch.setenv("YIMA_NEO4J_BOLT_PORT", str(SETTINGS.bolt_port))
    monkeypatch.setenv("YIMA_NEO4J_HTTP_PORT", str(SETTINGS.http_port))
    monkeypatch.setenv("YIMA_NEO4J_HEAP", SETTINGS.heap)
    monkeypatch.setenv("YIMA_NEO4J_PAGECACHE", SETTINGS.pagecache)
    monkeypatch.delenv("YIMA_NEO4J_DATABASE", raising=False)


def _snapshot(chain: Chain) -> tuple[list[tuple[str, int]], str]:
    db = Database.open(DatabaseSettings(uri=SETTINGS.bolt_uri))
    try:
        counts = [
            (str(r["label"]), int(r["n"]))
            for r in db.read(
                "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label"
            )
        ]
        trace = ProvenanceRepository(db).trace([chain.units[0]])
        return counts, repr(trace)
    finally:
        db.close()


@pytest.mark.usefixtures("backup_env")
def test_a_dump_loaded_back_answers_as_before(server: LocalNeo4j, tmp_path: Path) -> None:
    chain = Chain("backup", units=6)
    db = Database.open(DatabaseSettings(uri=SETTINGS.bolt_uri))
    try:
        apply_schema(db)
        assert not CaptureService(db).capture_document(document(chain.events())).problems
    finally:
        db.close()
    before = _snapshot(chain)
    assert dict(before[0])["Event"] >= len(chain.events())

    dumped = runner.invoke(app, ["neo4j", "dump", "--to", str(tmp_path)])
    assert dumped.exit_code == 0, dumped.output
    file = Path(dumped.stdout.strip().splitlines()[-1])
    assert file.is_file() and file.stat().st_size > 0
    assert server.bolt_answers()  # started again after the dump

    with neo4j.GraphDatabase.driver(SETTINGS.bolt_uri) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
    assert _snapshot(chain)[0] == []

    loaded = runner.invoke(app, ["neo4j", "load", str(file)])
    assert loaded.exit_code == 0, loaded.output
    assert _snapshot(chain) == before


@pytest.mark.usefixtures("backup_env")
def test_loading_a_missing_dump_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["neo4j", "load", str(tmp_path / "none.dump")])
    assert result.exit_code == 1 and "no such dump file" in result.output
