"""Scan-to-win campaigns: define them, and run every campaign that covers a consumer scan.

A scan covered by a campaign (its product, region and time window) gets a risk decision from
:func:`algorithms.campaigns.decide` on facts read in one query; a denied scan wins nothing, a
scan under review wins at most the smallest prize, held until released, an allowed scan draws
by the campaign's probabilities. The repository then settles the scan in one transaction that
checks the pool and the budget again under the campaign's lock, so what the draw asked for is
only paid when it is still there.

The campaign definitions a scan needs are kept in memory for ``cache_seconds`` (saving a
campaign in this process refreshes them at once), so a scan that no campaign covers costs no
read at all.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from algorithms.campaigns import (
    Level,
    RiskFacts,
    RiskSettings,
    count_far,
    decide,
    draw,
    smallest_level,
)
from algorithms.campaigns.draw import personalise
from algorithms.campaigns.features import scan_features
from algorithms.campaigns.risk import public_address
from algorithms.campaigns.value import rfm_features
from graph_model.campaigns import (
    AwardStatus,
    CampaignSpec,
    RiskDecision,
    ScanOutcome,
    StoredCampaign,
    check_campaign_spec,
    covers_region,
)
from graph_model.database import Database
from graph_model.errors import FieldProblem, InvalidField, WriteConflict
from graph_model.repositories.campaigns import CampaignRepository, ScanFacts, Settlement
from loaders.campaigns import read_campaign_file
from services.campaign_models import ANOMALY_MODEL, VALUE_MODEL, ModelCache

__all__ = ["CampaignService", "CampaignSettings", "ScanContext", "strongest"]


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    risk: RiskSettings = field(default_factory=RiskSettings)
    #: How long campaign definitions are reused before they are read again.
    cache_seconds: float = 5.0
    #: The stored models the scan path uses (``yima campaign train-risk`` / ``train-value``),
    #: and how often a process asks whether they were retrained.
    anomaly_model: str = ANOMALY_MODEL
    value_model: str = VALUE_MODEL
    model_check_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class ScanContext:
    """A stored consumer scan as the campaigns see it."""

    scan_id: str
    code: str
    gtin: str | None
    actor: str
    device: str | None
    lat: float | None
    lon: float | None
    region: str | None
    at: datetime
    address: str | None = None


_SEVERITY = {RiskDecision.ALLOW: 0, RiskDecision.REVIEW: 1, RiskDecision.DENY: 2}


def strongest(outcomes: Sequence[ScanOutcome]) -> ScanOutcome | None:
    """The outcome with the strictest decision (the first of equal ones)."""
    best: ScanOutcome | None = None
    for o in outcomes:
        if best is None or _SEVERITY[o.decision] > _SEVERITY[best.decision]:
            best = o
    return best


class CampaignService:
    def __init__(
        self,
        db: Database,
        settings: CampaignSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.repository = CampaignRepository(db)
        self.settings = settings or CampaignSettings()
        self._rng = rng or random.SystemRandom()
        self._lock = threading.Lock()
        self._cached: tuple[float, list[StoredCampaign]] | None = None
        self.models = ModelCache(
            db,
            self.settings.anomaly_model,
            self.settings.value_model,
            self.settings.model_check_seconds,
        )

    # -- definitions ---------------------------------------------------------------------

    def save(self, spec: CampaignSpec, prefix: str = "") -> StoredCampaign:
        """Create or update a campaign; :class:`InvalidField` names every bad field."""
        checked = check_campaign_spec(spec, prefix)
        self.repository.save(checked, prefix)
        self.refresh()
        return self.repository.campaign(checked.id)

    def load_file(self, path: Path) -> list[StoredCampaign]:
        """Save every campaign of a campaign file, after checking all of them."""
        return [self.save(spec) for spec in read_campaign_file(path)]

    def campaigns(self) -> list[StoredCampaign]:
        return self.repository.campaigns()

    def campaign(self, campaign_id: str) -> StoredCampaign:
        return self.repository.campaign(campaign_id)

    def refresh(self) -> None:
        with self._lock:
            self._cached = None

    def _definitions(self) -> list[StoredCampaign]:
        now = time.monotonic()
        with self._lock:
            cached = self._cached
        if cached is not None and now - cached[0] < self.settings.cache_seconds:
            return cached[1]
        fresh = self.repository.campaigns()
        with self._lock:
            self._cached = (now, fresh)
        return fresh

    # -- the scan ------------------------------------------------------------------------

    def run_scan(self, scan: ScanContext) -> list[ScanOutcome]:
        """Decide, draw and settle ``scan`` in every campaign that covers it."""
        candidates = [k for k in self._definitions() if k.active(scan.at)]
        if scan.gtin is not None:
            candidates = [k for k in candidates if k.covers_product(scan.gtin)]
        if not candidates:
            return []
        s = self.settings.risk
        facts = self.repository.scan_facts(
            code=scan.code,
            scan=scan.scan_id,
            actor=scan.actor,
            device=scan.device,
            region=scan.region,
            at=scan.at,
            burst_from=scan.at - timedelta(minutes=s.burst_minutes),
            sibling_from=scan.at - timedelta(minutes=s.sibling_minutes),
            sibling_to=scan.at + timedelta(minutes=s.sibling_minutes),
            address=public_address(scan.address),
            address_from=scan.at - timedelta(minutes=s.address_minutes),
        )
        gtin = facts.gtin or scan.gtin
        covering = [
            k
            for k in candidates
            if k.covers_product(gtin) and covers_region(k.regions, facts.regions)
        ]
        if not covering:
            return []
        here = None
        if scan.lat is not None and scan.lon is not None:
            here = (scan.lat, scan.lon, scan.at.timestamp())
        far = 0 if here is None else count_far(here[:2], facts.siblings, s.sibling_km)
        base = RiskFacts(
            code_known=facts.known,
            other_scanners=facts.other_scanners,
            here=here,
            previous=facts.previous,
            device_accounts=facts.device_accounts if scan.device is not None else 1,
            phone_accounts=facts.phone_accounts,
            device_recent=facts.device_recent,
            far_siblings=far,
            ring_member=facts.ring_member,
            address_recent=facts.address_recent,
            history_scans=facts.history_scans,
        )
        features = scan_features(base, scan.at.hour + scan.at.minute / 60)
        anomaly_model = self.models.anomaly()
        if anomaly_model is not None:
            base = replace(base, anomaly=anomaly_model.score(features))
        value = self._value(facts, scan.at)
        outcomes = []
        for k in covering:
            outcomes.append(
                self._settle(
                    k, scan, base, redeemed=k.id in facts.awarded_in, value=value,
                    features=tuple(features),
                )
            )  # fmt: skip
        return outcomes

    def _value(self, facts: ScanFacts, at: datetime) -> float | None:
        """The consumer's value score from the scans before this one; ``None`` without a
        value model or a past scan."""
        model = self.models.value()
        if model is None or facts.history_span is None or facts.history_scans <= 0:
            return None
        first, last = facts.history_span
        x = rfm_features(facts.history_scans, facts.history_days, first, last, at.timestamp())
        return model.score(x)

    def _settle(
        self,
        k: StoredCampaign,
        scan: ScanContext,
        base: RiskFacts,
        *,
        redeemed: bool,
        value: float | None = None,
        features: tuple[float, ...] | None = None,
    ) -> ScanOutcome:
        facts = replace(base, redeemed=redeemed)
        verdict = decide(facts, self.settings.risk)
        decision = RiskDecision(verdict.decision)
        level: str | None = None
        status = AwardStatus.PAID
        if decision is not RiskDecision.DENY:
            levels = [Level(lv.level, lv.probability, lv.amount, lv.remaining) for lv in k.levels]
            if value is not None and k.max_boost > 0:
                levels = personalise(levels, value, k.max_boost)
            left = k.budget - k.spent - k.store_reward - k.staff_reward
            chosen = draw(levels, left, self._rng.random())
            if chosen is not None and decision is RiskDecision.REVIEW:
                chosen = smallest_level(levels, left)
                status = AwardStatus.HELD
            level = None if chosen is None else levels[chosen].name
        settlement = Settlement(
            campaign=k.id,
            scan=scan.scan_id,
            code=scan.code,
            actor=scan.actor,
            at=scan.at,
            decision=decision,
            reasons=verdict.reasons,
            score=verdict.score,
            level=level,
            status=status,
            features=features,
            anomaly=facts.anomaly,
            value=value,
        )
        try:
            outcome = self.repository.settle(settlement)
        except WriteConflict:
            # Another scan of the same code won at the same instant: the constraint held.
            outcome = self.repository.settle(replace(settlement, level=None))
        if level is not None and outcome.level is None:
            self.refresh()  # the pool or the budget ran out since the definitions were read
        return outcome

    def outcomes(self, scan_id: str, code: str) -> list[ScanOutcome]:
        """What the campaigns decided for an already settled scan."""
        return self.repository.outcomes(scan_id, code)

    def spend_points(
        self, consumer: str, order: str, item: str, points: int, at: datetime, prefix: str = ""
    ) -> int:
        """Spend membership points on a catalogue ``item``; the balance after. An order is
        spent once (a retry answers the same balance); the ledger never goes negative."""
        problems = []
        for name, value in (("consumer", consumer), ("order", order), ("item", item)):
            if not 0 < len(value) <= 128:
                problems.append(FieldProblem(prefix + name, "must be 1 to 128 characters"))
        if points <= 0:
            problems.append(FieldProblem(prefix + "points", f"must be positive, got {points}"))
        if problems:
            raise InvalidField.of(problems)
        try:
            return self.repository.spend_points(consumer, order, item, points, at)
        except InvalidField as exc:
            raise InvalidField.of(
                FieldProblem(prefix + p.path, p.reason) for p in exc.problems
            ) from None

    def release(self, award_id: str, at: datetime) -> bool:
        """Pay a held award; ``False`` when it was not held."""
        return self.repository.release(award_id, at)
