"""Exact layout solver: MILP models handed to HiGHS, warm-started by the heuristic.

Uncapacitated models (p-median, UFL) use the radius formulation of Elloumi (2010) in its
chained form: for store ``i`` with distinct costs ``D_i^1 < ... < D_i^K``, a variable
``z_i^k ∈ [0, 1]`` is 1 when no open site costs ``D_i^k`` or less, and

    min Σ_j f_j y_j + Σ_i (D_i^1 + Σ_k (D_i^{k+1} − D_i^k) z_i^k)
    s.t. z_i^k − z_i^{k−1} + Σ_{j : c_ij = D_i^k} y_j ≥ 0    (z_i^0 = 1),

which has the LP bound of the strong textbook model with far fewer non-zeros (García, Labbé
and Marín 2011). Thresholds that ``p`` open sites always cover (more than ``m − p`` sites
within) are dropped. Before the MILP, a Lagrangian bound (:mod:`.lagrangian`) against the
heuristic plan fixes most sites open or closed, so the model is built over the few sites
left; plans it excludes cost at least the heuristic's, so the global bound is the smaller of
the two. With integer costs HiGHS stops once its bound is within 1 of the incumbent, which
already proves optimality.

Capacitated models go to :func:`~.capacitated.solve_capacitated`: a Lagrangian bound that
keeps each site's capacity as a knapsack fixes most store → site pairs against the best plan
found, and HiGHS solves the strong single-sourcing formulation over the pairs left
(:mod:`.capacitated_model`), with all the time that remains.

References
----------
S. Elloumi, "A tighter formulation of the p-median problem", Journal of Combinatorial
Optimization 19, 2010, doi:10.1007/s10878-008-9162-8.
S. García, M. Labbé, A. Marín, "Solving large p-median problems with a radius formulation",
INFORMS Journal on Computing 23(4), 2011, doi:10.1287/ijoc.1100.0418.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from algorithms.layout.capacitated import solve_capacitated
from algorithms.layout.heuristic import solve_heuristic
from algorithms.layout.lagrangian import lagrangian_fixing
from algorithms.layout.milp import solve_milp
from algorithms.layout.plan import LayoutPlan
from algorithms.layout.problem import LayoutProblem

__all__ = ["solve_exact"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


def _site_columns(problem: LayoutProblem) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Objective, lower and upper bounds of the site variables ``y``."""
    lower = np.zeros(problem.n_sites)
    lower[list(problem.must_open)] = 1.0
    return problem.fixed_cost.copy(), lower, np.ones(problem.n_sites)


def _cardinality_row(problem: LayoutProblem) -> tuple[FloatArray, float, float]:
    p = problem.p
    return np.ones(problem.n_sites), float(p or 1), float(p or problem.n_sites)


