"""Channel layout (渠道布局) as the graph holds it: stores with demand, candidate sites, today's
supply, and the plans yima proposes.

A stored plan is a ``(:LayoutPlan)`` node linked to the sites it opens (``OPENS`` to a
``:Party`` or a ``:Region``) and to every store it serves (``ASSIGNS``), so that a plan can be
opened and compared with today's layout in Neo4j Bloom. These types are the plain values on
both sides of that storage; they know nothing of the solver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "CandidateSite",
    "DemandSource",
    "LayoutModel",
    "LayoutRequest",
    "PlanAssignment",
    "PlanComparisonSummary",
    "PlanSite",
    "SiteKind",
    "SolveMethod",
    "StoreDemand",
    "StoredPlan",
]


class DemandSource(StrEnum):
    """What counts as a store's demand over the period."""

    SHIPPED = "shipped"
    SOLD = "sold"
    SCANNED = "scanned"


class LayoutModel(StrEnum):
    """Which location model a plan solves."""

    P_MEDIAN = "p_median"
    UNCAPACITATED = "uncapacitated"
    CAPACITATED = "capacitated"


class SolveMethod(StrEnum):
    """Which solver: ``auto`` is exact (with a bound) for small instances."""

    AUTO = "auto"
    HEURISTIC = "heuristic"
    EXACT = "exact"


SiteKind = Literal["party", "region"]


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class StoreDemand:
    """A store in scope with its demand over the period (units)."""

    id: str
    name: str | None
    region_code: str | None
    lat: float | None
    lon: float | None
    demand: float

    @property
    def located(self) -> bool:
        """Whether the store has coordinates."""
        return self.lat is not None and self.lon is not None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> StoreDemand:
        """Map a ``{id, name, region, lat, lon, demand}`` row."""
        return cls(
            id=record["id"],
            name=record["name"],
            region_code=record["region"],
            lat=_float_or_none(record["lat"]),
            lon=_float_or_none(record["lon"]),
            demand=float(record["demand"] or 0),
        )


@dataclass(frozen=True, slots=True)
class CandidateSite:
    """A place a store could be served from: a distributor / warehouse, or a city."""

    id: str
    kind: SiteKind
    name: str | None
    lat: float | None
    lon: float | None
    capacity: float | None = None
    fixed_cost: float | None = None

    @property
    def located(self) -> bool:
        """Whether the site has coordinates."""
        return self.lat is not None and self.lon is not None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CandidateSite:
        """Map a ``{id, kind, name, lat, lon, capacity, fixedCost}`` row."""
        return cls(
            id=record["id"],
            kind=record["kind"],
            name=record["name"],
            lat=_float_or_none(record["lat"]),
            lon=_float_or_none(record["lon"]),
            capacity=_float_or_none(record["capacity"]),
            fixed_cost=_float_or_none(record["fixedCost"]),
        )


@dataclass(frozen=True, slots=True)
class LayoutRequest:
    """What a planner asks for.

    Scope: ``store_ids`` or ``region_code`` (stores in that region or below), else every store
    with demand in the period. Candidates: the distributors and warehouses supplying those
    stores (``include_distributors``), the prefecture cities of their provinces
    (``include_cities``) and ``site_ids``; today's suppliers are always candidates. With a
    ``distance_matrix`` its rows and columns *are* the stores and sites.
    """

    model: LayoutModel = LayoutModel.P_MEDIAN
    k: int | None = None
    keep_current_sites: bool = False
    must_open: tuple[str, ...] = ()
    period_from: datetime | None = None
    period_to: datetime | None = None
    demand_source: DemandSource = DemandSource.SHIPPED
    store_ids: tuple[str, ...] | None = None
    region_code: str | None = None
    site_ids: tuple[str, ...] = ()
    include_distributors: bool = True
    include_cities: bool = True
    capacities: Mapping[str, float] = field(default_factory=dict)
    default_capacity: float | None = None
    fixed_costs: Mapping[str, float] = field(default_factory=dict)
    default_fixed_cost: float | None = None
    matrix_store_ids: tuple[str, ...] | None = None
    matrix_site_ids: tuple[str, ...] | None = None
    distance_matrix: tuple[tuple[float, ...], ...] | None = None
    radius_km: float | None = None
    method: SolveMethod = SolveMethod.AUTO
    time_limit: float = 20.0
    seed: int = 0

    @classmethod
    def with_matrix(
        cls,
        store_ids: Sequence[str],
        site_ids: Sequence[str],
        km: Sequence[Sequence[float]],
        **options: Any,
    ) -> LayoutRequest:
        """A request whose distances come from a supplied matrix (road km, cost per unit)."""
        return cls(
            matrix_store_ids=tuple(store_ids),
            matrix_site_ids=tuple(site_ids),
            distance_matrix=tuple(tuple(float(v) for v in row) for row in km),
            **options,
        )


