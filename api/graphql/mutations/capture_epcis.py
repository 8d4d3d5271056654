"""``captureEpcis``: the GraphQL twin of ``POST /capture`` (synchronous)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.scalars import JSON
from api.graphql.types.capture import CaptureSuccess
from api.graphql.types.problem import FieldProblem, Problem
from graph_model.errors import InvalidField
from services.capture import CaptureBehaviour

__all__ = ["capture_epcis"]

CaptureErrorBehaviour = strawberry.enum(
    CaptureBehaviour, name="CaptureErrorBehaviour", description="GS1-Capture-Error-Behaviour"
)

CaptureEpcisResult = Annotated[CaptureSuccess | Problem, strawberry.union("CaptureEpcisResult")]


async def capture_epcis(
    info: Info[Context, None],
    document: JSON,
    behaviour: CaptureErrorBehaviour = CaptureBehaviour.ROLLBACK,  # type: ignore[valid-type]
) -> CaptureEpcisResult:
    """Capture an EPCISDocument (JSON-LD) and report what was stored."""
    service = info.context.services.capture
    if not isinstance(document, Mapping):
        return Problem.at("document", "must be a JSON object")
    try:
        result = await asyncio.to_thread(service.capture_document, document, behaviour)
        if result.rejected:
            raise InvalidField.of(p.as_field_problem() for p in result.problems)
    except InvalidField as exc:
        return Problem.of(exc)
    return CaptureSuccess(
        captured_event_ids=list(result.captured),
        duplicate_event_ids=list(result.duplicates),
        problems=[
            FieldProblem(path=f.path, reason=f.reason)
            for f in (p.as_field_problem() for p in result.problems)
        ],
    )
