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
from typing import Any, Literal

from graph_model.errors import YimaError

__all__ = [
    "CandidateSite",
    "DemandSource",
    "LayoutJob",
    "LayoutModel",
    "LayoutRequest",
    "LayoutRequestError",
    "PlanAssignment",
    "PlanComparisonSummary",
    "PlanSite",
    "SiteKind",
    "SolveMethod",
    "StoreDemand",
    "StoredPlan",
]

DemandSource = Literal["shipped", "sold", "scanned"]
LayoutModel = Literal["p_median", "uncapacitated", "capacitated"]
SiteKind = Literal["party", "region"]
SolveMethod = Literal["auto", "heuristic", "exact"]
JobStatus = Literal["pending", "running", "succeeded", "failed"]


class LayoutRequestError(YimaError, ValueError):
    """A layout request that cannot be planned; ``field`` names the input at fault.

    Examples
    --------
    >>> err = LayoutRequestError("k", "asks for 5 sites but there are only 3 candidate sites")
    >>> err.field, str(err)
    ('k', 'k: asks for 5 sites but there are only 3 candidate sites')
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[LayoutRequestError], tuple[str, str]]:
        return (type(self), (self.field, self.reason))


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

    model: LayoutModel = "p_median"
    k: int | None = None
    keep_current_sites: bool = False
    must_open: tuple[str, ...] = ()
    period_from: datetime | None = None
    period_to: datetime | None = None
    demand_source: DemandSource = "shipped"
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
    method: SolveMethod = "auto"
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

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> StoredPlan:
        """Map ``{p, sites, assignments}``: the plan node and its two relationship lists."""
        p = record["p"]
        sites = tuple(
            sorted((PlanSite.from_record(s) for s in record["sites"]), key=lambda s: s.id)
        )
        assignments = tuple(
            sorted(
                (PlanAssignment.from_record(a) for a in record["assignments"]),
                key=lambda a: a.store_id,
            )
        )
        return cls(
            id=p["id"],
            model=p["model"],
            kind=p["kind"],
            method=p["method"],
            k=p.get("k"),
            cost=float(p["cost"]),
            lower_bound=_float_or_none(p.get("lowerBound")),
            gap=_float_or_none(p.get("gap")),
            proven_optimal=bool(p.get("provenOptimal")),
            seconds=float(p["seconds"]),
            created_at=p["createdAt"].to_native(),
            demand_source=p["demandSource"],
            period_from=p["periodFrom"].to_native() if p.get("periodFrom") else None,
            period_to=p["periodTo"].to_native() if p.get("periodTo") else None,
            radius_km=_float_or_none(p.get("radiusKm")),
            distance=p["distance"],
            total_demand=float(p["totalDemand"]),
            sites=sites,
            assignments=assignments,
            comparison=PlanComparisonSummary(
                current_cost=_float_or_none(p.get("currentCost")),
                cost_saved=_float_or_none(p.get("costSaved")),
                stores_reassigned=tuple(p.get("storesReassigned") or ()),
                demand_within_radius=_float_or_none(p.get("demandWithinRadius")),
                current_demand_within_radius=_float_or_none(p.get("currentDemandWithinRadius")),
                coverage_gap_stores=tuple(p.get("coverageGapStores") or ()),
                coverage_gap_regions=tuple(p.get("coverageGapRegions") or ()),
            ),
        )


@dataclass(frozen=True, slots=True)
class LayoutJob:
    """A plan computed in the background; ``plan_id`` once it succeeded."""

    id: str
    status: JobStatus
    created_at: datetime
    finished_at: datetime | None
    plan_id: str | None
    error_field: str | None
    error: str | None

    @property
    def running(self) -> bool:
        """Whether the job has not finished yet."""
        return self.status in ("pending", "running")

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> LayoutJob:
        """Map ``{j}``: the ``:LayoutJob`` node."""
        j = record["j"]
        return cls(
            id=j["id"],
            status=j["status"],
            created_at=j["createdAt"].to_native(),
            finished_at=j["finishedAt"].to_native() if j.get("finishedAt") else None,
            plan_id=j.get("planId"),
            error_field=j.get("errorField"),
            error=j.get("error"),
        )
