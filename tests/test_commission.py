"""Commissioning against the real Neo4j: codes, print files, repeats, refusals, CLI, GraphQL."""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import neo4j
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as yima_app
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.identifiers.gs1 import gs1_check_digit
from graph_model.identifiers.serials import SerialScheme
from graph_model.identifiers.units import parse_unit_identifier
from graph_model.settings import DatabaseSettings
from services.commission import (
    CSV_COLUMNS,
    CommissionOrder,
    CommissionService,
    PrintFormat,
    UnsafeCommission,
)

LINE = "urn:epc:id:sgln:6901234.00001.1"
PLANT = "urn:epc:id:sgln:6901234.00001.0"
GTIN = "09520123456788"


def gtin_of(ns: str) -> str:
    """A valid GTIN-14 that no other test uses."""
    digits = str(int(hashlib.sha256(ns.encode()).hexdigest(), 16))[:12]
    body = "0" + digits
    return body + gs1_check_digit(body)


def batch_codes(driver: neo4j.Driver, gtin: str, lot: str) -> list[dict[str, str]]:
    records, _, _ = driver.execute_query(
        """
        MATCH (c:Code)-[:IN_BATCH]->(b:Batch {id: $batch})-[:OF]->(:Product {gtin: $gtin})
        RETURN c.id AS id, c.serial AS serial, c.lot AS lot, c.status AS status
        """,
        batch=f"{gtin}|{lot}",
        gtin=gtin,
    )
    return [dict(r) for r in records]


def batches_of_lot(driver: neo4j.Driver, lot: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (b:Batch {lot: $lot}) RETURN count(b) AS n", lot=lot
    )
    return int(records[0]["n"])


