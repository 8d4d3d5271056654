"""The answer to a layout problem, and how it compares with the layout in place today."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from algorithms.layout.errors import LayoutInputError
from algorithms.layout.problem import LayoutProblem

__all__ = ["LayoutPlan", "PlanComparison", "compare", "relative_gap"]

#: Gaps below this (relative) count as proven optimal; HiGHS stops at 1e-4 by default and
#: we ask it for less, but costs in the instances are integers or decimals of a few digits.
OPTIMALITY_TOLERANCE = 1e-6


def relative_gap(cost: float, lower_bound: float | None) -> float | None:
    """``(cost - lower_bound) / cost``, 0 for a zero-cost plan, ``None`` without a bound.

    Examples
    --------
    >>> relative_gap(200.0, 190.0)
    0.05
    >>> relative_gap(10.0, None) is None
    True
    """
    if lower_bound is None:
        return None
    if cost <= 0:
        return 0.0
    return max(0.0, (cost - lower_bound) / cost)


@dataclass(frozen=True, slots=True)
class LayoutPlan:
    """Open sites and the site serving each store, with what is known of its quality.

    Attributes
    ----------
    open_sites : tuple of int
        Sorted indices of the open sites.
    assignment : tuple of int
        ``assignment[i]`` is the site serving store ``i``.
    cost : float
        Fixed costs of the open sites plus assignment costs.
    lower_bound : float or None
        A proven lower bound on the optimum, when a solver produced one.
    gap : float or None
        ``(cost - lower_bound) / cost``; ``None`` when no bound is known. A plan is only
        called optimal when this gap is (numerically) zero.
    method : str
        Which solver produced the plan.
    seconds : float
        Wall-clock time spent.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4], [3, 0], [5, 1]], p=1)
    >>> plan = LayoutPlan.evaluate(problem, [1], method="manual")
    >>> plan.assignment, plan.cost, plan.proven_optimal
    ((1, 1, 1), 5.0, False)
    """

    open_sites: tuple[int, ...]
    assignment: tuple[int, ...]
    cost: float
    lower_bound: float | None
    gap: float | None
    method: str
    seconds: float

    @property
    def proven_optimal(self) -> bool:
        """Whether a lower bound proves this plan optimal."""
        return self.gap is not None and self.gap <= OPTIMALITY_TOLERANCE

    @classmethod
    def evaluate(
        cls,
        problem: LayoutProblem,
        open_sites: Sequence[int],
        assignment: Sequence[int] | None = None,
        *,
        lower_bound: float | None = None,
        method: str,
        seconds: float = 0.0,
    ) -> LayoutPlan:
        """Cost a plan; without ``assignment`` each store goes to its cheapest open site.

        Raises
        ------
        LayoutInputError
            If a site is out of range, a store is assigned to a closed site, ``p`` or
            ``must_open`` is violated, or a capacity is exceeded.
        """
        sites = tuple(sorted({int(j) for j in open_sites}))
        if not sites or sites[0] < 0 or sites[-1] >= problem.n_sites:
            raise LayoutInputError(
                "open_sites", f"must be non-empty sites of 0..{problem.n_sites - 1}"
            )
        if problem.p is not None and len(sites) != problem.p:
            raise LayoutInputError("open_sites", f"opens {len(sites)} sites, p is {problem.p}")
        missing = set(problem.must_open) - set(sites)
        if missing:
            raise LayoutInputError("open_sites", f"leaves must-open sites {sorted(missing)} closed")
        if assignment is None:
            columns = np.asarray(sites, dtype=np.intp)
            assign = columns[np.argmin(problem.cost[:, columns], axis=1)]
        else:
            assign = np.asarray(assignment, dtype=np.intp)
            if assign.shape != (problem.n_stores,):
                raise LayoutInputError(
                    "assignment", f"needs one site per store ({problem.n_stores})"
                )
            if not np.isin(assign, sites).all():
                raise LayoutInputError("assignment", "sends a store to a site that is not open")
        if problem.capacity is not None:
            load = np.bincount(assign, weights=problem.demand, minlength=problem.n_sites)
            over = np.flatnonzero(load > problem.capacity * (1 + 1e-9) + 1e-9)
            if over.size:
                j = int(over[0])
                raise LayoutInputError(
                    "assignment",
                    f"site {j} serves demand {load[j]:g} over its capacity {problem.capacity[j]:g}",
                )
        cost = problem.total_cost(sites, assign)
        if lower_bound is not None:
            lower_bound = min(float(lower_bound), cost)
        return cls(
            open_sites=sites,
            assignment=tuple(int(j) for j in assign),
            cost=cost,
            lower_bound=lower_bound,
            gap=relative_gap(cost, lower_bound),
            method=method,
            seconds=seconds,
        )


@dataclass(frozen=True, slots=True)
class PlanComparison:
    """How a proposed plan differs from the current assignment.

    Attributes
    ----------
    current_cost, plan_cost, cost_saved : float
        Cost of today's layout (fixed costs of the sites it uses plus assignment costs), of
        the plan, and their difference (positive when the plan is cheaper).
    stores_reassigned : tuple of int
        Stores whose serving site changes.
    demand_within_radius : float or None
        Share of total demand the plan serves from a site within ``radius``.
    coverage_gaps : tuple of int
        Stores farther than ``radius`` from every open site of the plan.
    """

    current_cost: float
    plan_cost: float
    cost_saved: float
    stores_reassigned: tuple[int, ...]
    demand_within_radius: float | None
    coverage_gaps: tuple[int, ...]


def compare(
    plan: LayoutPlan,
    current_assignment: Sequence[int],
    problem: LayoutProblem,
    *,
    radius: float | None = None,
    distance: ArrayLike | None = None,
) -> PlanComparison:
    """Compare ``plan`` with the current store → site assignment.

    Parameters
    ----------
    plan : LayoutPlan
        The proposed plan for ``problem``.
    current_assignment : sequence of int
        Site serving each store today; the sites it uses count as open.
    problem : LayoutProblem
        The problem both layouts are costed on.
    radius : float, optional
        Service radius, in the unit of ``distance``.
    distance : array of shape (n_stores, n_sites), optional
        Store-to-site distances for the radius; defaults to ``problem.cost``, which is right
        only when costs are plain (not demand-weighted) distances.

    Returns
    -------
    PlanComparison

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4], [3, 0], [5, 1]], p=1)
    >>> plan = LayoutPlan.evaluate(problem, [1], method="manual")
    >>> result = compare(plan, [0, 0, 0], problem, radius=2)
    >>> result.cost_saved, result.stores_reassigned, result.coverage_gaps
    (3.0, (0, 1, 2), (0,))
    >>> round(result.demand_within_radius, 3)
    0.667
    """
    current = np.asarray(current_assignment, dtype=np.intp)
    if current.shape != (problem.n_stores,):
        raise LayoutInputError(
            "current_assignment", f"needs one site per store ({problem.n_stores})"
        )
    if current.min() < 0 or current.max() >= problem.n_sites:
        raise LayoutInputError("current_assignment", f"sites must be in 0..{problem.n_sites - 1}")
    current_cost = problem.total_cost(np.unique(current).tolist(), current)
    proposed = np.asarray(plan.assignment, dtype=np.intp)
    share: float | None = None
    gaps: tuple[int, ...] = ()
    if radius is not None:
        if not np.isfinite(radius) or radius < 0:
            raise LayoutInputError("radius", f"must be a finite non-negative number, got {radius}")
        dist = problem.cost if distance is None else np.asarray(distance, dtype=np.float64)
        if dist.shape != problem.cost.shape:
            raise LayoutInputError("distance", f"must have shape {problem.cost.shape}")
        nearest = dist[:, np.asarray(plan.open_sites, dtype=np.intp)].min(axis=1)
        served = dist[np.arange(problem.n_stores), proposed] <= radius
        total = float(problem.demand.sum())
        share = float(problem.demand[served].sum() / total) if total > 0 else 1.0
        gaps = tuple(int(i) for i in np.flatnonzero(nearest > radius))
    return PlanComparison(
        current_cost=current_cost,
        plan_cost=plan.cost,
        cost_saved=current_cost - plan.cost,
        stores_reassigned=tuple(int(i) for i in np.flatnonzero(current != proposed)),
        demand_within_radius=share,
        coverage_gaps=gaps,
    )
