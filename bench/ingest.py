"""Benchmark: ingest the demo world end to end through the capture path.

Prints, for a demo world of N units (default 1,000,000): units/s end to end (generate the EPCIS
documents, validate, hash, de-duplicate, project, write) and, in the same run on an emptied
database, the rate of writing the very same projected rows with plain ``UNWIND`` Cypher that
knows the data is new (``CREATE`` instead of ``MERGE``, no de-duplication read, rows prepared
before the clock starts). The ratio of the two is the figure to watch; absolute rates on a
shared 2-core machine are noise. Also prints peak memory (max RSS) to show the stream is
bounded.

Beside the rates it prints where the CPU goes, per unit: yima's own process (generate, validate,
hash, project, send) and the Neo4j server, each from the kernel's CPU accounting. And it prints
a floor under the server's share: the graph facts (nodes and relationships) the capture left
per unit, times the server's CPU cost of the cheapest possible write of one keyed node and of
one relationship between two keyed nodes, measured on the same server in the same run.
``cores / floor`` bounds the units per second any transactional capture into this graph model
can reach on this machine, however its statements are written.

By default the benchmark runs its own Neo4j under ``var/neo4j-bench`` (bolt 27687), whose data
it deletes between the two runs::

    .venv/bin/python bench/ingest.py --units 100000

With ``--peer`` it captures a standards-only demo world in documents of 200 events through
``POST /capture`` (yima's API in its own process, on a fresh Neo4j) and, document by document
in turn, through the relational peer's loader (``bench/relational_peer.py``), and prints both
rates, their ratio (target >= 1) and the slowest documents::

    .venv/bin/python bench/ingest.py --peer --units 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, LiteralString

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import neo4j

from bench.cpu import CpuClock
from graph_model.database import Database
from graph_model.projection import EpcKind, Projection, project
from graph_model.repositories import events as ev
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from loaders.demo import build_world, simulate
from loaders.epcis.batch import raw_json, read_document
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from services.capture import CaptureService

# The reference: the same rows, written by statements that may assume every node is new.
REF_EVENTS: LiteralString = """
UNWIND $rows AS r
CREATE (e:Event {id: r.id, hash: r.hash, type: r.type, action: r.action,
  eventTime: datetime(r.eventTime), eventTimeZoneOffset: r.tz, bizStep: r.bizStep,
  disposition: r.disposition, readPoint: r.readPoint, bizLocation: r.bizLocation,
  parentID: r.parentID, json: r.json})
"""
REF_COMMISSION: LiteralString = (
    ev.ROWS
    + """
MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
MATCH (b:Batch {id: r.batch}) USING INDEX SEEK b:Batch(id)
UNWIND range(0, size(r.ids) - 1) AS i
CREATE (c:Code {id: r.ids[i], serial: r.serials[i], gtin: r.gtin, lot: r.lot,
  commissionedAt: r.t, commissionEvent: r.event, status: r.status, statusAt: r.t})
CREATE (e)-[:CONCERNS]->(c)
CREATE (c)-[:IN_BATCH]->(b)
"""
)


def _ref_concerns(label: LiteralString) -> LiteralString:
    return (
        "UNWIND $rows AS r MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id) "
        "UNWIND r.ids AS id MATCH (n:" + label + " {id: id}) USING INDEX SEEK n:" + label + "(id) "
        "CREATE (e)-[:CONCERNS]->(n)"
    )


def _ref_pack(label: LiteralString) -> LiteralString:
    return (
        ev.ROWS + "MERGE (p:Package {id: r.parent}) WITH p, r "
        "UNWIND r.children AS cid MATCH (c:" + label + " {id: cid}) "
        "USING INDEX SEEK c:" + label + "(id) "
        "CREATE (c)-[:PACKED_IN {since: r.t, addEvent: r.event}]->(p)"
    )


REF_PACKAGE_NODES: LiteralString = "UNWIND $ids AS id MERGE (:Package {id: id})"
REF_SCANS: LiteralString = (
    ev.ROWS
    + """
MATCH (c:Code {id: r.code}) USING INDEX SEEK c:Code(id)
CREATE (s:Scan {id: r.id, kind: r.kind, at: r.t, event: r.event, actor: r.actor,
  device: r.device, clientScanId: r.clientScanId, lat: r.lat, lon: r.lon, region: r.region})
