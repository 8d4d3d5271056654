"""Scan-to-win campaigns: risk control quality on the planted world, the server-side decision
(risk + draw + settlement) beside ``recordScan`` without a campaign in the same run, and
sustained scans/s over HTTP with concurrent clients and no overspend.

Into the server of ``YIMA_NEO4J_URI`` / ``YIMA_NEO4J_DATABASE``:

* the planted campaign world (:mod:`loaders.demo.campaigns`) of ``--consumers`` consumers is
  loaded and its scans replayed in time order through :func:`services.scans.record_scan`;
  each scan's campaign part (:meth:`CampaignService.run_scan`) is timed on its own;
* reference: the same number of scans of a twin world whose campaign is not saved, so no
  campaign covers them: ``recordScan`` as it is without campaigns, in the same run;
* with models: the anomaly and value models (``yima campaign train-risk`` / ``train-value``)
  are trained on that world's decisions and scans, and a second world of the same size is
  replayed scoring every scan with them: quality, the anomaly score's AUC against the truth,
  and the decision's latency with the models in the path;
* ``--past-scans N`` first stores N consumer scans of the last 90 days (10 a consumer, 2
  consumers a device, a public address per 50 scans, 2 scans a code; deleted at the end), so
  every lookup of the decision runs against a graph of that size;
* ``--clients`` threads post ``--http-scans`` consumer scans to a uvicorn process of its own
  covered by a campaign whose budget runs out: scans/s, then pool and budget checked.

Usage: ``.venv/bin/python bench/campaigns.py [--consumers 300] [--clients 50]
[--past-scans 1000000]``
Targets: decision p99 <= 10 ms with 1,000,000 past scans; zero overspend.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_model.campaigns import CampaignSpec, PrizeLevelSpec, ScanOutcome  # noqa: E402
from graph_model.database import Database  # noqa: E402
from graph_model.errors import InvalidField  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from loaders.demo.campaigns import campaign_world  # noqa: E402
from services.campaign_models import train_anomaly_model, train_value_model  # noqa: E402
from services.campaign_world import load_campaign_world, replay_scans  # noqa: E402
from services.campaigns import CampaignService, CampaignSettings, ScanContext  # noqa: E402
from services.capture import CaptureService  # noqa: E402

SCAN = """mutation ($input: RecordScanInput!) { recordScan(input: $input) {
  __typename ... on RecordScanSuccess { prize { awardId amount } } } }"""


class TimedCampaigns(CampaignService):
    """The campaign service, timing each scan's decision, draw and settlement."""

    def __init__(self, db: Database, settings: CampaignSettings | None = None) -> None:
        super().__init__(db, settings)
        self.decisions: list[float] = []

    def run_scan(self, scan: ScanContext) -> list[ScanOutcome]:
        started = time.perf_counter()
        try:
            return super().run_scan(scan)
        finally:
            self.decisions.append(time.perf_counter() - started)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def quality_and_latency(db: Database, consumers: int, seed: int, tag: str) -> None:
    world = campaign_world(seed, tag, consumers=consumers)
    timed = TimedCampaigns(db)
    load_campaign_world(db, world, timed)
    started = time.perf_counter()
    quality = replay_scans(db, world, timed)
    took = time.perf_counter() - started
    twin = campaign_world(seed, tag + "ref", consumers=consumers)
    CaptureService(db).capture_stream(twin.documents())
    plain = replay_scans(db, twin, CampaignService(db))  # its campaign is never saved
    for line in quality.lines():
        print(line)
    print(f"replay: {quality.scans:,} scans in {took:.1f} s")
    print(
        f"decision (risk + draw + settlement): p50 {pct(timed.decisions, 0.5):.1f} ms, "
        f"p99 {pct(timed.decisions, 0.99):.1f} ms"
    )
    print(
        f"recordScan with campaigns: p50 {pct(quality.seconds, 0.5):.1f} ms, "
        f"p99 {pct(quality.seconds, 0.99):.1f} ms"
    )
    print(
        f"reference, recordScan no campaign covers: p50 {pct(plain.seconds, 0.5):.1f} ms, "
        f"p99 {pct(plain.seconds, 0.99):.1f} ms"
    )
    ratio = statistics.median(quality.seconds) / statistics.median(plain.seconds)
    print(
        f"decision p99 / recordScan-without-campaign p99: "
        f"{pct(timed.decisions, 0.99) / pct(plain.seconds, 0.99):.2f}; with / without "
        f"campaigns p50: {ratio:.2f}"
    )


