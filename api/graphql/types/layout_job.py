"""A layout plan computed in the background; poll it with ``layoutJob(id)``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.layout_plan import LayoutPlan
from api.graphql.types.layout_problem import LayoutInputProblem
from graph_model.layout import LayoutJob as LayoutJobValue
from graph_model.repositories.layout import LayoutRepository

__all__ = ["LayoutJob"]


@strawberry.type(description="A big layout request, solved in the background.")
class LayoutJob:
    id: strawberry.ID
    status: str = strawberry.field(description="pending, running, succeeded or failed.")
    created_at: datetime
    finished_at: datetime | None
    plan_id: str | None
    error: LayoutInputProblem | None = strawberry.field(
        description="Why the job failed, naming the input field when one is at fault."
    )

    @strawberry.field(description="The plan, once the job succeeded.")
    async def plan(self, info: Info[Context, Any]) -> LayoutPlan | None:
        if self.plan_id is None:
            return None
        services = info.context.services
        repository = LayoutRepository(services.driver, services.settings.database)
        stored = await asyncio.to_thread(repository.get_plan, self.plan_id)
        return LayoutPlan.from_domain(stored)

    @classmethod
    def from_domain(cls, job: LayoutJobValue) -> LayoutJob:
        """The GraphQL view of a job."""
        error = None
        if job.error is not None:
            error = LayoutInputProblem(
                field=job.error_field or "-", reason=job.error, message=job.error
            )
        return cls(
            id=strawberry.ID(job.id), status=job.status, created_at=job.created_at,
            finished_at=job.finished_at, plan_id=job.plan_id, error=error,
        )  # fmt: skip
