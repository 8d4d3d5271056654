"""RFC 7807 problem responses, the error format of the EPCIS 2.0 REST binding."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["problem"]

EPCIS_EXCEPTIONS = {
    400: "epcisException:ValidationException",
    404: "epcisException:NoSuchResourceException",
    413: "epcisException:CaptureLimitExceededException",
    415: "epcisException:UnsupportedMediaTypeException",
}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": EPCIS_EXCEPTIONS.get(status, "about:blank"),
        "title": detail.split(":", 1)[0] if ":" in detail else detail,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")