def order(ns: str, count: int, gtin: str = GTIN, **kwargs: object) -> CommissionOrder:
    return CommissionOrder.create(gtin, ns.upper(), LINE, PLANT, count, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("print_format", list(PrintFormat))
def test_commissioned_codes_are_nodes_of_the_batch_and_lines_of_the_print_file(
    db: Database, driver: neo4j.Driver, ns: str, tmp_path: Path, print_format: PrintFormat
) -> None:
    out = tmp_path / f"codes.{print_format}"
    progress: list[int] = []
    service = CommissionService(db, chunk_size=10)
    result = service.commission(
        order(ns, 25), out, print_format, on_progress=progress.append, sample=4
    )

    assert (result.count, result.events, progress) == (25, 3, [10, 10, 5])
    assert 0 < result.guess_probability < 1e-15
    codes = batch_codes(driver, GTIN, ns.upper())
    assert len(codes) == 25
    assert len({c["id"] for c in codes}) == 25
    assert {c["status"] for c in codes} == {"active"}

    if print_format is PrintFormat.CSV:
        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert tuple(rows[0]) == CSV_COLUMNS
        links = [row["digital_link"] for row in rows]
        for row in rows:
            unit = parse_unit_identifier(row["digital_link"])
            assert (unit.epc, unit.gtin, unit.serial, unit.lot) == (
                row["epc"], row["gtin"], row["serial"], row["lot"],
            )  # fmt: skip
    else:
        links = out.read_text().splitlines()
    units = [parse_unit_identifier(link) for link in links]
    assert {u.epc for u in units} == {c["id"] for c in codes}
    assert {u.lot for u in units} == {ns.upper()}
    assert list(result.sample_links) == links[:4]


def test_a_repeated_serial_is_replaced_before_capture(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    seed = int(hashlib.sha256(ns.encode()).hexdigest(), 16)
    first = CommissionService(db, rng=random.Random(seed)).commission(order(ns, 5))
    # The same seed draws the same five serials again: every one is issued already.
    second = CommissionService(db, rng=random.Random(seed)).commission(order(ns, 5))

    assert (first.collisions, second.collisions) == (0, 5)
    codes = batch_codes(driver, GTIN, ns.upper())
    assert len({c["id"] for c in codes}) == 10


def test_a_random_source_that_keeps_repeating_is_refused(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    class Stuck(random.Random):
        def randbytes(self, n: int) -> bytes:
            return bytes(n)

    with pytest.raises(Exception, match=r"serials: .* still repeat"):
        CommissionService(db, rng=Stuck()).commission(order(ns, 3))
    assert batches_of_lot(driver, ns.upper()) == 0


def test_guess_probability_counts_codes_already_issued(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    gtin = gtin_of(ns)
    scheme = SerialScheme("0123456789", 6)  # 10^6 serials: 100 issued reach 1/10,000
    service = CommissionService(db)
    result = service.commission(order(ns, 60, gtin, scheme=scheme))
    assert result.guess_probability == pytest.approx(60 / 10**6)

    with pytest.raises(UnsafeCommission, match=r"count: 60 issued \+ 40 new .* below 0.0001"):
        service.commission(order(ns, 40, gtin, scheme=scheme))
    assert service.issued(gtin) == 60
    assert service.commission(order(ns, 39, gtin, scheme=scheme)).issued_before == 60


@pytest.mark.parametrize(
    ("field", "gtin", "lot", "count", "message"),
    [
        ("gtin", "09520123456789", "L1", 5, "check digit 9, expected 8"),
        ("gtin", "95201234567", "L1", 5, "must have 8 or 12 or 13 or 14 digits, got 11"),
        ("count", GTIN, "L1", 0, "at least 1, got 0"),
        ("count", GTIN, "L1", -3, "at least 1, got -3"),
        ("lot", GTIN, "L 1", 5, "character ' ' outside GS1 character set 82"),
        ("lot", GTIN, "L#1", 5, "character '#' outside"),
        ("lot", GTIN, "L" * 21, 5, "21 characters, at most 20"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    field: str, gtin: str, lot: str, count: int, message: str
) -> None:
    with pytest.raises(InvalidField, match=f"^{field}: .*{message}") as caught:
        CommissionOrder.create(gtin, lot, LINE, PLANT, count)
    assert caught.value.path == field


def test_bad_line_plant_and_host_are_named() -> None:
    with pytest.raises(InvalidField, match=r"^line: 'line 1' must be a URI"):
        CommissionOrder.create(GTIN, "L1", "line 1", PLANT, 1)
    with pytest.raises(InvalidField, match=r"^plant: "):
        CommissionOrder.create(GTIN, "L1", LINE, "", 1)
    with pytest.raises(InvalidField, match=r"^host: .* must start with https://"):
        CommissionOrder.create(GTIN, "L1", LINE, PLANT, 1, host="id.example")


def test_cli_commissions_and_prints_the_guess_probability(
    driver: neo4j.Driver, database_settings: DatabaseSettings, ns: str, tmp_path: Path
) -> None:
    out = tmp_path / "codes.txt"
    args = ["codes", "commission", "--gtin", GTIN[1:], "--lot", ns.upper(), "--line", LINE]
    args += ["--plant", PLANT, "--count", "12", "--out", str(out), "--format", "txt"]
    env = {
        "YIMA_NEO4J_URI": database_settings.uri,
        "YIMA_NEO4J_DATABASE": database_settings.database,
    }
    result = CliRunner().invoke(yima_app, args, env=env)

    assert result.exit_code == 0, result.output
    assert "commissioned 12 codes" in result.output
    assert "guess probability" in result.output
    links = out.read_text().splitlines()
    assert len(links) == 12
    assert {parse_unit_identifier(link).epc for link in links} == {
        c["id"] for c in batch_codes(driver, GTIN, ns.upper())
    }


def test_cli_rejects_a_bad_gtin_before_touching_the_database(
    driver: neo4j.Driver, ns: str, tmp_path: Path
) -> None:
    out = tmp_path / "codes.csv"
    args = ["codes", "commission", "--gtin", "09520123456789", "--lot", ns.upper(), "--line", LINE]
    args += ["--plant", PLANT, "--count", "3", "--out", str(out)]
    result = CliRunner().invoke(yima_app, args, env={"YIMA_NEO4J_URI": "bolt://127.0.0.1:1"})

    assert result.exit_code == 2
    assert "gtin: GTIN 09520123456789 has check digit 9" in result.output
    assert not out.exists()
    assert batches_of_lot(driver, ns.upper()) == 0


MUTATION = """
mutation ($input: CommissionCodesInput!) {
  commissionCodes(input: $input) {
    __typename
    ... on CommissionSuccess { count events issuedBefore guessProbability digitalLinks }
    ... on Problem { path message }
  }
}
"""


def test_graphql_mutation_commissions_and_returns_links(
    driver: neo4j.Driver,
    database_settings: DatabaseSettings,
    admin_headers: dict[str, str],
    ns: str,
) -> None:
    def run(**fields: object) -> dict[str, object]:
        given: dict[str, object] = {"gtin": GTIN, "lot": ns.upper(), "line": LINE, "plant": PLANT}
        variables = {"input": given | fields}
        response = client.post("/graphql", json={"query": MUTATION, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return dict(body["data"]["commissionCodes"])

    with TestClient(create_app(database_settings), headers=admin_headers) as client:
        done = run(count=7)
        too_many = run(count=100_001)
        bad_lot = run(count=7, lot="L 1")

    assert done["__typename"] == "CommissionSuccess"
    assert (done["count"], done["events"]) == (7, 1)
    links = done["digitalLinks"]
    assert isinstance(links, list) and len(links) == 7
    assert {parse_unit_identifier(link).epc for link in links} == {
        c["id"] for c in batch_codes(driver, GTIN, ns.upper())
    }
    assert (too_many["__typename"], too_many["path"]) == ("Problem", "count")
    assert "100,000" in str(too_many["message"])
    assert (bad_lot["__typename"], bad_lot["path"]) == ("Problem", "lot")
