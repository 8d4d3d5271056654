"""Diversion at scale: bulk classification of N scans beside the raw Cypher territory check on
the same scans in the same run, the scan-time check's p50 / p99, and case precision / recall
against the planted truth.

Loads a planted demo world (:class:`loaders.demo.diversion.DiversionPlanter`) sized to give
about ``--scans`` scans into the server of ``YIMA_NEO4J_URI`` / ``YIMA_NEO4J_DATABASE``,
starting in a month of its own (``--start``), unless ``--no-load`` reuses one loaded before
with the same arguments. Then, over the world's window:

* ``detect``: :meth:`services.diversion.DiversionService.detect` (read, classify, group, write);
* reference: one raw Cypher statement per time slice that finds each scan's last receiving
  distributor and checks the scan's region against its ``AUTHORIZED_IN`` regions (no
  contracts, products, grouping or writes: the bare territory check);
* the scan-time check (:meth:`DiversionService.check_scan`) on ``--n`` scanned units;
* precision and recall of the stored cases against the planted truth.

Usage: ``.venv/bin/python bench/diversion.py [--scans 1000000] [--no-load]``
Targets: detection of 1,000,000 scans <= 60 s; scan-time check p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_model.database import Database  # noqa: E402
from graph_model.diversion import CaseFilter, StoredCase  # noqa: E402
from graph_model.repositories.diversion import _slices  # noqa: E402
from graph_model.repositories.master_data import MasterDataRepository  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo import build_world, simulate  # noqa: E402
from loaders.demo.diversion import DiversionPlanter  # noqa: E402
from services.capture import CaptureService  # noqa: E402
from services.diversion import DiversionService  # noqa: E402

SCANS_PER_UNIT: Final = 0.3  # what the demo world's scan policy gives, about

RAW = """
MATCH (s:Scan) WHERE s.at >= $from AND s.at < $to
MATCH (s)-[:OF]->(c:Code)
CALL (c, s) {
  OPTIONAL MATCH path = (c)-[:PACKED_IN*0..4]->(k)
  WITH k, relationships(path) AS rs
  OPTIONAL MATCH (k)<-[:CARRIES]-(sh:Shipment)-[:TO]->(d:Distributor)
  WITH d, coalesce(sh.receivedAt, sh.shippedAt) AS got, rs
  WHERE d IS NOT NULL AND got <= s.at
    AND all(r IN rs WHERE r.since <= got AND (r.until IS NULL OR r.until > got))
  RETURN d ORDER BY got DESC LIMIT 1
}
OPTIONAL MATCH (s)-[:IN]->(g:Region)
RETURN count(*) AS scans,
       sum(CASE WHEN g IS NOT NULL AND NOT EXISTS {
             (g)-[:WITHIN*0..3]->(:Region)<-[:AUTHORIZED_IN]-(d) } THEN 1 ELSE 0 END)
         AS outside
