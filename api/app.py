"""The ASGI application: GraphQL at /graphql, EPCIS REST, the web console at /."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api import console, ops
from api.graphql.context import Context
from api.graphql.schema import schema
from api.rest import capture, discovery, events, queries
from api.rest import export as export_rest
from api.rest import openapi as openapi_rest
from api.rest import report as report_rest
from api.rest.problems import EXCEPTION_HANDLERS
from api.security.body_limit import BodyLimit
from api.security.graphql_access import ScanLimits
from api.security.middleware import AccessMiddleware
from api.security.settings import SecuritySettings
from graph_model.errors import DatabaseUnavailable
from graph_model.settings import DatabaseSettings
from services.application import Application

__all__ = ["create_app"]

log = logging.getLogger("yima.api")


class YimaGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request, response: Any = None) -> Context:  # type: ignore[override]
        return Context(request=request, services=request.app.state.services, response=response)

    @property
    def graphql_ide_html(self) -> str:
        return console.offline_graphiql_html()

    def decode_json(self, data: str | bytes) -> object:
        try:
            return super().decode_json(data)
        except RecursionError:  # nested deeper than the parser goes: strawberry's 400 for bad JSON
            raise json.JSONDecodeError("nested too deeply", "", 0) from None


def health(request: Request) -> Response:
    services: Application = request.app.state.services
    try:
        services.db.verify()
    except DatabaseUnavailable:  # the probe reports, it does not raise
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(
    settings: DatabaseSettings | None = None, security: SecuritySettings | None = None
) -> Starlette:
    settings = settings or DatabaseSettings.from_env()
    security = security or SecuritySettings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = Application.from_settings(settings)
        app.state.scan_limits = ScanLimits.of(security, app.state.services.db)
        try:
            await asyncio.to_thread(app.state.services.plan_statements)
        except Exception:  # not fatal: a plan not made now is made by the first that needs it
            log.warning("could not plan the capture and provenance statements", exc_info=True)
        if not security.auth:
            log.warning(
                "AUTH IS OFF (YIMA_AUTH=off): anyone who reaches this port may read and change "
                "everything; for a local demo only"
            )
        try:
            yield
        finally:
            app.state.services.close()

    graphql_app = YimaGraphQL(schema, graphql_ide="graphiql")
    routes = [
        Route("/health", health),
        Route("/healthz", ops.healthz),
        Route("/readyz", ops.readyz),
        Route("/metrics", ops.metrics),
        Route("/openapi.json", openapi_rest.document, methods=["GET"]),
        Route("/capture", capture.capture_document, methods=["POST"]),
        Route("/capture/{capture_id}", capture.capture_job, methods=["GET"]),
        Route("/jobs/{job_id}", capture.job_view, methods=["GET"]),
        Route("/events", capture.capture_event, methods=["POST"]),
        Route("/events", events.query_events, methods=["GET"]),
        Route("/events/{event_id:path}", events.event_by_id, methods=["GET"]),
        Route("/epcs/{epc:path}/events", events.epc_events, methods=["GET"]),
        Route("/epcs", discovery.collection, methods=["GET"]),
        *(
            Route(f"/{name}", discovery.collection, methods=["GET"])
            for name in discovery.RESOURCE_PARAMS
        ),
        *(
            Route(f"/{name}/{{value:path}}/events", discovery.member_events, methods=["GET"])
            for name in discovery.RESOURCE_PARAMS
        ),
        Route("/queries", queries.create_query, methods=["POST"]),
        Route("/queries", queries.list_queries, methods=["GET"]),
        Route("/queries/{name}", queries.show_query, methods=["GET"]),
        Route("/queries/{name}", queries.delete_query, methods=["DELETE"]),
        Route("/queries/{name}/events", queries.query_events, methods=["GET"]),
        Route("/queries/{name}/subscriptions", queries.create_subscription, methods=["POST"]),
        Route("/queries/{name}/subscriptions", queries.list_subscriptions, methods=["GET"]),
        Route("/queries/{name}/subscriptions/{id}", queries.show_subscription, methods=["GET"]),
        Route(
            "/queries/{name}/subscriptions/{id}", queries.delete_subscription, methods=["DELETE"]
        ),
        Route("/export/provenance", export_rest.provenance_export, methods=["GET"]),
        Route("/export/report", report_rest.provenance_report, methods=["GET"]),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        *console.routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        middleware=[
            Middleware(ops.OpsMiddleware),
            Middleware(BodyLimit, max_bytes=security.max_body_bytes),
            Middleware(AccessMiddleware, settings=security),
        ],
    )
    app.state.security = security
    app.state.metrics = ops.Metrics(app)
    return app
