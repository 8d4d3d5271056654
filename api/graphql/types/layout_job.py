"""A layout plan computed in the background; poll it with ``layoutJob(id)`` (or ``job(id)``)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.layout_plan import LayoutPlan
from api.graphql.types.problem import Problem
from graph_model.jobs import Job

__all__ = ["LayoutJob"]


@strawberry.type(description="A big layout request, solved in the background.")
class LayoutJob:
    id: strawberry.ID
    status: str = strawberry.field(description="pending, running, succeeded or failed.")
    created_at: datetime
    finished_at: datetime | None
    plan_id: str | None
    error: Problem | None = strawberry.field(
        description="Why the job failed, naming the input field when one is at fault."
    )

    @strawberry.field(description="The plan, once the job succeeded.")
    async def plan(self, info: Info[Context, Any]) -> LayoutPlan | None:
        if self.plan_id is None:
            return None
        repository = info.context.services.layouts
        stored = await asyncio.to_thread(repository.get_plan, self.plan_id)
        return LayoutPlan.from_domain(stored)

    @classmethod
    def from_domain(cls, job: Job) -> LayoutJob:
        """The GraphQL view of a layout job."""
        error = None if job.error is None else Problem.at(job.error.path, job.error.reason)
        return cls(
            id=strawberry.ID(job.id), status=job.status.value, created_at=job.created_at,
            finished_at=job.finished_at, plan_id=job.result_id, error=error,
        )  # fmt: skip