def with_models(db: Database, consumers: int, seed: int, tag: str) -> None:
    """Train both models on one planted world, then replay another scoring with them."""
    from sklearn.metrics import roc_auc_score

    settings = CampaignSettings(anomaly_model=f"{tag}-anomaly", value_model=f"{tag}-value")
    past = campaign_world(seed, tag + "m", consumers=consumers)
    service = CampaignService(db, settings)
    load_campaign_world(db, past, service)
    replay_scans(db, past, service)
    now = datetime.now(UTC)
    try:
        started = time.perf_counter()
        risk = train_anomaly_model(db, now, name=settings.anomaly_model, campaign=past.campaign.id)
        trained = time.perf_counter() - started
        print(f"anomaly model: {risk.samples:,} scans, {risk.detail}, trained in {trained:.1f} s")
        try:
            value = train_value_model(db, now, name=settings.value_model, days=30, horizon_days=3)
            print(f"value model: {value.samples:,} consumers, {value.detail}")
        except InvalidField as exc:
            print(f"value model not trained: {exc}")
        fresh = campaign_world(seed + 1, tag + "n", consumers=consumers)
        timed = TimedCampaigns(db, settings)
        load_campaign_world(db, fresh, timed)
        quality = replay_scans(db, fresh, timed)
        print("with the models:")
        for line in quality.lines():
            print("  " + line)
        rows = db.read(
            "MATCH (:Campaign {id: $k})<-[:IN]-(d:RiskDecision)-[:ON]->(s:Scan) "
            "RETURN s.clientScanId AS id, d.anomaly AS anomaly",
            k=fresh.campaign.id,
        )
        truth = {x.client_scan_id: x.fraud is not None for x in fresh.scans}
        scored = [(truth[r["id"]], r["anomaly"]) for r in rows if r["anomaly"] is not None]
        auc = roc_auc_score([t for t, _ in scored], [a for _, a in scored])
        print(f"  anomaly score AUC against the planted truth: {auc:.3f} ({len(scored)} scans)")
        print(
            f"  decision with the models: p50 {pct(timed.decisions, 0.5):.1f} ms, "
            f"p99 {pct(timed.decisions, 0.99):.1f} ms"
        )
    finally:
        db.write(
            lambda tx: tx.run(
                "MATCH (m:CampaignModel) WHERE m.id IN $ids DELETE m",
                ids=[settings.anomaly_model, settings.value_model],
            ).consume()
        )


