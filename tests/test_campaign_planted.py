"""Risk control measured on a planted world: device farms, copied codes scanned in bulk,
recycled caps and impossible travel among organic scans (families sharing a tablet, a few
bottles scanned in a row, trips, gifts), every scan replayed through the scan path."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from graph_model.database import Database
from loaders.demo.campaigns import FRAUD_KINDS, campaign_world
from services.campaign_world import load_campaign_world, replay_scans
from services.campaigns import CampaignService


def test_planted_scan_fraud_is_flagged_and_organic_scans_pass(db: Database, ns: str) -> None:
    # A fixed time of day: the world's scans lie at offsets from its clock, and when in the day
    # they fall (night scans, hour-of-day features) moves the decisions from run to run.
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    world = campaign_world(11, ns, consumers=150, now=now)
    assert {s.fraud for s in world.scans} == {None, *FRAUD_KINDS}
    # Seeded draws: whether a copied code's first scan won decides whether its copies meet
    # "already redeemed", so the run's quality reproduces (bench/campaigns.py draws unseeded).
    service = CampaignService(db, rng=random.Random(11))
    load_campaign_world(db, world, service)
    quality = replay_scans(db, world, service)
    report = "\n".join(quality.lines())
    assert quality.precision >= 0.9, report
    assert quality.recall >= 0.9, report
    assert quality.organic_denied_share <= 0.01, report
    assert quality.prizes > 0
