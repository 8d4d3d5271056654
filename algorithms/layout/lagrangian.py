"""Lagrangian lower bound and site fixing for uncapacitated layouts.

Relaxing "each store is served once" with multipliers ``λ`` leaves, for each site,
``ρ_j(λ) = f_j + Σ_i min(0, c_ij − λ_i)``; the bound is ``Σ_i λ_i`` plus the best admissible
choice of sites by ``ρ`` (the ``p`` smallest, or every negative one when ``p`` is free).
Subgradient ascent drives ``λ`` up to (nearly) the LP bound. With an upper bound ``UB`` in
hand, a site whose forced opening (or closing) lifts the bound to ``UB`` or more cannot be
part of (or be missing from) any strictly better plan, and is fixed.

References
----------
J.E. Beasley, "Lagrangean heuristics for location problems", European Journal of
Operational Research 65(3), 1993, doi:10.1016/0377-2217(93)90118-7.
G. Cornuéjols, M.L. Fisher, G.L. Nemhauser, "Location of bank accounts to optimize float",
Management Science 23(8), 1977, doi:10.1287/mnsc.23.8.789.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from algorithms.layout.problem import LayoutProblem

__all__ = ["LagrangianResult", "lagrangian_fixing"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class LagrangianResult:
    """Best bound found and the sites it fixes.

    ``closed`` sites are open in no plan cheaper than the upper bound, ``opened`` sites in
    every such plan.
    """

    bound: float
    closed: IntArray
    opened: IntArray


def _choose(problem: LayoutProblem, rho: FloatArray, free: NDArray[np.bool_]) -> IntArray:
    """Admissible site set minimising Σ ρ: must-open sites plus the best free ones."""
    must = np.asarray(problem.must_open, dtype=np.intp)
    candidates = np.flatnonzero(free)
    if problem.p is None:
        extra = candidates[rho[candidates] < 0]
        if must.size == 0 and extra.size == 0:
            extra = candidates[np.argmin(rho[candidates])][None]
    else:
        count = problem.p - must.size
        extra = candidates[np.argsort(rho[candidates], kind="stable")[:count]]
    return np.concatenate([must, extra]).astype(np.intp)


def lagrangian_fixing(
    problem: LayoutProblem,
    upper_bound: float,
    *,
    start: FloatArray | None = None,
    iterations: int = 3000,
    time_limit: float = 5.0,
) -> LagrangianResult:
    """Subgradient ascent on the Lagrangian dual, then fix sites against ``upper_bound``.

    Parameters
    ----------
    problem : LayoutProblem
        An uncapacitated problem.
    upper_bound : float
        Cost of a known plan.
    start : array of shape (n_stores,), optional
        Initial multipliers; each store's cost in the known plan is a good choice.
    iterations, time_limit
        Limits of the ascent.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4, 9], [4, 0, 9], [9, 9, 0]], p=2)
    >>> result = lagrangian_fixing(problem, upper_bound=4.0)
    >>> result.bound, result.opened.tolist()
    (4.0, [0, 2])
    """
    if problem.capacity is not None:
        raise ValueError("lagrangian_fixing handles uncapacitated problems only")
    cost, fixed = problem.cost, problem.fixed_cost
    m = cost.shape[1]
    free = np.ones(m, dtype=bool)
    free[list(problem.must_open)] = False
    lam = cost.min(axis=1).copy() if start is None else np.asarray(start, dtype=np.float64)
    best_bound, best_lam = -np.inf, lam.copy()
    theta, stall = 2.0, 0
    deadline = time.perf_counter() + time_limit
    tolerance = 1e-9 * max(1.0, abs(upper_bound))
    integral = problem.integral_costs
    # With integer data a strictly better plan costs at most UB - 1.
    target = upper_bound - 1.0 + 1e-6 if integral else upper_bound - tolerance
    for _ in range(iterations):
        reduced = np.minimum(cost - lam[:, None], 0.0)
        rho = fixed + reduced.sum(axis=0)
        chosen = _choose(problem, rho, free)
        bound = float(lam.sum() + rho[chosen].sum())
        if bound > best_bound + tolerance:
            best_bound, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                theta, stall = theta / 2, 0
        if best_bound >= target or theta < 1e-5:
            break
        if time.perf_counter() > deadline:
            break
        covered = (cost[:, chosen] < lam[:, None]).sum(axis=1)
        subgradient = 1.0 - covered
        norm = float(subgradient @ subgradient)
        if norm == 0:
            best_bound, best_lam = max(best_bound, bound), lam.copy()
            break
        lam = np.maximum(lam + theta * (upper_bound - bound) / norm * subgradient, 0.0)
    rho = fixed + np.minimum(cost - best_lam[:, None], 0.0).sum(axis=0)
    chosen = _choose(problem, rho, free)
    base = float(best_lam.sum() + rho[chosen].sum())
    is_chosen = np.zeros(m, dtype=bool)
    is_chosen[chosen] = True
    closed_sites = np.flatnonzero(free & ~is_chosen)
    open_free = np.flatnonzero(free & is_chosen)
    if problem.p is None:
        # Forcing a site in adds its ρ ≥ 0; forcing one out removes its ρ < 0.
        with_j = base + rho[closed_sites]
        without_j = base - rho[open_free]
        if open_free.size == 1 and not problem.must_open:
            without_j = np.full(1, -np.inf)
    else:
        worst_in = rho[open_free].max() if open_free.size else np.inf
        best_out = rho[closed_sites].min() if closed_sites.size else np.inf
        with_j = base - worst_in + rho[closed_sites]
        without_j = base - rho[open_free] + best_out
    bound = max(best_bound, base)
    if integral:
        bound = float(np.ceil(bound - 1e-6))
    return LagrangianResult(
        bound=bound,
        closed=closed_sites[with_j >= target],
        opened=open_free[without_j >= target],
    )