def http_rate(db: Database, settings: DatabaseSettings, clients: int, scans: int, tag: str) -> None:
    world = campaign_world(1, tag, consumers=0, farms=0, copied_cases=(scans + 11) // 12,
                           recycled=0, travellers=0)  # fmt: skip
    CaptureService(db).capture_stream(world.documents())
    codes = [u for e in world.events if e["type"] == "ObjectEvent" for u in e["epcList"]]
    now = datetime.now(UTC)
    campaign = f"{tag}-http"
    CampaignService(db).save(
        CampaignSpec(
            campaign, "http", now - timedelta(hours=1), now + timedelta(days=1),
            budget=scans * 0.3,
            levels=(PrizeLevelSpec("a", scans, 1.0, 0.5),),
            products=(world.gtin,),
        )
    )  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "YIMA_SCAN_RATE_ADDRESS": "1000000", "YIMA_SCAN_RATE_DEVICE": "1000000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
         str(port), "--log-level", "warning"], cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)

        def fire(n: int) -> bool:
            body = {
                "code": codes[n % len(codes)], "kind": "CONSUMER", "clientScanId": f"{tag}-{n}",
                "actor": f"{tag}-c{n}", "device": f"{tag}-d{n}",
                "location": {"lat": 31.23, "lon": 121.47},
            }  # fmt: skip
            r = httpx.post(url + "/graphql", json={"query": SCAN, "variables": {"input": body}},
                           timeout=600)  # fmt: skip
            return r.status_code == 200 and "errors" not in r.json()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            ok = sum(pool.map(fire, range(scans)))
        took = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    row = db.read(
        "MATCH (k:Campaign {id: $k}) RETURN k.budgetCents AS budget, k.spentCents AS spent, "
        "COUNT { MATCH (a:Award)-[:IN]->(k) } AS awards, "
        "COUNT { MATCH (a:Award)-[:IN]->(k) WITH a.code AS c, count(*) AS n WHERE n > 1 "
        "        RETURN c } AS twice, "
        "COLLECT { MATCH (k)-[:OFFERS]->(l) RETURN l.quantity - l.remaining }[0] AS taken",
        k=campaign,
    )[0]
    print(
        f"HTTP, {clients} clients: {ok:,} of {scans:,} scans answered in {took:.1f} s, "
        f"{ok / took:.1f} scans/s"
    )
    print(
        f"awards {row['awards']}, pool decrements {row['taken']}, codes awarded twice "
        f"{row['twice']}, spent {row['spent'] / 100:.2f} of {row['budget'] / 100:.2f}, "
        f"overspend {max(0, row['spent'] - row['budget']) / 100:.2f}"
    )


_PAST: Final = """
UNWIND range($lo, $hi - 1) AS i
WITH i, $tag + '-c' + toString(i / 10) AS who
MERGE (a:Consumer {id: who})
MERGE (k:Code {id: $tag + '-code' + toString(i / 2)})
  ON CREATE SET k.gtin = '06901234000007', k.status = 'sold'
CREATE (s:Scan {id: $tag + '-past' + toString(i), kind: 'consumer', actor: who,
  device: $tag + '-d' + toString(i / 20), address: '203.0.' + toString((i / 50) % 65536),
  at: datetime($now) - duration({seconds: (i * 7919) % 7776000}),
  lat: 22.0 + (i % 97) / 10.0, lon: 103.0 + (i % 89) / 5.0})
CREATE (s)-[:BY]->(a), (s)-[:OF]->(k)
"""


def store_past_scans(db: Database, count: int, tag: str) -> None:
    """``count`` consumer scans of the last 90 days, 20,000 a transaction."""
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    for lo in range(0, count, 20_000):
        db.query(_PAST, lo=lo, hi=min(count, lo + 20_000), tag=tag + "x", now=now)
    took = time.perf_counter() - started
    print(f"{count:,} past scans stored in {took:.0f} s")


def delete_past_scans(db: Database, tag: str) -> None:
    """What :func:`store_past_scans` stored, in transactions of 20,000 nodes."""
    for query in (
        "MATCH (n:Scan) WHERE n.id STARTS WITH $prefix WITH n LIMIT 20000 DETACH DELETE n "
        "RETURN count(*) AS n",
        "MATCH (n:Consumer) WHERE n.id STARTS WITH $prefix WITH n LIMIT 20000 DETACH DELETE n "
        "RETURN count(*) AS n",
        "MATCH (n:Code) WHERE n.id STARTS WITH $prefix WITH n LIMIT 20000 DETACH DELETE n "
        "RETURN count(*) AS n",
    ):
        while db.query(query, prefix=tag + "x-")[0]["n"]:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--http-scans", type=int, default=1000)
    parser.add_argument("--past-scans", type=int, default=0)
    args = parser.parse_args()
    settings = DatabaseSettings.from_env()
    db = Database.open(settings)
    apply_schema(db)
    tag = "b" + uuid.uuid4().hex[:8]
    try:
        if args.past_scans:
            store_past_scans(db, args.past_scans, tag)
        quality_and_latency(db, args.consumers, args.seed, tag)
        with_models(db, args.consumers, args.seed + 100, tag)
        if args.clients:
            http_rate(db, settings, args.clients, args.http_scans, tag + "h")
    finally:
        if args.past_scans:
            delete_past_scans(db, tag)
        db.close()


if __name__ == "__main__":
    main()