class _RadiusModel:
    """The chained radius formulation over a subset of each store's cost thresholds.

    Keeping only some thresholds rounds a store's cost down to the last kept one, so any
    subset gives a relaxation; :meth:`keep_all` keeps every threshold that matters.
    """

    def __init__(self, problem: LayoutProblem) -> None:
        self.problem = problem
        self.order = np.argsort(problem.cost, axis=1, kind="stable")
        self.sorted = np.take_along_axis(problem.cost, self.order, axis=1)
        # rank[i, t] = index of the distinct value of sorted[i, t] among store i's values.
        new_value = np.ones_like(self.sorted, dtype=bool)
        new_value[:, 1:] = self.sorted[:, 1:] > self.sorted[:, :-1]
        self.rank = np.cumsum(new_value, axis=1) - 1
        self.distinct = [self.sorted[i, new_value[i]] for i in range(problem.n_stores)]
        # Thresholds at or beyond which more than m - p sites lie within are always covered.
        m = problem.n_sites
        last = np.array([len(values) - 1 for values in self.distinct], dtype=np.intp)
        self.useful = last if problem.p is None else self.rank[:, m - problem.p].astype(np.intp)

    def keep_all(self) -> list[BoolArray]:
        """Every threshold that ``p`` open sites do not always cover."""
        kept = []
        for i, values in enumerate(self.distinct):
            mask = np.zeros(len(values), dtype=bool)
            mask[: self.useful[i]] = True
            kept.append(mask)
        return kept

    def build(
        self, kept: list[BoolArray]
    ) -> tuple[FloatArray, coo_matrix, FloatArray, FloatArray, float, list[IntArray]]:
        """Objective, matrix, row bounds, the constant term, and each store's kept indices."""
        problem = self.problem
        m = problem.n_sites
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        objective: list[FloatArray] = []
        row_lower: list[FloatArray] = []
        constant = 0.0
        n_rows = 0
        n_z = 0
        kept_index: list[IntArray] = []
        for i, values in enumerate(self.distinct):
            keep = np.flatnonzero(kept[i])
            kept_index.append(keep)
            constant += float(values[0])
            if keep.size == 0:
                continue
            # z_i^g = 1 when store i's nearest open site costs more than values[keep[g]].
            nxt = values[np.minimum(keep + 1, len(values) - 1)]
            previous = np.concatenate([[values[0]], nxt[:-1]])
            objective.append(nxt - previous)
            group = np.searchsorted(keep, self.rank[i], side="left")
            # Site j enters the row of the first kept threshold at or above its cost.
            in_row = group < keep.size
            sites = self.order[i][in_row]
            rows.append(n_rows + group[in_row])
            cols.append(sites)
            vals.append(np.ones(sites.size))
            g = np.arange(keep.size)
            rows.append(n_rows + g)
            cols.append(m + n_z + g)
            vals.append(np.ones(keep.size))
            rows.append(n_rows + g[1:])
            cols.append(m + n_z + g[:-1])
            vals.append(-np.ones(keep.size - 1))
            lower = np.zeros(keep.size)
            lower[0] = 1.0
            row_lower.append(lower)
            n_rows += keep.size
            n_z += keep.size
        site_obj, _, _ = _site_columns(problem)
        card, _, _ = _cardinality_row(problem)
        rows.append(np.full(m, n_rows))
        cols.append(np.arange(m))
        vals.append(card)
        matrix = coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows + 1, m + n_z),
        )
        c = np.concatenate([site_obj, *objective])
        _, lo, hi = _cardinality_row(problem)
        lower_rows = np.concatenate([*row_lower, [lo]])
        upper_rows = np.concatenate([np.full(n_rows, np.inf), [hi]])
        return c, matrix, lower_rows, upper_rows, constant, kept_index

    def start_vector(self, sites: IntArray, kept_index: list[IntArray]) -> FloatArray:
        """Column values of the plan opening ``sites`` in the model with ``kept_index``."""
        problem = self.problem
        y = np.zeros(problem.n_sites)
        y[sites] = 1.0
        nearest = problem.cost[:, sites].min(axis=1)
        z = [
            (self.distinct[i][keep] < nearest[i]).astype(np.float64)
            for i, keep in enumerate(kept_index)
        ]
        return np.concatenate([y, *z])


def _solve_radius(
    problem: LayoutProblem,
    sites: IntArray,
    time_limit: float,
    started: float,
    threads: int,
) -> tuple[IntArray | None, float]:
    """Radius model warm-started by the plan opening ``sites``: best sites found, bound."""
    model = _RadiusModel(problem)
    c, matrix, row_lo, row_hi, constant, kept_index = model.build(model.keep_all())
    n_cols = matrix.shape[1]
    integer = np.zeros(n_cols, dtype=bool)
    integer[: problem.n_sites] = True
    col_lo = np.zeros(n_cols)
    _, site_lo, _ = _site_columns(problem)
    col_lo[: problem.n_sites] = site_lo
    integral = problem.integral_costs
    result = solve_milp(
        c,
        matrix.tocsc(),
        row_lo,
        row_hi,
        col_lo,
        np.ones(n_cols),
        integer,
        time_limit=max(time_limit - (time.perf_counter() - started), 0.01),
        start=model.start_vector(sites, kept_index) if sites.size else None,
        absolute_gap=1.0 - 1e-6 if integral else 1e-6,
        threads=threads,
    )
    bound = result.bound + constant
    if integral and np.isfinite(bound):
        bound = float(np.ceil(bound - 1e-6))
    if result.x is None:
        return None, bound
    found: IntArray = np.flatnonzero(result.x[: problem.n_sites] > 0.5)
    return found, bound


def _nearest(problem: LayoutProblem, sites: IntArray) -> IntArray:
    nearest: IntArray = sites[np.argmin(problem.cost[:, sites], axis=1)]
    return nearest


