"""``captureEpcis``: the GraphQL twin of ``POST /capture`` (synchronous)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.scalars import JSON
from api.graphql.types.capture import CaptureProblem, CaptureRejected, CaptureSuccess
from loaders.capture import CaptureBehaviour, CaptureLimitExceeded, CaptureResult
from loaders.epcis.document import EpcisValidationError

__all__ = ["capture_epcis"]


@strawberry.enum(description="GS1-Capture-Error-Behaviour")
class CaptureErrorBehaviour(Enum):
    ROLLBACK = "rollback"
    PROCEED = "proceed"


CaptureEpcisResult = Annotated[
    CaptureSuccess | CaptureRejected, strawberry.union("CaptureEpcisResult")
]


def _problems(result_problems: tuple) -> list[CaptureProblem]:  # type: ignore[type-arg]
    return [CaptureProblem(index=p.index, event_id=p.event_id, field=p.field, reason=p.reason)
            for p in result_problems]  # fmt: skip


async def capture_epcis(
    info: Info[Context, None],
    document: JSON,
    behaviour: CaptureErrorBehaviour = CaptureErrorBehaviour.ROLLBACK,
) -> CaptureEpcisResult:
    """Capture an EPCISDocument (JSON-LD) and report what was stored."""
    service = info.context.services.capture
    try:
        if not isinstance(document, Mapping):
            return CaptureRejected(message="document: must be a JSON object", problems=[])
        result: CaptureResult = await asyncio.to_thread(
            service.capture_document, document, CaptureBehaviour(behaviour.value)
        )
    except EpcisValidationError as exc:
        return CaptureRejected(message=str(exc), problems=_problems(tuple(exc.problems)))
    except CaptureLimitExceeded as exc:
        return CaptureRejected(message=str(exc), problems=[])
    if result.rejected:
        return CaptureRejected(
            message="the document has invalid events; nothing was captured",
            problems=_problems(result.problems),
        )
    return CaptureSuccess(
        captured_event_ids=list(result.captured),
        duplicate_event_ids=list(result.duplicates),
        problems=_problems(result.problems),
    )
