"""``layoutPlan(id)`` and ``layoutJob(id)``: open a stored plan, poll a background one."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import stored
from api.graphql.types.layout_job import LayoutJob
from api.graphql.types.layout_plan import LayoutPlan
from api.graphql.types.problem import Problem
from graph_model.jobs import JobKind

__all__ = ["LayoutJobResult", "LayoutPlanResult", "layout_job", "layout_plan"]

LayoutPlanResult = Annotated[LayoutPlan | Problem, strawberry.union("LayoutPlanResult")]
LayoutJobResult = Annotated[LayoutJob | Problem, strawberry.union("LayoutJobResult")]


async def layout_plan(info: Info[Context, Any], id: strawberry.ID) -> LayoutPlanResult:
    """A stored layout plan with its sites, assignments and comparison with today's layout."""
    found = await stored(str(id), "layout plan", info.context.services.layouts.get_plan)
    return found if isinstance(found, Problem) else LayoutPlan.from_domain(found)


async def layout_job(info: Info[Context, Any], id: strawberry.ID) -> LayoutJobResult:
    """A background layout job: its status, and its plan once it succeeded."""
    jobs = info.context.services.jobs
    found = await stored(str(id), "layout job", lambda key: jobs.get(key, JobKind.LAYOUT))
    return found if isinstance(found, Problem) else LayoutJob.from_domain(found)
