"""``layoutPlan(id)`` and ``layoutJob(id)``: open a stored plan, poll a background one."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import invalid
from api.graphql.types.errors import InvalidArgument
from api.graphql.types.layout_job import LayoutJob
from api.graphql.types.layout_plan import LayoutPlan
from graph_model.errors import NotFound
from graph_model.repositories.layout import LayoutRepository

__all__ = ["LayoutJobResult", "LayoutPlanResult", "layout_job", "layout_plan"]

LayoutPlanResult = Annotated[LayoutPlan | InvalidArgument, strawberry.union("LayoutPlanResult")]
LayoutJobResult = Annotated[LayoutJob | InvalidArgument, strawberry.union("LayoutJobResult")]

_MAX_ID = 64


def _repository(info: Info[Context, Any]) -> LayoutRepository:
    services = info.context.services
    return LayoutRepository(services.driver, services.settings.database)


async def layout_plan(info: Info[Context, Any], id: strawberry.ID) -> LayoutPlanResult:
    """A stored layout plan with its sites, assignments and comparison with today's layout."""
    if not 0 < len(id) <= _MAX_ID:
        return invalid("id", f"must be 1 to {_MAX_ID} characters")
    try:
        stored = await asyncio.to_thread(_repository(info).get_plan, str(id))
    except NotFound:
        return invalid("id", f"no layout plan {id!r}")
    return LayoutPlan.from_domain(stored)


async def layout_job(info: Info[Context, Any], id: strawberry.ID) -> LayoutJobResult:
    """A background layout job: its status, and its plan once it succeeded."""
    if not 0 < len(id) <= _MAX_ID:
        return invalid("id", f"must be 1 to {_MAX_ID} characters")
    try:
        job = await asyncio.to_thread(_repository(info).get_job, str(id))
    except NotFound:
        return invalid("id", f"no layout job {id!r}")
    return LayoutJob.from_domain(job)
