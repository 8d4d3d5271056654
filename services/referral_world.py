"""Load a referral world (:mod:`loaders.demo.referrals`) into the graph as a brand's data
would arrive: consumers with their identities as master data, referrals as ``referrals.csv``
rows are recorded, and consumer scans as EPCIS scan events through the capture path.

Each scan is of a campaign code (a brand code derived from the consumer and the time), as a
referee scans the code on the invite to claim the reward.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from graph_model.database import Database
from graph_model.identifiers.codes import brand_code_urn
from graph_model.master import Consumer, MasterData, consumer_urn
from graph_model.referral import Referral
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.repositories.referrals import BulkRecorded, ReferralRepository
from graph_model.vocabulary import ScanKind
from loaders.demo.epcis import documents
from loaders.demo.referrals import ReferralWorld, referral_world
from services.capture import CaptureService
from services.referral import SpreadRequest, referral_spread
from services.referral_rings import detect_referral_rings
from services.scans import ScanRequest, scan_event, scan_event_id, scan_region

__all__ = [
    "ReferralWorldLoad",
    "demo_referrals",
    "load_referral_world",
    "world_consumers",
    "world_referrals",
]

#: Campaign participants of the demo per unit the demo brand makes, and at most.
DEMO_PARTICIPANTS_PER_UNIT = 0.1
DEMO_PARTICIPANTS_MAX = 20_000


@dataclass(frozen=True, slots=True)
class ReferralWorldLoad:
    consumers: int
    referrals: BulkRecorded
    scans: int
    rings: int = 0


def world_consumers(world: ReferralWorld) -> tuple[Consumer, ...]:
    """The world's consumers as master data (where they live is not part of it)."""
    return tuple(
        Consumer(
            row["id"],
            None,
            phone=row["phone"],
            device=row["device"],
            payout=row["payout"],
            created_at=datetime.fromisoformat(row["created_at"]),
        )
        for row in world.consumers
    )


def world_referrals(world: ReferralWorld) -> tuple[Referral, ...]:
    return tuple(
        Referral(
            row["referrer_id"],
            row["referee_id"],
            datetime.fromisoformat(row["at"]),
            row["campaign"],
        )
        for row in world.referrals
    )


def _scan_events(world: ReferralWorld) -> Iterator[dict[str, Any]]:
    # A consumer scans at home or at work: look each place's region up once.
    regions: dict[tuple[float, float], str | None] = {}
    for row in world.scans:
        place = (round(row["lat"], 1), round(row["lon"], 1))
        if place not in regions:
            regions[place] = scan_region(
                ScanRequest("-", ScanKind.CONSUMER, "-", lat=row["lat"], lon=row["lon"])
            )
        key = f"{row['consumer_id']}\n{row['at']}".encode()
        code = brand_code_urn(hashlib.sha256(key).hexdigest()[:16])
        scan = ScanRequest(
            code=code,
            kind=ScanKind.CONSUMER,
            client_scan_id="referral-claim",
            actor=row["consumer_id"],
            device=row["device"],
            lat=row["lat"],
            lon=row["lon"],
            region=regions[place],
        )
        event = scan_event(code, scan_event_id(code, "referral-claim"), scan, _at(row["at"]))
        event.pop("@context", None)
        yield event


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def load_referral_world(db: Database, world: ReferralWorld) -> ReferralWorldLoad:
    """Write ``world`` into the graph; loading it again changes nothing."""
    consumers = world_consumers(world)
    MasterDataRepository(db).save(MasterData(consumers=consumers), atomic=False)
    referrals = ReferralRepository(db).record_many(world_referrals(world), atomic=False)
    totals = CaptureService(db).capture_stream(documents(_scan_events(world), 2_000))
    return ReferralWorldLoad(len(consumers), referrals, totals.events + totals.duplicates)


def demo_referrals(
    db: Database, units: int, seed: int, truth_dir: Path | None = None
) -> ReferralWorldLoad:
    """The demo's referral campaigns: a referral world of campaign participants (one per
    ten units, 200 to 20,000; ids ``r0000000`` … apart from the buyers of the demo network),
    loaded, measured (spread figures on the roots) and searched for rings, so a new
    installation has cascades and rings to open. With ``truth_dir`` the world's files and
    its planted truth are written to ``truth_dir/referrals/``."""
    count = min(DEMO_PARTICIPANTS_MAX, max(200, int(units * DEMO_PARTICIPANTS_PER_UNIT)))
    world = referral_world([consumer_urn(f"r{i:07d}") for i in range(count)], seed)
    if truth_dir is not None:
        world.write(truth_dir / "referrals")
    loaded = load_referral_world(db, world)
    rings = 0
    for campaign in sorted({row["campaign"] for row in world.referrals}):
        referral_spread(db, SpreadRequest(campaign))
        rings += len(detect_referral_rings(db, campaign).rings)
    return replace(loaded, rings=rings)
