"""The capacitated single-sourcing MILP, over all store → site pairs or a reduced set of them.

    min Σ_j f_j y_j + Σ_ij c_ij x_ij
    s.t. Σ_j x_ij = 1 (each store),  Σ_i d_i x_ij ≤ Q_j y_j,  x_ij ≤ y_j,
         Σ_j y_j = p (or 1 ≤ Σ_j y_j),  Σ_j Q_j y_j ≥ Σ_i d_i,

the strong formulation (the links ``x_ij ≤ y_j`` and the aggregate capacity row tighten the
LP). Only the pairs a caller allows get a variable: the Lagrangian fixing of
:mod:`.capacitated_bound` drops those no better plan uses, and the generalized assignment on
a given open set allows only that set's columns.

References
----------
A. Ceselli, G. Righini, "A branch-and-price algorithm for the capacitated p-median problem",
Networks 45(3), 2005, doi:10.1002/net.20059 (the compact model and its LP bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from algorithms.layout.milp import solve_milp
from algorithms.layout.problem import LayoutProblem

__all__ = ["CapacitatedSolution", "solve_capacitated_model"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class CapacitatedSolution:
    """What HiGHS found on the model.

    ``open_sites`` and ``assignment`` are ``None`` when no solution was found; ``bound`` is
    HiGHS' lower bound on the model (rounded up with integer costs; ``-inf`` if none).
    """

    open_sites: IntArray | None
    assignment: IntArray | None
    bound: float
    optimal: bool
    status: str


def solve_capacitated_model(
    problem: LayoutProblem,
    *,
    time_limit: float,
    allowed: BoolArray | None = None,
    opened: Sequence[int] = (),
    start: tuple[Sequence[int], Sequence[int]] | None = None,
    threads: int = 1,
) -> CapacitatedSolution:
    """Solve the capacitated model over the ``allowed`` pairs with HiGHS.

    Parameters
    ----------
    problem : LayoutProblem
        A capacitated problem.
    time_limit : float
        Seconds for HiGHS.
    allowed : bool array of shape (n_stores, n_sites), optional
        Pairs that get a variable (all by default); a site with no allowed pair stays closed
        unless it must open.
    opened : sequence of int
        Sites forced open besides ``problem.must_open``.
    start : (open sites, assignment), optional
        A plan of the model handed to HiGHS as its first incumbent.

    Examples
    --------
    >>> problem = LayoutProblem.create(
    ...     [[0, 1, 5], [1, 0, 4], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    ... )
    >>> found = solve_capacitated_model(problem, time_limit=5)
    >>> found.open_sites.tolist(), found.assignment.tolist(), found.bound, found.optimal
    ([0, 2], [0, 2, 2], 4.0, True)
    """
    capacity = problem.capacity
    if capacity is None:
        raise ValueError("the capacitated model needs capacities")
    n, m = problem.n_stores, problem.n_sites
    fits = problem.demand[:, None] <= capacity[None, :] * (1 + 1e-9) + 1e-9
    mask = fits if allowed is None else allowed & fits
    stores, sites = np.nonzero(mask)
    k = stores.size
    x = m + np.arange(k)
    forced = np.zeros(m, dtype=bool)
    forced[list(problem.must_open)] = True
    forced[list(opened)] = True
    usable = forced | mask.any(axis=0)
    rows = [stores, n + sites, n + np.arange(m), n + m + np.arange(k), n + m + np.arange(k)]
    cols = [x, x, np.arange(m), x, sites]
    vals = [np.ones(k), problem.demand[stores], -capacity, np.ones(k), -np.ones(k)]
    base = n + m + k
    rows += [np.full(m, base), np.full(m, base + 1)]
    cols += [np.arange(m), np.arange(m)]
    vals += [np.ones(m), capacity]
    matrix = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(base + 2, m + k),
    ).tocsc()
    p = problem.p
    row_lo = np.concatenate(
        [np.ones(n), np.full(m + k, -np.inf), [float(p or 1), float(problem.demand.sum())]]
    )
    row_hi = np.concatenate([np.ones(n), np.zeros(m + k), [float(p or m), np.inf]])
    col_lo = np.concatenate([forced.astype(np.float64), np.zeros(k)])
    col_hi = np.concatenate([usable.astype(np.float64), np.ones(k)])
    x0 = None
    if start is not None:
        column = np.full((n, m), -1, dtype=np.intp)
        column[stores, sites] = x
        chosen = column[np.arange(n), np.asarray(start[1], dtype=np.intp)]
        if (chosen >= 0).all():
            x0 = np.zeros(m + k)
            x0[list(start[0])] = 1.0
            x0[chosen] = 1.0
    integral = problem.integral_costs
    result = solve_milp(
        np.concatenate([problem.fixed_cost, problem.cost[stores, sites]]),
        matrix,
        row_lo,
        row_hi,
        col_lo,
        col_hi,
        np.ones(m + k, dtype=bool),
        time_limit=max(time_limit, 0.01),
        start=x0,
        absolute_gap=1.0 - 1e-6 if integral else 1e-6,
        threads=threads,
    )
    bound = result.bound
    if integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    if result.x is None:
        return CapacitatedSolution(None, None, bound, False, result.status)
    values = result.x[m:]
    taken = values > 0.5
    assignment = np.full(n, -1, dtype=np.intp)
    assignment[stores[taken]] = sites[taken]
    open_sites = np.flatnonzero(result.x[:m] > 0.5)
    return CapacitatedSolution(open_sites, assignment, bound, result.optimal, result.status)
