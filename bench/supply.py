"""Supply analytics at scale: stock of every node and SKU of a channel at a date, and the
distribution rate of every SKU in every province, each beside the same answer computed by one
raw Cypher statement in the same run (and checked equal to it).

The world is the demo's (:func:`loaders.demo.build_world`) with its parties under a company
prefix of its own and ILMD expiries (:mod:`loaders.demo.supply`), captured through the
capture path into the server ``--uri`` names (default: the test server, database
``yimatest``); loading is timed but not what is measured. ``--prefix`` reuses a world loaded
by an earlier run.

Usage: ``.venv/bin/python bench/supply.py [--units 20000] [--uri bolt://...] [--prefix P]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_model.database import Database  # noqa: E402
from graph_model.repositories.master_data import MasterDataRepository  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo import build_world, simulate  # noqa: E402
from loaders.demo.supply import own_parties, with_expiry  # noqa: E402
from services.capture import CaptureService  # noqa: E402
from services.supply import SupplyService  # noqa: E402

START: Final = datetime(2019, 6, 3, tzinfo=UTC)

_AT_SHIP: Final = """
  MATCH (s)-[:CARRIES]->(k)
  MATCH path = (k)<-[:PACKED_IN*0..4]-(c:Code)
  WHERE all(r IN relationships(path)
            WHERE r.since <= coalesce(s.shippedAt, s.receivedAt)
              AND (r.until IS NULL OR r.until > coalesce(s.shippedAt, s.receivedAt)))
  WITH DISTINCT s, c
"""

RAW_INVENTORY: Final = (
    """
UNWIND $ids AS id
MATCH (p:Party {id: id})
CALL (p) {
  MATCH (p)<-[:TO]-(s:Shipment) WHERE s.receivedAt <= $at
"""
    + _AT_SHIP
    + """
  RETURN c.gtin AS gtin, count(*) AS n
  UNION ALL
  MATCH (p)<-[:FROM]-(s:Shipment) WHERE s.shippedAt <= $at
"""
    + _AT_SHIP
    + """
  RETURN c.gtin AS gtin, -count(*) AS n
  UNION ALL
  MATCH (p)<-[:MADE_AT]-(:Batch)<-[:IN_BATCH]-(c:Code) WHERE c.commissionedAt <= $at
  RETURN c.gtin AS gtin, count(*) AS n
  UNION ALL
  MATCH (e:Event {bizLocation: p.id})-[:CONCERNS]->(c:Code)
  WHERE e.bizStep = 'retail_selling' AND e.eventTime <= $at
  RETURN c.gtin AS gtin, -count(*) AS n
}
WITH p.id AS party, gtin, sum(n) AS onHand WHERE onHand <> 0
RETURN collect([party, gtin, onHand]) AS rows
"""
)

RAW_DISTRIBUTION: Final = (
    """
UNWIND $ids AS id
MATCH (st:Store {id: id})-[:IN]->(:Region)-[:WITHIN*0..3]->(g:Region {level: 'province'})
WITH g.code AS province, collect(DISTINCT st) AS stores
UNWIND stores AS st
OPTIONAL MATCH (st)<-[:TO]-(s:Shipment) WHERE $from <= s.receivedAt < $to
CALL (s) {
  WITH s WHERE s IS NOT NULL
"""
    + _AT_SHIP
    + """
  RETURN collect(DISTINCT c.gtin) AS gtins
}
WITH province, size(stores) AS targets, st, gtins
UNWIND gtins AS gtin
WITH province, targets, gtin, count(DISTINCT st) AS stocked
RETURN collect([gtin, province, targets, stocked]) AS rows
"""
)


def _load(db: Database, units: int, prefix: str, seed: int) -> float:
    world = own_parties(build_world(units, seed, start=START), prefix)
    started = time.perf_counter()
    MasterDataRepository(db).save(world.master, atomic=False)
    documents = with_expiry(simulate(build_world(units, seed, start=START), seed), prefix)
    CaptureService(db).capture_stream(documents)
    return time.perf_counter() - started


def _timed(run: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = run()
    return value, time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--uri", default="bolt://127.0.0.1:17687")
    parser.add_argument("--database", default="yimatest")
    parser.add_argument("--prefix", help="A world loaded before under this company prefix")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    db = Database.open(DatabaseSettings(uri=args.uri, database=args.database))
    apply_schema(db)
    prefix = args.prefix or str(random.randrange(9_000_000, 10_000_000))
    if not args.prefix:
        seconds = _load(db, args.units, prefix, args.seed)
        print(f"loaded {args.units:,} units under prefix {prefix} in {seconds:.1f} s "
              f"({args.units / seconds:,.0f} units/s)")  # fmt: skip
    national = f"urn:epc:id:sgln:{prefix}.00100.0"
    service = SupplyService(db)
    ids = service.repository.channel(national)
    span = db.read(
        "UNWIND $ids AS id MATCH (e:Event {bizLocation: id}) "
        "RETURN min(e.eventTime) AS first, max(e.eventTime) AS last",
        ids=ids,
    )[0]
    first, last = span["first"].to_native(), span["last"].to_native()
    at = first + (last - first) / 2
    print(f"channel of {national}: {len(ids):,} parties; stock at {at.isoformat()}")

    for _ in range(2):  # the second round is measured: plans cached, pages warm alike
        report, t_service = _timed(lambda: service.inventory(at, national))
        raw, t_raw = _timed(lambda: db.read(RAW_INVENTORY, ids=ids, at=at)[0]["rows"])
    got = {(b.party, b.gtin): b.on_hand for b in report.balances if b.on_hand}
    want = {(p, g): n for p, g, n in raw}
    print(
        f"inventory, all nodes x SKU ({len(got):,} rows, {sum(got.values()):,} units): "
        f"service {t_service:.2f} s, raw Cypher {t_raw:.2f} s, ratio {t_service / t_raw:.2f}, "
        f"equal: {got == want}"
    )

    start = first
    for _ in range(2):
        spread, t_service = _timed(
            lambda: service.distribution(start, at, national, with_arrival=False)
        )
        raw, t_raw = _timed(
            lambda: db.read(RAW_DISTRIBUTION, ids=ids, **{"from": start, "to": at})[0]["rows"]
        )
    got_rates = {(r.gtin, r.province): (r.targets, r.stocked) for r in spread.rates if r.stocked}
    want_rates: dict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for gtin, province, targets, stocked in raw:
        want_rates[(gtin, province)] = (targets, stocked)
    print(
        f"distribution rate, every SKU x province ({len(spread.rates):,} rates): "
        f"service {t_service:.2f} s, raw Cypher {t_raw:.2f} s, ratio {t_service / t_raw:.2f}, "
        f"equal: {got_rates == dict(want_rates)}"
    )
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
