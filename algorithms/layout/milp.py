"""A thin, typed door to HiGHS for the layout models: build, warm-start, solve, read bounds.

``scipy.optimize.milp`` cannot take a starting solution, so the models go to ``highspy``
directly.

References
----------
Q. Huangfu, J.A.J. Hall, "Parallelizing the dual revised simplex method", Mathematical
Programming Computation 10, 2018, doi:10.1007/s12532-017-0130-5 (HiGHS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csc_matrix

__all__ = ["MilpResult", "solve_milp"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MilpResult:
    """What HiGHS returned.

    ``x`` is ``None`` when no feasible solution was found; ``bound`` is the proven lower bound
    (``-inf`` when HiGHS stopped before having one); ``status`` is HiGHS' model status text.
    """

    x: FloatArray | None
    objective: float
    bound: float
    status: str
    optimal: bool


def solve_milp(
    c: FloatArray,
    matrix: csc_matrix,
    row_lower: FloatArray,
    row_upper: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    integer: NDArray[np.bool_],
    *,
    time_limit: float,
    start: FloatArray | None = None,
    cutoff: float | None = None,
    relative_gap: float = 1e-9,
    absolute_gap: float = 1e-6,
    threads: int = 1,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> MilpResult:
    """Minimise ``c @ x`` subject to ``row_lower <= matrix @ x <= row_upper`` and column bounds.

    Parameters
    ----------
    start : array, optional
        A feasible solution handed to HiGHS as its first incumbent.
    cutoff : float, optional
        Only solutions better than this are of interest (``objective_bound``).
    relative_gap, absolute_gap : float
        HiGHS stops when its relative or absolute gap falls below these; with integer
        costs an absolute gap just under 1 still proves optimality.
    options : mapping, optional
        Further HiGHS options by name.

    Examples
    --------
    >>> from scipy.sparse import csc_matrix
    >>> one = np.ones(1)
    >>> result = solve_milp(np.array([1.0, 2.0]), csc_matrix([[1.0, 1.0]]), one, one * np.inf,
    ...                     np.zeros(2), np.ones(2), np.array([True, True]), time_limit=5)
    >>> [round(v) for v in result.x], result.bound, result.optimal
    ([1, 0], 1.0, True)
    """
    n_rows, n_cols = matrix.shape
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    csc = matrix if isinstance(matrix, csc_matrix) else csc_matrix(matrix)
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    if np.any(integer):
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit))
    solver.setOptionValue("mip_rel_gap", float(relative_gap))
    solver.setOptionValue("mip_abs_gap", float(absolute_gap))
    solver.setOptionValue("threads", int(threads))
    for key, value in (options or {}).items():
        solver.setOptionValue(key, value)
    if cutoff is not None and np.isfinite(cutoff):
        solver.setOptionValue("objective_bound", float(cutoff))
    solver.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=np.float64).tolist()
        solution.value_valid = True
        solver.setSolution(solution)
    solver.run()
    status = solver.getModelStatus()
    info = solver.getInfo()
    text = str(solver.modelStatusToString(status))
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.array(solver.getSolution().col_value, dtype=np.float64) if has_solution else None
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = -np.inf
    return MilpResult(
        x=x,
        objective=float(info.objective_function_value) if has_solution else np.inf,
        bound=bound,
        status=text,
        optimal=status == highspy.HighsModelStatus.kOptimal,
    )
