"""EPCIS 2.0 REST discovery: ``GET /eventTypes``, ``/bizSteps``, ``/bizLocations``,
``/readPoints``, ``/dispositions``, ``/epcs`` (collections of what the stored events name,
paged with ``perPage`` / ``nextPageToken``) and the events of one member
(``GET /bizSteps/{bizStep}/events`` ...)."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.events import CONTEXT, respond_events
from graph_model.epcis_query import DEFAULT_PER_PAGE, MAX_PER_PAGE
from graph_model.errors import InvalidField
from graph_model.repositories.discovery import DiscoveryRepository

__all__ = ["RESOURCE_PARAMS", "collection", "member_events", "page_token"]

# resource -> the query parameter its member's events answer to
RESOURCE_PARAMS = {
    "eventTypes": "eventType",
    "bizSteps": "EQ_bizStep",
    "bizLocations": "EQ_bizLocation",
    "readPoints": "EQ_readPoint",
    "dispositions": "EQ_disposition",
}


def collection(request: Request) -> Response:
    resource = request.url.path.strip("/")
    per_page, after = DEFAULT_PER_PAGE, ""
    for key, value in request.query_params.multi_items():
        if key == "perPage":
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PER_PAGE:
                raise InvalidField(key, f"must be a whole number from 1 to {MAX_PER_PAGE}")
            per_page = int(value)
        elif key == "nextPageToken":
            after = _decode(resource, value)
        else:
            raise InvalidField(key, "unknown query parameter")
    page = DiscoveryRepository(request.app.state.services.db).values(resource, after, per_page)
    headers = {}
    if page.last is not None:
        token = page_token(resource, page.last)
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        url = request.url.path + "?" + urlencode([*rest, ("nextPageToken", token)])
        headers = {"Link": f'<{url}>; rel="next"', "GS1-Next-Page-Token": token}
    body = {"@context": CONTEXT, "type": "Collection", "member": page.members}
    return JSONResponse(body, headers=headers, media_type="application/ld+json")


def page_token(resource: str, after: str) -> str:
    """The token of the page of ``resource`` that starts after the value ``after``."""
    return base64.urlsafe_b64encode(json.dumps([resource, after]).encode()).decode()


def _decode(resource: str, token: str) -> str:
    try:
        name, last = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as exc:
        raise InvalidField("nextPageToken", "not a token this server issued") from exc
    if name != resource or not isinstance(last, str):
        raise InvalidField("nextPageToken", "not a token this server issued for " + resource)
    return last


def member_events(request: Request) -> Response:
    """The events of one member, as ``GET /events`` with its parameter."""
    resource = request.url.path.strip("/").split("/", 1)[0]
    value = request.path_params["value"]
    params = list(request.query_params.multi_items())
    return respond_events(request, [*params, (RESOURCE_PARAMS[resource], value)])
