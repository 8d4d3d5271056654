"""Benchmark: commission N codes (default 10,000,000) through the capture path.

Prints the commissioning rate (codes/s), the peak memory of the process (max RSS) and of the
Python heap (tracemalloc), and, as a reference for the graph's own write speed, the rate of
writing Code rows of the same shape with a plain ``UNWIND $rows CREATE (:Code ...)`` in
transactions of the same size. The reference nodes are deleted afterwards.

Runs against the server named by ``YIMA_NEO4J_URI`` (default ``bolt://127.0.0.1:7687``, the one
``yima neo4j start`` runs)::

    .venv/bin/python bench/commission.py --count 1000000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any, Final, LiteralString

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_model.database import Database
from graph_model.identifiers.serials import DEFAULT_SCHEME, generate_serials
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from services.commission import CHUNK_CODES, CommissionOrder, CommissionService, PrintFormat

__all__ = ["main"]

GTIN: Final = "09520123456788"
LINE: Final = "urn:epc:id:sgln:6901234.00001.1"
PLANT: Final = "urn:epc:id:sgln:6901234.00001.0"

CREATE_CODES: LiteralString = """
UNWIND $rows AS r
CREATE (:Code {id: r.id, serial: r.serial, gtin: r.gtin, lot: r.lot, status: 'active'})
"""
DELETE_CODES: LiteralString = """
MATCH (c:Code {lot: $lot})
CALL (c) { DELETE c } IN TRANSACTIONS OF 10000 ROWS
"""


def _reference(driver: Any, database: str, count: int, lot: str) -> float:
    """Codes per second of a plain ``UNWIND CREATE`` of ``count`` rows, 10,000 a transaction."""
    prefix = "urn:epc:id:sgtin:952012.0345678."
    serials = generate_serials(count, DEFAULT_SCHEME)
    started = time.perf_counter()
    written = 0
    while written < count:
        rows = [
            {"id": prefix + s, "serial": s, "gtin": GTIN, "lot": lot}
            for s in (next(serials) for _ in range(min(CHUNK_CODES, count - written)))
        ]
        driver.execute_query(CREATE_CODES, rows=rows, database_=database)
        written += len(rows)
    seconds = time.perf_counter() - started
    with driver.session(database=database) as session:
        session.run(DELETE_CODES, lot=lot).consume()
    return count / seconds


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000_000, help="codes to commission")
    parser.add_argument(
        "--reference",
        type=int,
        default=None,
        help="rows of the plain UNWIND CREATE reference (default: min(count, 1,000,000))",
    )
    parser.add_argument("--out", type=Path, default=None, help="print file (default: a temp file)")
    args = parser.parse_args(argv)

    settings = DatabaseSettings.from_env()
    db = Database.open(settings)
    db.verify()
    apply_schema(db)
    driver = db.driver
    run = uuid.uuid4().hex[:8].upper()
    out = args.out or Path(f"/tmp/yima-bench-commission-{run}.csv")
    order = CommissionOrder.create(GTIN, f"B{run}", LINE, PLANT, args.count)
    service = CommissionService(db)

    tracemalloc.start()
    done = 0
    last_report = time.perf_counter()
    started = last_report

    def progress(n: int) -> None:
        nonlocal done, last_report
        done += n
        now = time.perf_counter()
        if now - last_report >= 10:
            last_report = now
            rate = done / (now - started)
            print(f"  {done:,} codes, {rate:,.0f} codes/s", file=sys.stderr, flush=True)

    result = service.commission(order, out, PrintFormat.CSV, on_progress=progress)
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    reference_count = min(args.count, 1_000_000) if args.reference is None else args.reference
    reference_rate = (
        _reference(driver, settings.database, reference_count, f"R{run}")
        if reference_count > 0
        else float("nan")
    )
    driver.close()

    print(f"server                  {settings.uri}")
    print(f"codes commissioned      {result.count:,} in {result.events:,} events")
    print(f"time                    {result.seconds:,.1f} s")
    print(f"rate                    {result.codes_per_second:,.0f} codes/s")
    print(f"guess probability       {result.guess_probability:.3g}")
    print(f"collisions / retries    {result.collisions} / {result.retried_chunks}")
    print(f"peak RSS                {max_rss_mib:,.0f} MiB")
    print(f"peak Python heap        {heap_peak / 2**20:,.1f} MiB (tracemalloc)")
    print(f"print file              {out} ({out.stat().st_size / 2**20:,.0f} MiB)")
    print(f"reference UNWIND CREATE {reference_rate:,.0f} codes/s over {reference_count:,} rows")


if __name__ == "__main__":
    main()
