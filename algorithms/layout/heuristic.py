"""Fast layout heuristic: greedy start, fast interchange, iterated with random kicks.

Uncapacitated models run the interchange of :mod:`algorithms.layout.interchange` inside an
iterated local search and carry no lower bound. Capacitated models hand over to
:mod:`algorithms.layout.capacitated`, whose plans carry a Lagrangian lower bound and the gap
to it, so a capacitated plan is never presented as better than it is.

References
----------
H.R. Lourenço, O.C. Martin, T. Stützle, "Iterated local search", in Handbook of
Metaheuristics, 2003, doi:10.1007/0-306-48056-5_11.
M.G.C. Resende, R.F. Werneck, "A hybrid heuristic for the p-median problem", Journal of
Heuristics 10, 2004, doi:10.1023/B:HEUR.0000019986.96257.50.
"""

from __future__ import annotations

import time

import numpy as np

from algorithms.layout.capacitated import solve_capacitated
from algorithms.layout.interchange import greedy_open, kick, local_search
from algorithms.layout.plan import LayoutPlan
from algorithms.layout.problem import LayoutProblem

__all__ = ["solve_heuristic"]


def solve_heuristic(
    problem: LayoutProblem,
    *,
    time_limit: float = 5.0,
    max_stall: int = 60,
    seed: int = 0,
) -> LayoutPlan:
    """Find a good plan fast, without proof of quality.

    Parameters
    ----------
    problem : LayoutProblem
        Any of the four models, with or without must-open sites.
    time_limit : float
        Seconds after which the best plan found is returned.
    max_stall : int
        Stop after this many kicks in a row that did not improve the best plan
        (uncapacitated models; the capacitated search has its own stopping rule).
    seed : int
        Seed of the random kicks; the same seed gives the same plan.

    Returns
    -------
    LayoutPlan
        For uncapacitated models ``lower_bound`` and ``gap`` are ``None``; for capacitated
        ones they hold the Lagrangian bound (raised by HiGHS' when that is higher) and the
        gap to it, and ``proven_optimal`` is true only when the bound meets the cost.

    Raises
    ------
    LayoutInfeasibleError
        For capacitated problems when no assignment within capacity was found.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4, 9], [4, 0, 9], [9, 9, 0]], p=2)
    >>> plan = solve_heuristic(problem)
    >>> plan.open_sites, plan.cost, plan.gap
    ((0, 2), 4.0, None)
    """
    if time_limit <= 0:
        raise ValueError(f"time_limit: must be positive, got {time_limit}")
    if problem.capacity is not None:
        return solve_capacitated(problem, time_limit=time_limit, seed=seed)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    best, best_cost = local_search(problem, greedy_open(problem))
    stall = 0
    round_ = 0
    while stall < max_stall and time.perf_counter() - started < time_limit:
        round_ += 1
        if round_ % 8 == 0:
            start = greedy_open(problem, rng, alpha=0.05)
        else:
            start = kick(problem, best, rng)
        sites, cost = local_search(problem, start)
        if cost < best_cost - 1e-9 * max(1.0, abs(best_cost)):
            best, best_cost, stall = sites, cost, 0
        else:
            stall += 1
    return LayoutPlan.evaluate(
        problem, best.tolist(), method="heuristic", seconds=time.perf_counter() - started
    )
