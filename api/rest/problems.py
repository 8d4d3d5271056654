"""RFC 7807 problem documents, the error format of the EPCIS 2.0 REST binding, rendered from
yima's exceptions by Starlette exception handlers: handlers raise, this file answers.

``InvalidField`` is a 400 naming every field at fault (the EPCIS query interface calls it a
``QueryParameterException``), ``NotFound`` a 404, a capture over the limit a 413, an
unreachable database a 503; anything unexpected is a 500 whose body says nothing of the
cause (the log keeps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph_model.errors import DatabaseUnavailable, InvalidField, NotFound
from loaders.epcis.document import EpcisValidationError
from services.capture import CaptureLimitExceeded

__all__ = ["EXCEPTION_HANDLERS", "BadRequest", "problem"]

log = logging.getLogger("yima.api")

EPCIS_EXCEPTIONS = {
    400: "epcisException:ValidationException",
    404: "epcisException:NoSuchResourceException",
    413: "epcisException:CaptureLimitExceededException",
    415: "epcisException:UnsupportedMediaTypeException",
    500: "epcisException:ImplementationException",
    503: "epcisException:ImplementationException",
}
QUERY_PATHS = (
    "/events", "/epcs", "/eventTypes", "/bizSteps", "/bizLocations", "/readPoints",
    "/dispositions", "/queries",
)  # fmt: skip


class BadRequest(Exception):
    """A request the HTTP layer refuses before it reaches yima (media type, headers)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem(status: int, detail: str, *, type_: str | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": type_ or EPCIS_EXCEPTIONS.get(status, "about:blank"),
        "title": detail.split(":", 1)[0] if ":" in detail else detail,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidField)
    if isinstance(exc, CaptureLimitExceeded):
        return problem(413, str(exc))
    if isinstance(exc, EpcisValidationError):
        errors = [
            {"index": p.index, "eventID": p.event_id, "field": p.field, "reason": p.reason}
            for p in exc.event_problems
        ]
        return problem(400, str(exc), errors=errors)
    query = (request.url.path.startswith(QUERY_PATHS) and request.method == "GET") or (
        request.url.path == "/queries" and request.method == "POST"
    )
    return problem(
        400,
        str(exc),
        type_="epcisException:QueryParameterException" if query else None,
        parameter=exc.path,
        errors=[{"path": p.path, "reason": p.reason} for p in exc.problems],
    )


def _not_found(request: Request, exc: Exception) -> Response:
    return problem(404, str(exc))


def _unavailable(request: Request, exc: Exception) -> Response:
    return problem(503, "the database is unavailable; try again shortly")


def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return problem(exc.status, exc.detail)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return problem(500, "internal error")


EXCEPTION_HANDLERS: Mapping[Any, Callable[[Request, Exception], Response]] = {
    InvalidField: _invalid,
    NotFound: _not_found,
    DatabaseUnavailable: _unavailable,
    BadRequest: _bad_request,
    Exception: _unexpected,
}
