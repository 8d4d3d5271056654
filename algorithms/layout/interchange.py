"""Greedy construction and fast interchange for uncapacitated layouts (p-median / UFL).

The swap evaluation is Whitaker's fast interchange in the matrix form of Resende and
Werneck: with ``d1`` / ``d2`` each store's cost to its nearest / second-nearest open site,
the change of opening ``l`` and closing ``r`` is

    gain[l] + loss[r, l],   gain[l] = Σ_i min(c_il − d1_i, 0),
    loss[r, l] = Σ_{i : φ1(i) = r} max(0, min(d2_i, c_il) − d1_i),

so every swap of an iteration costs one (p × n) · (n × m) sparse-dense product.

References
----------
R. Whitaker, "A fast algorithm for the greedy interchange for large-scale clustering and
median location problems", INFOR 21(2), 1983, doi:10.1080/03155986.1983.11731889.
M.G.C. Resende, R.F. Werneck, "A fast swap-based local search procedure for location
problems", Annals of Operations Research 150, 2007, doi:10.1007/s10479-006-0154-0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from algorithms.layout.problem import LayoutProblem

__all__ = [
    "MoveDeltas",
    "Nearest",
    "apply_move",
    "greedy_open",
    "kick",
    "local_search",
    "move_deltas",
    "nearest_two",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Nearest:
    """Each store's nearest and second-nearest open site and their costs."""

    site: IntArray
    d1: FloatArray
    d2: FloatArray

    @property
    def assignment_cost(self) -> float:
        return float(self.d1.sum())


def nearest_two(cost: FloatArray, open_sites: IntArray) -> Nearest:
    """Nearest and second-nearest open site of every store.

    Examples
    --------
    >>> import numpy as np
    >>> near = nearest_two(np.array([[1.0, 3.0, 2.0]]), np.array([1, 2]))
    >>> near.site.tolist(), near.d1.tolist(), near.d2.tolist()
    ([2], [2.0], [3.0])
    """
    sub = cost[:, open_sites]
    rows = np.arange(cost.shape[0])
    if open_sites.size == 1:
        return Nearest(
            site=np.full(cost.shape[0], open_sites[0], dtype=np.intp),
            d1=sub[:, 0].copy(),
            d2=np.full(cost.shape[0], np.inf),
        )
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    first = np.where(sub[rows, two[:, 0]] <= sub[rows, two[:, 1]], two[:, 0], two[:, 1])
    second = np.where(first == two[:, 0], two[:, 1], two[:, 0])
    return Nearest(site=open_sites[first], d1=sub[rows, first], d2=sub[rows, second])


def _objective(problem: LayoutProblem, open_sites: IntArray, near: Nearest) -> float:
    return float(problem.fixed_cost[open_sites].sum()) + near.assignment_cost


def greedy_open(
    problem: LayoutProblem, rng: np.random.Generator | None = None, *, alpha: float = 0.0
) -> IntArray:
    """Add sites one by one, each time the one lowering the cost most (Kuehn–Hamburger).

    With ``p`` given, add until ``p`` are open; otherwise stop when no site lowers the cost.
    With ``rng`` and ``alpha > 0`` each step picks at random among the sites whose saving is
    within ``alpha`` of the best (a GRASP restricted candidate list), for diverse starts.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4], [3, 0], [5, 1]], p=1)
    >>> greedy_open(problem).tolist()
    [1]
    """
    cost, fixed = problem.cost, problem.fixed_cost
    is_open = np.zeros(problem.n_sites, dtype=bool)
    is_open[list(problem.must_open)] = True
    target = problem.p if problem.p is not None else problem.n_sites
    while is_open.sum() < target:
        if is_open.any():
            d1 = cost[:, is_open].min(axis=1)
            change = np.minimum(cost - d1[:, None], 0.0).sum(axis=0) + fixed
        else:
            change = cost.sum(axis=0) + fixed
        change[is_open] = np.inf
        best = float(change.min())
        if problem.p is None and is_open.any() and best >= 0:
            break
        if rng is not None and alpha > 0:
            spread = abs(best) * alpha + 1e-12
            pool = np.flatnonzero(change <= best + spread)
            choice = int(rng.choice(pool))
        else:
            choice = int(np.argmin(change))
        is_open[choice] = True
    return np.flatnonzero(is_open)


@dataclass(frozen=True, slots=True)
class MoveDeltas:
    """Cost change of every single move from the open set ``sites``.

    ``swap[r, l]`` closes ``sites[r]`` and opens site ``l``; ``add[l]`` opens ``l``;
    ``drop[r]`` closes ``sites[r]``. Forbidden moves are ``inf``; ``add`` and ``drop`` are
    ``None`` when ``p`` is fixed.
    """

    current: float
    swap: FloatArray
    add: FloatArray | None
    drop: FloatArray | None


