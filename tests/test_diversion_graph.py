"""Diversion end to end on a small hand-built world in the real graph: detection and its
stored cases, ``diversionCases``, ``diversionPath``, the ``recordScan`` flag, the job, the
commands and the flows picture."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.master import MasterData, Supply
from graph_model.repositories.master_data import MasterDataRepository
from services.diversion import DiversionService
from tests.diversion_world import DiversionWorld, load, new_world


@pytest.fixture(scope="module")
def world(db: Database) -> DiversionWorld:
    w = new_world()
    load(db, w)
    return w


@pytest.fixture(scope="module")
def detected(db: Database, world: DiversionWorld) -> dict[str, Any]:
    report = DiversionService(db).detect(world.start, world.end)
    return report.as_dict()


def _cases(driver: neo4j.Driver, w: DiversionWorld) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        """
        MATCH (c:DiversionCase)-[:AGAINST]->(d:Distributor) WHERE d.id IN $ids
        MATCH (c)-[:IN]->(g:Region)
        RETURN c.id AS id, d.id AS distributor, g.code AS region, c.units AS units,
               c.scans AS scans, c.consumers AS consumers, c.rule AS rule,
               c.severity AS severity, COUNT { (c)-[:INCLUDES]->(:Code) } AS included
        ORDER BY region
        """,
        ids=[w.party("X"), w.party("Y")],
        database_="yimatest",
    )
    return [r.data() for r in records]


def test_detection_raises_the_leaks_and_not_the_noise(
    detected: dict[str, Any], driver: neo4j.Driver, world: DiversionWorld
) -> None:
    w = world
    assert detected["classes"]["contracted"] == 18 and detected["classes"]["inside"] == 3
    cases = _cases(driver, w)
    assert [(c["distributor"], c["region"]) for c in cases] == [
        (w.party("X"), w.region("C")),  # off-contract shipment
        (w.party("Y"), w.region("D")),  # stock vanished from Y's records
    ]
    assert [(c["units"], c["consumers"], c["included"]) for c in cases] == [
        (20, 6, 20),
        (15, 5, 15),
    ]
    assert all(c["rule"] == "volume" and c["severity"] == "high" for c in cases)


def test_a_rerun_leaves_the_same_cases(
    db: Database, detected: dict[str, Any], driver: neo4j.Driver, world: DiversionWorld
) -> None:
    before = _cases(driver, world)
    again = DiversionService(db).detect(world.start, world.end)
    assert set(again.case_ids) >= {c["id"] for c in before}
    assert _cases(driver, world) == before  # replaced, not duplicated


def _gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


CASES = """
query($d: String, $r: String, $first: Int!, $after: String, $min: DiversionSeverity!) {
  diversionCases(distributor: $d, region: $r, first: $first, after: $after, minSeverity: $min) {
    ... on DiversionCaseConnection {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id responsible { id name } destination { code name } units scans consumers
              firstSeen lastSeen severity reasons rule
              path { __typename ... on DiversionPath { leak { kind summary } } } }
    }
    ... on Problem { path reason }
  }
}
"""


def test_diversion_cases_are_a_connection_sorted_by_severity(
    client: TestClient, detected: dict[str, Any], world: DiversionWorld
) -> None:
    w = world
    x = _gql(client, CASES, d=w.party("X"), first=5, min="HIGH")["diversionCases"]
    assert x["totalCount"] == 1
    (case,) = x["nodes"]
    assert case["responsible"] == {"id": w.party("X"), "name": "甲经销商"}
    assert case["destination"] == {"code": w.region("C"), "name": "丙市"}
    assert (case["units"], case["consumers"], case["severity"]) == (20, 6, "HIGH")
    assert case["reasons"][0].startswith("20 units of 甲经销商")
    assert case["path"]["leak"]["kind"] == "OFF_CONTRACT_SHIPMENT"
    region = _gql(client, CASES, r=w.region("P2"), first=1, min="LOW")["diversionCases"]
    assert region["totalCount"] >= 2 and region["pageInfo"]["hasNextPage"]
    after = region["pageInfo"]["endCursor"]
    rest = _gql(client, CASES, r=w.region("P2"), first=5, after=after, min="LOW")
    assert len(rest["diversionCases"]["nodes"]) == region["totalCount"] - 1
    bad = _gql(client, CASES, first=1000, min="LOW")["diversionCases"]
    assert bad["path"] == "first"


PATH = """
query($code: String!) {
  diversionPath(code: $code) {
    __typename
    ... on DiversionPath {
      steps { kind party { key name } region { key name } inChannel evidence }
      leak { kind lastInChannel { party { key } } firstOut { kind party { key } region { key } }
             evidence summary }
    }
    ... on NotDiverted { steps { kind inChannel } }
    ... on UnknownCode { code }
    ... on Problem { path }
  }
}
"""


def test_diversion_path_answers(client: TestClient, world: DiversionWorld) -> None:
    w = world
    off = _gql(client, PATH, code=w.box(0)[0])["diversionPath"]
    assert off["__typename"] == "DiversionPath"
    leak = off["leak"]
    assert leak["kind"] == "OFF_CONTRACT_SHIPMENT"
    assert leak["lastInChannel"]["party"]["key"] == w.party("X")
    assert leak["firstOut"]["party"]["key"] == w.party("SC")
    assert [s["kind"] for s in off["steps"]][:3] == ["MADE", "TRANSFER", "TRANSFER"]
    assert off["steps"][0]["party"]["name"] == "测试工厂"
    vanished = _gql(client, PATH, code=w.box(3)[0])["diversionPath"]
    assert vanished["leak"]["kind"] == "UNRECORDED_TRANSFER"
    assert vanished["leak"]["lastInChannel"]["party"]["key"] == w.party("Y")
    assert vanished["leak"]["firstOut"]["region"]["key"] == w.region("D")
    assert vanished["leak"]["evidence"][-1] in w.scans["vanished"]
    home = _gql(client, PATH, code=w.box(5)[0])["diversionPath"]  # contracted supply
    assert home["__typename"] == "NotDiverted" and all(s["inChannel"] for s in home["steps"])
    unknown = _gql(client, PATH, code=w.units[0] + "zz")["diversionPath"]
    assert unknown == {"__typename": "UnknownCode", "code": w.units[0] + "zz"}
    assert _gql(client, PATH, code="not a code")["diversionPath"]["path"] == "code"


SCAN = """
mutation($input: RecordScanInput!) {
  recordScan(input: $input) {
    ... on RecordScanSuccess {
      diversion { outside judged reason responsible { id name } region { code name } }
    }
    ... on Problem { path reason }
  }
}
"""


def test_record_scan_says_whether_the_unit_is_outside_its_territory(
    client: TestClient, world: DiversionWorld
) -> None:
    w = world
    at = (w.end + timedelta(days=3)).isoformat()

    def scan(unit: str, region: str, n: str) -> dict[str, Any]:
        variables = {"code": unit, "kind": "CONSUMER", "clientScanId": f"{w.ns}{n}",
                     "location": {"region": w.region(region)}, "at": at}  # fmt: skip
        return _gql(client, SCAN, input=variables)["recordScan"]["diversion"]

    away = scan(w.box(2)[10], "D", "s1")
    assert away["outside"] and away["judged"]
    assert away["responsible"] == {"id": w.party("X"), "name": "甲经销商"}
    assert away["region"] == {"code": w.region("D"), "name": "丁市"}
    assert not scan(w.box(2)[11], "A", "s2")["outside"]
    assert not scan(w.box(5)[20], "B", "s3")["outside"]  # contracted
    unknown = _gql(
        client,
        SCAN,
        input={"code": w.units[0] + "zz", "kind": "CONSUMER", "clientScanId": f"{w.ns}s4"},
    )["recordScan"]
    assert unknown["diversion"] is None


def test_the_scan_time_check_judges_by_the_contracts_about_the_scan_region(
    db: Database, world: DiversionWorld
) -> None:
    # Of a dealer's contracts (hundreds of stores, in a real channel) only those in the scan's
    # region, a region holding it or one it holds can change the answer; the territory is kept
    # between scans and read again once the master data changed.
    w = world
    service = DiversionService(db)
    at = w.end + timedelta(days=3)

    def check(unit: str, region: str, by: DiversionService = service) -> tuple[str, str]:
        found = by.check_scan(unit, w.region(region), at)
        assert found is not None
        return found.scan_class, found.reason

    x_unit, y_unit = w.box(2)[9], w.box(4)[9]  # X's (authorized in A, supplies SB in B); Y's
    scan_class, reason = check(x_unit, "B")
    assert scan_class == "contracted" and w.party("SB") in reason
    assert check(x_unit, "P1")[0] == "unlocated"  # the province holds A and B
    assert check(x_unit, "C")[0] == "outside"
    assert check(y_unit, "P2")[0] == "outside"  # Y is authorized in B only
    # Y now also supplies SC in C, in the other province: the same service sees it at once.
    MasterDataRepository(db).save(MasterData(supplies=(Supply(w.party("Y"), w.party("SC")),)))
    try:
        scan_class, reason = check(y_unit, "C")
        assert scan_class == "contracted" and w.party("SC") in reason
        scan_class, reason = check(y_unit, "P2")  # holds C: inside or outside cannot be told
        assert scan_class == "unlocated" and f"coarser than {w.region('C')}" in reason
        assert check(y_unit, "D")[0] == "outside"
    finally:
        db.write(
            lambda tx: tx.run(
                "MATCH (:Party {id: $y})-[r:SUPPLIES]->(:Party {id: $s}) DELETE r",
                y=w.party("Y"),
                s=w.party("SC"),
            ).consume()
        )
    assert check(y_unit, "P2", DiversionService(db))[0] == "outside"


DETECT = """
mutation($from: DateTime, $to: DateTime) {
  detectDiversion(from: $from, to: $to) {
    ... on Job { id kind status }
    ... on Problem { path reason }
  }
}
"""


def test_detect_diversion_runs_as_a_job(client: TestClient, world: DiversionWorld) -> None:
    w = world
    job = _gql(client, DETECT, **{"from": w.start.isoformat(), "to": w.end.isoformat()})
    started = job["detectDiversion"]
    assert started["kind"] == "DIVERSION"
    query = "query($id: ID!) { job(id: $id) { ... on Job { status detail error { reason } } } }"
    for _ in range(120):
        found = _gql(client, query, id=started["id"])["job"]
        if found["status"] in ("SUCCEEDED", "FAILED"):
            break
        time.sleep(0.5)
    assert found["status"] == "SUCCEEDED", found
    assert found["detail"]["cases"] >= 2 and found["detail"]["scans"] >= 57
    reversed_window = {"from": w.end.isoformat(), "to": w.start.isoformat()}
    assert _gql(client, DETECT, **reversed_window)["detectDiversion"]["path"] == "to"


def test_commands_detect_and_draw_flows(
    cli_env: None, db: Database, world: DiversionWorld, tmp_path: Path
) -> None:
    w = world
    runner = CliRunner()
    args = ["detect", "diversion", "--from", w.start.isoformat(), "--to", w.end.isoformat()]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "甲经销商 -> 丙市" in done.output and "乙经销商 -> 丁市" in done.output
    gtin = DiversionService(db).path(w.units[0]).path.gtin  # type: ignore[union-attr]
    window = ["--from", (w.start - timedelta(days=1)).isoformat(), "--to", w.end.isoformat()]
    drawn = runner.invoke(
        app, ["diversion", "flows", "--gtin", gtin, "--out", str(tmp_path), *window]
    )
    assert drawn.exit_code == 0, drawn.output
    assert (tmp_path / "flows.png").stat().st_size > 10_000
    page = (tmp_path / "flows.html").read_text("utf-8")
    assert "<svg" in page and "丙市" in page
    assert "<script" not in page and "<link" not in page  # nothing loaded from elsewhere
    bad = runner.invoke(app, ["diversion", "flows", "--gtin", "123", "--out", str(tmp_path)])
    assert bad.exit_code == 2


FLOWS = """
query($gtin: String!, $from: DateTime!, $to: DateTime!) {
  diversionFlows(gtin: $gtin, from: $from, to: $to) {
    ... on DiversionFlows {
      moved { origin { code } destination { code name } units crossed }
      ended { origin { code } destination { code } units }
      velocity { units plantToStore { units medianDays } storeToConsumer { units } }
    }
    ... on Problem { path }
  }
}
"""


def test_diversion_flows(client: TestClient, db: Database, world: DiversionWorld) -> None:
    w = world
    gtin = DiversionService(db).path(w.units[0]).path.gtin  # type: ignore[union-attr]
    window = {"from": (w.start - timedelta(days=1)).isoformat(), "to": w.end.isoformat()}
    flows = _gql(client, FLOWS, gtin=gtin, **window)["diversionFlows"]
    moved = {(f["origin"]["code"], f["destination"]["code"]): f["units"] for f in flows["moved"]}
    assert moved[(w.region("A"), w.region("C"))] == 48  # two cases off contract
    assert moved[(w.region("A"), w.region("B"))] >= 48 + 24
    ended = {(f["origin"]["code"], f["destination"]["code"]): f["units"] for f in flows["ended"]}
    assert ended[(w.region("B"), w.region("D"))] == 15  # sent to Y, surfaced in D
    assert ended[(w.region("A"), w.region("E"))] == 1  # the traveller
    (speed,) = [v for v in flows["velocity"] if v["units"] >= 144]
    assert speed["plantToStore"]["units"] == 96  # the cases that reached a store
    assert _gql(client, FLOWS, gtin="123", **window)["diversionFlows"]["path"] == "gtin"


def test_a_scan_with_no_region_is_unlocated_not_an_error(db: Database, ns: str) -> None:
    # Scans from other systems may carry neither a region nor GPS.
    at = datetime(2003, 1, 1, tzinfo=UTC) + timedelta(minutes=int(ns[1:7], 16) % 500_000)
    db.write(
        lambda tx: tx.run(
            "CREATE (c:Code {id: $code, gtin: '06901234000018', commissionedAt: $at}) "
            "CREATE (:Scan {id: $scan, at: $at, kind: 'consumer'})-[:OF]->(c)",
            code=f"urn:epc:id:sgtin:6901234.000001.{ns}",
            scan=f"scan-{ns}",
            at=at,
        ).consume()
    )
    report = DiversionService(db).detect(at, at + timedelta(minutes=1))
    assert report.scans == 1 and not report.case_ids
    assert sum(report.classes.values()) == 1
