"""Access control: each role is refused what it may not do, with an answer that leaks no data;
the consumer scan is public but rate-limited; keys are stored hashed and can be revoked."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.security.policy import graphql_role, rest_role
from api.security.rate_limit import RateLimiter
from api.security.settings import SecuritySettings
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.keys import Role, key_digest
from graph_model.settings import DatabaseSettings
from services.capture import CaptureService
from services.keys import KeyService
from tests.factories import Chain

CODE = "query ($id: String!) { code(id: $id) { __typename } }"
CASES = "{ diversionCases(first: 1) { __typename } }"
KEYS = "{ apiKeys { name role } }"
COMMISSION = """mutation { commissionCodes(input: {gtin: "x", lot: "L", line: "l", plant: "p",
  count: 1}) { __typename } }"""
RECORD = """mutation ($input: RecordScanInput!) {
  recordScan(input: $input) { __typename ... on RecordScanSuccess { duplicate } } }"""


@pytest.fixture(scope="module")
def keys(db: Database) -> Iterator[dict[Role, str]]:
    """A key of every role, revoked at the end."""
    service = KeyService(db)
    run = uuid.uuid4().hex[:8]
    issued = {role: service.create(f"test-{role.value}-{run}", role) for role in Role}
    yield {role: made.secret for role, made in issued.items()}
    for made in issued.values():
        service.revoke(made.key.name)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def anonymous(database_settings: DatabaseSettings, **settings: Any) -> TestClient:
    """A client of an app with auth on whose requests carry no key."""
    return TestClient(create_app(database_settings, SecuritySettings(**settings)))


@pytest.fixture(scope="module")
def caller(client: TestClient, public: TestClient, keys: dict[Role, str]) -> Callable[..., Any]:
    """``caller(role, method, path, **kwargs)``: a request with a key of ``role``, or with
    none for ``None``."""

    def call(role: Role | None, method: str, path: str, **kwargs: Any) -> Any:
        if role is None:
            return public.request(method, path, **kwargs)
        return client.request(method, path, headers=bearer(keys[role]), **kwargs)

    return call


def graphql(call: Callable[..., Any], role: Role | None, query: str) -> Any:
    variables = {"id": "x"} if "$id" in query else {}
    return call(role, "POST", "/graphql", json={"query": query, "variables": variables})


@pytest.fixture(scope="module")
def public(database_settings: DatabaseSettings, db: Database) -> Iterator[TestClient]:
    """An app with auth on, small scan allowances, and no key in its requests."""
    with anonymous(database_settings, scans_per_device=2, scans_per_address=4) as client:
        yield client


@pytest.fixture
def chain(db: Database, ns: str) -> Chain:
    made = Chain(ns, units=4)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


# -- the policy, decided by the operation -------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "field", "role"),
    [
        ("query", "code", Role.REGULATOR),
        ("query", "lot", Role.REGULATOR),
        ("query", "productRecall", Role.REGULATOR),
        ("query", "verify", Role.REGULATOR),
        ("query", "provenanceExport", Role.REGULATOR),
        ("query", "diversionCases", Role.INVESTIGATOR),
        ("query", "aFieldAddedLater", Role.INVESTIGATOR),
        ("subscription", "somethingLive", Role.INVESTIGATOR),
        ("mutation", "detectDiversion", Role.INVESTIGATOR),
        ("mutation", "captureEpcis", Role.OPERATOR),
        ("mutation", "aMutationAddedLater", Role.OPERATOR),
        ("query", "apiKeys", Role.ADMIN),
        ("mutation", "apiKeyCreate", Role.ADMIN),
        ("mutation", "recordScan", None),
        ("query", "ok", None),
    ],
)
def test_graphql_policy_decides_by_operation(operation: str, field: str, role: Role) -> None:
    assert graphql_role(operation, field) is role


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/healthz", None),
        ("GET", "/graphql", None),
        ("GET", "/", None),
        ("GET", "/console/app.js", None),
        ("POST", "/console/app.js", Role.OPERATOR),
        ("GET", "/export/provenance", Role.REGULATOR),
        ("GET", "/events", Role.REGULATOR),
        ("GET", "/epcs/urn:epc:id:sgtin:1.2.3/events", Role.REGULATOR),
        ("GET", "/capture/abc", Role.INVESTIGATOR),
        ("GET", "/jobs/abc", Role.INVESTIGATOR),
        ("GET", "/a/route/added/later", Role.INVESTIGATOR),
        ("POST", "/capture", Role.OPERATOR),
        ("POST", "/events", Role.OPERATOR),
        ("DELETE", "/events/x", Role.OPERATOR),
        ("POST", "/keys", Role.ADMIN),
    ],
)
def test_rest_policy_decides_by_method(method: str, path: str, role: Role) -> None:
    assert rest_role(method, path) is role


def test_roles_are_ranked() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.OPERATOR.allows(Role.INVESTIGATOR)
    assert Role.INVESTIGATOR.allows(Role.REGULATOR) and not Role.REGULATOR.allows(Role.INVESTIGATOR)


# -- GraphQL: each role refused what it may not do -----------------------------------------

REFUSED = [
    (None, CODE, 401, "UNAUTHENTICATED"),
    (None, CASES, 401, "UNAUTHENTICATED"),
    (None, COMMISSION, 401, "UNAUTHENTICATED"),
    (Role.REGULATOR, CASES, 403, "FORBIDDEN"),
    (Role.REGULATOR, COMMISSION, 403, "FORBIDDEN"),
    (Role.REGULATOR, KEYS, 403, "FORBIDDEN"),
    (Role.INVESTIGATOR, COMMISSION, 403, "FORBIDDEN"),
    (Role.INVESTIGATOR, KEYS, 403, "FORBIDDEN"),
    (Role.OPERATOR, KEYS, 403, "FORBIDDEN"),
    # Hidden behind an alias, a fragment or an inline fragment beside an allowed field.
    (Role.REGULATOR, "{ ok x: diversionCases(first: 1) { __typename } }", 403, "FORBIDDEN"),
    (
        Role.REGULATOR,
        "query { ...F } fragment F on Query { ok diversionCases(first: 1) { __typename } }",
        403,
        "FORBIDDEN",
    ),
    (Role.OPERATOR, "{ ... on Query { apiKeys { name } } }", 403, "FORBIDDEN"),
]


@pytest.mark.parametrize(("role", "query", "status", "code"), REFUSED)
def test_graphql_refuses_what_a_role_may_not_do(
    caller: Callable[..., Any],
    keys: dict[Role, str],
    role: Role | None,
    query: str,
    status: int,
    code: str,
) -> None:
    response = graphql(caller, role, query)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    # Nothing of the graph, of the key or of the request's values is in the answer.
    assert set(error) <= {"message", "extensions", "locations", "path"}
    assert "diversionCases" not in error["message"]
    assert not any(secret in response.text for secret in keys.values())


ALLOWED = [
    (Role.REGULATOR, CODE),
    (Role.INVESTIGATOR, CODE),
    (Role.INVESTIGATOR, CASES),
    (Role.OPERATOR, CASES),
    (Role.OPERATOR, COMMISSION),
    (Role.ADMIN, KEYS),
    (Role.ADMIN, COMMISSION),
]


@pytest.mark.parametrize(("role", "query"), ALLOWED)
def test_graphql_lets_each_role_do_its_work(
    caller: Callable[..., Any], role: Role, query: str
) -> None:
    response = graphql(caller, role, query)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text


def test_admin_lists_keys_without_their_secrets(
    caller: Callable[..., Any], keys: dict[Role, str]
) -> None:
    response = graphql(caller, Role.ADMIN, "{ apiKeys { name role hint revokedAt } }")
    listed = response.json()["data"]["apiKeys"]
    roles = {k["role"] for k in listed if k["revokedAt"] is None}
    assert {"REGULATOR", "INVESTIGATOR", "OPERATOR", "ADMIN"} <= roles
    for secret in keys.values():
        assert secret not in response.text
        assert any(secret.startswith(k["hint"]) for k in listed)


def test_an_unknown_revoked_or_malformed_key_is_refused(
    client: TestClient, db: Database, ns: str
) -> None:
    service: KeyService = client.app.state.services.keys  # type: ignore[attr-defined]
    issued = service.create(f"{ns}-gone", Role.ADMIN)
    assert client.post("/graphql", json={"query": "{ ok }"}, headers=bearer(issued.secret)).json()
    service.revoke(issued.key.name)
    for headers in (
        bearer(issued.secret),
        bearer("yima_not-a-key"),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ):
        for method, path in (("POST", "/graphql"), ("GET", "/jobs/x"), ("GET", "/healthz")):
            response = client.request(method, path, headers=headers, json={"query": "{ ok }"})
            assert response.status_code == 401, (headers, path, response.text)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["status"] == 401


def test_keys_are_stored_as_digests(
    db: Database, driver: neo4j.Driver, keys: dict[Role, str]
) -> None:
    records, _, _ = driver.execute_query("MATCH (k:ApiKey) RETURN k {.*} AS k", database_=db.name)
    stored = json.dumps([dict(r["k"]) for r in records], default=str)
    for secret in keys.values():
        assert secret not in stored and key_digest(secret) in stored


def test_a_key_name_is_unique_and_checked(db: Database, ns: str) -> None:
    service = KeyService(db)
    service.create(f"{ns}-a", Role.REGULATOR)
    with pytest.raises(InvalidField, match="exists already"):
        service.create(f"{ns}-a", Role.ADMIN)
    with pytest.raises(InvalidField, match="letters, digits"):
        service.create("no spaces please", Role.ADMIN)


# -- REST: the same roles ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        (None, "GET", "/jobs/x", 401),
        (None, "POST", "/capture", 401),
        (None, "GET", "/events", 401),
        (Role.REGULATOR, "GET", "/jobs/x", 403),
        (Role.REGULATOR, "GET", "/capture/x", 403),
        (Role.REGULATOR, "POST", "/capture", 403),
        (Role.REGULATOR, "POST", "/events", 403),
        (Role.INVESTIGATOR, "POST", "/capture", 403),
    ],
)
def test_rest_refuses_what_a_role_may_not_do(
    caller: Callable[..., Any], role: Role | None, method: str, path: str, status: int
) -> None:
    response = caller(role, method, path, json={"type": "EPCISDocument"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) == {"type", "title", "status", "detail"}


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        (Role.REGULATOR, "GET", "/events?MATCH_anyEPC=urn:epc:id:sgtin:0614141.107346.none"),
        (Role.REGULATOR, "GET", "/export/provenance"),
        (Role.INVESTIGATOR, "GET", "/jobs/none"),
        (Role.OPERATOR, "POST", "/events"),
    ],
)
def test_rest_lets_each_role_through(
    caller: Callable[..., Any], role: Role, method: str, path: str
) -> None:
    response = caller(role, method, path, json={})
    assert response.status_code not in (401, 403), response.text


def test_probes_are_public(public: TestClient) -> None:
    assert public.get("/health").status_code == 200
    response = public.post("/graphql", json={"query": "{ ok }"})
    assert response.json() == {"data": {"ok": True}}


# -- the public consumer scan ---------------------------------------------------------------


def test_anyone_may_record_a_consumer_scan_within_limits(
    public: TestClient, chain: Chain, ns: str
) -> None:
    def scan(n: int, device: str | None, kind: str = "CONSUMER") -> Any:
        fields = {"code": chain.units[0], "kind": kind, "clientScanId": f"{ns}-{n}"}
        if device:
            fields["device"] = device
        return public.post("/graphql", json={"query": RECORD, "variables": {"input": fields}})

    store = scan(0, f"{ns}-d0", kind="STORE")
    assert store.status_code == 401 and store.json()["data"] is None
    first, second, third = (scan(n, f"{ns}-d1") for n in (1, 2, 3))
    assert first.status_code == second.status_code == 200, first.text
    assert first.json()["data"]["recordScan"]["__typename"] == "RecordScanSuccess"
    assert third.status_code == 429 and third.json()["data"] is None
    assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(third.headers["Retry-After"]) >= 1
    # Another device from the same address, until the address's allowance is spent too.
    assert scan(4, f"{ns}-d2").status_code == 200
    assert scan(5, None).status_code == 429


DETAILED = """mutation ($input: RecordScanInput!) { recordScan(input: $input) {
  ... on RecordScanSuccess { verification { verdict { reasons } } ...details } } }
