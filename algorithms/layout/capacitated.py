"""Capacitated layouts with single-sourcing: a plan, its own lower bound, and the gap.

Three stages share the time limit.

1. **Lagrangian bound.** :func:`~.capacitated_bound.capacitated_bound` relaxes "each store
   served once" and keeps every site's capacity as a knapsack; its best multipliers give
   the plan's lower bound and each site's value ``ρ_j`` under capacity.
2. **Search.** An iterated local search over open sets. A move swaps one site for another
   (or adds / drops one when ``p`` is free), tried in the order the uncapacitated
   fast-interchange deltas suggest, and is priced by re-assigning only the stores of the
   clusters around it (LP rounding, :mod:`.assignment`); at a local optimum every store is
   re-assigned once. Restarts alternate between a kick that shifts a few neighbouring sites
   at once and the sites the relaxation opens when its ``ρ`` are blurred by noise; the
   search stops after a run of restarts that bring nothing better.
3. **Reduction and MILP.** Pairs and sites that no plan cheaper than the best one can use
   are dropped (:func:`~.capacitated_bound.fix_pairs`) and HiGHS solves the reduced model
   (:mod:`.capacitated_model`) warm-started by the best plan. It may find a better plan or
   prove the best one optimal; the plans dropped cost at least the best one, so the reduced
   model's bound holds for the whole problem and can only raise the Lagrangian one.

The heuristic gives the MILP half as long as the bound and search took; the exact solver
gives it all the time left.

References
----------
I.H. Osman, N. Christofides, "Capacitated clustering problems by hybrid simulated annealing
and tabu search", International Transactions in Operational Research 1(3), 1994,
doi:10.1016/0969-6016(94)90028-0.
L.A.N. Lorena, E.L.F. Senne, "A column generation approach to capacitated p-median
problems", Computers & Operations Research 31(6), 2004, doi:10.1016/S0305-0548(03)00039-X.
H.R. Lourenço, O.C. Martin, T. Stützle, "Iterated local search", in Handbook of
Metaheuristics, 2003, doi:10.1007/0-306-48056-5_11.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from algorithms.layout.assignment import Assignment, assign_greedy, assign_lp, reassign
from algorithms.layout.capacitated_bound import (
    CapacitatedBound,
    capacitated_bound,
    fix_pairs,
    sample_sites,
)
from algorithms.layout.capacitated_model import solve_capacitated_model
from algorithms.layout.errors import LayoutInfeasibleError
from algorithms.layout.interchange import apply_move, greedy_open, local_search, move_deltas
from algorithms.layout.plan import LayoutPlan
from algorithms.layout.problem import LayoutProblem

__all__ = ["solve_capacitated"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_EPS = 1e-9
#: Candidate open sets priced per local-search step before taking the best improving one.
_CANDIDATES = 60
#: Open sites around a move whose stores it re-assigns, on each side of the move.
_AROUND = 3
#: A kick moves this many neighbouring sites, each to one of its stores' best few sites.
_KICK_SIZE = (2, 5)
_KICK_CHOICES = 6
#: Restarts in a row without a better plan before the search stops.
_MAX_STALL = 12
#: A restart's plan replaces the current one when it costs at most this much more than the
#: best (relative), so the search can drift between nearby local optima.
_ACCEPT = 0.003
#: Share of the time left that the Lagrangian ascent may take.
_BOUND_SHARE = 0.3
#: The heuristic's MILP gets this share of the time the bound and search took.
_MILP_SHARE = 0.5
#: Seconds kept after the search and after the MILP for what follows, so the limit holds.
_MARGIN = 0.05


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


def _nearest_open(problem: LayoutProblem, plan: Assignment, site: int, among: IntArray) -> IntArray:
    """Sites of ``among``, cheapest first for the stores ``site`` serves (or, when it serves
    none, for the stores whose cost to ``site`` is lowest on average per cluster)."""
    members = plan.site_of == site
    if members.any():
        moving = problem.cost[np.ix_(members, among)].sum(axis=0)
        ordered: IntArray = among[np.argsort(moving, kind="stable")]
        return ordered
    position = np.searchsorted(plan.sites, plan.site_of)
    count = np.bincount(position, minlength=plan.sites.size)
    total = np.bincount(position, weights=problem.cost[:, site], minlength=plan.sites.size)
    mean = np.where(count > 0, total / np.maximum(count, 1), np.inf)
    ranked = plan.sites[np.argsort(mean, kind="stable")]
    nearest: IntArray = ranked[np.isin(ranked, among)]
    return nearest


def _move(problem: LayoutProblem, plan: Assignment, out: int, into: int) -> Assignment | None:
    """The plan after closing site ``out`` and / or opening site ``into`` (``-1``: none),
    re-assigning only the stores of the clusters around them; ``None`` if they do not fit
    or cannot beat ``plan``."""
    kept = plan.sites[plan.sites != out]
    opened = np.sort(np.append(kept, into)) if into >= 0 else kept
    region: IntArray = np.zeros(0, dtype=np.intp)
    if out >= 0 and kept.size:
        region = _nearest_open(problem, plan, out, kept)[:_AROUND]
    if into >= 0:
        region = np.union1d(region, _nearest_open(problem, plan, into, kept)[:_AROUND])
        region = np.union1d(region, [into])
    stores = np.flatnonzero(np.isin(plan.site_of, np.append(region, out)))
    if region.size == 0:
        return None
    return reassign(problem, opened, plan.site_of, stores, region.astype(np.intp), plan.cost)


def _descend(problem: LayoutProblem, start: Assignment, deadline: float) -> Assignment:
    """Move the open set while a move lowers the cost; first improvement.

    A plan within capacity prices each move by re-assigning the clusters around it and,
    at a local optimum, by re-assigning every store once; a plan over capacity prices each
    move by a whole assignment, least overflow first.
    """
    current = start
    while time.perf_counter() < deadline:
        improved: Assignment | None = None
        feasible = current.overflow <= _EPS
        for kind, out, into in _candidates(problem, current.sites):
            if time.perf_counter() >= deadline:
                break
            if feasible:
                closing = int(current.sites[out]) if out >= 0 else -1
                trial = _move(problem, current, closing, into)
            else:
                trial = _assign(problem, apply_move(current.sites, kind, out, into))
            if trial is not None and trial.better_than(current):
                # First improvement: candidates come in order of promise.
                improved = trial
                break
        if improved is None and feasible:
            improved = assign_lp(problem, current.sites, current.cost)
            if improved is not None and not improved.better_than(current):
                improved = None
        if improved is None:
            break
        current = improved
    return current


def _assign(problem: LayoutProblem, sites: IntArray) -> Assignment:
    found = assign_lp(problem, sites)
    return found if found is not None else assign_greedy(problem, sites)


def _kick(problem: LayoutProblem, plan: Assignment, rng: np.random.Generator) -> IntArray:
    """Move a few neighbouring sites each to a random one of the sites best placed for
    its own stores: a shift of a whole area, which single moves cannot make."""
    movable = np.setdiff1d(plan.sites, problem.must_open)
    if movable.size == 0:
        return plan.sites
    centre = int(rng.choice(movable))
    size = int(rng.integers(_KICK_SIZE[0], _KICK_SIZE[1] + 1))
    others = np.setdiff1d(movable, [centre])
    group = [centre, *_nearest_open(problem, plan, centre, others)[: size - 1].tolist()]
    chosen = set(plan.sites.tolist()) - set(group)
    for site in group:
        members = plan.site_of == site
        score = problem.cost[members].sum(axis=0) + problem.fixed_cost
        score[list(chosen)] = np.inf
        pool = np.argsort(score, kind="stable")[:_KICK_CHOICES]
        pool = pool[np.isfinite(score[pool])]
        chosen.add(int(rng.choice(pool)) if pool.size else site)
    return np.array(sorted(chosen), dtype=np.intp)


def _search(
    problem: LayoutProblem,
    first: Assignment,
    lagrangian: CapacitatedBound,
    rng: np.random.Generator,
    deadline: float,
) -> Assignment:
    """Iterated local search: descend from the greedy plan, then restart alternately from
    a kick of the current plan and from sites the Lagrangian relaxation opens under noise,
    until ``_MAX_STALL`` restarts in a row bring nothing better or the bound proves the best
    plan optimal."""
    best = current = _descend(problem, first, deadline)
    stall = 0
    restart = 0
    while stall < _MAX_STALL and time.perf_counter() < deadline:
        if _proven(problem, best, lagrangian.bound):
            break
        if restart == 0:
            sites = lagrangian.sites
        elif restart % 2:
            sites = _kick(problem, current, rng)
        else:
            sites = sample_sites(problem, lagrangian, rng)
        restart += 1
        trial = _descend(problem, _assign(problem, sites), deadline)
        if trial.overflow <= _EPS and current.overflow <= _EPS:
            if trial.cost <= current.cost + _ACCEPT * abs(best.cost):
                current = trial
        elif trial.better_than(current):
            current = trial
        if trial.better_than(best):
            best, stall = trial, 0
        else:
            stall += 1
    return best


def _from_plan(plan: LayoutPlan) -> Assignment:
    return Assignment(
        sites=np.asarray(plan.open_sites, dtype=np.intp),
        site_of=np.asarray(plan.assignment, dtype=np.intp),
        cost=plan.cost,
        overflow=0.0,
    )


def _proven(problem: LayoutProblem, plan: Assignment, bound: float) -> bool:
    """Whether ``bound`` leaves no room for a strictly better plan than ``plan``."""
    if plan.overflow > _EPS:
        return False
    slack = 1.0 - 1e-6 if problem.integral_costs else _EPS * max(1.0, abs(plan.cost))
    return bound >= plan.cost - slack


def _solve_model(
    problem: LayoutProblem,
    best: Assignment,
    allowed: BoolArray | None,
    opened: IntArray,
    time_limit: float,
    threads: int,
) -> tuple[Assignment, float]:
    """HiGHS on the model over ``allowed`` pairs, warm-started by ``best``: the better plan
    of the two and the model's bound."""
    feasible = best.overflow <= _EPS
    found = solve_capacitated_model(
        problem,
        time_limit=time_limit,
        allowed=allowed,
        opened=opened.tolist(),
        start=(best.sites.tolist(), best.site_of.tolist()) if feasible else None,
        threads=threads,
    )
    if found.open_sites is not None and found.assignment is not None:
        exact = Assignment(
            sites=found.open_sites,
            site_of=found.assignment,
            cost=problem.total_cost(found.open_sites, found.assignment),
            overflow=0.0,
        )
        if exact.better_than(best):
            best = exact
    return best, found.bound


