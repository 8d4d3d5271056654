"""``job(id)`` and ``jobs(kind, status, first, after)``: the one view of background work."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import stored
from api.graphql.types.connection import Connection, Edge, decode_cursor, encode_cursor
from api.graphql.types.job import Job, JobKind, JobStatus
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField
from graph_model.jobs import JobKind as JobKindValue
from graph_model.jobs import JobStatus as JobStatusValue

__all__ = ["JobResult", "job", "jobs"]

JobResult = Annotated[Job | Problem, strawberry.union("JobResult")]
JobsResult = Annotated[Connection[Job] | Problem, strawberry.union("JobsResult")]

MAX_JOBS_PAGE: Final = 200


async def job(info: Info[Context, Any], id: strawberry.ID) -> JobResult:
    """A job of any kind: its status, progress, timings, error and what it made."""
    found = await stored(str(id), "job", info.context.services.jobs.get)
    return found if isinstance(found, Problem) else Job.from_domain(found)


async def jobs(
    info: Info[Context, Any],
    kind: JobKind | None = None,  # type: ignore[valid-type]
    status: JobStatus | None = None,  # type: ignore[valid-type]
    first: int = 20,
    after: str | None = None,
) -> JobsResult:
    """Jobs, newest first, of one kind and status when given."""
    if not 0 <= first <= MAX_JOBS_PAGE:
        return Problem.at("first", f"must be between 0 and {MAX_JOBS_PAGE}, got {first}")
    try:
        after_id = None if after is None else decode_cursor(after)
    except InvalidField as exc:
        return Problem.of(exc)
    page = await asyncio.to_thread(
        info.context.services.jobs.page,
        kind=None if kind is None else JobKindValue(kind.value),
        status=None if status is None else JobStatusValue(status.value),
        first=first,
        after=after_id,
    )
    edges = [Edge(cursor=encode_cursor(j.id), node=Job.from_domain(j)) for j in page.jobs]
    return Connection.page(
        edges,
        total_count=page.total,
        has_next=page.after is not None,
        has_previous=after_id is not None,
    )
