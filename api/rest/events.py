"""The EPCIS 2.0 query interface: ``GET /events``, ``GET /events/{eventID}``,
``GET /epcs/{epc}/events``.

The handlers are plain functions: Starlette runs them in its thread pool, so a database read
never blocks the event loop.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph_model.epcis_query import EventQuery
from graph_model.repositories.event_query import EventPage
from graph_model.vocabulary import YIMA_CONTEXT
from loaders.epcis.xml import events_to_xml

__all__ = [
    "CONTEXT", "epc_events", "event_by_id", "page_response", "query_events", "respond_events",
]  # fmt: skip

CONTEXT: list[Any] = list(YIMA_CONTEXT)


def query_document(page: EventPage, query_name: str = "SimpleEventQuery") -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "epcisBody": {
            "queryResults": {
                "queryName": query_name,
                "resultsBody": {"eventList": [_without_context(e) for e in page.events]},
            }
        },
    }


def respond_events(request: Request, params: list[tuple[str, str]]) -> Response:
    query = EventQuery.from_params(params)
    return page_response(request, request.app.state.services.events.query(query))


def page_response(
    request: Request, page: EventPage, query_name: str = "SimpleEventQuery"
) -> Response:
    """One page of events as an EPCIS query document (XML when asked), with the link to the
    next page."""
    headers = {}
    if page.next_token:
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        url = request.url.path + "?" + urlencode([*rest, ("nextPageToken", page.next_token)])
        headers["Link"] = f'<{url}>; rel="next"'
        headers["GS1-Next-Page-Token"] = page.next_token
    if wants_xml(request):
        return Response(events_to_xml(page.events, CONTEXT), headers=headers,
                        media_type="application/xml")  # fmt: skip
    body = query_document(page, query_name)
    return JSONResponse(body, headers=headers, media_type="application/ld+json")


def _without_context(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "@context"}


def wants_xml(request: Request) -> bool:
    """Whether the client asks for XML before JSON (``Accept: application/xml``)."""
    accept = request.headers.get("accept", "").lower()
    xml = min((accept.find(t) for t in ("application/xml", "text/xml") if t in accept), default=-1)
    json_at = accept.find("json")
    return xml >= 0 and (json_at < 0 or xml < json_at)


def query_events(request: Request) -> Response:
    return respond_events(request, list(request.query_params.multi_items()))


def epc_events(request: Request) -> Response:
    epc = request.path_params["epc"]
    params = [(k, v) for k, v in request.query_params.multi_items()]
    return respond_events(request, [*params, ("MATCH_anyEPC", epc)])


def event_by_id(request: Request) -> Response:
    event = request.app.state.services.events.get(request.path_params["event_id"])
    if wants_xml(request):
        return Response(
            events_to_xml([event], CONTEXT), media_type="application/xml",
            headers={"Location": "/events/" + quote(event["eventID"], safe="")},
        )  # fmt: skip
    return JSONResponse(
        {**_without_context(event), "@context": CONTEXT}, media_type="application/ld+json",
        headers={"Location": "/events/" + quote(event["eventID"], safe="")},
    )  # fmt: skip
