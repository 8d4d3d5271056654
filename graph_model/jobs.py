"""Jobs: work that runs in the background (captures, layout plans, bulk analyses).

A job is a ``(:Job)`` node, so any API replica can answer for it and its state survives a
restart. Its ``kind`` says what it does and which lane of the runner it waits in; ``detail``
is the kind's own report (a capture's counts and problems), ``result_id`` the id of what it
made (a layout plan, a set of cases).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from graph_model.errors import FieldProblem

__all__ = ["Job", "JobKind", "JobStatus"]


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobKind(StrEnum):
    """What a job does. Captures have a lane of their own, so a long analysis never holds
    back an EPCIS document a partner is waiting on."""

    CAPTURE = "capture"
    LAYOUT = "layout"
    DIVERSION = "diversion"
    REFERRAL_RINGS = "referral_rings"
    STORE_FRAUD = "store_fraud"
    SUBSCRIPTIONS = "subscriptions"  # webhook delivery, one long job per process

    @property
    def lane(self) -> str:
        if self is JobKind.SUBSCRIPTIONS:
            return "delivery"
        return "capture" if self is JobKind.CAPTURE else "analysis"


@dataclass(frozen=True, slots=True)
class Job:
    """A job as stored.

    ``progress`` is the share done, 0 to 1, when the work reports it; ``error`` says why a
    failed job failed, naming the input field when one was at fault (``-`` otherwise).
    """

    id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: float | None = None
    error: FieldProblem | None = None
    result_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        """Whether the job has not finished yet."""
        return not self.status.finished

    @property
    def seconds(self) -> float | None:
        """How long it ran, once it has finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
