"""Store fraud (虚增门店 · 虚假订单 · 跑冒滴漏): find clusters of fake stores and fake orders in
the graph and store them, with their evidence, for channel managers and auditors.

A run reads every store's identity and behaviour page by page
(:class:`~graph_model.repositories.store_fraud.StoreFraudRepository`), runs
:func:`algorithms.store_fraud.detect_store_fraud`, writes the clusters (one transaction per
batch) and each store's own risk, then drops the clusters of earlier runs. Detection reads
only the graph. It runs as a ``store_fraud`` job (``Application.submit_store_fraud``) or
directly (``yima detect store-fraud``).
"""

from __future__ import annotations

import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from algorithms.store_fraud import (
    Detection,
    FraudCluster,
    FraudSettings,
    OrderFact,
    StoreFacts,
    StoreFraudInputError,
    detect_store_fraud,
)
from algorithms.store_fraud import Reason as FoundReason
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.master import Store
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.repositories.store_fraud import StoreFraudRepository
from graph_model.store_fraud import (
    EVIDENCE_KEYS,
    ClusterFilter,
    ClusterPage,
    ClusterRow,
    EvidenceGraph,
    RiskReason,
    StoredCluster,
    StoreRecord,
    StoreRisk,
)
from services.jobs import JobOutcome, Progress

__all__ = [
    "MAX_CLUSTER_PAGE",
    "FraudRun",
    "StoreFraudService",
    "StoreView",
    "cluster_row",
    "facts_of",
    "latest_time",
]

#: Largest page of ``storeFraudClusters``.
MAX_CLUSTER_PAGE: Final = 100


@dataclass(frozen=True, slots=True)
class FraudRun:
    """What one run read, found and stored, and where its time went."""

    run: str
    stores: int
    clusters: int
    flagged: int
    flagged_stores: int
    identity_groups: int
    seconds: dict[str, float]
    detection: Detection = field(repr=False, compare=False)
    peak_mb: dict[str, float] = field(default_factory=dict)

    @property
    def dominant_stage(self) -> str:
        return max(self.seconds, key=lambda k: self.seconds[k])

    def detail(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "stores": self.stores,
            "clusters": self.clusters,
            "flagged": self.flagged,
            "flaggedStores": self.flagged_stores,
            "identityGroups": self.identity_groups,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "flaggedIds": [c.id for c in self.detection.flagged[:100]],
        }


@dataclass(frozen=True, slots=True)
class StoreView:
    """A store with its risk as the last run left it (None: never assessed)."""

    store: Store
    risk: StoreRisk | None


def facts_of(record: StoreRecord) -> StoreFacts:
    """The algorithm's view of a store the graph described."""
    return StoreFacts(
        id=record.id,
        lat=record.lat,
        lon=record.lon,
        owner=record.owner,
        registered_by=record.registered_by,
        registered_at=record.registered_at,
        phones=record.phones,
        devices=record.devices,
        addresses=record.addresses,
        orders=tuple(OrderFact(o.id, o.quantity, o.at, o.fulfilled) for o in record.orders),
        received_units=record.received_units,
        redemptions=record.redemptions,
        redemption_times=record.redemption_times,
        sell_through_times=record.sell_through_times,
        staff_scans=record.staff_scans,
        staff_unreceived=record.staff_unreceived,
        evidence_scans=record.unreceived_scan_ids,
    )


def latest_time(facts: list[StoreFacts]) -> float:
    """The latest order, redemption or sale among ``facts`` (epoch seconds): the end of the
    data, against which young orders are not judged."""
    latest = 0.0
    for s in facts:
        for times in ((o.at for o in s.orders), s.redemption_times, s.sell_through_times):
            latest = max(latest, max(times, default=0.0))
    return latest


def _reason(r: FoundReason) -> RiskReason:
    return RiskReason(r.kind.value, r.detail)


def cluster_row(c: FraudCluster) -> ClusterRow:
    """The stored form of a found cluster."""
    evidence = tuple(
        dict.fromkeys(
            (r.kind.value, label, key)
            for r in c.reasons
            for label, key in r.evidence
            if label in EVIDENCE_KEYS
        )
    )
    return ClusterRow(
        c.id, c.score, c.flagged, c.store_ids, tuple(_reason(r) for r in c.reasons), evidence
    )


