"""The OpenAPI description at ``GET /openapi.json`` tells every REST route the app serves, and
nothing it does not serve; it is public, and it says which routes need a key."""

from __future__ import annotations

import schemathesis
from starlette.routing import Route
from starlette.schemas import SchemaGenerator
from starlette.testclient import TestClient

from api.app import create_app
from api.rest.openapi import OPERATIONS, openapi_document
from api.security.policy import rest_role
from graph_model.settings import DatabaseSettings

#: Served, but no REST API: the console's pages and assets, GraphQL (described by its schema).
NOT_REST = {("get", "/"), ("get", "/vendor/{path}")}


def _served() -> set[tuple[str, str]]:
    app = create_app(DatabaseSettings(uri="bolt://127.0.0.1:1"))
    return {
        (e.http_method, e.path) for e in SchemaGenerator({}).get_endpoints(app.routes)
    } - NOT_REST


def test_every_served_route_is_described_and_every_described_route_is_served() -> None:
    described = set(OPERATIONS)
    served = _served()
    assert served - described == set(), "served but not described"
    assert described - served == set(), "described but not served"


def test_graphql_and_the_console_are_the_only_routes_left_out() -> None:
    app = create_app(DatabaseSettings(uri="bolt://127.0.0.1:1"))
    paths = {r.path for r in app.routes if isinstance(r, Route)}
    assert "/graphql" in paths and "/graphql" not in openapi_document()["paths"]


def test_the_description_is_served_without_a_key(client: TestClient) -> None:
    response = client.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == openapi_document()


def test_public_routes_are_those_the_policy_leaves_open() -> None:
    for (method, path), operation in OPERATIONS.items():
        concrete = path.replace("{", "x").replace("}", "x")
        assert operation.public == (rest_role(method, concrete) is None), (method, path)


def test_every_route_names_its_problem_answers() -> None:
    document = openapi_document()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            statuses = set(operation["responses"])
            assert {"401", "413"} <= statuses, (method, path)
            if operation.get("security") != []:
                assert {"403", "503"} <= statuses, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                path_only = all(p["in"] == "path" for p in operation.get("parameters", ()))
                assert ("404" if path_only and "requestBody" not in operation else "400") in (
                    statuses
                ), (method, path)
    problem = document["components"]["responses"]["Problem400"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_schemathesis_reads_every_operation() -> None:
    schema = schemathesis.openapi.from_dict(openapi_document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    capture = schema["/capture"]["POST"]
    assert {b.media_type for b in capture.body} >= {"application/json", "application/xml"}
