"""Lagrangian lower bound and pair fixing for capacitated layouts with single-sourcing.

Relaxing "each store is served exactly once" with multipliers ``λ`` splits the problem by
site: an open site ``j`` takes the stores that fit its capacity and lower
``Σ_i (c_ij − λ_i)`` most, a 0-1 knapsack, and ``ρ_j(λ) = f_j + that minimum``. Then

    L(λ) = Σ_i λ_i + min { Σ_j ρ_j y_j : y admissible },

where admissible means the must-open sites plus the ``p`` − ``|must|`` others of least ``ρ``;
with ``p`` free, every site of negative ``ρ`` plus the cheapest fractional cover of the total
demand by capacity (an LP, so still a relaxation). Every ``L(λ)`` is a lower bound on every
plan; subgradient ascent drives it towards the Lagrangian dual, which is the bound of the
set-partitioning (column generation) model and at least the LP bound of the strong
formulation, since the knapsacks keep their integrality. All sites' knapsacks are solved in
one dynamic programme (:mod:`.knapsack`).

With an upper bound ``UB`` in hand, forcing store ``i`` to site ``j`` lifts the bound to at
least ``L − ρ_j + f_j + (c_ij − λ_i) + K_j(Q_j − d_i)`` (``K_j`` the site's knapsack table,
and ``L`` taken with ``j`` forced open); when that exceeds what any strictly better plan may
cost, the pair serves no better plan and is dropped. Sites are closed or kept open the same
way.

References
----------
L.A.N. Lorena, E.L.F. Senne, "A column generation approach to capacitated p-median
problems", Computers & Operations Research 31(6), 2004, doi:10.1016/S0305-0548(03)00039-X.
A. Ceselli, G. Righini, "A branch-and-price algorithm for the capacitated p-median problem",
Networks 45(3), 2005, doi:10.1002/net.20059.
M. Held, P. Wolfe, H.P. Crowder, "Validation of subgradient optimization", Mathematical
Programming 6, 1974, doi:10.1007/BF01580223.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from algorithms.layout.knapsack import knapsack_items, knapsack_table, knapsack_units
from algorithms.layout.problem import LayoutProblem

__all__ = ["CapacitatedBound", "PairFixing", "capacitated_bound", "fix_pairs", "sample_sites"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

#: Halve the step after this many iterations without a better bound.
_PATIENCE = 10
#: Stop once the step factor falls below this.
_SMALLEST_STEP = 1e-3


@dataclass(frozen=True, slots=True)
class CapacitatedBound:
    """The best Lagrangian bound found and the multipliers that gave it.

    Attributes
    ----------
    bound : float
        A lower bound on the cost of every plan (rounded up when all data are integers).
    multipliers : array of shape (n_stores,)
        The ``λ`` of that bound.
    sites : int array
        The sites the relaxation opens at those multipliers, a fair guess of a good open set.
    site_values : array of shape (n_sites,)
        Each site's ``ρ_j`` at those multipliers: what opening it adds to the bound.
    iterations : int
        Subgradient steps taken.
    """

    bound: float
    multipliers: FloatArray
    sites: IntArray
    site_values: FloatArray
    iterations: int


@dataclass(frozen=True, slots=True)
class PairFixing:
    """Which store → site pairs and sites may still take part in a strictly better plan.

    ``allowed[i, j]`` is false when serving store ``i`` from site ``j`` cannot beat the upper
    bound; ``closed`` sites are open in no better plan, ``opened`` sites in every one.
    """

    allowed: BoolArray
    closed: IntArray
    opened: IntArray


def _capacity(problem: LayoutProblem) -> FloatArray:
    if problem.capacity is None:
        raise ValueError("the capacitated bound needs a capacitated problem")
    return problem.capacity


def _select(
    problem: LayoutProblem,
    rho: FloatArray,
    forced: BoolArray,
    banned: BoolArray,
) -> FloatArray | None:
    """Admissible site weights ``y`` minimising ``Σ ρ y`` with ``forced`` open and ``banned``
    closed; ``None`` when no admissible choice exists."""
    capacity = _capacity(problem)
    y = np.zeros(problem.n_sites)
    y[forced] = 1.0
    free = ~forced & ~banned
    if problem.p is not None:
        count = problem.p - int(forced.sum())
        candidates = np.flatnonzero(free)
        if count < 0 or candidates.size < count:
            return None
        y[candidates[np.argsort(rho[candidates], kind="stable")[:count]]] = 1.0
        return y
    y[free & (rho < 0)] = 1.0
    short = float(problem.demand.sum()) - float(capacity @ y)
    if short > 0:
        candidates = np.flatnonzero(free & (y == 0) & (capacity > 0))
        ratio = rho[candidates] / capacity[candidates]
        for j in candidates[np.argsort(ratio, kind="stable")].tolist():
            share = min(1.0, short / float(capacity[j]))
            y[j] = share
            short -= share * float(capacity[j])
            if short <= 0:
                break
        if short > 1e-9:
            return None
    if not y.any():
        candidates = np.flatnonzero(free)
        if candidates.size == 0:
            return None
        y[candidates[np.argmin(rho[candidates])]] = 1.0
    return y


class _Relaxation:
    """Evaluates ``L(λ)``: every site's knapsack, then the best admissible sites."""

    def __init__(self, problem: LayoutProblem) -> None:
        self.problem = problem
        self.capacity = _capacity(problem)
        self.weight, self.units = knapsack_units(problem.demand, self.capacity)
        self.must = np.zeros(problem.n_sites, dtype=bool)
        self.must[list(problem.must_open)] = True
        self.none = np.zeros(problem.n_sites, dtype=bool)

    def evaluate(self, lam: FloatArray) -> _Solution:
        problem = self.problem
        profit = problem.cost - lam[:, None]
        table = knapsack_table(profit, self.weight, self.units)
        rho = problem.fixed_cost + table[np.arange(problem.n_sites), self.units]
        y = _select(problem, rho, self.must, self.none)
        if y is None:
            raise ValueError("no admissible choice of sites")
        return _Solution(float(lam.sum() + rho @ y), rho, y, profit, table)

    def served(self, solution: _Solution) -> FloatArray:
        """How often the relaxed solution serves each store (weighted by ``y``)."""
        sites = np.flatnonzero(solution.y > 0)
        taken = knapsack_items(solution.profit[:, sites], self.weight, self.units[sites])
        served: FloatArray = taken.astype(np.float64) @ solution.y[sites]
        return served


