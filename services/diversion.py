"""Diversion (窜货) on the graph: detect cases over a window, answer at scan time, follow one
unit's path, and describe flows.

``detect`` reads every scan of the window with the custody of the package its unit travelled
in, decides the distributor responsible for each scan (the last distributor that recorded
receiving the unit, else the one whose territory its last shipment went into), classifies
the scans against the territories (:func:`algorithms.diversion.classify`), groups the
outside ones into cases (:func:`algorithms.diversion.find_cases`) and replaces the window's
cases in the graph. Detection reads only the graph.
"""

from __future__ import annotations

import bisect
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np

from algorithms.diversion import (
    DEFAULT_SETTINGS,
    Centroids,
    Channel,
    CustodyStep,
    DiversionInputError,
    DiversionPath,
    DiversionSettings,
    Flow,
    Leg,
    RegionTree,
    ScanClass,
    ScanTable,
    StepKind,
    Territory,
    Velocity,
    classify,
    classify_one,
    diversion_path,
    find_cases,
    region_flows,
    responsible_distributor,
    velocity,
)
from algorithms.diversion import DiversionCase as FoundCase
from algorithms.diversion.territory import Contract, Grant
from graph_model.database import Database
from graph_model.diversion import (
    CaseFilter,
    CaseLevel,
    CasePage,
    DealerTerritory,
    Move,
    PathFacts,
    ScanColumns,
    StoredCase,
    TerritoryRow,
)
from graph_model.errors import InvalidField
from graph_model.repositories.diversion import DiversionRepository
from graph_model.times import EARLIEST
from services.jobs import JobOutcome, Progress

