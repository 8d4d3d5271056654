"""schemathesis against a live server: uvicorn on a loopback port, auth on, an admin key, a small
supply chain of the test's own in the shared database.

REST is generated from ``GET /openapi.json`` and GraphQL from the live schema (introspection at
``/graphql``). Every answer must be no 5xx, conform to the description (status, media type,
headers, body schema), and carry no internal message (a trace, an exception's class, the
database's words).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes
from starlette.testclient import TestClient

from api.rest.openapi import OPERATIONS
from graph_model.database import Database
from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT
from services.capture import CaptureService
from tests.console_browser import ARTEFACTS, served
from tests.factories import Chain

EXAMPLES = 12

#: What no answer may carry: a trace, a Python exception's name, the database's own words.
LEAK = re.compile(
    r"(?i:traceback|neo4j\.|cypher|bolt://|neo\.clienterror)|File \"|"
    r"\b[A-Z][A-Za-z]+(Error|Exception)\b(?<!ValidationException)(?<!ParameterException)|"
    r"object has no attribute|NoneType|\bMATCH \(|\bMERGE \(|\bUNWIND \$|"
    r"codec can't|Expecting (value|property name)|\(char \d+\)"
)
#: EPCIS names its own problem types ``epcisException:…Exception``: those are the contract.
EPCIS_TYPES = re.compile(r"epcisException:\w+Exception")

REST_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Cheap GraphQL fields whose input the test's own ids bound. Left out: mutations that run an
# analysis over the whole shared database or overwrite by a chosen id (detect…, channelLayout,
# commissionCodes, saveCampaign, saveMasterData, captureEpcis), and the supply reads whose
# default scope is every channel stored (inventory, distribution, freshness, sellThrough,
# demandForecast): test_graphql_fuzz covers their argument checks in process.
GRAPHQL_FIELDS = [
    "Query.ok", "Query.code", "Query.lot", "Query.productRecall", "Query.verify",
    "Query.provenanceExport", "Query.layoutPlan", "Query.layoutJob", "Query.job", "Query.jobs",
    "Query.campaign", "Query.campaignAnalytics", "Query.campaigns", "Query.apiKeys",
    "Query.diversionPath", "Query.diversionCases", "Query.store", "Query.storeFraudEvidence",
    "Query.storeFraudClusters", "Query.referralRings", "Query.referralSpread",
    "Mutation.recordScan", "Mutation.releaseAward", "Mutation.spendPoints",
]  # fmt: skip


def _datetimes() -> st.SearchStrategy[str]:
    zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12))])
    return st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
    ).map(datetime.isoformat)


schemathesis.graphql.scalar("DateTime", _datetimes().map(nodes.String))


def _leaks(text: str) -> list[str]:
    return [m.group(0) for m in LEAK.finditer(EPCIS_TYPES.sub("", text))]


@pytest.fixture(scope="module")
def live(
    database_settings: DatabaseSettings, db: Database, admin_headers: dict[str, str]
) -> Iterator[str]:
    """The API under uvicorn, with a small chain of this module's own captured first."""
    chain = Chain("sx" + uuid.uuid4().hex[:8], units=8)
    CaptureService(db).capture_document(chain.document())
    with served(database_settings, ARTEFACTS / "schemathesis" / "server.log") as base:
        yield base


