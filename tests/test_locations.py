"""Master data saying which organisation a location belongs to: a custodian named by its site
in one system's events and by its PGLN in another's reads as one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.repositories.provenance import ProvenanceRepository
from loaders.locations import read_locations
from services.capture import CaptureService
from services.locations import declare_locations
from tests.standard_epcis import StandardWorld


def mixed_world(ns: str) -> tuple[StandardWorld, list[tuple[str, str]]]:
    """The plant's system names parties by site; the distributor's by PGLN, without desadv."""
    w = StandardWorld(ns)
    plant, national = w.org("plant", 10), w.org("national", 20)
    w.commission(plant)
    pallet = w.package()
    w.pack(pallet, w.units)
    w.ship([pallet], plant, national, naming="sgln")
    w.receive([pallet], plant, national, naming="pgln")
    return w, [(plant.sgln, plant.pgln), (national.sgln, national.pgln)]


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("location,party,name\n" + "".join(f"{a},{b},\n" for a, b in rows))
    return path


def test_declared_locations_join_a_site_named_custody_to_its_organisation(
    db: Database, tmp_path: Path, ns: str
) -> None:
    world, pairs = mixed_world(ns)
    assert declare_locations(db, write_csv(tmp_path / "locations.csv", pairs)) == 2
    CaptureService(db).capture_document(world.document())
    trace = ProvenanceRepository(db).trace([world.units[0]])[world.units[0]]
    assert [(s.party.id, s.received_at is not None) for s in trace.custody] == [
        (pairs[0][1], True),
        (pairs[1][1], True),
    ]
    assert trace.custody[0].party.location == pairs[0][0]


def test_without_the_declaration_the_two_namings_stay_apart(db: Database, ns: str) -> None:
    world, pairs = mixed_world(ns)
    CaptureService(db).capture_document(world.document())
    trace = ProvenanceRepository(db).trace([world.units[0]])[world.units[0]]
    # Nothing ties the plant's site to its PGLN (the national's site is tied by the receipt's
    # bizLocation), so the receipt cannot be matched to the shipment: the two namings show as
    # they are, a shipment in transit and a receipt from an unknown sender, not a guess.
    (plant_site, plant), (_, national) = pairs
    assert [s.party.id for s in trace.custody] == [plant_site, national, plant, national]
    assert [s.in_transit for s in trace.custody] == [False, True, False, False]


def test_bad_rows_are_named_with_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "locations.csv"
    path.write_text("location,party\nurn:epc:id:sgln:1.1.0,urn:epc:id:pgln:1.1\nshop 7,x\n")
    with pytest.raises(InvalidField) as caught:
        read_locations(path)
    assert [p.path for p in caught.value.problems] == ["locations.csv:3:location"]


def test_the_command_refuses_a_bad_file_and_writes_nothing(tmp_path: Path, cli_env: None) -> None:
    path = tmp_path / "locations.csv"
    path.write_text("location,party\nshop 7,urn:epc:id:pgln:1.1\n")
    result = CliRunner().invoke(app, ["master", "locations", str(path)])
    assert result.exit_code == 1
    assert "locations.csv:2:location" in result.output