@dataclass(frozen=True, slots=True)
class PlanSite:
    """A site the plan opens (``OPENS``), or one today's layout uses that it closes
    (``CLOSES``); ``stores`` and ``demand`` are what the plan sends to it."""

    id: str
    kind: SiteKind
    name: str | None
    lat: float | None
    lon: float | None
    stores: int
    demand: float
    opened: bool
    current: bool

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PlanSite:
        """Map an ``OPENS`` / ``CLOSES`` row: ``{id, kind, name, lat, lon, stores, demand,
        opened, current}``."""
        return cls(
            id=record["id"],
            kind=record["kind"],
            name=record["name"],
            lat=_float_or_none(record["lat"]),
            lon=_float_or_none(record["lon"]),
            stores=int(record["stores"]),
            demand=float(record["demand"]),
            opened=bool(record["opened"]),
            current=bool(record["current"]),
        )


@dataclass(frozen=True, slots=True)
class PlanAssignment:
    """Which site serves a store in the plan, and which serves it today."""

    store_id: str
    site_id: str
    distance_km: float
    demand: float
    cost: float
    current_site_id: str | None

    @property
    def reassigned(self) -> bool:
        """Whether the plan moves this store away from its current supplier."""
        return self.current_site_id is not None and self.current_site_id != self.site_id

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PlanAssignment:
        """Map an ``ASSIGNS`` row: ``{store, site, distanceKm, demand, cost, currentSite}``."""
        return cls(
            store_id=record["store"],
            site_id=record["site"],
            distance_km=float(record["distanceKm"]),
            demand=float(record["demand"]),
            cost=float(record["cost"]),
            current_site_id=record["currentSite"],
        )


@dataclass(frozen=True, slots=True)
class PlanComparisonSummary:
    """The plan against today's layout; ``None`` where today's layout is unknown."""

    current_cost: float | None
    cost_saved: float | None
    stores_reassigned: tuple[str, ...]
    demand_within_radius: float | None
    current_demand_within_radius: float | None
    coverage_gap_stores: tuple[str, ...]
    coverage_gap_regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A plan as yima stores and shows it.

    ``lower_bound`` and ``gap`` come from the exact solver only; ``proven_optimal`` is true
    only when a bound closes the gap, never for a heuristic plan.
    """

    id: str
    model: str
    kind: str
    method: str
    k: int | None
    cost: float
    lower_bound: float | None
    gap: float | None
    proven_optimal: bool
    seconds: float
    created_at: datetime
    demand_source: str
    period_from: datetime | None
    period_to: datetime | None
    radius_km: float | None
    distance: str
    total_demand: float
    sites: tuple[PlanSite, ...]
    assignments: tuple[PlanAssignment, ...]
    comparison: PlanComparisonSummary

    @property
    def open_sites(self) -> tuple[PlanSite, ...]:
        """Sites the plan opens."""
        return tuple(s for s in self.sites if s.opened)

    @property
    def current_sites(self) -> tuple[PlanSite, ...]:
        """Sites today's layout uses."""
        return tuple(s for s in self.sites if s.current)