@dataclass(frozen=True, slots=True)
class _Solution:
    """``L(λ)``, each site's ``ρ_j``, the chosen site weights ``y``, the reduced costs and
    the knapsack tables."""

    value: float
    rho: FloatArray
    y: FloatArray
    profit: FloatArray
    table: FloatArray


def _rounded(problem: LayoutProblem, value: float) -> float:
    return float(np.ceil(value - 1e-6)) if problem.integral_costs else value


def capacitated_bound(
    problem: LayoutProblem,
    upper_bound: float,
    *,
    start: FloatArray | None = None,
    iterations: int = 3000,
    time_limit: float = 5.0,
) -> CapacitatedBound:
    """Subgradient ascent on the Lagrangian dual of a capacitated problem.

    Parameters
    ----------
    problem : LayoutProblem
        A capacitated problem (``cpmp`` or ``cap``).
    upper_bound : float
        Cost of a known plan, or an estimate; it sets the step length.
    start : array of shape (n_stores,), optional
        Initial multipliers; each store's cost in a good plan is a fair choice. Defaults to
        each store's second-cheapest cost.
    iterations, time_limit
        Limits of the ascent; it also stops when the bound meets ``upper_bound`` or the step
        has shrunk to nothing.
    Returns
    -------
    CapacitatedBound

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[0, 1, 5], [1, 0, 4], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    ... )
    >>> result = capacitated_bound(problem, upper_bound=5.0)
    >>> result.bound, result.sites.tolist()
    (4.0, [0, 2])
    """
    relaxation = _Relaxation(problem)
    if start is not None:
        lam = np.array(start, dtype=np.float64)
    else:
        lam = np.sort(problem.cost, axis=1)[:, min(1, problem.n_sites - 1)].copy()
    best, best_lam, best_y = -np.inf, lam.copy(), np.zeros(problem.n_sites)
    best_rho = np.zeros(problem.n_sites)
    theta, stall, step = 2.0, 0, 0
    deadline = time.perf_counter() + time_limit
    exact_stop = problem.integral_costs
    for step in range(1, iterations + 1):
        solution = relaxation.evaluate(lam)
        value, y = solution.value, solution.y
        if step == 1 or value > best + 1e-9 * max(1.0, abs(best)):
            best, best_lam, best_y, best_rho = value, lam.copy(), y, solution.rho
            stall = 0
        else:
            stall += 1
            if stall >= _PATIENCE:
                theta, stall = theta / 2, 0
        gap = upper_bound - best
        if gap <= (1.0 - 1e-6 if exact_stop else 1e-9 * max(1.0, abs(upper_bound))):
            break
        if theta < _SMALLEST_STEP or time.perf_counter() > deadline:
            break
        subgradient = 1.0 - relaxation.served(solution)
        norm = float(subgradient @ subgradient)
        if norm == 0:
            # The relaxed solution is a plan: its bound is its cost.
            break
        lam = lam + theta * max(upper_bound - value, 1e-6) / norm * subgradient
    return CapacitatedBound(
        bound=_rounded(problem, best),
        multipliers=best_lam,
        sites=np.flatnonzero(best_y > 0),
        site_values=best_rho,
        iterations=step,
    )


