"""Channel-layout planning on the graph: read stores, demand, candidate sites and today's
supply, build the layout problem, solve it, compare it with today's layout and store the plan.

``prepare`` does every read and check (so a GraphQL request can tell a big instance from a
small one before solving), ``solve`` runs the solver and the comparison, ``save`` writes the
plan. Every rejected input raises :class:`~graph_model.layout.InvalidField` naming the
request field (``k``, ``capacities``, ``distanceMatrix``, ``stores``, ...).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from algorithms.layout import (
    LayoutInfeasibleError,
    LayoutInputError,
    LayoutPlan,
    LayoutProblem,
    compare,
    geodesic_cost_matrix,
    solve_exact,
    solve_heuristic,
)
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.layout import (
    CandidateSite,
    LayoutRequest,
    PlanAssignment,
    PlanComparisonSummary,
    PlanSite,
    SolveMethod,
    StoreDemand,
    StoredPlan,
)
from graph_model.repositories.layout import LayoutRepository
from services.jobs import JobOutcome, Progress

__all__ = ["EXACT_AUTO_LIMIT", "LayoutService", "PreparedLayout"]

FloatArray = NDArray[np.float64]

#: ``method="auto"`` solves exactly up to this many store-site pairs, heuristically beyond.
EXACT_AUTO_LIMIT = 200_000

# Solver input names -> the request fields a planner wrote.
_FIELDS: Mapping[str, str] = {
    "p": "k",
    "capacity": "capacities",
    "must_open": "mustOpen",
    "fixed_cost": "fixedCosts",
    "cost": "distanceMatrix",
    "distance": "distanceMatrix",
    "demand": "demandSource",
    "open_sites": "k",
    "assignment": "capacities",
}


def _listing(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


@dataclass(frozen=True, slots=True, eq=False)
class PreparedLayout:
    """A request turned into a layout problem, with the graph data behind every index."""

    request: LayoutRequest
    stores: tuple[StoreDemand, ...]
    sites: tuple[CandidateSite, ...]
    km: FloatArray
    current: tuple[int | None, ...]
    problem: LayoutProblem
    distance: str

    @property
    def size(self) -> int:
        """Store-site pairs: what the solvers' work grows with."""
        return self.problem.n_stores * self.problem.n_sites

    @property
    def current_sites(self) -> tuple[int, ...]:
        """Indices of the sites today's layout uses."""
        return tuple(sorted({j for j in self.current if j is not None}))

    def today_assignment(self) -> list[int] | None:
        """Today's site per store; a store without a known supplier counts as served by the
        nearest of today's sites. ``None`` when no store has a known supplier."""
        today = list(self.current_sites)
        if not today:
            return None
        nearest = np.asarray(today)[np.argmin(self.km[:, today], axis=1)]
        return [int(nearest[i]) if j is None else j for i, j in enumerate(self.current)]


