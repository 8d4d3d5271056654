"""Loading the demo world into the real graph through the capture path."""

from __future__ import annotations

from typing import Any

import neo4j
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.settings import DatabaseSettings
from loaders.demo import build_world, simulate
from services.demo import load_demo

SEED = 424242  # a seed no other test loads, so this world's ids are this test's own
UNITS = 600


def unit_ids(units: int, seed: int) -> list[str]:
    world = build_world(units, seed)
    return [
        epc
        for doc in simulate(world, seed)
        for event in doc["epcisBody"]["eventList"]
        if event.get("bizStep") == "commissioning"
        for epc in event["epcList"]
    ]


def world_counts(driver: neo4j.Driver, ids: list[str]) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        """
        MATCH (c:Code) WHERE c.id IN $ids
        WITH collect(c) AS codes
        UNWIND codes AS c
        OPTIONAL MATCH (c)-[m:PACKED_IN]->(:Package)
        WITH codes, c, count(m) AS memberships
        OPTIONAL MATCH (c)<-[:OF]-(s:Scan)
        WITH codes, c, memberships, count(s) AS scans
        OPTIONAL MATCH (c)<-[:CONCERNS]-(e:Event)
        RETURN size(codes) AS units, sum(memberships) AS memberships, sum(scans) AS scans,
               count(e) AS links, collect(DISTINCT c.status) AS statuses
        """,
        ids=ids,
    )
    return records[0].data()


def test_the_demo_world_loads_and_a_second_load_changes_nothing(
    db: Database, driver: neo4j.Driver
) -> None:
    ids = unit_ids(UNITS, SEED)
    assert len(ids) == UNITS
    first = load_demo(db, UNITS, SEED)
    counts = world_counts(driver, ids)
    assert counts["units"] == UNITS
    assert counts["memberships"] >= UNITS  # every unit was packed into a case
    assert counts["scans"] > 0 and "sold" in counts["statuses"]
    assert first.totals.events + first.totals.duplicates > UNITS / 24

    second = load_demo(db, UNITS, SEED)
    assert second.totals.events == 0
    assert second.totals.duplicates == first.totals.events + first.totals.duplicates
    assert world_counts(driver, ids) == counts


def test_yima_demo_on_the_command_line(
    monkeypatch: Any, database_settings: DatabaseSettings, driver: neo4j.Driver
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    result = CliRunner().invoke(app, ["demo", "--units", str(UNITS), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "demo world: 600 units" in result.output