def fix_pairs(
    problem: LayoutProblem,
    result: CapacitatedBound,
    upper_bound: float,
    keep: tuple[IntArray, IntArray] | None = None,
) -> PairFixing:
    """Drop the pairs and sites that no plan cheaper than ``upper_bound`` uses.

    Parameters
    ----------
    result : CapacitatedBound
        Its multipliers set the reduced costs.
    upper_bound : float
        Cost of a known plan.
    keep : (open sites, assignment), optional
        A plan whose sites and pairs stay allowed, so it remains a solution of the reduced
        model.

    Examples
    --------
    A plan of cost 5 is known; with integer costs a better one costs 4 at most, so store 0
    can only go to site 0, store 1 never to site 0, and site 2 opens:

    >>> problem = LayoutProblem.create(
    ...     [[0, 1, 5], [1, 0, 4], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    ... )
    >>> fixing = fix_pairs(problem, capacitated_bound(problem, 5.0), 5.0)
    >>> fixing.allowed.astype(int).tolist(), fixing.opened.tolist()
    ([[1, 0, 0], [0, 1, 1], [1, 1, 1]], [2])
    """
    relaxation = _Relaxation(problem)
    lam = result.multipliers
    solution = relaxation.evaluate(lam)
    capacity, profit, table, rho = (
        relaxation.capacity,
        solution.profit,
        solution.table,
        solution.rho,
    )
    sites = np.arange(problem.n_sites)
    base = float(lam.sum())
    # A strictly better plan costs at most UB − 1 with integer data.
    if problem.integral_costs:
        limit = upper_bound - 1.0 + 1e-6
    else:
        limit = upper_bound + 1e-9 * max(1.0, abs(upper_bound))
    with_site = np.full(problem.n_sites, np.inf)
    without_site = np.full(problem.n_sites, np.inf)
    for j in sites.tolist():
        forced = relaxation.must.copy()
        forced[j] = True
        y = _select(problem, rho, forced, relaxation.none)
        if y is not None:
            with_site[j] = base + float(rho @ y)
        if not relaxation.must[j]:
            banned = relaxation.none.copy()
            banned[j] = True
            y = _select(problem, rho, relaxation.must, banned)
            if y is not None:
                without_site[j] = base + float(rho @ y)
    # Site j with store i forced in: its knapsack holds i and at most Q_j − d_i more.
    left = relaxation.units[None, :] - relaxation.weight[:, None]
    fits = (problem.demand[:, None] <= capacity[None, :] * (1 + 1e-9) + 1e-9) & (left >= 0)
    rest = table[sites[None, :], np.clip(left, 0, None)]
    pair = with_site[None, :] - rho[None, :] + problem.fixed_cost[None, :] + profit + rest
    allowed = fits & (pair <= limit)
    closed = with_site > limit
    opened = without_site > limit
    if keep is not None:
        kept_sites, assignment = keep
        allowed[np.arange(problem.n_stores), assignment] = True
        closed[kept_sites] = False
        opened &= np.isin(sites, kept_sites)
    allowed[:, closed] = False
    return PairFixing(
        allowed=allowed,
        closed=np.flatnonzero(closed),
        opened=np.flatnonzero(opened & ~relaxation.must),
    )


def sample_sites(
    problem: LayoutProblem, result: CapacitatedBound, rng: np.random.Generator
) -> IntArray:
    """The sites the relaxation opens once each ``ρ_j`` is blurred by random noise.

    The noise has the spread of the values competing for a place, so the sets drawn are
    diverse yet mostly sensible starting points for a search (a randomized Lagrangian
    heuristic).

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[0, 1, 5], [1, 0, 4], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    ... )
    >>> result = capacitated_bound(problem, 5.0)
    >>> len(sample_sites(problem, result, np.random.default_rng(0)))
    2
    """
    rho = result.site_values
    competing = np.sort(rho)[: 3 * max(result.sites.size, 1)]
    noisy = rho + rng.normal(0.0, float(np.std(competing)), rho.size)
    must = np.zeros(problem.n_sites, dtype=bool)
    must[list(problem.must_open)] = True
    y = _select(problem, noisy, must, np.zeros(problem.n_sites, dtype=bool))
    return result.sites if y is None else np.flatnonzero(y > 0)
