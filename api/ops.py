"""Operations: probes, Prometheus metrics, a request id on every answer and log line.

- ``GET /healthz``: the process answers (no database call).
- ``GET /readyz``: Neo4j answers and every schema migration is applied; 503 otherwise.
- ``GET /metrics``: Prometheus text: latency and answers by operation (a REST route's template,
  ``graphql:<root fields>``), 5xx errors, captures accepted, jobs by kind and status.

Every answer carries ``X-Request-ID`` (the client's, when it sent a sane one) and every log
line written while answering names it (:mod:`api.json_logs`).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.json_logs import request_id
from api.security.graphql_access import GRAPHQL_FIELDS
from graph_model.errors import DatabaseUnavailable
from graph_model.repositories.ops import OpsRepository
from graph_model.schema import MIGRATIONS, applied_versions

__all__ = ["Metrics", "OpsMiddleware", "healthz", "metrics", "readyz"]

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class _Jobs(Collector):
    """Jobs by kind and status, read from the graph at each scrape."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("yima_jobs", "Jobs in the graph", labels=["kind", "status"])
        services = getattr(self._app.state, "services", None)
        if services is not None:
            try:
                for kind, status, count in OpsRepository(services.db).job_counts():
                    family.add_metric([kind, status], count)
            except DatabaseUnavailable:
                pass  # the scrape still answers; readyz says why
        yield family


class Metrics:
    """One registry per application (never the process-global one)."""

    def __init__(self, app: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "yima_requests", "Answers by operation and status", ["operation", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "yima_request_seconds", "Time to answer, by operation", ["operation"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )  # fmt: skip
        self.errors = Counter(
            "yima_errors", "Answers with a 5xx status, by operation", ["operation"],
            registry=self.registry,
        )  # fmt: skip
        self.captures = Counter(
            "yima_captures_accepted", "Capture documents acknowledged (202)",
            registry=self.registry,
        )  # fmt: skip
        self.registry.register(_Jobs(app))


def _operation(scope: Scope) -> str:
    state = scope.get("state") or {}
    fields = state.get(GRAPHQL_FIELDS)
    if fields:
        return "graphql:" + ",".join(sorted(set(fields))[:3])
    for route in scope["app"].routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return f"{scope['method']} {route.path}"
    return f"{scope['method']} (no route)"


class OpsMiddleware:
    """Request id and metrics of every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = [500]
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
            metrics: Metrics | None = getattr(scope["app"].state, "metrics", None)
            if metrics is not None:
                operation = _operation(scope)
                metrics.requests.labels(operation, str(status[0])).inc()
                metrics.latency.labels(operation).observe(time.perf_counter() - started)
                if status[0] >= 500:
                    metrics.errors.labels(operation).inc()
                if operation == "POST /capture" and status[0] == 202:
                    metrics.captures.inc()


def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "auth": request.app.state.security.auth})


async def readyz(request: Request) -> Response:
    services = request.app.state.services
    try:
        await run_in_threadpool(services.db.verify)
        applied = set(await run_in_threadpool(applied_versions, services.db))
    except DatabaseUnavailable:
        return JSONResponse({"status": "unavailable", "neo4j": False}, status_code=503)
    missing = sorted(m.version for m in MIGRATIONS if m.version not in applied)
    if missing:
        body = {"status": "schema not applied", "neo4j": True, "missing": missing}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "neo4j": True})


def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