class LayoutService:
    """Plans channel layouts from the graph and stores them."""

    def __init__(self, db: Database) -> None:
        self.repository = LayoutRepository(db)

    # -- reading and checking -------------------------------------------------------------

    def prepare(self, request: LayoutRequest) -> PreparedLayout:
        """Read everything the request needs and build the problem.

        Raises
        ------
        InvalidField
            On any input that cannot be planned, naming the field.
        """
        _check_request(request)
        stores = self._stores(request)
        current_ids = self.repository.current_supply(
            [s.id for s in stores], request.period_from, request.period_to
        )
        sites = self._sites(request, stores, current_ids)
        index = {site.id: j for j, site in enumerate(sites)}
        current = tuple(index.get(current_ids.get(s.id, "")) for s in stores)
        if request.distance_matrix is not None:
            km, distance = _matrix(request, stores, sites), "matrix"
        else:
            km = geodesic_cost_matrix(
                np.array([(s.lat, s.lon) for s in stores], dtype=np.float64),
                np.array([(t.lat, t.lon) for t in sites], dtype=np.float64),
            )
            distance = "geodesic"
        must_open = _must_open(request, sites, index, current)
        demand = np.array([s.demand for s in stores], dtype=np.float64)
        capacity = _capacities(request, sites, stores, demand)
        fixed = _fixed_costs(request, sites)
        try:
            problem = LayoutProblem.create(
                demand[:, None] * km,
                demand=demand,
                fixed_cost=fixed,
                capacity=capacity,
                p=request.k,
                must_open=must_open,
                name=request.model,
            )
        except LayoutInputError as exc:
            raise _request_error(exc) from None
        return PreparedLayout(request, stores, sites, km, current, problem, distance)

    def _stores(self, request: LayoutRequest) -> tuple[StoreDemand, ...]:
        repo = self.repository
        if request.matrix_store_ids is not None:
            ids, field = list(request.matrix_store_ids), "distanceMatrix.storeIds"
        elif request.store_ids is not None:
            ids, field = list(request.store_ids), "storeIds"
        elif request.region_code is not None:
            ids, field = repo.region_store_ids(request.region_code), "regionCode"
            if not ids:
                raise InvalidField(field, f"no store lies in region {request.region_code!r}")
        else:
            ids, field = (
                repo.active_store_ids(
                    request.demand_source, request.period_from, request.period_to
                ),
                "periodFrom",
            )
            if not ids:
                raise InvalidField(
                    field, f"no store has {request.demand_source} units in the period"
                )
        if not ids:
            raise InvalidField(field, "lists no store")
        if len(set(ids)) != len(ids):
            raise InvalidField(field, "lists a store twice")
        found = {
            s.id: s
            for s in repo.store_demand(
                ids, request.demand_source, request.period_from, request.period_to
            )
        }
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise InvalidField(field, f"unknown stores: {_listing(unknown)}")
        stores = tuple(found[i] for i in ids)
        if sum(s.demand for s in stores) <= 0:
            raise InvalidField(
                "demandSource",
                f"the {len(stores)} stores have no {request.demand_source} units in the period",
            )
        if request.distance_matrix is None:
            unlocated = [s.id for s in stores if not s.located]
            if unlocated:
                raise InvalidField(
                    "stores",
                    f"{len(unlocated)} stores have no coordinates ({_listing(unlocated)}); "
                    "give them lat/lon or supply a distanceMatrix",
                )
        return stores

    def _sites(
        self,
        request: LayoutRequest,
        stores: Sequence[StoreDemand],
        current_ids: Mapping[str, str],
    ) -> tuple[CandidateSite, ...]:
        repo = self.repository
        if request.matrix_site_ids is not None:
            named = list(request.matrix_site_ids)
            sites = _known(repo.sites(named), named, "distanceMatrix.siteIds")
            if len(set(named)) != len(named):
                raise InvalidField("distanceMatrix.siteIds", "lists a site twice")
            return tuple(sites)
        store_ids = [s.id for s in stores]
        found: list[CandidateSite] = []
        if request.include_distributors:
            found += repo.distributors_of(store_ids)
        if request.include_cities:
            found += repo.cities_of(store_ids)
        found += _known(repo.sites(list(request.site_ids)), request.site_ids, "siteIds")
        found += _known(repo.sites(list(request.must_open)), request.must_open, "mustOpen")
        for field, ids in (("siteIds", request.site_ids), ("mustOpen", request.must_open)):
            unlocated = [s.id for s in found if s.id in ids and not s.located]
            if unlocated:
                raise InvalidField(field, f"sites without coordinates: {_listing(unlocated)}")
        # Today's suppliers are always candidates, so the plan can be compared with them.
        found += repo.sites(sorted(set(current_ids.values())))
        unique: dict[str, CandidateSite] = {}
        for site in found:
            if site.located:
                unique.setdefault(site.id, site)
        if not unique:
            raise InvalidField(
                "siteIds", "no candidate site with coordinates; name sites or include cities"
            )
        return tuple(unique.values())

    # -- solving --------------------------------------------------------------------------

    def solve(self, prepared: PreparedLayout, plan_id: str | None = None) -> StoredPlan:
        """Solve, compare with today's layout and describe the plan (not yet stored).

        Raises
        ------
        InvalidField
            When the capacities admit no plan (``capacities``).
        """
        request = prepared.request
        problem = prepared.problem
        method = request.method
        if method == SolveMethod.AUTO:
            exact = prepared.size <= EXACT_AUTO_LIMIT
            method = SolveMethod.EXACT if exact else SolveMethod.HEURISTIC
        try:
            if method == SolveMethod.EXACT:
                plan = solve_exact(problem, time_limit=request.time_limit, seed=request.seed)
            else:
                plan = solve_heuristic(problem, time_limit=request.time_limit, seed=request.seed)
        except LayoutInfeasibleError as exc:
            raise InvalidField("capacities", exc.reason) from None
        return _describe(prepared, plan, plan_id or str(uuid.uuid4()))

    def save(self, plan: StoredPlan) -> StoredPlan:
        """Store the plan and read it back as stored."""
        self.repository.save_plan(plan)
        return self.repository.get_plan(plan.id)

    def plan(self, request: LayoutRequest) -> StoredPlan:
        """Prepare, solve and store: the whole synchronous path."""
        return self.save(self.solve(self.prepare(request)))

    def job(self, prepared: PreparedLayout) -> Callable[[Progress], JobOutcome]:
        """The work of a background plan, for the job runner: solve, store, name the plan."""

        def work(progress: Progress) -> JobOutcome:
            plan = self.save(self.solve(prepared))
            return JobOutcome(result_id=plan.id, detail={"cost": plan.cost, "gap": plan.gap})

        return work