def _settings(examples: int = EXAMPLES) -> settings:
    return settings(
        max_examples=examples, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip


def _clean_up(case: schemathesis.Case, response: Any, base: str, headers: dict[str, str]) -> None:
    """A named query random input managed to define is deleted again."""
    if case.operation.label == "POST /queries" and response.status_code == 201:
        name = response.json()["name"]
        httpx.delete(f"{base}/queries/{quote(name, safe='')}", headers=headers, timeout=60)


REST_LABELS = sorted(f"{method.upper()} {path}" for method, path in OPERATIONS)


@pytest.mark.parametrize("label", REST_LABELS)
def test_rest_operation_conforms_and_leaks_nothing(
    live: str, admin_headers: dict[str, str], label: str
) -> None:
    schema = schemathesis.openapi.from_url(live + "/openapi.json")
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    examples = schema.get_strategies_from_examples(operation)
    modes = st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

    @given(data=st.data())
    @_settings()
    def run(data: st.DataObject) -> None:
        mode = data.draw(modes)
        strategy = operation.as_strategy(generation_mode=mode)
        if examples and mode is GenerationMode.POSITIVE:  # the documented body, captured
            strategy = st.one_of(*examples, strategy)
        case = data.draw(strategy)
        response = case.call(base_url=live, headers=admin_headers, timeout=120)
        _clean_up(case, response, live, admin_headers)
        checks = [*REST_CHECKS, *([negative_data_rejection] if mode.is_negative else [])]
        case.validate_response(response, checks=checks)
        assert not _leaks(response.text), (case.as_curl_command(), response.text[:2000])

    run()


@pytest.fixture(scope="module")
def graphql_schema(live: str, admin_headers: dict[str, str]) -> Any:
    return schemathesis.graphql.from_url(live + "/graphql", headers=admin_headers)


@pytest.mark.parametrize("label", GRAPHQL_FIELDS)
def test_graphql_field_answers_without_5xx_or_leak(
    live: str, graphql_schema: Any, admin_headers: dict[str, str], label: str
) -> None:
    type_name, field = label.split(".")
    operation = graphql_schema[type_name][field]

    @given(case=operation.as_strategy())
    @_settings()
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=live, headers=admin_headers, timeout=120)
        assert response.status_code < 500, (case.body, response.text[:2000])
        case.validate_response(response)
        payload = json.loads(response.content)
        assert isinstance(payload, dict) and ("data" in payload or "errors" in payload)
        assert not _leaks(response.text), (case.body, response.text[:2000])

    run()


def _labels(schema: Any) -> set[str]:
    return {result.ok().label for result in schema.get_all_operations()}


def test_the_live_graphql_schema_is_the_exported_one(graphql_schema: Any) -> None:
    exported = schemathesis.graphql.from_path(PROJECT_ROOT / "schema.graphql")
    assert _labels(graphql_schema) == _labels(exported)
    assert set(GRAPHQL_FIELDS) <= _labels(graphql_schema)


# Defects the runs above found, each held here in process.


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"a": \xea', "body: not UTF-8 text (byte 7)"),
        (b'{"type": "EPCISDocument",', "body: not valid JSON (line 1, column 26)"),
        (b"[" * 50_000 + b"]" * 50_000, "body: nested too deeply"),
    ],
)
@pytest.mark.parametrize("path", ["/capture", "/events", "/queries"])
def test_a_body_that_is_no_json_is_refused_in_yimas_words(
    client: TestClient, path: str, body: bytes, detail: str
) -> None:
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == detail
    assert not _leaks(response.text)


@pytest.mark.parametrize("path", ["/graphql"])
def test_a_graphql_body_nested_too_deeply_is_a_client_error(client: TestClient, path: str) -> None:
    body = b'{"query": "{ ok }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert not _leaks(response.text)


def test_a_capture_limit_past_64_bits_is_held_to_the_servers_own(
    client: TestClient, ns: str
) -> None:
    body = Chain(ns, units=2).document()
    response = client.post("/capture", json=body, headers={"GS1-EPCIS-Capture-Limit": "9" * 40})
    assert response.status_code == 202, response.text
    assert response.headers["GS1-EPCIS-Capture-Limit"] == "10000"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/events?perPage=²", "perPage"),
        ("/events?eventCountLimit=" + "9" * 30, "eventCountLimit"),
        ("/events?maxEventCount=١٢", "maxEventCount"),
        ("/bizSteps?perPage=²", "perPage"),
    ],
)
def test_a_number_parameter_that_is_no_ascii_whole_number_is_refused(
    client: TestClient, path: str, parameter: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == parameter


def test_a_capture_limit_in_other_digits_is_refused(client: TestClient, ns: str) -> None:
    body = Chain(ns, units=2).document()
    limit = "²".encode("latin-1")  # what the server reads as "²"
    response = client.post("/capture", json=body, headers={"GS1-EPCIS-Capture-Limit": limit})
    assert response.status_code == 400 and response.json()["parameter"] == "GS1-EPCIS-Capture-Limit"


def test_a_position_cursor_in_other_digits_is_refused_naming_after(client: TestClient) -> None:
    cursor = base64.urlsafe_b64encode("i:²".encode()).decode()
    query = """query ($after: String) {
      diversionCases(first: 1, after: $after, minSeverity: LOW) {
        __typename ... on Problem { path }
      }
    }"""
    response = client.post("/graphql", json={"query": query, "variables": {"after": cursor}})
    assert response.json() == {
        "data": {"diversionCases": {"__typename": "Problem", "path": "after"}}
    }