def move_deltas(problem: LayoutProblem, sites: IntArray) -> MoveDeltas:
    """Evaluate all swap (and, with ``p`` free, add / drop) moves at once.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4, 9], [4, 0, 9], [9, 9, 0]], p=2)
    >>> move_deltas(problem, np.array([0, 1])).swap.tolist()
    [[inf, inf, -5.0], [inf, inf, -5.0]]
    """
    cost, fixed = problem.cost, problem.fixed_cost
    n, m = cost.shape
    near = nearest_two(cost, sites)
    is_open = np.zeros(m, dtype=bool)
    is_open[sites] = True
    locked = np.zeros(m, dtype=bool)
    locked[list(problem.must_open)] = True
    gain = np.minimum(cost - near.d1[:, None], 0.0).sum(axis=0)
    slack = np.maximum(np.minimum(near.d2[:, None], cost) - near.d1[:, None], 0.0)
    position = np.searchsorted(sites, near.site)
    owner = csr_matrix(
        (np.ones(n), (position, np.arange(n))), shape=(sites.size, n), dtype=np.float64
    )
    swap = gain[None, :] + np.asarray(owner @ slack) + fixed[None, :] - fixed[sites][:, None]
    swap[:, is_open] = np.inf
    swap[locked[sites], :] = np.inf
    add: FloatArray | None = None
    drop: FloatArray | None = None
    if problem.p is None:
        add = gain + fixed
        add[is_open] = np.inf
        drop = np.full(sites.size, np.inf)
        if sites.size > 1:
            drop = np.asarray(owner @ (near.d2 - near.d1)).ravel() - fixed[sites]
            drop[locked[sites]] = np.inf
    return MoveDeltas(_objective(problem, sites, near), swap, add, drop)


def apply_move(sites: IntArray, kind: str, out: int, into: int) -> IntArray:
    """Open set after a ``"swap"`` (close ``sites[out]``, open site ``into``), an ``"add"``
    (open ``into``) or a ``"drop"`` (close ``sites[out]``)."""
    if kind == "swap":
        return np.sort(np.append(np.delete(sites, out), into))
    if kind == "add":
        return np.sort(np.append(sites, into))
    return np.delete(sites, out)


def local_search(problem: LayoutProblem, open_sites: IntArray) -> tuple[IntArray, float]:
    """Best-improvement swap (and, when ``p`` is free, add / drop) search to a local optimum.

    Returns the open sites and the plan's cost.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4, 9], [4, 0, 9], [9, 9, 0]], p=2)
    >>> sites, cost = local_search(problem, np.array([0, 1]))
    >>> sites.tolist(), cost
    ([1, 2], 4.0)
    """
    sites = np.sort(open_sites.astype(np.intp))
    while True:
        deltas = move_deltas(problem, sites)
        best = float(deltas.swap.min()) if deltas.swap.size else np.inf
        move: tuple[str, int, int] = ("none", -1, -1)
        if best < np.inf:
            out, into = np.unravel_index(int(np.argmin(deltas.swap)), deltas.swap.shape)
            move = ("swap", int(out), int(into))
        if deltas.add is not None and deltas.add.min() < best:
            best, move = float(deltas.add.min()), ("add", -1, int(np.argmin(deltas.add)))
        if deltas.drop is not None and deltas.drop.min() < best:
            best, move = float(deltas.drop.min()), ("drop", int(np.argmin(deltas.drop)), -1)
        if not best < -1e-9 * max(1.0, abs(deltas.current)):
            return sites, deltas.current
        sites = apply_move(sites, *move)


def kick(problem: LayoutProblem, sites: IntArray, rng: np.random.Generator) -> IntArray:
    """Swap one to three random open sites (never a must-open one) for random closed ones.

    When ``p`` is free the kick may instead open or close one random site.

    Examples
    --------
    >>> problem = LayoutProblem.create(np.eye(4), p=2, must_open=[0])
    >>> kicked = kick(problem, np.array([0, 1]), np.random.default_rng(0))
    >>> 0 in kicked and len(kicked) == 2
    True
    """
    movable = np.setdiff1d(sites, problem.must_open)
    closed = np.setdiff1d(np.arange(problem.n_sites), sites)
    if problem.p is None:
        action = rng.integers(3)
        if action == 0 and closed.size:
            return np.sort(np.append(sites, rng.choice(closed)))
        if action == 1 and movable.size and sites.size > 1:
            return np.setdiff1d(sites, [rng.choice(movable)])
    count = min(int(rng.integers(1, 4)), movable.size, closed.size)
    if count == 0:
        return sites
    out = rng.choice(movable, size=count, replace=False)
    into = rng.choice(closed, size=count, replace=False)
    return np.sort(np.concatenate([np.setdiff1d(sites, out), into]))
