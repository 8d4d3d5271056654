"""The ``yima`` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from graph_model.settings import DatabaseSettings
from runtime.ports import PortTaken, ensure_free
from tests.factories import Chain

runner = CliRunner()


def vector_files(shared: Path) -> list[Path]:
    folder = shared / "epcis-hash-vectors"
    return sorted(p for p in folder.glob("*.jsonld") if p.with_suffix(".hashes").exists())


def test_epcis_hash_prints_the_reference_hash_of_every_event(shared_dir: Path) -> None:
    files = vector_files(shared_dir / "data")
    assert len(files) >= 15
    for path in files:
        result = runner.invoke(app, ["epcis", "hash", str(path)])
        assert result.exit_code == 0, result.output
        expected = path.with_suffix(".hashes").read_text().split()
        assert result.output.split() == expected, path.name


def test_epcis_hash_names_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["epcis", "hash", str(bad)])
    assert result.exit_code != 0 and "bad.json" in result.output


def test_neo4j_status_of_a_server_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_HOME", str(tmp_path / "nothing"))
    result = runner.invoke(app, ["neo4j", "status"])
    assert result.exit_code == 3 and "stopped" in result.output


def test_epcis_capture_from_a_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_settings: DatabaseSettings,
    driver: object,
    ns: str,
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps(Chain(ns).document()))
    first = runner.invoke(app, ["epcis", "capture", str(doc)])
    assert first.exit_code == 0 and "captured 9, already stored 0" in first.output
    second = runner.invoke(app, ["epcis", "capture", str(doc)])
    assert "captured 0, already stored 9" in second.output


def test_rebuild_around_one_unit(tmp_path: Path, cli_env: None, ns: str) -> None:
    chain = Chain(ns)
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps(chain.document()))
    assert runner.invoke(app, ["epcis", "capture", str(doc)]).exit_code == 0
    result = runner.invoke(app, ["rebuild", "--epc", chain.units[3]])
    assert result.exit_code == 0 and "replayed 9 events" in result.output


def test_commands_work_in_the_database_yima_neo4j_database_names(
    monkeypatch: pytest.MonkeyPatch, database_settings: DatabaseSettings, driver: object
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", "nosuchdb")
    missing = runner.invoke(app, ["schema"])
    assert missing.exit_code == 1
    assert (
        "no database named 'nosuchdb'" in missing.output and "YIMA_NEO4J_DATABASE" in missing.output
    )
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    present = runner.invoke(app, ["schema"])
    assert present.exit_code == 0, present.output


def test_the_local_server_port_is_where_yima_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIMA_NEO4J_URI", raising=False)
    monkeypatch.setenv("YIMA_NEO4J_BOLT_PORT", "47687")
    assert DatabaseSettings.from_env().uri == "bolt://127.0.0.1:47687"
    monkeypatch.setenv("YIMA_NEO4J_URI", "neo4j://db.example:7687")
    assert DatabaseSettings.from_env().uri == "neo4j://db.example:7687"


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port this test process listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _said(result: Result) -> str:
    return " ".join(result.output.split())


def test_serve_on_a_taken_port_names_the_process_holding_it(held_port: int) -> None:
    result = runner.invoke(app, ["serve", "--port", str(held_port)])
    said = _said(result)
    assert result.exit_code == 1, said
    assert f"port {held_port} on 127.0.0.1 is taken by pid {os.getpid()}" in said
    assert "choose another with --port" in said


def test_up_refuses_a_taken_port_before_loading_the_demo(
    held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unreachable database: had up gone on to load the demo, it would fail on that instead.
    monkeypatch.setenv("YIMA_NEO4J_URI", "bolt://127.0.0.1:9")
    result = runner.invoke(app, ["up", "--port", str(held_port), "--units", "100"])
    said = _said(result)
    assert result.exit_code == 1, said
    assert f"is taken by pid {os.getpid()}" in said and "Neo4j" not in said


def test_neo4j_start_names_what_holds_its_bolt_port(
    held_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_HOME", str(tmp_path / "neo4j"))
    monkeypatch.setenv("YIMA_NEO4J_BOLT_PORT", str(held_port))
    result = runner.invoke(app, ["neo4j", "start"])
    said = _said(result)
    assert result.exit_code == 1, said
    assert f"port {held_port} on 127.0.0.1 is taken by pid {os.getpid()}" in said
    assert "YIMA_NEO4J_BOLT_PORT" in said


def test_a_free_port_passes_and_an_unknown_host_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    ensure_free("127.0.0.1", free, hint="unused")
    with pytest.raises(PortTaken, match=r"cannot listen on no-such-host\.invalid"):
        ensure_free("no-such-host.invalid", free, hint="unused")
