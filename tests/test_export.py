"""The regulator export: spreadsheet rows, EPCIS document, digest, tampering, bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import neo4j
import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as yima_app
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.export import (
    COLUMNS,
    ExportedEvent,
    ExportSubject,
    ExportSubjectNotFound,
    LotQuantity,
    set_digest,
    spreadsheet_rows,
)
from graph_model.settings import DatabaseSettings
from loaders.epcis.hash import document_hashes
from loaders.export_files import write_csv, write_xlsx
from services.capture import CaptureService
from services.export import ProvenanceExporter
from tests.factories import CONTEXT, DISTRIBUTOR, PLANT, Chain, document

UNITS = 6
GTIN = "06901234123456"


def _capture(db: Database, driver: neo4j.Driver, ns: str) -> Chain:
    chain = Chain(ns, units=UNITS)
    result = CaptureService(db).capture_document(chain.document())
    assert not result.problems
    return chain


@pytest.fixture(scope="module")
def chain(db: Database, driver: neo4j.Driver) -> Chain:
    return _capture(db, driver, "x" + uuid.uuid4().hex[:10])


@pytest.fixture(scope="module")
def exporter(db: Database, driver: neo4j.Driver) -> ProvenanceExporter:
    return ProvenanceExporter(db)


def _ids(chain: Chain, *numbers: int) -> list[str]:
    return [chain.event(n)["eventID"] for n in numbers]


# -- pure ----------------------------------------------------------------------------------


def test_set_digest_is_sha256_over_sorted_hashes_joined_by_newlines() -> None:
    hashes = ["ni:///sha-256;" + c * 64 + "?ver=CBV2.0" for c in "cab"]
    expected = hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()

    assert set_digest(hashes) == "ni:///sha-256;" + expected
    assert set_digest(reversed(hashes)) == set_digest(hashes)


def test_rows_carry_the_key_data_elements_of_a_shipment() -> None:
    event = ExportedEvent(
        id="urn:uuid:e1",
        stored_hash="ni:///sha-256;" + "a" * 64,
        recomputed_hash="ni:///sha-256;" + "a" * 64,
        event_time=datetime(2026, 1, 1, 20, tzinfo=UTC),
        type="ObjectEvent",
        action="OBSERVE",
        biz_step="shipping",
        disposition="in_transit",
        read_point=None,
        biz_location=PLANT,
        body={
            "eventTimeZoneOffset": "+08:00",
            "sourceList": [{"type": "owning_party", "source": PLANT}],
            "destinationList": [
                {"type": "location", "destination": "urn:epc:id:sgln:1.2.3"},
                {"type": "owning_party", "destination": DISTRIBUTOR},
            ],
            "bizTransactionList": [
                {"type": "urn:epcglobal:cbv:btt:desadv", "bizTransaction": "D1"}
            ],
        },
        lots=(LotQuantity(GTIN, "L1", "Tea", 24), LotQuantity(GTIN, "L2", "Tea", 1)),
    )

    rows = spreadsheet_rows([event], {PLANT: "Plant A"})

    assert [(r.lot_code, r.quantity, r.unit_of_measure) for r in rows] == [
        ("L1", 24, "EA"),
        ("L2", 1, "EA"),
    ]
    row = rows[0]
    assert row.cte == "shipping"
    assert row.event_date == date(2026, 1, 2)  # 20:00Z is the next day at +08:00
    assert (row.location_from, row.location_to) == (f"Plant A ({PLANT})", DISTRIBUTOR)
    assert (row.reference_type, row.reference_number) == ("Despatch advice", "D1")
    assert len(row.cells()) == len(COLUMNS)
    assert row.cells()[-1] == "ok"


# -- against the database ------------------------------------------------------------------


def test_code_export_has_one_row_per_tracking_event_of_the_unit(
    chain: Chain, exporter: ProvenanceExporter
) -> None:
    export = exporter.for_code(chain.units[0])

    # The unit's own events and its case's and pallet's while it was inside them; not the
    # packing of the other case.
    assert [e.id for e in export.events] == _ids(chain, 1, 2, 4, 5, 6, 7, 8, 9)
    assert [r.event_id for r in export.rows] == _ids(chain, 1, 2, 4, 5, 6, 7, 8, 9)
    assert {(r.lot_code, r.gtin, r.quantity) for r in export.rows} == {(chain.lot, GTIN, 1)}
    shipping = next(r for r in export.rows if r.biz_step == "shipping")
    assert shipping.cte == "shipping"
    assert shipping.location_from == PLANT and shipping.location_to == DISTRIBUTOR
    assert shipping.reference_type == "Despatch advice"
    assert shipping.reference_number == chain.shipment
    assert shipping.event_date == date(2026, 1, 1)
    packing = next(r for r in export.rows if r.biz_step == "packing")
    assert (packing.reference_type, packing.reference_number) == ("EPCIS event", packing.event_id)
    assert export.altered == ()


def test_lot_export_counts_the_units_of_the_lot_per_event(
    chain: Chain, exporter: ProvenanceExporter
) -> None:
    by_batch = exporter.for_lot(f"{GTIN}|{chain.lot}")
    by_number = exporter.for_lot(chain.lot)

    assert by_batch.subject == ExportSubject.lot(GTIN, chain.lot)
    assert [e.id for e in by_batch.events] == _ids(chain, *range(1, 10))
    quantities = {r.event_id: r.quantity for r in by_batch.rows}
    assert quantities == dict(
        zip(_ids(chain, *range(1, 10)), [6, 3, 3, 6, 6, 6, 3, 3, 1], strict=True)
    )
    assert by_number.digest == by_batch.digest


def test_document_rehashes_to_the_stored_hashes_and_the_digest_recomputes(
    chain: Chain, exporter: ProvenanceExporter
) -> None:
    export = exporter.for_lot(f"{GTIN}|{chain.lot}")
    document = json.loads(json.dumps(export.document()))  # as a regulator receives it
    meta = document["yima:provenanceExport"]

    listed = [h["hash"] for h in meta["eventHashes"]]
    assert document_hashes(document) == listed
    assert listed == [e.stored_hash for e in export.events]
    assert set_digest(listed) == meta["digest"] == export.digest
    assert meta["altered"] == []


def test_an_event_changed_in_the_database_after_capture_is_flagged(
    db: Database, driver: neo4j.Driver, exporter: ProvenanceExporter, ns: str
) -> None:
    chain = _capture(db, driver, ns)
    sold = _ids(chain, 8)[0]
    records, _, _ = driver.execute_query("MATCH (e:Event {id: $id}) RETURN e.json AS j", id=sold)
    body = json.loads(records[0]["j"])
    body["bizLocation"] = {"id": DISTRIBUTOR}
    driver.execute_query(
        "MATCH (e:Event {id: $id}) SET e.json = $json", id=sold, json=json.dumps(body)
    )

    export = exporter.for_code(chain.units[0])
    document = export.document()

    assert export.altered == (sold,)
    assert [r.cells()[-1] for r in export.rows if r.event_id == sold] == ["ALTERED"]
    assert document["yima:provenanceExport"]["altered"] == [sold]
    listed = [h["hash"] for h in document["yima:provenanceExport"]["eventHashes"]]
    differ = [
        e["eventID"]
        for e, again, stored in zip(
            document["epcisBody"]["eventList"], document_hashes(document), listed, strict=True
        )
        if again != stored
    ]
    assert differ == [sold]


def test_fields_the_capture_document_left_out_of_the_hash_stay_out_when_checked(
    db: Database, driver: neo4j.Driver, exporter: ProvenanceExporter, ns: str
) -> None:
    # A repository stamps its own fields on each event and names them in ignoreFields, as in
    # the GS1 reference document epcisDocHavingEventWithIgnoreFields.
    chain = Chain(ns, units=UNITS)
    events = chain.events()
    for event in events:
        event["example:captureID"] = f"capture-{event['eventID']}"
    doc = document(events)
    doc["@context"] = [*CONTEXT, {"example": "https://ns.example.com/epcis/"}]
    doc["ignoreFields"] = ["example:captureID"]
    assert not CaptureService(db).capture_document(doc).problems
    without = [{k: v for k, v in e.items() if k != "example:captureID"} for e in events]
    assert document_hashes(document(without)) == document_hashes(doc)  # the field is left out

    export = exporter.for_code(chain.units[0])
    exported = json.loads(json.dumps(export.document()))

    assert export.altered == ()
    assert exported["ignoreFields"] == ["example:captureID"]
    listed = [h["hash"] for h in exported["yima:provenanceExport"]["eventHashes"]]
    assert document_hashes(exported) == listed


@pytest.mark.parametrize(
    ("code", "lot", "argument", "reason"),
    [
        ("not a code!", None, "code", "code"),
        ("", None, "code", "must not be empty"),
        ("x" * 600, None, "code", "at most 512"),
        (None, "", "lot", "must not be empty"),
        (None, "123|L1", "lot", "GTIN"),
        (None, "urn:epc:id:sgtin:6901234.012345.1", "lot", "names no lot"),
        (None, None, "code", "either a code or a lot"),
        ("urn:epc:id:sgtin:6901234.012345.1", "L1", "lot", "either a code or a lot"),
    ],
)
def test_bad_input_is_an_error_naming_the_argument(
    exporter: ProvenanceExporter, code: str | None, lot: str | None, argument: str, reason: str
) -> None:
    with pytest.raises(InvalidField, match=reason) as raised:
        exporter.export(code=code, lot=lot)
    assert raised.value.path == argument


@pytest.mark.parametrize(
    ("code", "lot", "argument"),
    [("urn:epc:id:sgtin:6901234.012345.neverissued", None, "code"), (None, "Lnever", "lot")],
)
def test_unknown_codes_and_lots_are_not_found(
    exporter: ProvenanceExporter, code: str | None, lot: str | None, argument: str
) -> None:
    with pytest.raises(ExportSubjectNotFound, match="unknown") as raised:
        exporter.export(code=code, lot=lot)
    assert raised.value.argument == argument


# -- files, CLI, HTTP, GraphQL -------------------------------------------------------------


def test_csv_and_xlsx_have_the_header_and_one_line_per_row(
    chain: Chain, exporter: ProvenanceExporter
) -> None:
    export = exporter.for_code(chain.units[0])

    lines = list(csv.reader(io.StringIO(write_csv(export.rows).decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(write_xlsx(export)))
    sheet = book["Tracking events"]

    assert tuple(lines[0]) == COLUMNS
    assert len(lines) == len(export.rows) + 1
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == len(export.rows) + 1
    assert sheet.auto_filter.ref
    assert ["Digest", export.digest] in [[c.value for c in r] for r in book["Export"].rows]


def test_cli_writes_the_three_files_and_prints_the_digest(
    chain: Chain, database_settings: DatabaseSettings, tmp_path: Path
) -> None:
    env = {
        "YIMA_NEO4J_URI": database_settings.uri,
        "YIMA_NEO4J_DATABASE": database_settings.database,
    }
    args = ["export", "provenance", "--lot", f"{GTIN}|{chain.lot}", "--out", str(tmp_path)]

    result = CliRunner().invoke(yima_app, args, env=env)

    assert result.exit_code == 0, result.output
    stem = ExportSubject.lot(GTIN, chain.lot).file_stem
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{stem}.csv",
        f"{stem}.jsonld",
        f"{stem}.xlsx",
    ]
    document = json.loads((tmp_path / f"{stem}.jsonld").read_text())
    assert document["yima:provenanceExport"]["digest"] in result.output


def test_cli_names_the_bad_argument(database_settings: DatabaseSettings, tmp_path: Path) -> None:
    env = {
        "YIMA_NEO4J_URI": database_settings.uri,
        "YIMA_NEO4J_DATABASE": database_settings.database,
    }
    result = CliRunner().invoke(
        yima_app, ["export", "provenance", "--lot", "123|L1", "--out", str(tmp_path)], env=env
    )

    assert result.exit_code == 2
    assert "lot:" in result.output


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "jsonld"])
def test_http_returns_the_file_with_the_digest(
    chain: Chain, exporter: ProvenanceExporter, client: TestClient, file_format: str
) -> None:
    response = client.get(
        "/export/provenance", params={"code": chain.units[0], "format": file_format}
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-yima-digest"] == exporter.for_code(chain.units[0]).digest
    assert response.headers["x-yima-altered-events"] == "0"
    assert f".{file_format}" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"code": "not a code!"}, 400, "code"),
        ({"lot": "Lnever"}, 404, "lot"),
        ({"code": "urn:epc:id:sgtin:6901234.012345.neverissued"}, 404, "code"),
        ({"lot": "L1", "format": "pdf"}, 400, "format"),
        ({"lots": "L1"}, 400, "lots"),
        ({}, 400, "code"),
    ],
)
def test_http_bad_input_is_a_problem_naming_the_parameter(
    client: TestClient, params: dict[str, str], status: int, parameter: str
) -> None:
    response = client.get("/export/provenance", params=params)

    assert response.status_code == status
    assert response.json()["parameter"] == parameter


QUERY = """
query ($code: String, $lot: String) {
  provenanceExport(code: $code, lot: $lot) {
    __typename
    ... on ProvenanceExport { subject eventCount digest altered links { csv } document }
    ... on Problem { path }
    ... on UnknownLot { lot }
    ... on UnknownCode { code }
  }
}
"""


def _graphql(client: TestClient, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": QUERY, "variables": variables})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["provenanceExport"]
    return result


def test_graphql_returns_digest_links_and_document(chain: Chain, client: TestClient) -> None:
    found = _graphql(client, lot=f"{GTIN}|{chain.lot}")
    bad = _graphql(client, code="not a code!")
    unknown = _graphql(client, lot="Lnever")

    assert found["__typename"] == "ProvenanceExport"
    assert found["eventCount"] == 9
    assert found["digest"] == found["document"]["yima:provenanceExport"]["digest"]
    assert found["links"]["csv"].startswith("/export/provenance?lot=")
    assert bad == {"__typename": "Problem", "path": "code"}
    assert unknown == {"__typename": "UnknownLot", "lot": "Lnever"}
