"""A job of the one job facility: a capture, a layout plan or a bulk analysis."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from api.graphql.scalars import JSON
from api.graphql.types.problem import Problem
from graph_model.jobs import Job as JobValue
from graph_model.jobs import JobKind as JobKindValue
from graph_model.jobs import JobStatus as JobStatusValue

__all__ = ["Job", "JobKind", "JobStatus"]

JobKind = strawberry.enum(JobKindValue, name="JobKind", description="What a job does.")
JobStatus = strawberry.enum(JobStatusValue, name="JobStatus", description="Where a job is.")


@strawberry.type(description="Background work with its state in the graph.")
class Job:
    id: strawberry.ID
    kind: JobKind  # type: ignore[valid-type]
    status: JobStatus  # type: ignore[valid-type]
    progress: float | None = strawberry.field(description="Share done, 0 to 1, when reported.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result_id: str | None = strawberry.field(
        description="What the job made: a layout plan's id, an analysis run's id."
    )
    error: Problem | None = strawberry.field(description="Why a failed job failed.")
    detail: JSON = strawberry.field(
        description="The kind's own report (a capture's counts, duplicates and problems)."
    )

    @classmethod
    def from_domain(cls, job: JobValue) -> Job:
        return cls(
            id=strawberry.ID(job.id),
            kind=job.kind,
            status=job.status,
            progress=job.progress,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            result_id=job.result_id,
            error=None if job.error is None else Problem.at(job.error.path, job.error.reason),
            detail=cast(JSON, dict(job.detail)),
        )