CREATE (s)-[:OF]->(c)
MERGE (a:Consumer {id: r.actor})
CREATE (s)-[:BY]->(a)
"""
)


def write_reference(tx: neo4j.ManagedTransaction, p: Projection) -> None:
    run = tx.run
    run(REF_EVENTS, rows=p.events).consume()
    batches = {r["batch"]: r for r in p.commissions if r["batch"]}
    if batches:
        run(ev.MERGE_BATCHES, rows=list(batches.values())).consume()
    if p.commissions:
        run(REF_COMMISSION, rows=p.commissions).consume()
    parents = sorted({r["parent"] for rows in p.packs.values() for r in rows})
    if parents:
        run(REF_PACKAGE_NODES, ids=parents).consume()
    for label in (EpcKind.UNIT, EpcKind.PACKAGE):
        if p.concerns[label]:
            run(_ref_concerns(label), rows=p.concerns[label]).consume()
            status = [r for r in p.concerns[label] if r["status"] is not None]
            if status:
                run(ev.STATUS[label], rows=status).consume()
        if p.packs[label]:
            run(_ref_pack(label), rows=p.packs[label]).consume()
        if p.unpacks[label]:
            run(ev.UNPACKS[label], rows=p.unpacks[label]).consume()
    if p.shipments:
        run(ev.SHIPMENTS, rows=p.shipments).consume()
    if p.scans:
        run(REF_SCANS, rows=p.scans).consume()


# The cheapest writes there are: a node with a unique key, and a relationship between two nodes
# found by their unique keys. Every unit-level fact of the projection costs at least one.
FLOOR_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT floor_unit IF NOT EXISTS FOR (n:FloorUnit) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT floor_event IF NOT EXISTS FOR (n:FloorEvent) REQUIRE n.id IS UNIQUE",
)
FLOOR_NODES: LiteralString = "UNWIND $ids AS id CREATE (:FloorUnit {id: id})"
FLOOR_EVENTS: LiteralString = "UNWIND $ids AS id CREATE (:FloorEvent {id: id})"
FLOOR_RELS: LiteralString = """
UNWIND $rows AS r
MATCH (e:FloorEvent {id: r.event}) USING INDEX SEEK e:FloorEvent(id)
UNWIND r.units AS id
MATCH (u:FloorUnit {id: id}) USING INDEX SEEK u:FloorUnit(id)
CREATE (e)-[:FLOOR]->(u)
"""
FLOOR_BATCH = 10_000
FLOOR_UNITS_PER_EVENT = 25
TARGET_UNITS_PER_SECOND = 30_000


def graph_size(driver: neo4j.Driver) -> tuple[int, int]:
    """Nodes and relationships in the database (from Neo4j's count store: no scan)."""
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
    return int(nodes), int(rels)


def floor_costs(driver: neo4j.Driver, server_pid: int, count: int) -> tuple[float, float]:
    """Server CPU seconds per keyed node and per relationship, the best of two rounds."""
    for statement in FLOOR_SCHEMA:
        driver.execute_query(statement)
    driver.execute_query("CALL db.awaitIndexes(300)")
    best_node = best_rel = float("inf")
    for _ in range(2):  # the first round also warms the JIT up
        units = ["urn:epc:id:sgtin:6901234.012345." + secrets.token_hex(8) for _ in range(count)]
        events = [
            "urn:uuid:" + secrets.token_hex(16) for _ in range(count // FLOOR_UNITS_PER_EVENT)
        ]
        per = FLOOR_UNITS_PER_EVENT
        links = [
            {"event": e, "units": units[i * per : (i + 1) * per]} for i, e in enumerate(events)
        ]
        with driver.session() as session:
            clock = CpuClock(server_pid).start()
            for i in range(0, count, FLOOR_BATCH):
                session.run(FLOOR_NODES, ids=units[i : i + FLOOR_BATCH]).consume()
            best_node = min(best_node, clock.read()[1] / count)
            for i in range(0, len(events), FLOOR_BATCH):
                session.run(FLOOR_EVENTS, ids=events[i : i + FLOOR_BATCH]).consume()
            clock.start()
            for i in range(0, len(links), FLOOR_BATCH // per):
                session.run(FLOOR_RELS, rows=links[i : i + FLOOR_BATCH // per]).consume()
            best_rel = min(best_rel, clock.read()[1] / count)
    return best_node, best_rel


def running_pid(server: LocalNeo4j) -> int:
    """The server's process id, for its CPU accounting; the server must be running."""
    pid = server.pid()
    if pid is None:
        raise SystemExit(f"the benchmark's Neo4j under {server.home} is not running")
    return pid


def fresh_server(home: Path, bolt: int, http: int, heap: str) -> LocalNeo4j:
    server = LocalNeo4j(ServerSettings(home=home, bolt_port=bolt, http_port=http, heap=heap,
                                       pagecache=heap))  # fmt: skip
    server.stop()
    shutil.rmtree(home / "data", ignore_errors=True)
    server.start()
    return server


def prepared(documents: Iterator[dict[str, Any]]) -> Iterator[Projection]:
    for document in documents:
        batch = read_document(document)
        yield project((e, raw_json(e, batch.context)) for e in batch.events)


def peer_main(argv: list[str]) -> None:
    """Capture through ``POST /capture`` beside the relational peer's loader, in turn."""
    from bench.relational_peer import add_arguments, side_by_side

    parser = argparse.ArgumentParser(description="capture beside the relational peer")
    parser.add_argument("--peer", action="store_true")
    add_arguments(parser)
    with side_by_side(parser.parse_args(argv)):
        pass


def main() -> None:
    if "--peer" in sys.argv[1:]:
        peer_main(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "neo4j-bench")
    parser.add_argument("--bolt-port", type=int, default=27687)
    parser.add_argument("--writers", type=int, default=1, help="concurrent write transactions")
    parser.add_argument(
        "--floor-writes", type=int, default=200_000,
        help="nodes and relationships written to measure the cheapest writes",
    )  # fmt: skip
    args = parser.parse_args()

    def open_fresh() -> tuple[LocalNeo4j, Database]:
        server = fresh_server(args.home, args.bolt_port, args.bolt_port + 1, args.heap)
        db = Database.open(DatabaseSettings(uri=server.settings.bolt_uri))
        apply_schema(db)
        return server, db

    world = build_world(args.units, args.seed)
    print(f"demo world: {args.units:,} units, {len(world.stores):,} stores, seed {args.seed}")

    cores = os.cpu_count() or 1
    per_unit_us = 1e6 / args.units

    # 1. End to end: documents generated, validated, hashed, projected and written.
    server, db = open_fresh()
    driver = db.driver
    server_pid = running_pid(server)
    MasterDataRepository(db).save(world.master)
    nodes_before, rels_before = graph_size(driver)
    clock = CpuClock(server_pid).start()
    started = time.perf_counter()
    totals = CaptureService(db, writers=args.writers).capture_stream(simulate(world, args.seed))
    end_to_end = time.perf_counter() - started
    own_cpu, server_cpu = clock.read()
    nodes_after, rels_after = graph_size(driver)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"end to end : {totals.events:,} events, {end_to_end:8.1f} s, "
          f"{args.units / end_to_end:10,.0f} units/s, peak RSS {rss_mb:,.0f} MB")  # fmt: skip
    print(f"  CPU per unit: yima {own_cpu * per_unit_us:6.1f} us, "
          f"Neo4j {server_cpu * per_unit_us:6.1f} us")  # fmt: skip

    # 2. The floor: the facts the capture left per unit at the price of the cheapest writes.
    node_cost, rel_cost = floor_costs(driver, server_pid, args.floor_writes)
    driver.close()
    nodes_per_unit = (nodes_after - nodes_before) / args.units
    rels_per_unit = (rels_after - rels_before) / args.units
    floor_us = (nodes_per_unit * node_cost + rels_per_unit * rel_cost) * 1e6
    print(f"floor      : {nodes_per_unit:.2f} nodes and {rels_per_unit:.2f} relationships per "
          f"unit; cheapest write {node_cost * 1e6:.1f} us a keyed node, "
          f"{rel_cost * 1e6:.1f} us a relationship (Neo4j CPU)")  # fmt: skip
    print(f"  = {floor_us:.1f} us of Neo4j CPU per unit: at most {cores / floor_us * 1e6:,.0f} "
          f"units/s on {cores} cores with parsing for free, "
          f"{cores / (floor_us + own_cpu * per_unit_us) * 1e6:,.0f} with yima's own CPU; "
          f"target {TARGET_UNITS_PER_SECOND:,} units/s allows "
          f"{cores / TARGET_UNITS_PER_SECOND * 1e6:.1f} us per unit in all")  # fmt: skip

    # 3. Reference: the same projected rows, prepared beforehand, written with raw Cypher.
    server, db = open_fresh()
    driver = db.driver
    MasterDataRepository(db).save(world.master)
    reference = 0.0
    reference_cpu = 0.0
    events = 0
    clock = CpuClock(running_pid(server))
    for projection in prepared(simulate(world, args.seed)):
        clock.start()
        started = time.perf_counter()
        with driver.session() as session:
            session.execute_write(write_reference, projection)
        reference += time.perf_counter() - started
        reference_cpu += clock.read()[1]
        events += len(projection.events)
    driver.close()
    server.stop()
    print(f"raw Cypher : {events:,} events, {reference:8.1f} s, "
          f"{args.units / reference:10,.0f} units/s (rows prepared outside the clock)")  # fmt: skip
    print(f"  CPU per unit: Neo4j {reference_cpu * per_unit_us:6.1f} us")
    print(f"end-to-end / raw-Cypher rate: {reference / end_to_end:.2f}")


if __name__ == "__main__":
    main()