__all__ = [
    "TERRITORIES_KEPT",
    "DetectionReport",
    "DiversionPath",
    "DiversionService",
    "Flow",
    "FlowReport",
    "Leg",
    "ScanCheck",
    "UnitPath",
    "Velocity",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
TERRITORIES_KEPT: Final = 4096  # distributors whose territory the scan-time check keeps


def _when(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


def _input_error(exc: DiversionInputError) -> InvalidField:
    return InvalidField(exc.field, exc.reason)


@dataclass(frozen=True, slots=True)
class DetectionReport:
    """What one detection run read and raised."""

    start: datetime
    end: datetime
    scans: int
    classes: Mapping[str, int]
    case_ids: tuple[str, ...]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "scans": self.scans,
            "classes": dict(self.classes),
            "cases": len(self.case_ids),
            "caseIds": list(self.case_ids[:100]),
            "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True, slots=True)
class ScanCheck:
    """Whether a scanned unit lies outside its responsible distributor's territory."""

    outside: bool
    judged: bool
    scan_class: str
    reason: str
    responsible_id: str | None
    responsible_name: str | None
    region_code: str | None
    region_name: str | None


@dataclass(frozen=True, slots=True)
class UnitPath:
    """A unit's diversion path with the names of the parties and regions on it."""

    path: DiversionPath
    names: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FlowReport:
    """Flows of one product in a window: units moved between regions by shipments, where
    units ended (first consumer scan) against where they were sent (last receiver), and
    velocity per period of manufacture; ``places`` names and locates every region."""

    gtin: str
    start: datetime
    end: datetime
    moved: tuple[Flow, ...]
    ended: tuple[Flow, ...]
    velocity: tuple[Velocity, ...]
    places: Mapping[str, tuple[str, float, float]]


@dataclass(slots=True)
class _Snapshot:
    """The channel as detection sees it: region tree, centroids, territories, names."""

    tree: RegionTree
    centroids: Centroids
    territories: dict[str, Territory]
    names: dict[str, str] = field(default_factory=dict)


def _territory(row: TerritoryRow) -> Territory:
    return Territory(
        row.distributor_id,
        tuple(Grant(code, frozenset(products)) for code, products in row.grants),
        tuple(Contract(party, code) for party, code in row.contracts),
    )


class _Responsible:
    """The distributor answering for a holder (package or loose unit) at a time: the last
    distributor that received it by then, else the narrowest grant covering the region its
    last shipment went into (:func:`algorithms.diversion.responsible_distributor`)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.fallback: dict[tuple[str, str], str | None] = {}

    def timeline(self, moves: Sequence[Move], gtin: str) -> tuple[list[int], list[str | None]]:
        times: list[int] = []
        who: list[str | None] = []
        holder: str | None = None
        for move in sorted(moves, key=lambda m: m.at):
            if move.distributor:
                holder = move.party_id
            times.append(move.at)
            who.append(holder if holder is not None else self._granted(move, gtin))
        return times, who

    def _granted(self, move: Move, gtin: str) -> str | None:
        if move.region is None:
            return None
        key = (move.region, gtin)
        if key not in self.fallback:
            step = CustodyStep(StepKind.TRANSFER, _EPOCH, move.party_id, move.region)
            self.fallback[key] = responsible_distributor([step], gtin, self.channel)
        return self.fallback[key]


def _add_chain(parents: dict[str, str | None], chain: Sequence[str]) -> None:
    for i, area in enumerate(chain):
        parents.setdefault(area, chain[i + 1] if i + 1 < len(chain) else None)


def _deciding(held: DealerTerritory, scanned: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The contracts of ``held`` that can decide a scan in the region whose chain is
    ``scanned``: a store in that region or one holding it (the scan is contracted), or in a
    region it holds (the scan is too coarse to judge); none for a region the graph lacks."""
    if not scanned:
        return ()
    within, scan = set(scanned), scanned[0]
    return tuple(
        sorted(
            (party, code)
            for code, parties in held.contracts.items()
            if code in within or scan in held.chains.get(code, (code,))[1:]
            for party in parties
        )
    )


class DiversionService:
    """Diversion detection, scan-time checks, paths, cases and flows on the graph."""

    def __init__(self, db: Database, settings: DiversionSettings = DEFAULT_SETTINGS) -> None:
        self.repository = DiversionRepository(db)
        self.settings = settings
        # Distributors' territories by master-data revision, for the scan-time check: a dealer
        # may supply thousands of stores, read once per revision instead of on every scan.
        self._territories = functools.lru_cache(maxsize=TERRITORIES_KEPT)(self._read_territory)

    def _read_territory(self, distributor_id: str, revision: str) -> DealerTerritory:
        return self.repository.territory(distributor_id)

    def territories_read(self) -> int:
        """How many distributors' territories the scan-time check has read from the graph."""
        return self._territories.cache_info().misses

    def _territory_at(self, distributor_id: str, revision: str | None) -> DealerTerritory:
        if revision is None:  # the channel was never saved through yima: nothing to key on
            return self.repository.territory(distributor_id)
        return self._territories(distributor_id, revision)

    # -- the channel ------------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        rows = self.repository.regions()
        try:
            tree = RegionTree.from_parents({r.code: r.parent for r in rows})
            centroids = Centroids.of(
                {r.code: (r.lat, r.lon) for r in rows if r.lat is not None and r.lon is not None},
                tree,
            )
        except DiversionInputError as exc:
            raise _input_error(exc) from None
        territories = self.repository.territories()
        names = {r.code: r.name for r in rows}
        names |= {t.distributor_id: t.name for t in territories if t.name}
        return _Snapshot(
            tree, centroids, {t.distributor_id: _territory(t) for t in territories}, names
        )

    # -- detection ----------------------------------------------------------------------------

    def detect(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        progress: Progress | None = None,
        *,
        page: int = 50_000,
    ) -> DetectionReport:
        """Detect the cases of the scans in ``[start, end)`` (default: every scan) and replace
        the window's cases in the graph.

        Raises
        ------
        InvalidField
            When the window is empty or reversed (``from`` / ``to``).
        """
        began = time.perf_counter()
        start = EARLIEST if start is None else start.astimezone(UTC)
        end = datetime.now(UTC) + timedelta(days=1) if end is None else end.astimezone(UTC)
        if end <= start:
            raise InvalidField("to", f"must be later than from ({start.isoformat()})")
        report = progress or (lambda share: None)
        snapshot = self._snapshot()
        columns = self._scans(start, end, report)
        report(0.5)
        table = self._table(columns, snapshot)
        report(0.7)
        try:
            found = classify(table, snapshot.territories, snapshot.tree)
            cases = find_cases(
                found, settings=self.settings, centroids=snapshot.centroids, names=snapshot.names
            )
        except DiversionInputError as exc:
            raise _input_error(exc) from None
        report(0.8)
        now = datetime.now(UTC)
        stored = [self._stored(c, snapshot, now) for c in cases]
        self.repository.replace_cases(stored, start, end)
        counts = {c.name.lower(): n for c, n in found.counts().items()}
        return DetectionReport(
            start, end, len(table), counts, tuple(c.id for c in stored), time.perf_counter() - began
        )

    def detect_job(
        self, start: datetime | None, end: datetime | None
    ) -> Callable[[Progress], JobOutcome]:
        """The work of a detection job on the job facility."""

        def work(progress: Progress) -> JobOutcome:
            done = self.detect(start, end, progress)
            return JobOutcome(detail=done.as_dict())

        return work

    def _scans(self, start: datetime, end: datetime, report: Progress) -> ScanColumns:
        counts = self.repository.scan_count(start, end)
        total = max(1, sum(n for _, n in counts))
        columns = ScanColumns()
        for part in self.repository.scan_pages(start, end):
            columns.extend(part)
            report(0.4 * len(columns) / total)
        return columns

    def _table(self, s: ScanColumns, snapshot: _Snapshot) -> ScanTable:
        """The scan table with every scan's responsible distributor and packages."""
        packages = sorted({b for b in s.box if b is not None})
        loose = sorted({code for code, b in zip(s.codes, s.box, strict=True) if b is None})
        gtin_of: dict[str, str] = {}
        for code, box, gtin in zip(s.codes, s.box, s.gtins, strict=True):
            gtin_of.setdefault(box or code, gtin)
        channel = Channel(frozenset(), snapshot.territories, snapshot.tree)
        responsible = _Responsible(channel)
        timelines: dict[str, tuple[list[int], list[str | None]]] = {}
        pallet: dict[str, str | None] = {}
        for holder, moves, up in self.repository.custody(packages, loose):
            timelines[holder] = responsible.timeline(moves, gtin_of.get(holder, ""))
            pallet[holder] = up
        distributors: list[str | None] = []
        for code, box, at in zip(s.codes, s.box, s.at, strict=True):
            times, who = timelines.get(box or code, ([], []))
            i = bisect.bisect_right(times, at)
            distributors.append(who[i - 1] if i else None)
        try:
            return ScanTable.from_columns(
                scan_ids=s.ids,
                codes=s.codes,
                gtins=s.gtins,
                at=np.asarray(s.at, dtype=np.int64),
                regions=s.regions,
                actors=s.actors,
                distributors=distributors,
                cases=s.box,
                pallets=[pallet.get(b) if b else None for b in s.box],
                lat=[np.nan if v is None else v for v in s.lat],
                lon=[np.nan if v is None else v for v in s.lon],
            )
        except DiversionInputError as exc:
            raise _input_error(exc) from None

    @staticmethod
    def _stored(case: FoundCase, snapshot: _Snapshot, now: datetime) -> StoredCase:
        return StoredCase(
            id=case.id,
            distributor_id=case.distributor_id,
            distributor_name=snapshot.names.get(case.distributor_id),
            region_code=case.region_code,
            region_name=snapshot.names.get(case.region_code),
            period=case.period.label,
            period_start=case.period.start,
            period_end=case.period.end,
            units=case.units,
            scans=case.scans,
            consumers=case.consumers,
            sibling_units=case.sibling_units,
            days=case.days,
            expected_consumers=case.expected_consumers,
            distance_km=None if case.distance_km is None else round(case.distance_km, 1),
            first_seen=case.first_seen,
            last_seen=case.last_seen,
            gtins=case.gtins,
            rules=tuple(r.value for r in case.rules),
            score=round(case.score, 4),
            severity=CaseLevel(case.severity.value),
            reasons=case.reasons,
            detected_at=now,
            codes=case.codes,
            scan_ids=case.scan_ids,
        )

    # -- cases --------------------------------------------------------------------------------

    def cases(self, where: CaseFilter, *, first: int, offset: int = 0) -> CasePage:
        """A page of stored cases, most severe first."""
        return self.repository.cases(where, first=first, offset=offset)

    def case(self, case_id: str) -> StoredCase | None:
        return self.repository.case(case_id)

    # -- one unit -----------------------------------------------------------------------------

    def check_scan(self, code: str, region: str | None, at: datetime) -> ScanCheck | None:
        """Whether unit ``code`` scanned in ``region`` at ``at`` lies outside its responsible
        distributor's territory; None for a unit the graph does not know.

        One read, and a second for the distributor's territory the first time it is asked
        after the master data changed (:meth:`MasterDataRepository.save` gives it a new
        revision); territories are kept for :data:`TERRITORIES_KEPT` distributors.
        """
        facts = self.repository.scan_time_facts(code, region, at)
        if facts is None:
            return None
        territory = None
        parents: dict[str, str | None] = {}
        if facts.responsible_id is not None:
            held = self._territory_at(facts.responsible_id, facts.revision)
            contracts = _deciding(held, facts.region_chain)
            territory = _territory(TerritoryRow(facts.responsible_id, None, held.grants, contracts))
            named = [area for area, _ in held.grants] + [area for _, area in contracts]
            for area in named:
                _add_chain(parents, held.chains.get(area, (area,)))
        _add_chain(parents, facts.region_chain)
        try:
            tree = RegionTree.from_parents(parents)
            known = region if region in tree else None
            cls, why = classify_one(territory, known, facts.gtin, tree)
        except DiversionInputError as exc:
            raise _input_error(exc) from None
        return ScanCheck(
            outside=cls is ScanClass.OUTSIDE,
            judged=cls not in (ScanClass.UNLOCATED, ScanClass.UNATTRIBUTED),
            scan_class=cls.name.lower(),
            reason=why,
            responsible_id=facts.responsible_id,
            responsible_name=facts.responsible_name,
            region_code=region,
            region_name=facts.region_name,
        )

    def path(self, code: str) -> UnitPath | None:
        """Unit ``code``'s custody path and leak hop; None for a unit the graph does not
        know."""
        facts = self.repository.path_facts(code)
        if facts is None:
            return None
        snapshot = self._snapshot()
        channel = Channel(facts.supplies, snapshot.territories, snapshot.tree)
        try:
            path = diversion_path(code, facts.gtin, _steps(facts, snapshot.tree), channel)
        except DiversionInputError as exc:
            raise _input_error(exc) from None
        return UnitPath(path, {**snapshot.names, **facts.names})

    # -- flows --------------------------------------------------------------------------------

    def flows(self, gtin: str, start: datetime, end: datetime) -> FlowReport:
        """Flows of product ``gtin`` shipped or made in ``[start, end)``."""
        if end <= start:
            raise InvalidField("to", f"must be later than from ({start.isoformat()})")
        repo = self.repository
        at, origins, destinations, units = repo.shipment_flows(gtin, start, end)
        count = np.asarray(units, dtype=np.int64)
        journeys = repo.unit_journeys(gtin, start, end)
        stores = repo.stores(sorted({m.party_id for _, moves, _ in journeys for m in moves}))
        made, store_at, consumer_at = [], [], []
        sent: list[str | None] = []
        ended: list[str | None] = []
        scanned: list[float] = []
        for made_at, moves, first_scan in journeys:
            ordered = sorted(moves, key=lambda m: m.at)
            made.append(float(made_at))
            store = next((m.at for m in ordered if m.party_id in stores), None)
            store_at.append(np.nan if store is None else float(store))
            consumer_at.append(np.nan if first_scan is None else float(first_scan[0]))
            sent.append(ordered[-1].region if ordered else None)
            ended.append(None if first_scan is None else first_scan[1])
            scanned.append(np.nan if first_scan is None else float(first_scan[0]))
        try:
            moved = region_flows(
                [gtin] * int(count.sum()),
                np.repeat(np.asarray(at, dtype=np.float64), count),
                list(np.repeat(np.asarray(origins, dtype=object), count)),
                list(np.repeat(np.asarray(destinations, dtype=object), count)),
                settings=self.settings,
            )
            where = region_flows([gtin] * len(sent), scanned, sent, ended, settings=self.settings)
            speed = velocity(
                [gtin] * len(made), made, store_at, consumer_at, settings=self.settings
            )
        except DiversionInputError as exc:
            raise _input_error(exc) from None
        codes = sorted({f.origin for f in moved + where} | {f.destination for f in moved + where})
        return FlowReport(
            gtin, start, end, tuple(moved), tuple(where), tuple(speed), repo.region_names(codes)
        )


def _steps(facts: PathFacts, tree: RegionTree) -> list[CustodyStep]:
    def known(region: str | None) -> str | None:
        return region if region in tree else None

    steps: list[CustodyStep] = []
    if facts.made_at is not None and facts.plant_id is not None:
        evidence = (facts.commission_event,) if facts.commission_event else ()
        steps.append(
            CustodyStep(
                StepKind.MADE, facts.made_at, facts.plant_id, known(facts.plant_region),
                evidence=evidence,
            )
        )  # fmt: skip
    for m in sorted(facts.moves, key=lambda m: m.at):
        steps.append(
            CustodyStep(
                StepKind.TRANSFER, _when(m.at), m.party_id, known(m.region), m.source_id, m.events
            )
        )
    for s in facts.scans:
        steps.append(CustodyStep(StepKind.SCAN, s.at, s.actor, known(s.region), evidence=(s.id,)))
    return steps
