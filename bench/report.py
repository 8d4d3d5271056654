"""The regulator report of a code and of a lot, beside the regulator export of the same subject
measured in the same run.

The report reads what the export reads (it is the export plus custody and places) and then
draws a map and writes HTML and PDF; the ratio says what the pictures and the documents cost
on top. The world is the demo's (:func:`services.demo.load_demo`, without referrals and store
fraud) loaded into the server ``--uri`` names (default: the test server, database
``yimatest``); loading it again changes nothing. The boundary cache is warmed before timing.

Usage: ``.venv/bin/python bench/report.py [--units 2000] [--rounds 3] [--uri bolt://...]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from algorithms.basemap import province_outlines  # noqa: E402
from graph_model.database import Database  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo import build_world  # noqa: E402
from loaders.export_files import ExportFormat, render  # noqa: E402
from services.demo import load_demo  # noqa: E402
from services.export import ProvenanceExporter  # noqa: E402
from services.report import ReportService  # noqa: E402
from services.report_files import ReportFormat, render_report  # noqa: E402


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1919)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uri", default="bolt://127.0.0.1:17687")
    parser.add_argument("--database", default="yimatest")
    args = parser.parse_args()
    db = Database.open(DatabaseSettings(uri=args.uri, database=args.database))
    apply_schema(db)
    loaded = _seconds(
        lambda: load_demo(db, args.units, args.seed, referrals=False, store_fraud=False)
    )
    print(f"demo world of {args.units:,} units loaded in {loaded:.1f} s")
    stores = [s.id for s in build_world(args.units, args.seed).master.stores]
    (row,) = db.read(
        "UNWIND $stores AS s MATCH (:Party {id: s})<-[:TO]-(:Shipment)-[:CARRIES]->()"
        "<-[:PACKED_IN*0..2]-(c:Code)-[:IN_BATCH]->(b:Batch) "
        "RETURN c.id AS code, b.id AS lot ORDER BY code LIMIT 1",
        stores=stores,
    )
    province_outlines()
    exporter, reporter = ProvenanceExporter(db), ReportService(db)
    for kind, value in (("code", row["code"]), ("lot", row["lot"])):
        subject = {kind: value}
        export_times, html_times, pdf_times = [], [], []
        for _ in range(args.rounds):
            export_times.append(
                _seconds(lambda s=subject: render(exporter.export(**s), ExportFormat.JSONLD))
            )
            html_times.append(
                _seconds(lambda s=subject: render_report(reporter.report(**s), ReportFormat.HTML))
            )
            pdf_times.append(
                _seconds(lambda s=subject: render_report(reporter.report(**s), ReportFormat.PDF))
            )
        report = reporter.report(**subject)
        reference = statistics.median(export_times)
        html, pdf = statistics.median(html_times), statistics.median(pdf_times)
        print(
            f"{kind} ({report.units} units, {len(report.export.events)} events, "
            f"{len(report.custody)} holders): export (JSON-LD) {reference:.2f} s; "
            f"report HTML {html:.2f} s ({html / reference:.1f}x), "
            f"PDF {pdf:.2f} s ({pdf / reference:.1f}x)"
        )
    db.close()


if __name__ == "__main__":
    main()
