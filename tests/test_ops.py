"""Probes, Prometheus metrics and the request id (``/healthz``, ``/readyz``, ``/metrics``)."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from api.json_logs import JsonFormatter, request_id
from cli.logs import JSON_LOG_CONFIG


def test_healthz_answers_without_a_key(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Authorization": ""})
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_readyz_checks_neo4j_and_the_schema(client: TestClient) -> None:
    response = client.get("/readyz", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "neo4j": True}


def test_metrics_count_answers_by_operation(client: TestClient) -> None:
    client.post("/graphql", json={"query": "{ ok }"})
    client.post("/graphql", json={"query": "{ diversionCases(first: 1) { __typename } }"},
                headers={"Authorization": ""})  # fmt: skip
    client.get("/jobs/none")
    text = client.get("/metrics").text
    assert 'yima_requests_total{operation="graphql:ok",status="200"}' in text
    assert 'yima_requests_total{operation="graphql:diversionCases",status="401"}' in text
    assert 'yima_requests_total{operation="GET /jobs/{job_id}",status="404"}' in text
    assert 'yima_request_seconds_bucket{le="0.005",operation="graphql:ok"}' in text
    assert "# TYPE yima_errors_total counter" in text
    assert "# TYPE yima_captures_accepted_total counter" in text
    assert 'yima_jobs{kind="' in text


def test_each_answer_carries_a_request_id(client: TestClient) -> None:
    mine = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]


def test_log_lines_are_json_naming_the_request() -> None:
    record = logging.LogRecord("yima.api", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    token = request_id.set("r1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "a b" and line["requestId"] == "r1" and line["level"] == "warning"
    factory = JSON_LOG_CONFIG["formatters"]["json"]["()"]
    assert factory == f"{JsonFormatter.__module__}.{JsonFormatter.__name__}"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_need_no_key(client: TestClient, path: str) -> None:
    assert client.get(path, headers={"Authorization": ""}).status_code == 200
