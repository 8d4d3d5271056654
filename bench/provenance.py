"""Latency of provenance, recall, verification and scan recording over HTTP GraphQL.

Runs against the server in ``YIMA_NEO4J_URI`` (default bolt://127.0.0.1:7687): serves the app
with uvicorn in its own process, asks with an httpx client, and in the same run fetches the
same provenance with the raw Cypher query through the driver, the two in turn for each unit,
printing p50 / p99 and the GraphQL / raw ratio. An empty database gets a small chain
captured first.

Usage: ``.venv/bin/python bench/provenance.py [--n 300]``

With ``--peer [--units 100000]`` it builds a standards-only demo world, captures it into a
fresh Neo4j (``POST /capture``) and into the relational peer (``bench/relational_peer.py``)
document by document, checks that both answer the same facts, and asks the peer's recursive
CTE, yima's raw Cypher and ``code(id)`` over HTTP for each unit in turn.
Targets there: raw / peer p50 <= 1.5 and p99 <= 1; GraphQL / raw <= 1.5 at p50 and p99.
Targets: code p99 <= 20 ms, ratio <= 2.0, lot p99 <= 300 ms (10,000 units), verify p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import neo4j  # noqa: E402

from graph_model.database import Database  # noqa: E402
from graph_model.repositories.provenance import TRACE  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402

CODE = """
query ($id: String!) { code(id: $id) { __typename ... on CodeTrace {
  code gtin serial productName lot batch line commissionedAt status
  plant { id name kind }
  containers { id level since until }
  containerHistory { id level since until }
  custody(first: 20) { totalCount edges { cursor node { party { id name kind tier }
    receivedAt shippedAt inbound { id refs via shipEventId receiveEventId shippedAt receivedAt }
    outbound { id refs } } } }
  scans(first: 20) { totalCount nodes { kind at region actor device } }
  events(first: 50) { totalCount nodes { id hash type action eventTime bizStep disposition
    readPoint bizLocation via } }
} } }
"""
LOT = """
query ($id: String!) { lot(id: $id) { __typename ... on LotTrace {
  unitCount statusCounts { status units }
  holders(first: 200) { totalCount nodes { party { id name kind } received shipped inStock
    sold inTransit withdrawn unaccounted scanned } }
} } }
"""
VERIFY = """
query ($code: String!) { verify(code: $code) { __typename ... on Verification {
  issued status scanCount consumerScanCount firstScanAt firstScanRegion
  verdict { level summary reasons } } } }
"""
RECORD = """
mutation ($input: RecordScanInput!) { recordScan(input: $input) { __typename
  ... on RecordScanSuccess { eventId duplicate verification { verdict { level summary } } } } }
"""


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _time(fn: Callable[[], Any], n: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _time_pair(
    first: Callable[[str], Any], second: Callable[[str], Any], pick: Callable[[], str], n: int
) -> tuple[list[float], list[float]]:
    """Both asked for the same unit, in turn, so that the units' sizes and load from elsewhere
    on a shared machine weigh on the two alike. A short pause before each request lets the
    server finish the previous one, so that neither is charged with the other's tail."""
    a: list[float] = []
    b: list[float] = []
    for round_ in range(n + 10):  # the first ten warm up
        code = pick()
        for fn, out in ((first, a), (second, b)):
            time.sleep(0.003)
            start = time.perf_counter()
            fn(code)
            if round_ >= 10:
                out.append((time.perf_counter() - start) * 1000)
    return a, b