class StoreFraudService:
    """Store-fraud detection and the answers it leaves in the graph."""

    def __init__(self, db: Database, settings: FraudSettings | None = None) -> None:
        self._db = db
        self._settings = settings or FraudSettings()

    @property
    def repository(self) -> StoreFraudRepository:
        return StoreFraudRepository(self._db)

    def read_facts(self, progress: Progress | None = None) -> list[StoreFacts]:
        """Every store's facts, from the graph."""
        facts: list[StoreFacts] = []
        for page in self.repository.store_pages():
            facts.extend(facts_of(r) for r in page)
            if progress is not None:
                progress(min(0.5, 0.01 * len(facts) / 1000))
        return facts

    def detect(self, progress: Progress | None = None, *, trace_memory: bool = False) -> FraudRun:
        """Read, detect, write; the clusters of earlier runs are replaced.

        With ``trace_memory`` the Python heap's peak is measured per stage (``peak_mb``), for
        the benchmark.
        """
        run = uuid.uuid4().hex
        seconds: dict[str, float] = {}
        peaks: dict[str, float] = {}
        if trace_memory:
            tracemalloc.start()
        started = time.perf_counter()
        facts = self.read_facts(progress)
        seconds["read"] = time.perf_counter() - started
        _peak(peaks, "read", trace_memory)
        try:
            detection = detect_store_fraud(facts, as_of=latest_time(facts), settings=self._settings)
        except StoreFraudInputError as exc:
            raise InvalidField(exc.field, exc.reason) from exc
        seconds.update(detection.seconds)
        _peak(peaks, "detect", trace_memory)
        if progress is not None:
            progress(0.7)
        started = time.perf_counter()
        at = datetime.now(UTC)
        repo = self.repository
        repo.write_clusters([cluster_row(c) for c in detection.clusters], run, at)
        repo.write_risks(
            [
                (sid, risk.score, tuple(_reason(r) for r in risk.reasons))
                for sid, risk in detection.risks.items()
            ],
            at,
        )
        repo.drop_other_runs(run)
        seconds["write"] = time.perf_counter() - started
        _peak(peaks, "write", trace_memory)
        if trace_memory:
            tracemalloc.stop()
        flagged = detection.flagged
        return FraudRun(
            run=run,
            stores=len(facts),
            clusters=len(detection.clusters),
            flagged=len(flagged),
            flagged_stores=sum(len(c.store_ids) for c in flagged),
            identity_groups=len(detection.identity.groups),
            seconds=seconds,
            detection=detection,
            peak_mb=peaks,
        )

    def detect_job(self) -> Callable[[Progress], JobOutcome]:
        """The work of a ``store_fraud`` job."""

        def work(progress: Progress) -> JobOutcome:
            found = self.detect(progress)
            return JobOutcome(result_id=found.run, detail=found.detail())

        return work

    # -- answers --------------------------------------------------------------------------

    def clusters(self, where: ClusterFilter, *, first: int, offset: int = 0) -> ClusterPage:
        """A page of stored clusters, strongest first."""
        if where.min_score is not None and not 0 <= where.min_score <= 1:
            raise InvalidField("minScore", f"must be between 0 and 1, got {where.min_score}")
        if not 0 <= first <= MAX_CLUSTER_PAGE:
            raise InvalidField("first", f"must be between 0 and {MAX_CLUSTER_PAGE}, got {first}")
        return self.repository.clusters(where, first=first, offset=offset)

    def cluster(self, cluster_id: str) -> StoredCluster:
        return self.repository.cluster(cluster_id)

    def store_risk(self, store_id: str) -> StoreRisk | None:
        return self.repository.store_risk(store_id)

    def store(self, store_id: str) -> StoreView:
        """The store and its risk; raises :class:`NotFound` when there is no such store."""
        found = MasterDataRepository(self._db).get_store(store_id)
        return StoreView(found, self.store_risk(store_id))

    def evidence(self, cluster_id: str) -> EvidenceGraph:
        return self.repository.evidence(cluster_id)


def _peak(peaks: dict[str, float], stage: str, on: bool) -> None:
    if on:
        _, peak = tracemalloc.get_traced_memory()
        peaks[stage] = peak / 2**20
        tracemalloc.reset_peak()
