"""``POST /capture`` (asynchronous, a job to poll), ``GET /capture/{id}`` and ``POST /events``
(one event, synchronous), per the EPCIS 2.0 REST binding."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.problems import problem
from graph_model.errors import NotFound
from loaders.capture import CaptureBehaviour, CaptureLimitExceeded
from loaders.epcis.document import EpcisValidationError, document_envelope

__all__ = ["capture_document", "capture_event", "capture_job"]

JSON_TYPES = ("application/json", "application/ld+json")


async def _json_body(request: Request) -> Any:
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if ctype not in JSON_TYPES:
        raise _BadRequest(415, f"Content-Type: {ctype!r} is not supported; send {JSON_TYPES}")
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadRequest(400, f"body: not valid JSON ({exc})") from exc


class _BadRequest(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _problems(exc: EpcisValidationError) -> list[dict[str, Any]]:
    return [
        {"index": p.index, "eventID": p.event_id, "field": p.field, "reason": p.reason}
        for p in exc.problems
    ]


async def capture_document(request: Request) -> Response:
    services = request.app.state.services
    try:
        document = await _json_body(request)
        behaviour_text = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").lower()
        try:
            behaviour = CaptureBehaviour(behaviour_text)
        except ValueError:
            raise _BadRequest(
                400,
                f"GS1-Capture-Error-Behaviour: {behaviour_text!r} must be rollback or proceed",
            ) from None
        limit_text = request.headers.get("GS1-EPCIS-Capture-Limit")
        limit = None
        if limit_text is not None:
            if not limit_text.isdigit() or int(limit_text) < 1:
                raise _BadRequest(400, "GS1-EPCIS-Capture-Limit: must be a positive integer")
            limit = int(limit_text)
        cap = services.capture.check_limit(len(document_envelope(document)[0]), limit)
    except _BadRequest as exc:
        return problem(exc.status, exc.detail)
    except EpcisValidationError as exc:
        return problem(400, str(exc), errors=_problems(exc))
    except CaptureLimitExceeded as exc:
        return problem(413, str(exc))
    job = await run_in_threadpool(services.submit_capture, document, behaviour, limit)
    return JSONResponse(
        job.as_dict(),
        status_code=202,
        headers={"Location": f"/capture/{job.id}", "GS1-EPCIS-Capture-Limit": str(cap)},
    )


def capture_job(request: Request) -> Response:
    try:
        job = request.app.state.services.jobs.get(request.path_params["capture_id"])
    except NotFound as exc:
        return problem(404, str(exc))
    return JSONResponse(job.as_dict())


async def capture_event(request: Request) -> Response:
    services = request.app.state.services
    try:
        event = await _json_body(request)
    except _BadRequest as exc:
        return problem(exc.status, exc.detail)
    if not isinstance(event, dict):
        return problem(400, "body: must be one EPCIS event object")
    result = await run_in_threadpool(services.capture.capture_event, event)
    if result.problems:
        return problem(400, "event is invalid", errors=result.as_dict()["problems"])
    event_id = (result.captured or result.duplicates)[0]
    body = {"eventID": event_id, "duplicate": bool(result.duplicates)}
    return JSONResponse(body, status_code=201, headers={"Location": f"/events/{event_id}"})