def solve_capacitated(
    problem: LayoutProblem,
    *,
    time_limit: float = 5.0,
    search_time: float | None = None,
    start: LayoutPlan | None = None,
    method: str = "heuristic",
    milp_time: float | None = None,
    seed: int = 0,
    threads: int = 1,
) -> LayoutPlan:
    """Plan a capacitated problem and bound its optimum (see the module docstring).

    Parameters
    ----------
    problem : LayoutProblem
        A capacitated problem (``cpmp`` or ``cap``), with or without must-open sites.
    time_limit : float
        Seconds at most. The heuristic usually stops earlier, once its restarts stop paying.
    search_time : float, optional
        With ``method="exact"``, seconds for the bound and the search before the MILP
        (default: all of ``time_limit``).
    start : LayoutPlan, optional
        A plan to start from besides the greedy one.
    method : str
        After the search HiGHS gets every pair the Lagrangian fixing left, so its bound
        holds for the whole problem: ``"heuristic"`` gives it half as long as the search
        took, ``"exact"`` all the time left.
    milp_time : float, optional
        Seconds for HiGHS after the search instead of the default of ``method``; 0 skips it.
    seed : int
        Seed of the kicks and of the noise on the relaxation; the same seed gives the same
        plan unless the time limit cuts the search short.
    threads : int
        Threads HiGHS may use.

    Returns
    -------
    LayoutPlan
        With ``lower_bound`` (the Lagrangian bound, raised by the exact MILP's when that is
        higher) and ``gap`` always set.

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
    >>> plan.open_sites, plan.cost, plan.lower_bound, plan.gap
    ((0, 2), 5.0, 5.0, 0.0)
    """
    if problem.capacity is None:
        raise ValueError("solve_capacitated needs a capacitated problem")
    if method not in ("heuristic", "exact"):
        raise ValueError(f"method: must be 'heuristic' or 'exact', got {method!r}")
    started = time.perf_counter()
    deadline = started + time_limit
    # The search stops a margin early: a move priced after the last look at the clock and
    # building the plan must still end within the time limit on a busy machine.
    searched = deadline - _MARGIN
    if method == "exact" and search_time is not None:
        searched = min(searched, started + search_time)

    sites, _ = local_search(problem, greedy_open(problem))
    first = _assign(problem, sites)
    if start is not None and _from_plan(start).better_than(first):
        first = _from_plan(start)
    rows = np.arange(problem.n_stores)
    lagrangian = capacitated_bound(
        problem,
        first.cost if first.overflow <= _EPS else 1.1 * first.cost + 1.0,
        start=problem.cost[rows, first.site_of],
        time_limit=max(_BOUND_SHARE * (searched - time.perf_counter()), 0.01),
    )
    lower_bound = lagrangian.bound
    best = _search(problem, first, lagrangian, np.random.default_rng(seed), searched)
    if milp_time is not None:
        share = milp_time
    elif method == "heuristic":
        # The MILP may find a better plan or prove this one; it gets half the search's time.
        share = _MILP_SHARE * (time.perf_counter() - started)
    else:
        share = time_limit
    if share > 0.01 and not _proven(problem, best, lower_bound):
        # Plans the fixing drops cost at least the best one: the bound holds globally.
        fixing = None
        if best.overflow <= _EPS:
            fixing = fix_pairs(problem, lagrangian, best.cost, (best.sites, best.site_of))
        remaining = min(share, deadline - time.perf_counter() - _MARGIN)
        if remaining > 0.01:
            best, bound = _solve_model(
                problem,
                best,
                None if fixing is None else fixing.allowed,
                np.zeros(0, dtype=np.intp) if fixing is None else fixing.opened,
                remaining,
                threads,
            )
            lower_bound = max(lower_bound, bound)
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
        lower_bound=lower_bound if np.isfinite(lower_bound) else None,
        method=method,
        seconds=time.perf_counter() - started,
    )
