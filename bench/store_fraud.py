"""Store fraud at scale: full detection over N stores and about 10N orders, where the time and
memory go, beside the same grouping step done with Cypher alone in the same run, and quality
(precision, recall, F1, adjusted Rand index) on the planted world, rules against the
IsolationForest model.

The world is :func:`loaders.demo.store_fraud.store_fraud_world` in slices of ``--slice``
stores (each its own namespace), loaded into a server of the benchmark's own under
``var/neo4j-bench-store-fraud`` (bolt 27707, emptied first) unless ``--uri`` names one:
master data through :class:`MasterDataRepository`, the events' shipments and scans written
straight in the projection's shape (``Shipment -TO/FROM-> Party``, ``-CARRIES-> Code``,
``-FULFILS-> Order``; ``Scan -OF-> Code``, ``-BY-> Party|Staff``) with bulk ``UNWIND``
statements, since loading is not what is measured.

Then:

* ``detect``: :meth:`services.store_fraud.StoreFraudService.detect` (read page by page,
  identity, behaviour, clusters, write), with the Python heap's peak per stage;
* reference: shared-attribute pairs (phones, devices, addresses, owners of stores and their
  staff) and connected components by min-label propagation, in Cypher alone;
* quality of the stored clusters against the planted truth, and of the IsolationForest
  scoring of the same facts.

Usage: ``.venv/bin/python bench/store_fraud.py [--stores 100000]``
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from algorithms.store_fraud import (  # noqa: E402
    FraudSettings,
    Quality,
    detect_store_fraud,
    quality,
)
from graph_model.database import Database, Transaction  # noqa: E402
from graph_model.repositories.master_data import MasterDataRepository  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo.store_fraud import StoreFraudWorld, store_fraud_world  # noqa: E402
from runtime.neo4j_server import LocalNeo4j, ServerSettings  # noqa: E402
from services.store_fraud import StoreFraudService, latest_time  # noqa: E402

BATCH: Final = 5_000

SHIPMENTS: Final = """
UNWIND $rows AS r
MATCH (st:Party {id: r.to}) USING INDEX SEEK st:Party(id)
MATCH (d:Party {id: r.from}) USING INDEX SEEK d:Party(id)
CREATE (sh:Shipment {id: r.id, shippedAt: datetime(r.t)})
CREATE (sh)-[:TO]->(st), (sh)-[:FROM]->(d)
WITH sh, r
CALL (sh, r) {
  UNWIND r.units AS u
  MERGE (c:Code {id: u})
  CREATE (sh)-[:CARRIES]->(c)
}
CALL (sh, r) {
  UNWIND r.orders AS o
  MATCH (x:Order {id: o}) USING INDEX SEEK x:Order(id)
  CREATE (sh)-[:FULFILS]->(x)
}
"""

SCANS: Final = """
UNWIND $rows AS r
MERGE (c:Code {id: r.code})
CREATE (s:Scan {id: r.id, kind: r.kind, at: datetime(r.t)})-[:OF]->(c)
WITH s, r
CALL (s, r) {
  WITH * WHERE r.kind = 'store'
  MATCH (p:Party {id: r.actor}) USING INDEX SEEK p:Party(id)
  CREATE (s)-[:BY]->(p)
}
CALL (s, r) {
  WITH * WHERE r.kind = 'staff'
  MATCH (p:Staff {id: r.actor}) USING INDEX SEEK p:Staff(id)
  CREATE (s)-[:BY]->(p)
}
"""

# The reference: what each store is linked by, in Cypher alone.
_ATTRIBUTES = """
CALL (a) {
  MATCH (a)-[:USES|OWNED_BY]->(x) RETURN x
  UNION
  MATCH (a)<-[:WORKS_AT]-(:Staff)-[:USES]->(x) RETURN x
}
CALL (x) {
  MATCH (x)<-[:USES|OWNED_BY]-(b:Store) RETURN b
  UNION
  MATCH (x)<-[:USES]-(:Staff)-[:WORKS_AT]->(b:Store) RETURN b
}
"""
REF_PAIRS: Final = (
    "MATCH (a:Store)"
    + _ATTRIBUTES
    + "WITH a, b WHERE a.id < b.id RETURN count(DISTINCT [a, b]) AS n"
)
REF_INIT: Final = "MATCH (s:Store) SET s.benchComponent = s.id"
REF_STEP: Final = (
    "MATCH (a:Store)"
    + _ATTRIBUTES
    + """WITH a, min(b.benchComponent) AS m WHERE m < a.benchComponent
