"""A code looked up in the web console, beside the same GraphQL requests sent directly, in the
same run.

The console asks `code`, then `verify`, `diversionPath` and `lot` together (the queries are
read from api/console/static/lookup.js, so both sides ask exactly the same), and draws the
timeline, the custody graph, the recall list and the map. The figure is the time from pressing
the look-up button to all four drawn, in Debian's headless Chromium with the network cut off;
the reference is the same four requests from Python over HTTP to the same server, the last
three together. The ratio says what the browser adds to the API. The world is the demo's
(:func:`services.demo.load_demo`, without referrals and store fraud) in the server ``--uri``
names (default: the test server, database ``yimatest``); loading it again changes nothing.

Usage: ``.venv/bin/python bench/console.py [--units 2000] [--rounds 10] [--uri bolt://...]``
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_model.database import Database  # noqa: E402
from graph_model.keys import Role  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo import build_world  # noqa: E402
from services.demo import load_demo  # noqa: E402
from services.keys import KeyService  # noqa: E402
from tests.console_browser import gql, offline_page, served  # noqa: E402

LOOKUP_JS = ROOT / "api" / "console" / "static" / "lookup.js"


def console_queries() -> dict[str, str]:
    """The lookup's GraphQL documents, as the console sends them."""
    source = LOOKUP_JS.read_text(encoding="utf-8")
    steps = re.search(r"const STEPS = `([^`]*)`", source)
    assert steps is not None
    found = {
        name: text.replace("${STEPS}", steps[1])
        for name, text in re.findall(r"const (CODE|VERIFY|PATH|LOT) = `([^`]*)`", source)
    }
    assert set(found) == {"CODE", "VERIFY", "PATH", "LOT"}, sorted(found)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1919)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--uri", default="bolt://127.0.0.1:17687")
    parser.add_argument("--database", default="yimatest")
    args = parser.parse_args()
    settings = DatabaseSettings(uri=args.uri, database=args.database)
    db = Database.open(settings)
    apply_schema(db)
    started = time.perf_counter()
    load_demo(db, args.units, args.seed, referrals=False, store_fraud=False)
    print(f"demo world of {args.units:,} units loaded in {time.perf_counter() - started:.1f} s")
    stores = [s.id for s in build_world(args.units, args.seed).master.stores]
    codes = [
        r["code"]
        for r in db.read(
            "UNWIND $stores AS s MATCH (:Party {id: s})<-[:TO]-(:Shipment)-[:CARRIES]->()"
            "<-[:PACKED_IN*0..2]-(c:Code) RETURN DISTINCT c.id AS code ORDER BY code LIMIT $n",
            stores=stores,
            n=args.rounds,
        )
    ]
    keys = KeyService(db)
    issued = keys.create(f"bench-console-{uuid.uuid4().hex[:8]}", Role.INVESTIGATOR)
    queries = console_queries()
    try:
        with served(settings, ROOT / "var" / "bench-console.log") as base:

            def raw(code: str) -> None:
                trace = gql(base, issued.secret, queries["CODE"], id=code)["code"]
                with ThreadPoolExecutor(3) as pool:
                    asks = [
                        pool.submit(gql, base, issued.secret, queries["VERIFY"], id=code),
                        pool.submit(gql, base, issued.secret, queries["PATH"], id=code),
                        pool.submit(gql, base, issued.secret, queries["LOT"], id=trace["batch"]),
                    ]
                    for ask in asks:
                        ask.result()

            with offline_page(base) as (page, seen):
                page.goto(base + "/")
                page.fill("#api-key", issued.secret)
                page.dispatch_event("#api-key", "change")

                def shown(code: str) -> None:
                    page.evaluate("document.getElementById('lookup-result').replaceChildren()")
                    page.fill("#code-input", code)
                    page.click("#lookup-form button[type=submit]")
                    page.wait_for_selector("#timeline", timeout=60_000)
                    page.wait_for_selector("#recall-list", timeout=60_000)
                    page.wait_for_selector("#lookup-map[data-points]", timeout=60_000)

                shown(codes[0])  # warm: scripts, the China map, query plans
                raw(codes[0])
                console_times, raw_times = [], []
                for code in codes:  # in turn, so load from elsewhere weighs on both alike
                    t0 = time.perf_counter()
                    shown(code)
                    console_times.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    raw(code)
                    raw_times.append(time.perf_counter() - t0)
                assert not seen.outside, seen.outside
    finally:
        keys.revoke(issued.key.name)
    shown_ms = statistics.median(console_times) * 1000
    raw_ms = statistics.median(raw_times) * 1000
    print(
        f"lookup of {len(codes)} codes, median: console {shown_ms:.0f} ms (press to drawn), "
        f"the same GraphQL requests from Python {raw_ms:.0f} ms; console / raw "
        f"{shown_ms / raw_ms:.2f}"
    )


if __name__ == "__main__":
    main()
