"""Campaign analytics at scale: ``campaignAnalytics`` of one campaign (covered scans read once
as columns, scan rates of the units its plants shipped, segments, advice) beside raw Cypher
aggregating the same facts at the database, in the same run.

Into the server of ``YIMA_NEO4J_URI`` / ``YIMA_NEO4J_DATABASE`` a campaign of ``--scans``
consumer scans is written as the scan path stores them (``Scan``, ``RiskDecision``, paid
``Award`` for one scan in ten), by ``--scans / 3`` consumers over 30 days, of units shipped in
cases of 12 from one plant to distributors in ``--provinces`` provinces, one unit in three
never scanned. The writes are raw ``UNWIND`` batches (the scan path itself is timed by
``bench/campaigns.py``); only the reads are measured.

Reference: two raw statements returning per consumer (scans, days, first, last, prize cents)
and per destination (units shipped, units scanned), the figures the service needs before it
measures anything.

Usage: ``.venv/bin/python bench/campaign_analytics.py [--scans 20000]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_model.campaigns import CampaignSpec, PrizeLevelSpec  # noqa: E402
from graph_model.database import Database  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from services.campaign_analytics import CampaignAnalyticsService  # noqa: E402
from services.campaigns import CampaignService  # noqa: E402

BATCH = 5_000
CASE = 12

_PLACES = """
UNWIND $rows AS r
MERGE (p:Region {code: r.province}) SET p.level = 'province', p.name = r.name
MERGE (g:Region {code: r.region}) SET g.level = 'prefecture', g.name = r.name
MERGE (g)-[:WITHIN]->(p)
MERGE (d:Party {id: r.party}) SET d.name = r.name
MERGE (d)-[:IN]->(g)
"""
_UNITS = """
MATCH (pl:Party {id: $plant})
MATCH (pr:Product {gtin: $gtin})
MERGE (b:Batch {id: $gtin + '|' + $lot}) SET b.gtin = $gtin, b.lot = $lot
MERGE (b)-[:OF]->(pr)
WITH pl, b
UNWIND $rows AS r
CREATE (k:Package {id: r.case})
CREATE (s:Shipment {id: r.case + '-s', shippedAt: datetime(r.at)})
CREATE (s)-[:CARRIES]->(k)
CREATE (s)-[:FROM]->(pl)
WITH s, k, b, r
MATCH (d:Party {id: r.to})
CREATE (s)-[:TO]->(d)
WITH k, b, r
UNWIND r.units AS u
CREATE (c:Code {id: u, gtin: $gtin, lot: $lot})
CREATE (c)-[:IN_BATCH]->(b)
CREATE (c)-[:PACKED_IN {since: datetime(r.packed)}]->(k)
"""
_SCANS = """
MATCH (k:Campaign {id: $campaign})
UNWIND $rows AS r
MATCH (c:Code {id: r.code})
MERGE (co:Consumer {id: r.actor})
CREATE (s:Scan {id: r.id, kind: 'consumer', at: datetime(r.at), actor: r.actor,
                region: r.region})
CREATE (s)-[:OF]->(c)
CREATE (s)-[:BY]->(co)
CREATE (d:RiskDecision {id: r.id + '|' + $campaign, decision: 'allow', at: datetime(r.at)})
CREATE (d)-[:ON]->(s)
CREATE (d)-[:IN]->(k)
WITH s, c, co, k, r WHERE r.cents > 0
CREATE (a:Award {id: $campaign + '|' + r.code, campaign: $campaign, code: r.code,
                 level: r.level, amountCents: r.cents, status: 'paid', at: datetime(r.at)})
CREATE (a)-[:FOR]->(s)
CREATE (a)-[:TO]->(co)
CREATE (a)-[:IN]->(k)
"""

_RAW_CONSUMERS = """
MATCH (:Campaign {id: $id})<-[:IN]-(:RiskDecision)-[:ON]->(s:Scan)
OPTIONAL MATCH (a:Award {campaign: $id, status: 'paid'})-[:FOR]->(s)
WITH s.actor AS consumer, count(*) AS scans, count(DISTINCT date(s.at)) AS days,
     min(s.at) AS first, max(s.at) AS last, sum(coalesce(a.amountCents, 0)) AS cents
RETURN collect([consumer, scans, days, first.epochSeconds, last.epochSeconds, cents]) AS rows
"""
_RAW_SHIPPED = """
MATCH (:Product {gtin: $gtin})<-[:OF]-(:Batch)<-[:IN_BATCH]-(c:Code)-[:PACKED_IN]->(k)
      <-[:CARRIES]-(s:Shipment)-[:TO]->(d:Party)