fragment details on RecordScanSuccess { diversion { outside } campaigns { risk { reasons } } }"""


def test_a_public_scan_withholds_how_the_brand_judged_it(
    database_settings: DatabaseSettings, caller: Callable[..., Any], chain: Chain, ns: str
) -> None:
    scan = {"code": chain.units[1], "kind": "CONSUMER", "clientScanId": f"{ns}-details",
            "device": f"{ns}-phone"}  # fmt: skip
    body = {"query": DETAILED, "variables": {"input": scan}}
    with anonymous(database_settings) as public:
        refused = public.post("/graphql", json=body)
    assert refused.status_code == 403 and refused.json()["data"] is None, refused.text
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "campaigns.risk.reasons, diversion need a key" in error["message"]
    # The same selection with an operator's key answers (and records the scan once).
    answered = caller(Role.OPERATOR, "POST", "/graphql", json=body)
    assert answered.status_code == 200, answered.text
    success = answered.json()["data"]["recordScan"]
    assert success["verification"]["verdict"] and "diversion" in success


def test_a_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take(["a"]) is None for _ in range(60))
    wait = limiter.take(["a"])
    assert wait is not None and 0.9 < wait <= 1.0
    assert limiter.take(["b"]) is None
    now[0] += 1.0
    assert limiter.take(["a"]) is None and limiter.take(["a"]) is not None


# -- settings ---------------------------------------------------------------------------------


def test_introspection_can_be_turned_off(database_settings: DatabaseSettings) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    with anonymous(database_settings, introspection=False) as closed:
        response = closed.post("/graphql", json=query)
        assert response.status_code == 403 and response.json()["data"] is None
        assert closed.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    with anonymous(database_settings) as opened:
        assert opened.post("/graphql", json=query).json()["data"]["__schema"]


def test_auth_off_lets_anyone_in_and_says_so(
    database_settings: DatabaseSettings, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, "yima.api"),
        anonymous(database_settings, auth=False) as open_app,
    ):
        assert open_app.post("/graphql", json={"query": CASES}).status_code == 200
        assert open_app.get("/jobs/none").status_code == 404
    assert any("AUTH IS OFF" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, SecuritySettings()),
        ({"YIMA_AUTH": "off"}, SecuritySettings(auth=False)),
        ({"YIMA_GRAPHQL_INTROSPECTION": "OFF"}, SecuritySettings(introspection=False)),
        ({"YIMA_SCAN_RATE_DEVICE": "5"}, SecuritySettings(scans_per_device=5)),
    ],
)
def test_settings_from_the_environment(env: dict[str, str], expected: SecuritySettings) -> None:
    assert SecuritySettings.from_env(env) == expected


@pytest.mark.parametrize("env", [{"YIMA_AUTH": "maybe"}, {"YIMA_SCAN_RATE_ADDRESS": "-1"}])
def test_bad_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(InvalidField):
        SecuritySettings.from_env(env)