# -- checks ---------------------------------------------------------------------------------


def _check_request(request: LayoutRequest) -> None:
    if request.model == "p_median" and request.k is None:
        raise InvalidField("k", "the p_median model needs the number of sites to open")
    if request.k is not None and request.k < 1:
        raise InvalidField("k", f"must be at least 1, got {request.k}")
    if request.radius_km is not None and not (0 <= request.radius_km < float("inf")):
        raise InvalidField("radiusKm", f"must be a non-negative number, got {request.radius_km}")
    if not 0 < request.time_limit <= 3600:
        raise InvalidField("timeLimit", f"must be in (0, 3600] s, got {request.time_limit}")
    if (
        request.period_from is not None
        and request.period_to is not None
        and request.period_from >= request.period_to
    ):
        raise InvalidField("periodTo", "must be after periodFrom")
    if request.distance_matrix is not None and (
        request.matrix_store_ids is None or request.matrix_site_ids is None
    ):
        raise InvalidField("distanceMatrix", "needs storeIds and siteIds for its rows/columns")
    for field, values in (("capacities", request.capacities), ("fixedCosts", request.fixed_costs)):
        for site, value in values.items():
            if not (0 <= value < float("inf")):
                raise InvalidField(field, f"site {site}: must be non-negative, got {value}")
    for field, default in (
        ("defaultCapacity", request.default_capacity),
        ("defaultFixedCost", request.default_fixed_cost),
    ):
        if default is not None and not (0 <= default < float("inf")):
            raise InvalidField(field, f"must be non-negative, got {default}")


def _known(sites: Iterable[CandidateSite], ids: Sequence[str], field: str) -> list[CandidateSite]:
    by_id = {s.id: s for s in sites}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise InvalidField(field, f"no party or region with id {_listing(unknown)} in the graph")
    return [by_id[i] for i in ids]


def _matrix(
    request: LayoutRequest, stores: Sequence[StoreDemand], sites: Sequence[CandidateSite]
) -> FloatArray:
    rows = request.distance_matrix or ()
    if len(rows) != len(stores):
        raise InvalidField(
            "distanceMatrix", f"has {len(rows)} rows for {len(stores)} stores (storeIds)"
        )
    for i, row in enumerate(rows):
        if len(row) != len(sites):
            raise InvalidField(
                "distanceMatrix",
                f"row {i} has {len(row)} entries for {len(sites)} sites (siteIds); "
                "the matrix must be stores × sites",
            )
    km = np.array(rows, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(km) | (km < 0))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise InvalidField(
            "distanceMatrix",
            f"entry [{i}][{j}] is {km[i, j]:g}; distances must be finite and non-negative",
        )
    return km


def _must_open(
    request: LayoutRequest,
    sites: Sequence[CandidateSite],
    index: Mapping[str, int],
    current: Sequence[int | None],
) -> tuple[int, ...]:
    missing = [s for s in request.must_open if s not in index]
    if missing:
        raise InvalidField("mustOpen", f"not among the candidate sites: {_listing(missing)}")
    kept = {index[s] for s in request.must_open}
    if request.keep_current_sites:
        today = {j for j in current if j is not None}
        if not today:
            raise InvalidField(
                "keepCurrentSites", "no store has a known supplier with coordinates today"
            )
        kept |= today
    if request.k is not None and len(kept) > request.k:
        names = _listing([sites[j].id for j in sorted(kept)])
        raise InvalidField("k", f"is {request.k}, but {len(kept)} sites must stay open ({names})")
    return tuple(sorted(kept))


def _capacities(
    request: LayoutRequest,
    sites: Sequence[CandidateSite],
    stores: Sequence[StoreDemand],
    demand: FloatArray,
) -> FloatArray | None:
    _check_site_keys("capacities", request.capacities, sites)
    if request.model != "capacitated":
        return None
    values: list[float] = []
    for site in sites:
        value = request.capacities.get(site.id, site.capacity)
        if value is None:
            value = request.default_capacity
        if value is None:
            raise InvalidField(
                "capacities",
                f"site {site.id} has no capacity; give capacities or defaultCapacity",
            )
        values.append(float(value))
    capacity = np.array(values)
    largest = float(capacity.max())
    too_big = [s.id for s in stores if s.demand > largest]
    if too_big:
        raise InvalidField(
            "capacities",
            f"stores {_listing(too_big)} need more than the largest site capacity ({largest:g}); "
            "each store is served by one site",
        )
    total = float(demand.sum())
    best = (
        float(capacity.sum())
        if request.k is None
        else float(np.sort(capacity)[::-1][: request.k].sum())
    )
    if best < total:
        what = "all sites" if request.k is None else f"the {request.k} largest sites"
        raise InvalidField(
            "capacities", f"{what} hold {best:g}, less than the total demand {total:g}"
        )
    return capacity


