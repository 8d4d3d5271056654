"""Results of capturing EPCIS events over GraphQL."""

from __future__ import annotations

import strawberry

__all__ = ["CaptureProblem", "CaptureRejected", "CaptureSuccess"]


@strawberry.type(description="One problem found in one event of a captured document.")
class CaptureProblem:
    index: int = strawberry.field(description="Position in eventList (-1: the document)")
    event_id: str | None
    field: str
    reason: str


@strawberry.type(description="Events captured; duplicates were already stored and changed nothing.")
class CaptureSuccess:
    captured_event_ids: list[str]
    duplicate_event_ids: list[str]
    problems: list[CaptureProblem]


@strawberry.type(description="Nothing was captured; every problem is listed.")
class CaptureRejected:
    message: str
    problems: list[CaptureProblem]