SET a.benchComponent = m RETURN count(*) AS changed"""
)
REF_GROUPS: Final = """
MATCH (s:Store) WITH s.benchComponent AS c, count(*) AS n WHERE n >= 2
RETURN count(*) AS groups, sum(n) AS stores
"""
REF_CLEAN: Final = "MATCH (s:Store) REMOVE s.benchComponent"


def _rows(world: StoreFraudWorld) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shipments, scans = [], []
    for e in world.events:
        if e["bizStep"] == "shipping":
            refs = {b["type"]: b["bizTransaction"] for b in e["bizTransactionList"]}
            shipments.append(
                {
                    "id": refs["desadv"],
                    "to": e["destinationList"][0]["destination"],
                    "from": e["sourceList"][0]["source"],
                    "t": e["eventTime"],
                    "units": e["epcList"],
                    "orders": [refs["po"]],
                }
            )
        else:
            scans.append(
                {
                    "id": e["eventID"],
                    "code": e["epcList"][0],
                    "kind": e["yima:scanKind"],
                    "actor": e.get("yima:actor"),
                    "t": e["eventTime"],
                }
            )
    return shipments, scans


def _write(db: Database, statement: str, rows: list[dict[str, Any]], size: int) -> None:
    def work(tx: Transaction, chunk: list[dict[str, Any]]) -> None:
        tx.run(statement, rows=chunk).consume()  # type: ignore[arg-type]

    for i in range(0, len(rows), size):
        db.write(work, rows[i : i + size])


def load(
    db: Database, stores: int, slice_size: int, seed: int, write: bool = True
) -> tuple[list[str], dict[str, str], dict[str, list[list[str]]]]:
    """Generate and load the world slice by slice; returns store ids, truth and look-alikes."""
    ids: list[str] = []
    truth: dict[str, str] = {}
    lookalikes: dict[str, list[list[str]]] = {"chains": [], "malls": [], "families": []}
    orders = 0
    for k, start in enumerate(range(0, stores, slice_size)):
        n = min(slice_size, stores - start)
        started = time.perf_counter()
        world = store_fraud_world(max(n, 50), seed + k, f"b{k}", order_gap_days=(15.0, 36.0))
        made = time.perf_counter() - started
        shipments, scans = _rows(world)
        if write:
            MasterDataRepository(db).save(world.master, atomic=False)
            _write(db, SHIPMENTS, shipments, 1_000)
            _write(db, SCANS, scans, BATCH)
        ids += [s.id for s in world.master.stores]
        truth.update({s: f"{k}:{r}" for s, r in world.fraud_stores().items()})
        for kind, groups in world.truth["lookalikes"].items():
            lookalikes[kind] += groups
        orders += len(world.master.orders)
        print(
            f"  slice {k}: {n:,} stores, {len(world.master.orders):,} orders, "
            f"{len(shipments):,} shipments, {len(scans):,} scans "
            f"(made in {made:.0f} s, loaded in {time.perf_counter() - started - made:.0f} s)",
            flush=True,
        )
        del world, shipments, scans
        gc.collect()
    print(f"world: {len(ids):,} stores, {orders:,} orders, {len(truth):,} planted fakes")
    return ids, truth, lookalikes


def reference(db: Database) -> dict[str, float]:
    started = time.perf_counter()
    pairs = db.query(REF_PAIRS)[0]["n"]  # type: ignore[arg-type]
    paired = time.perf_counter() - started
    db.query(REF_INIT)  # type: ignore[arg-type]
    rounds = 0
    while db.query(REF_STEP)[0]["changed"]:  # type: ignore[arg-type]
        rounds += 1
    groups = db.query(REF_GROUPS)[0]  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    db.query(REF_CLEAN)  # type: ignore[arg-type]
    return {
        "pairs": pairs,
        "pairs_s": paired,
        "rounds": rounds,
        "groups": groups["groups"],
        "grouped": groups["stores"],
        "seconds": seconds,
    }


def _lookalikes_flagged(
    found: list[tuple[str, ...]], lookalikes: dict[str, list[list[str]]]
) -> dict[str, int]:
    flagged = {s for group in found for s in group}
    return {kind: sum(1 for g in groups if flagged & set(g)) for kind, groups in lookalikes.items()}


def _show(label: str, q: Quality, bad: dict[str, int]) -> None:
    print(
        f"{label}: precision {q.precision:.3f}, recall {q.recall:.3f}, F1 {q.f1:.3f}, "
        f"ARI {q.ari:.3f} (tp {q.true_positives}, fp {q.false_positives}, "
        f"fn {q.false_negatives}); look-alike groups flagged: {bad}"
    )


def run(db: Database, args: argparse.Namespace) -> None:
    ids, truth, lookalikes = load(db, args.stores, args.slice, args.seed, not args.no_load)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    service = StoreFraudService(db)
    started = time.perf_counter()
    found = service.detect(trace_memory=True)
    total = time.perf_counter() - started
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in found.seconds.items())
    peaks = ", ".join(f"{k} {v:.0f} MiB" for k, v in found.peak_mb.items())
    print(
        f"detect: {total:.1f} s for {found.stores:,} stores ({stages}); "
        f"dominant: {found.dominant_stage}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  Python heap peak by stage: {peaks}; process peak RSS {rss:.0f} MiB "
        f"(before detection {rss_before:.0f} MiB)"
    )
    print(
        f"  clusters {found.clusters:,}, flagged {found.flagged:,} ({found.flagged_stores:,} "
        f"stores), identity groups {found.identity_groups:,}"
    )
    ref = reference(db)
    identity = found.seconds["identity"]
    print(
        f"reference (Cypher alone): {ref['pairs']:,} shared-attribute pairs in "
        f"{ref['pairs_s']:.1f} s, components in {ref['rounds']} rounds, {ref['groups']:,} groups "
        f"of {ref['grouped']:,} stores, {ref['seconds']:.1f} s in all"
    )
    print(
        f"grouping: yima's identity stage {identity:.1f} s (networkx + DBSCAN + bursts, on facts "
        f"read in {found.seconds['read']:.1f} s) against {ref['seconds']:.1f} s in Cypher: "
        f"ratio {ref['seconds'] / max(identity, 1e-9):.1f}; read + identity against Cypher "
        f"{(found.seconds['read'] + identity) / ref['seconds']:.2f}"
    )

    flagged = [c.store_ids for c in found.detection.flagged]
    _show("rules", quality(ids, truth, flagged), _lookalikes_flagged(flagged, lookalikes))
    facts = service.read_facts()
    forest = detect_store_fraud(
        facts,
        as_of=latest_time(facts),
        settings=FraudSettings(method="isolation_forest", seed=args.seed),
    )
    other = [c.store_ids for c in forest.flagged]
    _show("isolation forest", quality(ids, truth, other), _lookalikes_flagged(other, lookalikes))


def _server(home: Path) -> Iterator[str]:
    shutil.rmtree(home / "data", ignore_errors=True)
    server = LocalNeo4j(ServerSettings(home=home, bolt_port=27707, http_port=27494, heap="3g"))
    server.start()
    try:
        yield server.settings.bolt_uri
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--slice", type=int, default=10_000, help="stores generated at a time")
    parser.add_argument("--seed", type=int, default=int(uuid.uuid4().int % 1000))
    parser.add_argument("--uri", default=None, help="an existing, empty server instead of our own")
    parser.add_argument("--database", default="neo4j")
    parser.add_argument(
        "--no-load",
        action="store_true",
        help="the server holds the world of the same --stores, --slice and --seed already",
    )
    parser.add_argument("--home", type=Path, default=ROOT / "var" / "neo4j-bench-store-fraud")
    args = parser.parse_args(argv)
    servers = _server(args.home) if args.uri is None else iter([args.uri])
    uri = next(servers)
    try:
        db = Database.open(DatabaseSettings(uri=uri, database=args.database))
        try:
            db.verify()
            apply_schema(db)
            print(f"seed {args.seed}, {args.stores:,} stores", flush=True)
            run(db, args)
        finally:
            db.close()
    finally:
        for _ in servers:
            pass


if __name__ == "__main__":
    main()