def _pick(driver: neo4j.Driver, database: str) -> tuple[list[str], str | None]:
    """Some commissioned units that travelled, and the biggest of a few lots."""
    records, _, _ = driver.execute_query(
        """
        MATCH (s:Shipment) WITH s LIMIT 20
        MATCH (s)-[:CARRIES]->()<-[:PACKED_IN*0..2]-(c:Code)
        WHERE c.commissionedAt IS NOT NULL
        RETURN DISTINCT c.id AS id LIMIT 200
        """,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    codes = [r["id"] for r in records]
    if not codes:
        records, _, _ = driver.execute_query(
            "MATCH (c:Code) WHERE c.commissionedAt IS NOT NULL RETURN c.id AS id LIMIT 200",
            database_=database,
            routing_=neo4j.RoutingControl.READ,
        )
        codes = [r["id"] for r in records]
    lots, _, _ = driver.execute_query(
        """
        MATCH (b:Batch) WITH b LIMIT 30
        RETURN b.id AS id, COUNT { (b)<-[:IN_BATCH]-() } AS n ORDER BY n DESC LIMIT 1
        """,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return codes, (lots[0]["id"] if lots else None)


BIG_LOT_UNITS = 10_000


def _big_lot(driver: neo4j.Driver, database: str) -> str:
    """A lot of 10,000 units that went plant -> distributor -> 50 stores, sold in part and
    scanned, captured through the capture path once; its id is returned."""
    from services.capture import CaptureService
    from tests.factories import CONTEXT, DISTRIBUTOR, LINE, PLANT

    gtin_cp, item = "6901234", "077777"
    gtin = _gtin14(item[0] + gtin_cp + item[1:])
    lot = "BENCH10K"
    found, _, _ = driver.execute_query(
        "MATCH (b:Batch {id: $id}) RETURN COUNT { (b)<-[:IN_BATCH]-() } AS n",
        id=f"{gtin}|{lot}", database_=database,
    )  # fmt: skip
    if found and found[0]["n"] >= BIG_LOT_UNITS:
        return f"{gtin}|{lot}"
    units = [f"urn:epc:id:sgtin:{gtin_cp}.{item}.B10K{i:06d}" for i in range(BIG_LOT_UNITS)]
    cases = [units[i : i + 24] for i in range(0, len(units), 24)]
    case_ids = [f"urn:epc:id:sscc:{gtin_cp}.3{i:09d}" for i in range(len(cases))]
    pallets = [case_ids[i : i + 40] for i in range(0, len(case_ids), 40)]
    pallet_ids = [f"urn:epc:id:sscc:{gtin_cp}.4{i:09d}" for i in range(len(pallets))]
    stores = [f"urn:epc:id:sgln:{gtin_cp}.9{i:04d}.0" for i in range(50)]
    events: list[dict[str, Any]] = []

    def event(hour: int, **fields: Any) -> None:
        day, h = divmod(hour, 24)
        events.append({
            "type": "ObjectEvent", "eventTimeZoneOffset": "+08:00",
            "eventTime": f"2026-02-{1 + day:02d}T{h:02d}:{len(events) % 60:02d}:00+08:00",
            "eventID": f"urn:uuid:00000000-0000-4000-9000-{len(events):012d}", **fields,
        })  # fmt: skip

    def ship(hour: int, what: list[str], source: str, dest: str, ref: str) -> None:
        parties = {
            "sourceList": [{"type": "owning_party", "source": source}],
            "destinationList": [{"type": "owning_party", "destination": dest}],
            "bizTransactionList": [{"type": "desadv", "bizTransaction": ref}],
        }
        event(hour, action="OBSERVE", bizStep="shipping", disposition="in_transit",
              epcList=what, bizLocation={"id": source}, **parties)  # fmt: skip
        event(hour + 5, action="OBSERVE", bizStep="receiving", disposition="in_progress",
              epcList=what, bizLocation={"id": dest}, **parties)  # fmt: skip

    for i in range(0, len(units), 960):
        event(1, action="ADD", bizStep="commissioning", disposition="active",
              epcList=units[i : i + 960], readPoint={"id": LINE}, bizLocation={"id": PLANT},
              ilmd={"cbvmda:lotNumber": lot})  # fmt: skip
    for case_id, members in zip(case_ids, cases, strict=True):
        event(2, type="AggregationEvent", action="ADD", bizStep="packing",
              parentID=case_id, childEPCs=members)  # fmt: skip
    for pallet_id, members in zip(pallet_ids, pallets, strict=True):
        event(3, type="AggregationEvent", action="ADD", bizStep="packing",
              parentID=pallet_id, childEPCs=members)  # fmt: skip
    ship(10, pallet_ids, PLANT, DISTRIBUTOR, "urn:yima:desadv:bench10k-0")
    for pallet_id in pallet_ids:
        event(30, type="AggregationEvent", action="DELETE", bizStep="unpacking",
              parentID=pallet_id, childEPCs=[])  # fmt: skip
    for k, case_id in enumerate(case_ids[: len(case_ids) * 4 // 5]):
        store = stores[k % len(stores)]
        ship(40 + k % 24, [case_id], DISTRIBUTOR, store, f"urn:yima:desadv:bench10k-{k + 1}")
        if k % 2 == 0:
            event(90 + k % 24, action="OBSERVE", bizStep="retail_selling",
                  disposition="retail_sold", epcList=cases[k][:12],
                  bizLocation={"id": store})  # fmt: skip
    events.sort(key=lambda e: e["eventTime"])
    service = CaptureService(Database(driver, database))
    for i in range(0, len(events), 2000):
        service.capture_document({
            "@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-02-01T00:00:00Z",
            "epcisBody": {"eventList": events[i : i + 2000]},
        })  # fmt: skip
    return f"{gtin}|{lot}"


def _gtin14(body: str) -> str:
    from graph_model.identifiers.gs1 import gs1_check_digit

    return body + gs1_check_digit(body)


def _seed(driver: neo4j.Driver, database: str) -> None:
    from services.capture import CaptureService
    from tests.factories import Chain

    chain = Chain("b" + uuid.uuid4().hex[:10], units=48)
    CaptureService(Database(driver, database)).capture_document(chain.document())


def _report(name: str, samples: list[float], target: float | None = None) -> float:
    p50, p99 = _percentiles(samples)
    verdict = "" if target is None else ("  ok" if p99 <= target else f"  OVER {target} ms")
    print(f"{name:<22} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms   n={len(samples)}{verdict}")
    return p50


def _same_facts(record: neo4j.Record, facts: Any) -> None:
    """yima's answer and the peer's name the same containers, shipments and events."""
    code = record["code"]
    ours = {i for p in record["paths"] for i in p["ids"]}
    theirs = {c["id"] for c in facts.containers}
    if ours != theirs:
        raise AssertionError(f"{code}: containers {sorted(ours)} != peer {sorted(theirs)}")
    ours = {s["id"] for s in record["shipments"]}
    theirs = {s["shipment"] for s in facts.custody}
    if ours != theirs:
        raise AssertionError(f"{code}: shipments {sorted(ours)} != peer {sorted(theirs)}")
    ours = {e["id"] for e in record["events"]}
    theirs = {e["id"] for e in facts.events}
    if ours != theirs:
        raise AssertionError(f"{code}: events {sorted(ours ^ theirs)} differ from the peer's")


def _peer(argv: list[str]) -> int:
    """Provenance beside the relational peer on a standards-only world of its own."""
    from bench.relational_peer import (
        add_arguments,
        check_custody,
        percentiles,
        sample_units,
        side_by_side,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    with (
        side_by_side(args) as run,
        httpx.Client(base_url=run.api, timeout=30, headers=run.headers) as http,
    ):
        units = sample_units(run.peer, args.n)
        steps = check_custody(run.world, units, run.peer)
        print(f"peer custody of {len(units)} units agrees with the world ({steps:,} steps)")
        driver, database = run.db.driver, run.db.name

        def raw(code: str) -> list[neo4j.Record]:
            with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s:
                return list(s.run(TRACE, {"ids": [code], "raw": False}))

        for unit in units:
            _same_facts(raw(unit)[0], run.peer.provenance(unit))
        print("yima answers the same containers, shipments and events as the peer")

        def gql(code: str) -> None:
            body = http.post("/graphql", json={"query": CODE, "variables": {"id": code}}).json()
            if "errors" in body:
                raise RuntimeError(body["errors"])

        def neo4j_floor(_: str) -> None:
            with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s:
                list(s.run("RETURN 1"))

        def peer_floor(_: str) -> None:
            run.peer.connection.execute("SELECT 1").fetchone()

        # The floors: one round trip that does nothing, on each system, asked in the same turn.
        # Beside each wall time, the CPU this process spent on the ask: the client library's
        # own share (packing, reading, building records), the rest being the server and the
        # wire. HTTP's client CPU is httpx's alone; the API serves in a process of its own.
        samples: dict[str, list[float]] = {"peer": [], "raw": [], "gql": [], "pg1": [], "neo1": []}
        client: dict[str, list[float]] = {name: [] for name in samples}
        asks = (("peer", run.peer.provenance), ("raw", raw), ("gql", gql),
                ("pg1", peer_floor), ("neo1", neo4j_floor))  # fmt: skip
        for round_, unit in enumerate(units[:10] + units):  # the first ten warm up
            for name, fn in asks:
                time.sleep(0.003)
                start, cpu = time.perf_counter(), time.thread_time()
                fn(unit)
                if round_ >= 10:
                    samples[name].append((time.perf_counter() - start) * 1000)
                    client[name].append((time.thread_time() - cpu) * 1000)
        p = {name: percentiles(values) for name, values in samples.items()}
        for name, label in (("peer", "PostgreSQL CTE"), ("raw", "yima Cypher, raw"),
                            ("gql", "yima code(id), HTTP"), ("pg1", "PostgreSQL SELECT 1"),
                            ("neo1", "Neo4j RETURN 1")):  # fmt: skip
            own = statistics.median(client[name])
            print(f"{label:<22} p50 {p[name][0]:7.2f} ms   p99 {p[name][1]:7.2f} ms   "
                  f"client CPU p50 {own:5.2f} ms")  # fmt: skip
        print(f"raw / peer   p50 {p['raw'][0] / p['peer'][0]:5.2f} (target <= 1.5)   "
              f"p99 {p['raw'][1] / p['peer'][1]:5.2f} (target <= 1)")  # fmt: skip
        print(f"GraphQL / raw p50 {p['gql'][0] / p['raw'][0]:5.2f} (target <= 1.5)   "
              f"p99 {p['gql'][1] / p['raw'][1]:5.2f} (target <= 1.5)")  # fmt: skip
    return 0


def main(argv: list[str]) -> int:
    if "--peer" in argv:
        return _peer(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per measurement")
    args = parser.parse_args(argv)
    settings = DatabaseSettings.from_env()
    db = Database.open(settings)
    apply_schema(db)
    driver = db.driver
    codes, lot = _pick(driver, settings.database)
    if not codes:
        _seed(driver, settings.database)
        codes, lot = _pick(driver, settings.database)
    lot = _big_lot(driver, settings.database)
    print(f"{settings.uri}: {len(codes)} sample units, lot {lot} ({BIG_LOT_UNITS:,} units)")

    from bench.relational_peer import start_api

    server, base = start_api(settings.uri)
    url = base + "/graphql"
    i = 0

    def pick() -> str:
        nonlocal i
        i += 1
        return codes[i % len(codes)]

    try:
        with httpx.Client(timeout=30) as http:

            def post(query: str, variables: dict[str, Any]) -> None:
                body = http.post(url, json={"query": query, "variables": variables}).json()
                if "errors" in body:
                    raise RuntimeError(body["errors"])

            def raw(code: str) -> None:
                with driver.session(
                    database=settings.database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    list(session.run(TRACE, {"ids": [code], "raw": False}))

            gql_ms, raw_ms = _time_pair(lambda code: post(CODE, {"id": code}), raw, pick, args.n)
            gql = _report("code (GraphQL)", gql_ms, 20)
            cypher = _report("code (raw Cypher)", raw_ms)
            print(f"{'GraphQL / raw':<22} {gql / cypher:8.2f}  (p50 ratio; target <= 2.0)")
            _report("verify", _time(lambda: post(VERIFY, {"code": pick()}), args.n), 10)
            run = uuid.uuid4().hex[:8]
            counter = iter(range(10**9))
            _report(
                "recordScan",
                _time(
                    lambda: post(
                        RECORD,
                        {"input": {"code": pick(), "kind": "INSPECTOR",
                                   "clientScanId": f"bench-{run}-{next(counter)}",
                                   "actor": "urn:yima:bench", "location": {"region": "310100"}}},
                    ),
                    args.n,
                ),
                20,
            )  # fmt: skip
            if lot is not None:
                _report("lot", _time(lambda: post(LOT, {"id": lot}), max(20, args.n // 10), 3), 300)
    finally:
        server.terminate()
        server.wait(timeout=30)
        driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