"""


def _load(
    db: Database, units: int, seed: int, start: datetime
) -> tuple[DiversionPlanter, datetime]:
    planter = DiversionPlanter()
    world = build_world(units, seed, planters=[planter], start=start)
    MasterDataRepository(db).save(world.master, atomic=False)
    last = [start]

    def documents() -> Iterator[dict[str, Any]]:
        for doc in simulate(world, seed, planters=[planter]):
            events = doc["epcisBody"]["eventList"]
            last[0] = max(last[0], *(datetime.fromisoformat(e["eventTime"]) for e in events))
            yield doc

    began = time.perf_counter()
    totals = CaptureService(db).capture_stream(documents())
    print(
        f"loaded {units:,} units, {totals.events:,} events in {time.perf_counter() - began:.0f} s"
    )
    return planter, last[0] + timedelta(seconds=1)


def _truth(units: int, seed: int, start: datetime) -> tuple[DiversionPlanter, datetime]:
    planter = DiversionPlanter()
    world = build_world(units, seed, planters=[planter], start=start)
    last = start
    for doc in simulate(world, seed, planters=[planter]):
        for e in doc["epcisBody"]["eventList"]:
            last = max(last, datetime.fromisoformat(e["eventTime"]))
    return planter, last + timedelta(seconds=1)


def _matches(case: StoredCase, planted: dict[str, Any]) -> bool:
    window = planted["window"]
    if window is None or (case.distributor_id, case.region_code) != (
        planted["distributor"],
        planted["region"],
    ):
        return False
    first, last = datetime.fromisoformat(window["from"]), datetime.fromisoformat(window["to"])
    return case.period_start <= last and first < case.period_end


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1_000_000, help="scans to classify")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--start", default="2019-01-01", help="first production day (UTC)")
    parser.add_argument("--no-load", action="store_true", help="reuse a world loaded before")
    parser.add_argument("--n", type=int, default=500, help="scan-time checks to time")
    args = parser.parse_args(argv)
    units = max(2_000, round(args.scans / SCANS_PER_UNIT))
    start = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
    db = Database.open(DatabaseSettings.from_env())
    apply_schema(db)
    try:
        if args.no_load:
            planter, end = _truth(units, args.seed, start)
        else:
            planter, end = _load(db, units, args.seed, start)
        service = DiversionService(db)

        began = time.perf_counter()
        report = service.detect(start, end)
        detect_s = time.perf_counter() - began
        cpu = resource.getrusage(resource.RUSAGE_SELF)

        began = time.perf_counter()
        scans = outside = 0
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for first, last, _ in _slices(service.repository.scan_count(start, end), 50_000):
            lo = max(start, epoch + timedelta(days=first))
            hi = min(end, epoch + timedelta(days=last + 1))
            (r,) = db.read(RAW, **{"from": lo, "to": hi})
            scans += r["scans"]
            outside += r["outside"]
        raw_s = time.perf_counter() - began

        sample = db.read(
            "MATCH (s:Scan) WHERE s.at >= $from AND s.at < $to AND s.region IS NOT NULL "
            "WITH s LIMIT 20000 MATCH (s)-[:OF]->(c:Code) RETURN c.id AS code, s.region AS region, "
            "s.at AS at",
            **{"from": start, "to": end},
        )
        picks = random.Random(1).sample(list(sample), min(args.n, len(sample)))
        times = []
        for r in picks:
            t = time.perf_counter()
            service.check_scan(r["code"], r["region"], r["at"].to_native())
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        territories = service.territories_read()

        truth = [c for c in planter.ground_truth()["cases"] if c["scans"]]
        mine = {c["distributor"] for c in planter.ground_truth()["cases"]}
        page = service.cases(CaseFilter(seen_from=start, seen_to=end), first=100_000)
        cases = list(page.cases)
        precision = sum(any(_matches(k, t) for t in truth) for k in cases) / max(1, len(cases))
        recall = sum(any(_matches(k, t) for k in cases) for t in truth) / max(1, len(truth))
        travellers = {t["scan"] for t in planter.ground_truth()["noise"]["travellers"]}
        tourist_only = [c.id for c in cases if set(c.scan_ids) <= travellers]
    finally:
        db.close()
    print(f"world: {units:,} units, window {start.date()} .. {end.date()}")
    print(
        f"detect: {report.scans:,} scans in {detect_s:.1f} s "
        f"({report.scans / detect_s:,.0f} scans/s; {len(report.case_ids)} cases; "
        f"process CPU {cpu.ru_utime + cpu.ru_stime:.1f} s, peak RSS {cpu.ru_maxrss / 1024:.0f} MB)"
    )
    print(
        f"reference raw Cypher territory check: {scans:,} scans in {raw_s:.1f} s "
        f"({outside:,} outside); detect / raw = {detect_s / raw_s:.2f}"
    )
    print(
        f"scan-time check ({len(times)}): p50 {statistics.median(times):.2f} ms, "
        f"p99 {times[int(0.99 * (len(times) - 1))]:.2f} ms; {territories} distributors' "
        "territories read (each once per master-data revision, the rest from memory)"
    )
    print(
        f"cases: precision {precision:.3f}, recall {recall:.3f} over {len(truth)} planted "
        f"({len(cases)} raised, {len([c for c in cases if c.distributor_id in mine])} against "
        f"planted dealers); raised by travellers alone: {len(tourist_only)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
