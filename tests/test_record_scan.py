"""``recordScan``: a scan becomes an EPCIS event and a ``:Scan``; retries are duplicates; the
verdict is the one before the scan."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from services.capture import CaptureService
from services.scans import scan_event_id
from tests.factories import Chain

RECORD = """
mutation ($input: RecordScanInput!) {
  recordScan(input: $input) {
    __typename
    ... on RecordScanSuccess {
      scanId eventId code duplicate
      verification { issued scanCount consumerScanCount verdict { level summary } }
    }
    ... on Problem { path reason }
  }
}
"""


@pytest.fixture
def chain(db: Database, driver: neo4j.Driver, ns: str) -> Chain:
    made = Chain(ns, units=4)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


def record(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": RECORD, "variables": {"input": fields}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["recordScan"]
    return result


def test_event_id_is_derived_from_code_and_client_scan_id() -> None:
    a = scan_event_id("urn:yima:code:A", "s1")
    assert a == scan_event_id("urn:yima:code:A", "s1") and a.startswith("urn:uuid:")
    assert a != scan_event_id("urn:yima:code:A", "s2") != scan_event_id("urn:yima:code:B", "s1")


def test_a_scan_is_stored_and_judged_as_before_it(
    client: TestClient, driver: neo4j.Driver, chain: Chain, ns: str
) -> None:
    unit = chain.units[1]
    scan = {
        "code": unit, "kind": "CONSUMER", "clientScanId": f"{ns}-1", "actor": f"c-{ns}",
        "device": "d1", "location": {"lat": 31.23, "lon": 121.47},
        "at": "2026-01-05T10:00:00+08:00",
    }  # fmt: skip
    first = record(client, **scan)
    assert first["__typename"] == "RecordScanSuccess" and first["duplicate"] is False
    assert first["verification"]["verdict"]["summary"] == "genuine, first scan"
    assert first["verification"]["scanCount"] == 0
    records, _, _ = driver.execute_query(
        "MATCH (s:Scan {id: $id})-[:OF]->(c:Code) "
        "OPTIONAL MATCH (e:Event {id: $id}) "
        "RETURN s.kind AS kind, s.clientScanId AS cid, s.region AS region, c.id AS code, "
        "e.bizStep AS step",
        id=first["eventId"],
    )
    assert len(records) == 1
    row = records[0]
    assert (row["kind"], row["cid"], row["code"]) == ("consumer", f"{ns}-1", unit)
    assert row["step"] == "https://ns.yima.dev/bizstep/scan"
    assert row["region"] == "310100"  # located from GPS: Shanghai

    retry = record(client, **scan)
    assert retry["duplicate"] is True and retry["eventId"] == first["eventId"]
    assert retry["verification"] == first["verification"]
    count, _, _ = driver.execute_query(
        "MATCH (s:Scan {clientScanId: $cid}) RETURN count(s) AS n", cid=f"{ns}-1"
    )
    assert count[0]["n"] == 1

    second = record(client, **{**scan, "clientScanId": f"{ns}-2", "code": unit})
    assert second["verification"]["scanCount"] == 1
    assert second["verification"]["verdict"]["summary"] == "genuine, scanned 1 time before"


def test_a_copied_code_is_called_out(client: TestClient, chain: Chain, ns: str) -> None:
    unit = chain.units[2]
    for i, region in enumerate(["310100", "440300", "510100", "110100"]):
        result = record(
            client, code=unit, kind="CONSUMER", clientScanId=f"{ns}-{i}",
            location={"region": region},
        )  # fmt: skip
    assert result["verification"]["verdict"] == {
        "level": "SUSPECT",
        "summary": "scanned 3 times in 3 provinces — likely copied code",
    }


def test_a_scan_of_a_code_never_issued_is_recorded_as_counterfeit(
    client: TestClient, ns: str
) -> None:
    result = record(
        client, code=f"urn:epc:id:sgtin:6901234.012345.{ns}", kind="INSPECTOR",
        clientScanId=ns, location={"region": "310100"},
    )  # fmt: skip
    assert result["verification"]["issued"] is False
    assert result["verification"]["verdict"]["level"] == "COUNTERFEIT"


@pytest.mark.parametrize(
    ("change", "argument"),
    [
        ({"code": "??"}, "input.code"),
        ({"kind": "OTHER"}, "input.kind"),
        ({"clientScanId": ""}, "input.clientScanId"),
        ({"clientScanId": "x" * 200}, "input.clientScanId"),
        ({"location": {"lat": 31.2}}, "input.location"),
        ({"location": {"lat": 91.0, "lon": 0.0}}, "input.location.lat"),
        ({"location": {"region": "no such region!"}}, "input.location.region"),
        ({"at": "2999-01-01T00:00:00Z"}, "input.at"),
        ({"actor": ""}, "input.actor"),
    ],
)
def test_bad_scans_name_the_field(
    client: TestClient, ns: str, change: dict[str, Any], argument: str
) -> None:
    scan = {"code": f"urn:epc:id:sgtin:6901234.012345.{ns}", "kind": "CONSUMER",
            "clientScanId": ns, **change}  # fmt: skip
    result = record(client, **scan)
    assert result["__typename"] == "Problem"
    assert result["path"] == argument and result["reason"]
