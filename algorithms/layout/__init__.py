"""Channel-layout optimization (渠道布局优化): where distributors / warehouses sit and which
stores each one serves."""

from algorithms.layout.errors import LayoutInfeasibleError, LayoutInputError
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
]