def _fixed_costs(request: LayoutRequest, sites: Sequence[CandidateSite]) -> FloatArray:
    _check_site_keys("fixedCosts", request.fixed_costs, sites)
    values = []
    for site in sites:
        value = request.fixed_costs.get(site.id, site.fixed_cost)
        if value is None:
            value = request.default_fixed_cost
        values.append(0.0 if value is None else float(value))
    fixed = np.array(values)
    if request.model == "uncapacitated" and request.k is None and not fixed.any():
        raise InvalidField(
            "fixedCosts",
            "the uncapacitated model weighs opening costs against distance; with none, "
            "every site opens (give fixedCosts / defaultFixedCost, or k)",
        )
    return fixed


def _check_site_keys(
    field: str, values: Mapping[str, float], sites: Sequence[CandidateSite]
) -> None:
    known = {s.id for s in sites}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidField(field, f"not among the candidate sites: {_listing(unknown)}")


def _request_error(exc: LayoutInputError) -> InvalidField:
    return InvalidField(_FIELDS.get(exc.field, exc.field), exc.reason)


# -- describing the plan -----------------------------------------------------------------------


def _describe(prepared: PreparedLayout, plan: LayoutPlan, plan_id: str) -> StoredPlan:
    request, problem, km = prepared.request, prepared.problem, prepared.km
    stores, sites = prepared.stores, prepared.sites
    n = problem.n_stores
    rows = np.arange(n)
    assign = np.asarray(plan.assignment, dtype=np.intp)
    current = prepared.today_assignment()
    comparison = None
    if current is not None:
        comparison = compare(plan, current, problem, radius=request.radius_km, distance=km)
    gap_stores: tuple[str, ...] = ()
    gap_regions: tuple[str, ...] = ()
    share = current_share = None
    if request.radius_km is not None:
        radius = request.radius_km
        nearest = km[:, list(plan.open_sites)].min(axis=1)
        gaps = np.flatnonzero(nearest > radius)
        gap_stores = tuple(stores[i].id for i in gaps)
        gap_regions = tuple(sorted({stores[i].region_code or "?" for i in gaps}))
        total = float(problem.demand.sum())
        share = float(problem.demand[km[rows, assign] <= radius].sum() / total)
        if current is not None:
            current_share = float(problem.demand[km[rows, current] <= radius].sum() / total)
    opened = set(plan.open_sites)
    today = set(prepared.current_sites)
    load = np.bincount(assign, weights=problem.demand, minlength=problem.n_sites)
    count = np.bincount(assign, minlength=problem.n_sites)
    plan_sites = tuple(
        PlanSite(
            id=sites[j].id, kind=sites[j].kind, name=sites[j].name, lat=sites[j].lat,
            lon=sites[j].lon, stores=int(count[j]), demand=float(load[j]),
            opened=j in opened, current=j in today,
        )
        for j in sorted(opened | today, key=lambda j: sites[j].id)
    )  # fmt: skip
    assignments = tuple(
        PlanAssignment(
            store_id=stores[i].id,
            site_id=sites[int(assign[i])].id,
            distance_km=float(km[i, assign[i]]),
            demand=float(problem.demand[i]),
            cost=float(problem.cost[i, assign[i]]),
            current_site_id=_site_id(sites, prepared.current[i]),
        )
        for i in sorted(range(n), key=lambda i: stores[i].id)
    )
    reassigned = tuple(a.store_id for a in assignments if a.reassigned)
    return StoredPlan(
        id=plan_id,
        model=request.model,
        kind=problem.kind,
        method=plan.method,
        k=request.k,
        cost=plan.cost,
        lower_bound=plan.lower_bound,
        gap=plan.gap,
        proven_optimal=plan.proven_optimal,
        seconds=plan.seconds,
        created_at=datetime.now(UTC),
        demand_source=request.demand_source,
        period_from=request.period_from,
        period_to=request.period_to,
        radius_km=request.radius_km,
        distance=prepared.distance,
        total_demand=float(problem.demand.sum()),
        sites=plan_sites,
        assignments=assignments,
        comparison=PlanComparisonSummary(
            current_cost=None if comparison is None else comparison.current_cost,
            cost_saved=None if comparison is None else comparison.cost_saved,
            stores_reassigned=reassigned,
            demand_within_radius=share,
            current_demand_within_radius=current_share,
            coverage_gap_stores=gap_stores,
            coverage_gap_regions=gap_regions,
        ),
    )


def _site_id(sites: Sequence[CandidateSite], j: int | None) -> str | None:
    return None if j is None else sites[j].id
