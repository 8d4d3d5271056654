"""Results of capturing EPCIS events over GraphQL."""

from __future__ import annotations

import strawberry

from api.graphql.types.problem import FieldProblem

__all__ = ["CaptureSuccess"]


@strawberry.type(description="Events captured; duplicates were already stored and changed nothing.")
class CaptureSuccess:
    captured_event_ids: list[str]
    duplicate_event_ids: list[str]
    problems: list[FieldProblem] = strawberry.field(
        description="Events left out under `PROCEED` behaviour (path `eventList[i].field`)."
    )
