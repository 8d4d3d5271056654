"""Load the campaign world (:mod:`loaders.demo.campaigns`), replay its scans through the scan
path in time order, and measure risk control against the planted truth."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graph_model.campaigns import RiskDecision
from graph_model.database import Database
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.vocabulary import ScanKind
from loaders.demo.campaigns import CampaignWorld, campaign_world
from services.campaigns import CampaignService, strongest
from services.capture import CaptureService
from services.scans import ScanRequest, record_scan

__all__ = ["CampaignQuality", "demo_campaigns", "load_campaign_world", "replay_scans"]


@dataclass
class CampaignQuality:
    """Risk control against the truth: a scan counts as flagged when it was denied or sent
    to review."""

    scans: int = 0
    planted: int = 0
    flagged: int = 0
    caught: int = 0
    organic_denied: int = 0
    organic_reviewed: int = 0
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Seconds each scan took end to end (capture, verification, campaigns).
    seconds: list[float] = field(default_factory=list)
    prizes: int = 0

    @property
    def precision(self) -> float:
        return self.caught / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.caught / self.planted if self.planted else 1.0

    @property
    def organic_denied_share(self) -> float:
        organic = self.scans - self.planted
        return self.organic_denied / organic if organic else 0.0

    def lines(self) -> list[str]:
        out = [
            f"scans {self.scans:,}, planted {self.planted:,}, flagged {self.flagged:,}, "
            f"prizes {self.prizes:,}",
            f"precision {self.precision:.3f}, recall {self.recall:.3f}, organic denied "
            f"{100 * self.organic_denied_share:.2f} % ({self.organic_denied}), organic "
            f"reviewed {self.organic_reviewed}",
        ]
        for kind, (planted, caught) in sorted(self.by_kind.items()):
            out.append(f"  {kind}: {caught} of {planted} caught")
        return out


def load_campaign_world(db: Database, world: CampaignWorld, campaigns: CampaignService) -> None:
    """Save the world's plant, distributors and product, capture its units, cases and
    shipments, and save its campaign."""
    MasterDataRepository(db).save(world.master)
    CaptureService(db).capture_stream(world.documents())
    campaigns.save(world.campaign)


def replay_scans(db: Database, world: CampaignWorld, campaigns: CampaignService) -> CampaignQuality:
    """Record every scan of the world in time order and judge the decisions."""
    capture = CaptureService(db)
    provenance = ProvenanceRepository(db)
    quality = CampaignQuality()
    planted: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for s in world.scans:
        request = ScanRequest(
            code=s.code,
            kind=ScanKind.CONSUMER,
            client_scan_id=s.client_scan_id,
            actor=s.actor,
            device=s.device,
            lat=s.lat,
            lon=s.lon,
            at=s.at,
        )
        started = time.perf_counter()
        done = record_scan(request, capture, provenance, None, campaigns)
        quality.seconds.append(time.perf_counter() - started)
        worst = strongest(done.campaigns)
        decision = RiskDecision.ALLOW if worst is None else worst.decision
        flagged = decision is not RiskDecision.ALLOW
        quality.scans += 1
        quality.flagged += flagged
        quality.prizes += sum(1 for o in done.campaigns if o.level is not None)
        if s.fraud is not None:
            quality.planted += 1
            quality.caught += flagged
            planted[s.fraud] += 1
            caught[s.fraud] += flagged
        else:
            quality.organic_denied += decision is RiskDecision.DENY
            quality.organic_reviewed += decision is RiskDecision.REVIEW
    quality.by_kind = {k: (planted[k], caught[k]) for k in planted}
    return quality


def demo_campaigns(
    db: Database, consumers: int, seed: int, truth_dir: Path | None = None, tag: str = "demo"
) -> CampaignQuality:
    """The demo's campaign world: loaded, its truth written to
    ``truth_dir/campaign-fraud-truth.json``, its scans replayed through the scan path."""
    world = campaign_world(seed, f"{tag}{seed}", consumers=consumers)
    service = CampaignService(db)
    load_campaign_world(db, world, service)
    if truth_dir is not None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        (truth_dir / "campaign-fraud-truth.json").write_text(json.dumps(world.truth(), indent=1))
    return replay_scans(db, world, service)
