"""Diversion (窜货) as the graph holds it: the rows detection reads and the cases it writes.

Detection reads scans with the custody of the package each unit travelled in, every
distributor's territory (``AUTHORIZED_IN`` regions and products, ``SUPPLIES`` contracts) and
the region tree; it writes ``(:DiversionCase)-[:AGAINST]->(:Distributor)``, ``-[:IN]->
(:Region)`` and ``-[:INCLUDES]->(:Code)``. These are the plain values that cross that
boundary; the rules themselves live in :mod:`algorithms.diversion`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "CaseFilter",
    "CaseLevel",
    "CasePage",
    "DealerTerritory",
    "Move",
    "PathFacts",
    "PathScan",
    "RegionRow",
    "ScanColumns",
    "ScanTimeFacts",
    "StoredCase",
    "TerritoryRow",
]


class CaseLevel(StrEnum):
    """A case's severity level, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(CaseLevel).index(self)


@dataclass(frozen=True, slots=True)
class RegionRow:
    """A region with its parent and seat (the tree and the centroids of detection)."""

    code: str
    parent: str | None
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class TerritoryRow:
    """A distributor's grants ``(region, products)`` (no products: every product) and
    contracted parties ``(party, region)``."""

    distributor_id: str
    name: str | None
    grants: tuple[tuple[str, tuple[str, ...]], ...]
    contracts: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class ScanColumns:
    """Scans of a window as columns; ``at`` in epoch seconds, ``box`` the package the unit
    travelled in (None: the unit travelled loose)."""

    ids: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    gtins: list[str] = field(default_factory=list)
    at: list[int] = field(default_factory=list)
    regions: list[str | None] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    lat: list[float | None] = field(default_factory=list)
    lon: list[float | None] = field(default_factory=list)
    box: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, other: ScanColumns) -> None:
        for name in self.__slots__:
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True, slots=True)
class Move:
    """A shipment that carried a unit (or a package holding it at ship time): when it was
    received (else shipped, epoch seconds), by whom, into which region, from whom, and the
    shipping and receiving events."""

    at: int
    party_id: str
    distributor: bool
    region: str | None
    source_id: str | None
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PathScan:
    """A scan of one unit, for its diversion path."""

    id: str
    at: datetime
    actor: str
    region: str | None
    event: str | None


@dataclass(frozen=True, slots=True)
class PathFacts:
    """One unit's history as its diversion path needs it; ``moves`` carry times in epoch
    seconds."""

    code: str
    gtin: str
    made_at: datetime | None
    plant_id: str | None
    plant_region: str | None
    commission_event: str | None
    moves: tuple[Move, ...]
    scans: tuple[PathScan, ...]
    supplies: frozenset[tuple[str, str]]
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class ScanTimeFacts:
    """What the scan-time check reads for every scan: the unit's product, the distributor
    responsible for it, the scanned region's chain (region, parent, …) and the master data's
    revision, against which a cached :class:`DealerTerritory` is held."""

    gtin: str
    responsible_id: str | None
    responsible_name: str | None
    region_chain: tuple[str, ...]
    region_name: str | None
    revision: str | None


@dataclass(frozen=True, slots=True)
class DealerTerritory:
    """A distributor's grants ``(region, gtins)`` and supply contracts (the parties it
    supplies, by their region), with the chain of every region they name, as of one
    master-data revision."""

    grants: tuple[tuple[str, tuple[str, ...]], ...]
    contracts: Mapping[str, tuple[str, ...]]
    chains: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class StoredCase:
    """A diversion case as stored (``codes`` and ``scan_ids`` are the evidence written with
    it; a case read back carries the first unit only, as ``sample_code``)."""

    id: str
    distributor_id: str
    distributor_name: str | None
    region_code: str
    region_name: str | None
    period: str
    period_start: datetime
    period_end: datetime
    units: int
    scans: int
    consumers: int
    sibling_units: int
    days: int
    expected_consumers: float
    distance_km: float | None
    first_seen: datetime
    last_seen: datetime
    gtins: tuple[str, ...]
    rules: tuple[str, ...]
    score: float
    severity: CaseLevel
    reasons: tuple[str, ...]
    detected_at: datetime
    sample_code: str | None = None
    codes: tuple[str, ...] = ()
    scan_ids: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        """The first rule that raised the case."""
        return self.rules[0] if self.rules else ""


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which stored cases to list: against ``distributor``, in ``region`` (or a region
    within it), seen in ``[seen_from, seen_to)``, at least ``min_level``."""

    distributor: str | None = None
    region: str | None = None
    seen_from: datetime | None = None
    seen_to: datetime | None = None
    min_level: CaseLevel = CaseLevel.LOW


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of cases, most severe first, and how many match in all."""

    cases: tuple[StoredCase, ...]
    total: int
    offset: int
