"""``detectDiversion``: classify the scans of a window and store its diversion cases, as a
job on the job facility (poll it with ``job(id)``, read the cases with ``diversionCases``)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import aware
from api.graphql.queries.diversion import check_window
from api.graphql.types.job import Job
from api.graphql.types.problem import Problem

__all__ = ["DetectDiversionResult", "detect_diversion"]

DetectDiversionResult = Annotated[Job | Problem, strawberry.union("DetectDiversionResult")]


async def detect_diversion(
    info: Info[Context, Any],
    period_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
    period_to: Annotated[datetime | None, strawberry.argument(name="to")] = None,
) -> DetectDiversionResult:
    """Start diversion detection over the scans of [from, to) (default: every scan); the
    window's cases are replaced, so running it again leaves the same cases."""
    problem = check_window(period_from, period_to)
    if problem is not None:
        return problem
    application = info.context.services
    job = await asyncio.to_thread(
        application.submit_diversion,
        None if period_from is None else aware(period_from),
        None if period_to is None else aware(period_to),
    )
    return Job.from_domain(job)
