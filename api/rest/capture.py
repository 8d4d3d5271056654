"""``POST /capture`` (asynchronous, a job to poll), ``GET /capture/{id}`` and ``POST /events``
(one event, synchronous), per the EPCIS 2.0 REST binding; ``GET /jobs/{id}`` for any job."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.problems import BadRequest
from graph_model.errors import InvalidField
from graph_model.jobs import Job, JobKind, JobStatus
from loaders.epcis.document import EpcisValidationError, document_envelope
from loaders.epcis.xml import read_xml_document
from services.capture import CaptureBehaviour

__all__ = ["capture_document", "capture_event", "capture_job", "job_document", "job_view"]

JSON_TYPES = ("application/json", "application/ld+json")
XML_TYPES = ("application/xml", "text/xml")


async def _json_body(request: Request, *, xml: bool = False) -> Any:
    """The body as JSON; with ``xml``, an EPCIS 2.0 or 1.2 XML document is read as the JSON-LD
    document it stands for (bad XML is refused with its line)."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if xml and ctype in XML_TYPES:
        return await run_in_threadpool(read_xml_document, await request.body())
    if ctype not in JSON_TYPES:
        accepted = JSON_TYPES + XML_TYPES if xml else JSON_TYPES
        raise BadRequest(415, f"Content-Type: {ctype!r} is not supported; send {accepted}")
    body = await request.body()
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"body: not UTF-8 text (byte {exc.start + 1})") from None
    except json.JSONDecodeError as exc:  # its own message is Python's; say where, in ours
        raise BadRequest(
            400, f"body: not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise BadRequest(400, "body: nested too deeply") from None


def capture_report(job: Job) -> dict[str, Any]:
    """A capture job as the EPCIS 2.0 REST binding shows it at ``/capture/{id}``."""
    detail = job.detail
    return {
        "captureID": job.id,
        "running": job.running,
        "success": job.status is JobStatus.SUCCEEDED,
        "status": job.status.value,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": None if job.finished_at is None else job.finished_at.isoformat(),
        "captureErrorBehaviour": detail.get("behaviour", CaptureBehaviour.ROLLBACK.value),
        "capturedEvents": int(detail.get("captured") or 0),
        "duplicateEvents": list(detail.get("duplicates") or ()),
        "errors": list(detail.get("problems") or ())
        + ([{"reason": job.error.reason}] if job.error else []),
    }


def job_document(job: Job) -> dict[str, Any]:
    """Any job as JSON."""
    return {
        "id": job.id,
        "kind": job.kind.value,
        "status": job.status.value,
        "progress": job.progress,
        "createdAt": job.created_at.isoformat(),
        "startedAt": None if job.started_at is None else job.started_at.isoformat(),
        "finishedAt": None if job.finished_at is None else job.finished_at.isoformat(),
        "resultId": job.result_id,
        "error": None
        if job.error is None
        else {"path": job.error.path, "reason": job.error.reason},
        "detail": dict(job.detail),
    }


async def capture_document(request: Request) -> Response:
    services = request.app.state.services
    document = await _json_body(request, xml=True)
    behaviour_text = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").lower()
    try:
        behaviour = CaptureBehaviour(behaviour_text)
    except ValueError:
        raise InvalidField(
            "GS1-Capture-Error-Behaviour", f"{behaviour_text!r} must be rollback or proceed"
        ) from None
    limit_text = request.headers.get("GS1-EPCIS-Capture-Limit")
    limit = None
    if limit_text is not None:
        if not (limit_text.isascii() and limit_text.isdigit()) or int(limit_text) < 1:
            raise InvalidField("GS1-EPCIS-Capture-Limit", "must be a positive integer")
        limit = int(limit_text)
    cap = services.capture.check_limit(len(document_envelope(document)[0]), limit)
    limit = None if limit is None else cap  # the job keeps the limit in force, never past it
    job = await run_in_threadpool(services.submit_capture, document, behaviour, limit)
    return JSONResponse(
        capture_report(job),
        status_code=202,
        headers={"Location": f"/capture/{job.id}", "GS1-EPCIS-Capture-Limit": str(cap)},
    )


def capture_job(request: Request) -> Response:
    job = request.app.state.services.jobs.get(request.path_params["capture_id"], JobKind.CAPTURE)
    return JSONResponse(capture_report(job))


def job_view(request: Request) -> Response:
    return JSONResponse(
        job_document(request.app.state.services.jobs.get(request.path_params["job_id"]))
    )


async def capture_event(request: Request) -> Response:
    services = request.app.state.services
    event = await _json_body(request)
    if not isinstance(event, dict):
        raise InvalidField("body", "must be one EPCIS event object")
    result = await run_in_threadpool(services.capture.capture_event, event)
    if result.problems:
        raise EpcisValidationError(result.problems)
    event_id = (result.captured or result.duplicates)[0]
    body = {"eventID": event_id, "duplicate": bool(result.duplicates)}
    return JSONResponse(body, status_code=201, headers={"Location": f"/events/{event_id}"})
