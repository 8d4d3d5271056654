"""Heuristic for capacitated layouts with single-sourcing (capacitated p-median / CFL).

The open set moves by swaps (and adds / drops when ``p`` is free), tried in the order the
uncapacitated fast-interchange deltas suggest; each candidate set is priced by a generalized
assignment (GAP) step: a regret-greedy assignment (Martello–Toth) repaired and improved by
shift and swap moves. The best sets found are finally re-assigned exactly by a small GAP MILP.
Infeasible assignments are ranked by capacity overflow first, so the search also walks out
of open sets that cannot serve the demand.

References
----------
S. Martello, P. Toth, "An algorithm for the generalized assignment problem", Operational
Research '81, 1981 (regret heuristic MTHG).
I.H. Osman, N. Christofides, "Capacitated clustering problems by hybrid simulated annealing
and tabu search", International Transactions in Operational Research 1(3), 1994,
doi:10.1016/0969-6016(94)90028-0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from algorithms.layout.errors import LayoutInfeasibleError
from algorithms.layout.interchange import (
    apply_move,
    greedy_open,
    kick,
    local_search,
    move_deltas,
)
from algorithms.layout.milp import solve_milp
from algorithms.layout.plan import LayoutPlan
from algorithms.layout.problem import LayoutProblem

__all__ = ["Assignment", "assign_exact", "assign_greedy", "solve_capacitated"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_EPS = 1e-9
#: Candidate open sets priced per local-search step before taking the best improving one.
_CANDIDATES = 40
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
    column = _improve(cost, problem.demand, cap, column)
    load = np.bincount(column, weights=problem.demand, minlength=sites.size)
    overflow = float(np.maximum(load - cap, 0.0).sum())
    total = float(cost[np.arange(problem.n_stores), column].sum() + problem.fixed_cost[sites].sum())
    return Assignment(sites=sites, site_of=sites[column], cost=total, overflow=overflow)


def assign_exact(
    problem: LayoutProblem,
    sites: IntArray,
    *,
    time_limit: float,
    start: Assignment | None = None,
) -> Assignment | None:
    """Solve the generalized assignment of stores to the open ``sites`` with HiGHS.

    Returns ``None`` when HiGHS finds no feasible assignment within ``time_limit``.
    """
    if problem.capacity is None:
        raise ValueError("assign_exact needs a capacitated problem")
    n, q = problem.n_stores, sites.size
    cost = problem.cost[:, sites]
    var = np.arange(n * q).reshape(n, q)
    rows = np.concatenate([np.repeat(np.arange(n), q), n + np.tile(np.arange(q), n)])
    cols = np.concatenate([var.ravel(), var.ravel()])
    vals = np.concatenate([np.ones(n * q), np.repeat(problem.demand, q)])
    matrix = coo_matrix((vals, (rows, cols)), shape=(n + q, n * q)).tocsc()
    lower = np.concatenate([np.ones(n), np.full(q, -np.inf)])
    upper = np.concatenate([np.ones(n), problem.capacity[sites]])
    x0 = None
    if start is not None and start.overflow <= _EPS:
        x0 = np.zeros(n * q)
        x0[var[np.arange(n), np.searchsorted(sites, start.site_of)]] = 1.0
    result = solve_milp(
        cost.ravel(),
        matrix,
        lower,
        upper,
        np.zeros(n * q),
        np.ones(n * q),
        np.ones(n * q, dtype=bool),
        time_limit=time_limit,
        start=x0,
    )
    if result.x is None:
        return None
    column = np.argmax(result.x.reshape(n, q), axis=1)
    total = float(cost[np.arange(n), column].sum() + problem.fixed_cost[sites].sum())
    return Assignment(sites=sites, site_of=sites[column], cost=total, overflow=0.0)


def _candidates(problem: LayoutProblem, sites: IntArray) -> list[tuple[str, int, int]]:
    deltas = move_deltas(problem, sites)
    moves: list[tuple[float, str, int, int]] = []
    order = np.argsort(deltas.swap, axis=None)[:_CANDIDATES]
    for flat in order:
        row, col = (int(k) for k in np.unravel_index(int(flat), deltas.swap.shape))
        if np.isfinite(deltas.swap[row, col]):
            moves.append((float(deltas.swap[row, col]), "swap", row, col))
    for name, values in (("add", deltas.add), ("drop", deltas.drop)):
        if values is None:
            continue
        for index in np.argsort(values)[: _CANDIDATES // 4]:
            if np.isfinite(values[index]):
                out, into = (-1, int(index)) if name == "add" else (int(index), -1)
                moves.append((float(values[index]), name, out, into))
    moves.sort(key=lambda move: move[0])
    return [(kind, out, into) for _, kind, out, into in moves[:_CANDIDATES]]


def _descend(problem: LayoutProblem, start: Assignment, deadline: float) -> Assignment:
    current = start
    while time.perf_counter() < deadline:
        improved: Assignment | None = None
        for kind, out, into in _candidates(problem, current.sites):
            trial = assign_greedy(problem, apply_move(current.sites, kind, out, into))
            if trial.better_than(current):
                # First improvement: candidates come in order of promise.
                improved = trial
                break
        if improved is None:
            break
        current = improved
    return current


def solve_capacitated(
    problem: LayoutProblem,
    *,
    time_limit: float = 5.0,
    max_stall: int = 20,
    seed: int = 0,
    polish: int = 10,
) -> LayoutPlan:
    """Heuristic plan for a capacitated problem (see the module docstring).

    Parameters
    ----------
    time_limit : float
        Seconds for the search; the exact re-assignment of the best sets gets a share of it.
    max_stall : int
        Stop after this many kicks in a row without improvement.
    seed : int
        Seed of the random kicks.
    polish : int
        How many of the best open sets are re-assigned exactly at the end.

    Raises
    ------
    LayoutInfeasibleError
        If no assignment within capacity was found.

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[0, 1, 5], [1, 0, 5], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    ... )
    >>> plan = solve_capacitated(problem)
    >>> plan.open_sites, plan.cost
    ((0, 2), 5.0)
    """
    started = time.perf_counter()
    search_deadline = started + 0.7 * time_limit
    rng = np.random.default_rng(seed)
    sites, _ = local_search(problem, greedy_open(problem))
    best = _descend(problem, assign_greedy(problem, sites), search_deadline)
    elite: dict[tuple[int, ...], Assignment] = {tuple(best.sites.tolist()): best}
    stall = 0
    while stall < max_stall and time.perf_counter() < search_deadline:
        trial = _descend(
            problem, assign_greedy(problem, kick(problem, best.sites, rng)), search_deadline
        )
        elite[tuple(trial.sites.tolist())] = trial
        if trial.better_than(best):
            best, stall = trial, 0
        else:
            stall += 1
    ranked = sorted(elite.values(), key=lambda a: (a.overflow, a.cost))[:polish]
    for candidate in ranked:
        remaining = started + time_limit - time.perf_counter()
        if remaining <= 0.05:
            break
        exact = assign_exact(
            problem, candidate.sites, time_limit=remaining / len(ranked), start=candidate
        )
        if exact is not None and exact.better_than(best):
            best = exact
    if best.overflow > _EPS:
        raise LayoutInfeasibleError(
            "capacity",
            f"no assignment within capacity found in {time_limit:g} s "
            f"(best leaves demand {best.overflow:g} over capacity)",
        )
    return LayoutPlan.evaluate(
        problem,
        best.sites.tolist(),
        best.site_of.tolist(),
        method="heuristic",
        seconds=time.perf_counter() - started,
    )
