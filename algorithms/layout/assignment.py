"""Assign stores to a given set of open sites within capacity (generalized assignment).

A regret-greedy assignment (Martello–Toth) places first the stores that would lose most by
missing their cheapest fitting site; shift and swap moves then repair any overflow and lower
the cost. Infeasible assignments are ranked by capacity overflow first, so a search over open
sets can walk out of sets that cannot serve the demand.

References
----------
S. Martello, P. Toth, "An algorithm for the generalized assignment problem", Operational
Research '81, 1981 (regret heuristic MTHG).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csc_matrix

from algorithms.layout.milp import solve_milp
from algorithms.layout.problem import LayoutProblem

__all__ = ["Assignment", "assign_greedy", "assign_lp", "reassign"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_EPS = 1e-9
#: Above this many stores the O(n²) customer-swap repair is skipped.
_SWAP_LIMIT = 400


@dataclass(frozen=True, slots=True)
class Assignment:
    """Store → site assignment for one open set: cost and capacity overflow (0 if feasible)."""

    sites: IntArray
    site_of: IntArray
    cost: float
    overflow: float

    def better_than(self, other: Assignment | None) -> bool:
        if other is None:
            return True
        if self.overflow < other.overflow - _EPS:
            return True
        tol = _EPS * max(1.0, abs(other.cost))
        return abs(self.overflow - other.overflow) <= _EPS and self.cost < other.cost - tol


def _regret_greedy(cost: FloatArray, demand: FloatArray, residual: FloatArray) -> IntArray:
    n, q = cost.shape
    column = np.full(n, -1, dtype=np.intp)
    left = np.ones(n, dtype=bool)
    for _ in range(n):
        fits = demand[:, None] <= residual[None, :] + _EPS
        priced = np.where(fits, cost, np.inf)
        priced[~left] = np.inf
        two = (
            np.partition(priced, 1, axis=1)
            if q > 1
            else np.hstack([priced, np.full_like(priced, np.inf)])
        )
        feasible = np.isfinite(two[:, 0])
        # A store with a single fitting site has infinite regret: place it first.
        regret = np.where(
            np.isfinite(two[:, 1]), two[:, 1] - np.where(feasible, two[:, 0], 0), np.inf
        )
        regret = np.where(feasible, regret, np.nan)
        regret[~left] = np.nan
        if np.isnan(regret).all():
            break
        top = np.nanmax(regret)
        ties = np.flatnonzero(regret == top)
        i = int(ties[np.argmax(demand[ties])])
        j = int(np.argmin(priced[i]))
        column[i] = j
        residual[j] -= demand[i]
        left[i] = False
    # Stores that fit nowhere go to their cheapest site; the overflow is repaired later.
    for store in np.flatnonzero(left).tolist():
        site = int(np.argmin(cost[store]))
        column[store] = site
        residual[site] -= demand[store]
    return column


def _improve(
    cost: FloatArray, demand: FloatArray, capacity: FloatArray, column: IntArray
) -> IntArray:
    n, q = cost.shape
    rows = np.arange(n)
    for _ in range(50 * n):
        load = np.bincount(column, weights=demand, minlength=q)
        residual = capacity - load
        excess = np.maximum(-residual, 0.0)
        current = cost[rows, column]
        # Shift store i to site k.
        dcost = cost - current[:, None]
        fits = demand[:, None] <= residual[None, :] + _EPS
        fits[rows, column] = False
        dover = -np.minimum(demand, excess[column])[:, None] * np.ones((1, q))
        best = _pick(dover, dcost, fits)
        move: tuple[str, int, int] | None = None
        if best is not None:
            move = ("shift", *best)
            best_key = (dover[best], dcost[best])
        if n <= _SWAP_LIMIT:
            # Exchange stores i and k between their sites.
            a, b = column[:, None], column[None, :]
            new_a = residual[a] + demand[:, None] - demand[None, :]
            new_b = residual[b] + demand[None, :] - demand[:, None]
            ok = (a != b) & (new_a >= np.minimum(residual[a], 0) - _EPS)
            ok &= new_b >= np.minimum(residual[b], 0) - _EPS
            over_a = np.maximum(-new_a, 0) - excess[a]
            over_b = np.maximum(-new_b, 0) - excess[b]
            swap_over = over_a + over_b
            swap_cost = (
                cost[rows[:, None], column[None, :]]
                + cost[rows[None, :], column[:, None]]
                - current[:, None]
                - current[None, :]
            )
            pair = _pick(swap_over, swap_cost, ok)
            if pair is not None and (move is None or (swap_over[pair], swap_cost[pair]) < best_key):
                move = ("swap", *pair)
        if move is None:
            break
        kind, i, k = move
        if kind == "shift":
            column[i] = k
        else:
            column[i], column[k] = column[k], column[i]
    return column


def _pick(
    dover: FloatArray, dcost: FloatArray, allowed: NDArray[np.bool_]
) -> tuple[int, int] | None:
    """Index of the best improving move: least overflow first, then least cost."""
    over = np.where(allowed, dover, np.inf)
    if not np.isfinite(over).any():
        return None
    least = float(over.min())
    if least < -_EPS:
        candidates = np.where(over <= least + _EPS, dcost, np.inf)
    else:
        candidates = np.where(allowed & (np.abs(dover) <= _EPS), dcost, np.inf)
        if not candidates.min() < -_EPS * max(1.0, float(np.abs(dcost).max())):
            return None
    i, k = np.unravel_index(int(np.argmin(candidates)), candidates.shape)
    return int(i), int(k)


def _relaxation(
    cost: FloatArray, demand: FloatArray, cap: FloatArray
) -> tuple[FloatArray, float] | None:
    """Fractional assignment (stores × sites) of least cost within capacity, and its cost;
    ``None`` when the sites cannot hold the demand."""
    n, q = cost.shape
    # Column (i, k) has a 1 in store i's row and d_i in site k's capacity row; built as CSC
    # directly, because the search solves thousands of these small LPs.
    rows = np.empty((n, q, 2), dtype=np.int32)
    rows[:, :, 0] = np.arange(n, dtype=np.int32)[:, None]
    rows[:, :, 1] = n + np.arange(q, dtype=np.int32)[None, :]
    values = np.empty((n, q, 2))
    values[:, :, 0] = 1.0
    values[:, :, 1] = demand[:, None]
    matrix = csc_matrix(
        (values.ravel(), rows.ravel(), np.arange(0, 2 * n * q + 1, 2, dtype=np.int32)),
        shape=(n + q, n * q),
    )
    relaxed = solve_milp(
        cost.ravel(),
        matrix,
        np.concatenate([np.ones(n), np.full(q, -np.inf)]),
        np.concatenate([np.ones(n), cap]),
        np.zeros(n * q),
        np.ones(n * q),
        np.zeros(n * q, dtype=bool),
        time_limit=10.0,
    )
    if relaxed.x is None:
        return None
    return relaxed.x.reshape(n, q), relaxed.objective


def _round(cost: FloatArray, demand: FloatArray, cap: FloatArray, share: FloatArray) -> IntArray:
    """Keep every store the relaxation does not split, place the split ones by regret,
    then repair and improve by shifts and swaps."""
    n, q = cost.shape
    column = np.argmax(share, axis=1)
    whole = share[np.arange(n), column] > 1 - 1e-9
    residual = cap - np.bincount(column[whole], weights=demand[whole], minlength=q)
    split = np.flatnonzero(~whole)
    column[split] = _regret_greedy(cost[split], demand[split], residual)
    return _improve(cost, demand, cap, column)


def assign_lp(
    problem: LayoutProblem, sites: IntArray, cutoff: float | None = None
) -> Assignment | None:
    """Assign stores to ``sites`` by rounding the LP relaxation, then shift / swap repair.

    A basic optimal solution of the relaxation splits at most ``len(sites) − 1`` stores;
    the others keep their site, the split ones go by regret greedy into what capacity is
    left. Falls back to :func:`assign_greedy` when the sites cannot hold the demand.

    Parameters
    ----------
    cutoff : float, optional
        Cost of a known plan: returns ``None`` when no assignment to ``sites`` can beat it,
        because the relaxation already costs as much.

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[1, 2], [1, 3], [2, 1]], demand=[2, 2, 1], capacity=[3, 3], p=2
    ... )
    >>> result = assign_lp(problem, np.array([0, 1]))
    >>> result.site_of.tolist(), result.cost, result.overflow
    ([1, 0, 1], 4.0, 0.0)
    """
    capacity = problem.capacity
    if capacity is None or capacity[sites].sum() < problem.demand.sum():
        return assign_greedy(problem, sites)
    cost = problem.cost[:, sites]
    cap = capacity[sites]
    relaxed = _relaxation(cost, problem.demand, cap)
    if relaxed is None:
        return assign_greedy(problem, sites)
    share, value = relaxed
    fixed = float(problem.fixed_cost[sites].sum())
    if cutoff is not None and value + fixed >= cutoff - 1e-9 * max(1.0, abs(cutoff)):
        return None
    column = _round(cost, problem.demand, cap, share)
    return _finish(problem, sites, cost, cap, column)


def reassign(
    problem: LayoutProblem,
    open_sites: IntArray,
    site_of: IntArray,
    stores: IntArray,
    sites: IntArray,
    cutoff: float | None = None,
) -> Assignment | None:
    """The plan opening ``open_sites`` where ``stores`` are re-assigned among ``sites`` (as
    :func:`assign_lp` does) and every other store keeps its site in ``site_of``.

    Returns ``None`` when ``stores`` do not fit in ``sites``, or when the plan cannot cost
    less than ``cutoff`` because the relaxation already costs as much (then no rounding is
    spent on it: most moves a search prices are of that kind).

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[1, 2, 9], [1, 3, 9], [2, 1, 9], [9, 9, 0]],
    ...     demand=[2, 2, 1, 1], capacity=[3, 3, 3], p=3,
    ... )
    >>> plan = reassign(problem, np.array([0, 1, 2]), np.array([0, 0, 0, 2]),
    ...                 np.array([0, 1, 2]), np.array([0, 1]))
    >>> plan.site_of.tolist(), plan.cost
    ([1, 0, 1, 2], 4.0)
    """
    capacity = problem.capacity
    if capacity is None:
        raise ValueError("reassign needs a capacitated problem")
    cost = problem.cost[np.ix_(stores, sites)]
    demand = problem.demand[stores]
    cap = capacity[sites]
    relaxed = _relaxation(cost, demand, cap)
    if relaxed is None:
        return None
    if cutoff is not None:
        kept = np.ones(problem.n_stores, dtype=bool)
        kept[stores] = False
        rows = np.flatnonzero(kept)
        rest = problem.cost[rows, site_of[rows]].sum() + problem.fixed_cost[open_sites].sum()
        if relaxed[1] + rest >= cutoff - _EPS * max(1.0, abs(cutoff)):
            return None
    column = _round(cost, demand, cap, relaxed[0])
    load = np.bincount(column, weights=demand, minlength=sites.size)
    if (load > cap + _EPS).any():
        return None
    assignment = site_of.copy()
    assignment[stores] = sites[column]
    return Assignment(
        sites=open_sites,
        site_of=assignment,
        cost=problem.total_cost(open_sites, assignment),
        overflow=0.0,
    )


def _finish(
    problem: LayoutProblem, sites: IntArray, cost: FloatArray, cap: FloatArray, column: IntArray
) -> Assignment:
    load = np.bincount(column, weights=problem.demand, minlength=sites.size)
    overflow = float(np.maximum(load - cap, 0.0).sum())
    total = float(cost[np.arange(problem.n_stores), column].sum() + problem.fixed_cost[sites].sum())
    return Assignment(sites=sites, site_of=sites[column], cost=total, overflow=overflow)


def assign_greedy(problem: LayoutProblem, sites: IntArray) -> Assignment:
    """Assign stores to ``sites`` within capacity: regret greedy, then shift / swap repair.

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[1, 2], [1, 3], [2, 1]], demand=[2, 2, 1], capacity=[3, 3], p=2
    ... )
    >>> result = assign_greedy(problem, np.array([0, 1]))
    >>> result.site_of.tolist(), result.cost, result.overflow
    ([1, 0, 1], 4.0, 0.0)
    """
    capacity = (
        problem.capacity if problem.capacity is not None else np.full(problem.n_sites, np.inf)
    )
    cost = problem.cost[:, sites]
    cap = capacity[sites]
    column = _regret_greedy(cost, problem.demand, cap.copy())
    return _finish(problem, sites, cost, cap, _improve(cost, problem.demand, cap, column))
