"""Benchmark: an EPCIS query with five parameters over many stored events, beside the same
filter as one raw Cypher statement in the same run.

Loads ``--events`` events (unless ``--no-load`` reuses them) into the server of
``YIMA_NEO4J_URI`` / ``YIMA_NEO4J_DATABASE``: ObjectEvents and AggregationEvents over a year
at 200 business locations, each stored as capture stores it (the indexed properties and the
event's JSON text; written here with ``UNWIND ... CREATE`` because the capture's own speed is
``bench/ingest.py``'s subject). Shipping and receiving events quote a purchase order shared by
about 50 events in a row. Then ``--queries`` times, for an event picked at random, the query::

    eventType=ObjectEvent & EQ_bizStep=shipping & EQ_bizLocation=<its location>
    & GE_eventTime=<a month before it> & EQ_bizTransaction_po=<its purchase order>

is answered by yima (parameters validated, Cypher run, each candidate's document tested for
the purchase order, the EPCIS query document rendered as JSON) and by the raw statement (the
same filter with ``e.json CONTAINS $po``, records returned, nothing rendered), in turn, so load
from elsewhere on the shared machine weighs on both alike. Prints p50 / p99 of each and the
ratio::

    .venv/bin/python bench/epcis_query.py --events 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.rest.events import query_document
from graph_model.database import Database
from graph_model.epcis_query import EventQuery
from graph_model.repositories.event_query import EventQueryRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings

START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
STEPS = ("commissioning", "packing", "shipping", "receiving", "retail_selling")
LOCATIONS = [f"urn:epc:id:sgln:0614199.{i:05d}.0" for i in range(200)]
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
ID = "urn:uuid:00000000-0000-4bec-8000-{:012d}"

CREATE = """
UNWIND $rows AS r
CREATE (e:Event {id: r.id})
SET e.hash = r.hash, e.type = r.type, e.action = r.action, e.eventTime = datetime(r.t),
    e.eventTimeZoneOffset = '+00:00', e.bizStep = r.bizStep, e.disposition = r.disposition,
    e.bizLocation = r.bizLocation, e.readPoint = r.bizLocation, e.parentID = r.parentID,
    e.json = r.json, e.recordTime = datetime.realtime()
"""
RAW = """
MATCH (e:Event)
WHERE e.type IN $types AND e.bizStep IN $steps AND e.bizLocation IN $locations
  AND e.eventTime >= $since AND e.json CONTAINS $po
RETURN e.id AS id, e.eventTime AS t, e.json AS json
ORDER BY e.eventTime, e.id LIMIT 101
"""


def _event(i: int, n: int, rng: random.Random) -> dict[str, Any]:
    step = STEPS[rng.randrange(len(STEPS))]
    at = START + YEAR * i / n
    kind = "AggregationEvent" if step == "packing" else "ObjectEvent"
    event: dict[str, Any] = {
        "@context": CONTEXT, "type": kind, "eventID": ID.format(i),
        "eventTime": at.isoformat(), "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
        "bizStep": step, "bizLocation": {"id": LOCATIONS[rng.randrange(len(LOCATIONS))]},
    }  # fmt: skip
    units = [f"urn:epc:id:sgtin:0614199.012345.{i}x{k}" for k in range(3)]
    if kind == "AggregationEvent":
        event |= {"action": "ADD", "parentID": f"urn:epc:id:sscc:0614199.{i:010d}",
                  "childEPCs": units}  # fmt: skip
    else:
        event["epcList"] = units
    if step in ("shipping", "receiving"):
        po = f"urn:epcglobal:cbv:bt:0614199000005:PO-{i // 50}"
        event["bizTransactionList"] = [{"type": "po", "bizTransaction": po}]
    return event


def _row(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event["eventID"], "hash": "ni:///sha-256;" + event["eventID"][-12:],
        "type": event["type"], "action": event["action"], "t": event["eventTime"],
        "bizStep": event["bizStep"], "disposition": None,
        "bizLocation": event["bizLocation"]["id"], "parentID": event.get("parentID"),
        "json": json.dumps(event, ensure_ascii=False, separators=(",", ":")),
    }  # fmt: skip


def load(db: Database, n: int, seed: int) -> None:
    rng = random.Random(seed)
    began = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for i in range(n):
        batch.append(_row(_event(i, n, rng)))
        if len(batch) == 10_000 or i == n - 1:
            db.write(lambda tx, rows: tx.run(CREATE, rows=rows).consume(), batch)
            batch = []
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1:,} events ({time.perf_counter() - began:.0f} s)", flush=True)
    print(f"loaded {n:,} events in {time.perf_counter() - began:.0f} s")


def _picks(n: int, seed: int, count: int) -> list[dict[str, Any]]:
    """Shipping ObjectEvents of the loaded world, regenerated (same seed) rather than read."""
    rng = random.Random(seed)
    shipping = []
    for i in range(n):
        event = _event(i, n, rng)
        if event["bizStep"] == "shipping":
            shipping.append(event)
    return random.Random(1).sample(shipping, min(count, len(shipping)))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-load", action="store_true", help="reuse events loaded before")
    args = parser.parse_args()
    db = Database.open(DatabaseSettings.from_env())
    apply_schema(db)
    repository = EventQueryRepository(db)
    try:
        if not args.no_load:
            load(db, args.events, args.seed)
        stored = db.read("MATCH (e:Event) RETURN count(e) AS n")[0]["n"]
        print(f"{stored:,} events stored")
        timings: dict[str, list[float]] = {"yima": [], "raw": []}
        answers = 0
        for event in _picks(args.events, args.seed, args.queries):
            at = datetime.fromisoformat(event["eventTime"])
            since = at - timedelta(days=30)
            po = event["bizTransactionList"][0]["bizTransaction"]
            params = [
                ("eventType", "ObjectEvent"), ("EQ_bizStep", "shipping"),
                ("EQ_bizLocation", event["bizLocation"]["id"]),
                ("GE_eventTime", since.isoformat()), ("EQ_bizTransaction_po", po),
            ]  # fmt: skip
            began = time.perf_counter()
            page = repository.query(EventQuery.from_params(params))
            body = json.dumps(query_document(page))
            timings["yima"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            raw = db.read(
                RAW, types=["ObjectEvent"], steps=["shipping"],
                locations=[event["bizLocation"]["id"]], since=since.astimezone(UTC),
                po=json.dumps(po),
            )  # fmt: skip
            timings["raw"].append((time.perf_counter() - began) * 1000)
            if len(page.events) != len(raw) or event["eventID"] not in body:
                raise SystemExit(f"yima found {len(page.events)} events, raw {len(raw)}")
            answers += len(raw)
        print(f"{len(timings['yima'])} queries, {answers / len(timings['yima']):.1f} events each")
        for name, values in timings.items():
            print(f"{name:5}: p50 {statistics.median(values):7.1f} ms   "
                  f"p99 {_pct(values, 0.99):7.1f} ms")  # fmt: skip
        ratio = _pct(timings["yima"], 0.99) / _pct(timings["raw"], 0.99)
        print(f"yima / raw p99: {ratio:.2f}")
    finally:
        db.close()


if __name__ == "__main__":
    main()
