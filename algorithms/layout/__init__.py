"""Channel-layout optimization (渠道布局优化): where distributors / warehouses sit and which
stores each one serves.

Models: p-median, uncapacitated facility location, capacitated p-median and capacitated
facility location with single-sourcing, each optionally keeping some sites open. Solvers:
:func:`solve_heuristic` (fast; capacitated plans come with a Lagrangian lower bound and gap,
uncapacitated ones with none) and :func:`solve_exact` (HiGHS, reports the lower bound and gap
of the plan it returns).
"""

from algorithms.layout.distances import geodesic_cost_matrix, haversine_km
from algorithms.layout.errors import LayoutInfeasibleError, LayoutInputError
from algorithms.layout.exact import solve_exact
from algorithms.layout.heuristic import solve_heuristic
from algorithms.layout.plan import LayoutPlan, PlanComparison, compare
from algorithms.layout.problem import LayoutKind, LayoutProblem

__all__ = [
    "LayoutInfeasibleError",
    "LayoutInputError",
    "LayoutKind",
    "LayoutPlan",
    "LayoutProblem",
    "PlanComparison",
    "compare",
    "geodesic_cost_matrix",
    "haversine_km",
    "solve_exact",
    "solve_heuristic",
]