def _solve_uncapacitated(
    problem: LayoutProblem, start: LayoutPlan, time_limit: float, started: float, threads: int
) -> LayoutPlan:
    rows = np.arange(problem.n_stores)
    upper = start.cost
    remaining = time_limit - (time.perf_counter() - started)
    fixing = lagrangian_fixing(
        problem,
        upper,
        start=problem.cost[rows, np.asarray(start.assignment)],
        time_limit=max(min(remaining / 4, 10.0), 0.01),
    )
    best_sites = np.asarray(start.open_sites, dtype=np.intp)
    lower_bound = fixing.bound
    if lower_bound < upper - 1e-9 * max(1.0, abs(upper)):
        # Solve over the sites the bound could not rule out; plans excluded cost >= upper.
        keep = np.setdiff1d(np.arange(problem.n_sites), fixing.closed)
        forced = np.union1d(problem.must_open, fixing.opened).astype(np.intp)
        reduced = LayoutProblem.create(
            problem.cost[:, keep],
            fixed_cost=problem.fixed_cost[keep],
            p=problem.p,
            must_open=np.searchsorted(keep, forced).tolist(),
            name=problem.name,
        )
        local = np.searchsorted(keep, best_sites)
        compatible = np.isin(best_sites, keep).all() and np.isin(forced, best_sites).all()
        sites, bound = _solve_radius(
            reduced,
            local if compatible else np.array([], dtype=np.intp),
            time_limit,
            started,
            threads,
        )
        if sites is not None and problem.total_cost(
            keep[sites].tolist(), _nearest(problem, keep[sites])
        ) < problem.total_cost(best_sites.tolist(), _nearest(problem, best_sites)):
            best_sites = keep[sites]
        lower_bound = max(lower_bound, min(bound, upper))
    return LayoutPlan.evaluate(
        problem,
        best_sites.tolist(),
        lower_bound=lower_bound if np.isfinite(lower_bound) else None,
        method="exact",
        seconds=time.perf_counter() - started,
    )


def solve_exact(
    problem: LayoutProblem,
    *,
    time_limit: float = 60.0,
    start: LayoutPlan | None = None,
    heuristic_time: float | None = None,
    seed: int = 0,
    threads: int = 1,
) -> LayoutPlan:
    """Solve a layout problem with HiGHS, reporting a lower bound and the gap.

    The plan returned is the best found within ``time_limit``; it is proven optimal only when
    its ``gap`` is zero (see :attr:`LayoutPlan.proven_optimal`).

    Parameters
    ----------
    problem : LayoutProblem
        Any of the four models.
    time_limit : float
        Seconds for the whole solve, heuristic start included.
    start : LayoutPlan, optional
        A feasible plan to start from; by default :func:`solve_heuristic` computes one.
    heuristic_time : float, optional
        Seconds for that heuristic (default: a tenth of ``time_limit``, at most 5); for
        capacitated problems, for every stage before the MILP over all pairs left (default:
        a third of ``time_limit``, at most 10).
    seed : int
        Seed of the heuristic.
    threads : int
        Threads HiGHS may use.

    Returns
    -------
    LayoutPlan
        With ``lower_bound`` and ``gap`` set when HiGHS produced a bound.

    Raises
    ------
    LayoutInfeasibleError
        If no plan within capacity exists or none was found in time.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4, 9], [4, 0, 9], [9, 9, 0]], p=2)
    >>> plan = solve_exact(problem, time_limit=10)
    >>> plan.open_sites, plan.cost, plan.lower_bound, plan.proven_optimal
    ((0, 2), 4.0, 4.0, True)
    """
    if time_limit <= 0:
        raise ValueError(f"time_limit: must be positive, got {time_limit}")
    started = time.perf_counter()
    if problem.capacity is not None:
        budget = heuristic_time if heuristic_time is not None else min(10.0, time_limit / 3)
        return solve_capacitated(
            problem,
            time_limit=time_limit,
            search_time=budget,
            start=start,
            method="exact",
            seed=seed,
            threads=threads,
        )
    budget = heuristic_time if heuristic_time is not None else min(5.0, time_limit / 10)
    if start is None:
        start = solve_heuristic(problem, time_limit=budget, seed=seed)
    return _solve_uncapacitated(problem, start, time_limit, started, threads)