WITH d, c, EXISTS { MATCH (c)<-[:OF]-(:Scan {kind: 'consumer'}) } AS scanned
WITH d.id AS party, count(*) AS units, count(CASE WHEN scanned THEN 1 END) AS scanned
RETURN collect([party, units, scanned]) AS rows
"""


def _batches(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def build(db: Database, tag: str, scans: int, provinces: int) -> tuple[str, str]:
    """Write the campaign world; its campaign id and GTIN."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=30)
    gtin = "09" + str(abs(hash(tag)))[:12].rjust(12, "0")
    plant = f"bench:{tag}:plant"
    campaign = f"{tag}-bench"
    CampaignService(db).save(
        CampaignSpec(
            id=campaign, name="Analytics bench", start=start, end=now + timedelta(days=1),
            budget=1e9, levels=(PrizeLevelSpec("second", 10**7, 8.8, 0.1, 0),),
            products=(gtin,),
        )
    )  # fmt: skip
    db.write(
        lambda tx: tx.run(
            "MERGE (p:Party {id: $plant}) SET p:Plant MERGE (:Product {gtin: $gtin})",
            plant=plant, gtin=gtin,
        ).consume()
    )  # fmt: skip
    places = [
        {"province": f"{tag}P{i}", "region": f"{tag}R{i}", "name": f"省{i}",
         "party": f"bench:{tag}:d{i}"}
        for i in range(provinces)
    ]  # fmt: skip
    db.write(lambda tx: tx.run(_PLACES, rows=places).consume())
    units = scans * 3 // 2  # one unit in three never scanned
    cases = []
    for n in range(0, units, CASE):
        cases.append(
            {
                "case": f"bench:{tag}:k{n // CASE}",
                "to": places[(n // CASE) % provinces]["party"],
                "at": (start - timedelta(days=3)).isoformat(),
                "packed": (start - timedelta(days=5)).isoformat(),
                "units": [f"bench:{tag}:u{i}" for i in range(n, min(units, n + CASE))],
            }
        )
    for chunk in [cases[i : i + BATCH // CASE] for i in range(0, len(cases), BATCH // CASE)]:
        db.write(
            lambda tx, c=chunk: tx.run(
                _UNITS, plant=plant, gtin=gtin, lot=f"L{tag}", rows=c
            ).consume()
        )
    rows = []
    for i in range(scans):
        unit = i if i % 2 == 0 else units - 1 - i // 2  # spread over cases and provinces
        consumer = i % max(1, scans // 3)
        at = start + timedelta(seconds=(i * 7919) % (29 * 86_400))
        rows.append(
            {
                "id": f"bench:{tag}:s{i}",
                "code": f"bench:{tag}:u{unit % units}",
                "actor": f"bench:{tag}:c{consumer}",
                "at": at.isoformat(),
                "region": places[consumer % provinces]["region"],
                "level": "second" if i % 10 == 0 else None,
                "cents": 880 if i % 10 == 0 else 0,
            }
        )
    won: set[str] = set()
    for r in rows:  # a code wins at most once
        if r["cents"] and r["code"] in won:
            r["cents"], r["level"] = 0, None
        elif r["cents"]:
            won.add(r["code"])
    for chunk in _batches(rows):
        db.write(lambda tx, c=chunk: tx.run(_SCANS, campaign=campaign, rows=c).consume())
    return campaign, gtin


_CLEAN = (
    ("Scan", "id", "bench:"), ("RiskDecision", "id", "bench:"), ("Code", "id", "bench:"),
    ("Package", "id", "bench:"), ("Shipment", "id", "bench:"), ("Consumer", "id", "bench:"),
    ("Party", "id", "bench:"), ("Award", "id", ""), ("PrizeLevel", "id", ""),
    ("Campaign", "id", ""), ("Region", "code", ""),
)  # fmt: skip


def clean(db: Database, tag: str) -> None:
    """Delete what the run wrote (its ids all carry the run's tag), in batches."""
    for label, key, prefix in _CLEAN:
        query = (
            f"MATCH (n:{label}) WHERE n.{key} STARTS WITH $p "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS"
        )
        with db.driver.session(database=db.name) as session:
            session.run(query, p=f"{prefix}{tag}" if prefix else tag).consume()  # type: ignore[arg-type]
    with db.driver.session(database=db.name) as session:
        session.run(
            "MATCH (b:Batch {lot: $lot}) OPTIONAL MATCH (b)-[:OF]->(p:Product) DETACH DELETE b, p",
            lot=f"L{tag}",
        ).consume()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=20_000)
    parser.add_argument("--provinces", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Leave the written graph in place.")
    parser.add_argument("--clean", metavar="TAG", help="Only delete what run TAG wrote.")
    args = parser.parse_args()
    db = Database.open(DatabaseSettings.from_env())
    apply_schema(db)
    if args.clean:
        clean(db, args.clean)
        return
    tag = "b" + uuid.uuid4().hex[:8]
    started = time.perf_counter()
    campaign, gtin = build(db, tag, args.scans, args.provinces)
    print(f"wrote {args.scans:,} scans in {time.perf_counter() - started:.1f} s ({tag})")
    service = CampaignAnalyticsService(db)
    ours: list[float] = []
    raw: list[float] = []
    for _ in range(args.rounds):  # in turn, so the machine's load weighs on both alike
        t = time.perf_counter()
        found = service.analytics(campaign)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        people = db.read(_RAW_CONSUMERS, id=campaign)[0]["rows"]
        shipped = db.read(_RAW_SHIPPED, gtin=gtin)[0]["rows"]
        raw.append(time.perf_counter() - t)
    s = found.summary
    total = found.scan_rates.total
    assert s.scans == args.scans and s.scanners == len(people)
    assert total.shipped == sum(r[1] for r in shipped)
    assert total.scanned == sum(r[2] for r in shipped)
    print(
        f"campaignAnalytics: {s.scans:,} scans, {s.scanners:,} people, {s.repeat_scanners:,} "
        f"repeat, scan rate {total.scanned:,} / {total.shipped:,}, "
        f"{len(found.segments)} segments, {len(found.advice)} recommendations"
    )
    a, b = statistics.median(ours), statistics.median(raw)
    print(f"analytics median {a:.2f} s (runs {', '.join(f'{x:.2f}' for x in ours)})")
    print(f"raw Cypher aggregates median {b:.2f} s (runs {', '.join(f'{x:.2f}' for x in raw)})")
    print(f"analytics / raw {a / b:.2f}")
    if not args.keep:
        clean(db, tag)
    db.close()


if __name__ == "__main__":
    main()
