"""Named queries and subscriptions of the EPCIS 2.0 REST binding: ``POST /queries``,
``GET /queries``, ``GET|DELETE /queries/{name}``, ``GET /queries/{name}/events``, and
``POST|GET /queries/{name}/subscriptions``, ``GET|DELETE .../subscriptions/{id}`` (a
subscription shows its last delivery and failures)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.capture import _json_body
from api.rest.events import CONTEXT, page_response
from services.subscriptions import SubscriptionService

__all__ = [
    "create_query", "create_subscription", "delete_query", "delete_subscription",
    "list_queries", "list_subscriptions", "query_events", "show_query", "show_subscription",
]  # fmt: skip


def _service(request: Request) -> SubscriptionService:
    service: SubscriptionService = request.app.state.services.subscriptions
    return service


def _name(request: Request) -> str:
    return str(request.path_params["name"])


async def create_query(request: Request) -> Response:
    body = await _json_body(request)
    if not isinstance(body, dict):
        body = {"name": None, "query": body}
    stored = await run_in_threadpool(
        _service(request).define, body.get("name"), body.get("query", {})
    )
    location = "/queries/" + quote(stored.name, safe="")
    return JSONResponse(stored.as_dict(), status_code=201, headers={"Location": location})


def list_queries(request: Request) -> Response:
    queries = [q.as_dict() for q in _service(request).repository.queries()]
    return JSONResponse({"@context": CONTEXT, "type": "Collection", "member": queries})


def show_query(request: Request) -> Response:
    return JSONResponse(_service(request).repository.query(_name(request)).as_dict())


def delete_query(request: Request) -> Response:
    _service(request).repository.delete_query(_name(request))
    return Response(status_code=204)


def query_events(request: Request) -> Response:
    name = _name(request)
    page = _service(request).run(name, list(request.query_params.multi_items()))
    return page_response(request, page, name)


async def create_subscription(request: Request) -> Response:
    body = await _json_body(request)
    name = _name(request)
    sub, secret = await run_in_threadpool(_service(request).subscribe, name, body)
    location = f"/queries/{quote(name, safe='')}/subscriptions/{sub.id}"
    return JSONResponse(
        {**sub.as_dict(), "signatureToken": secret}, status_code=201,
        headers={"Location": location},
    )  # fmt: skip


def list_subscriptions(request: Request) -> Response:
    service = _service(request)
    name = _name(request)
    service.repository.query(name)
    subs = [s.as_dict() for s in service.repository.subscriptions(name)]
    return JSONResponse({"@context": CONTEXT, "type": "Collection", "member": subs})


def show_subscription(request: Request) -> Response:
    sub = _service(request).repository.subscription(_name(request), request.path_params["id"])
    return JSONResponse(sub.as_dict())


def delete_subscription(request: Request) -> Response:
    _service(request).repository.delete_subscription(_name(request), request.path_params["id"])
    return Response(status_code=204)
