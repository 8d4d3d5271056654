"""Depth, alias and token limits, and masking: no request gets a 500 or a stack trace."""

from __future__ import annotations

import pytest
import strawberry
from starlette.testclient import TestClient

from api.graphql.schema import MAX_ALIASES, MAX_TOKENS, schema


def errors_of(client: TestClient, query: str) -> list[str]:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code in (200, 400), response.text
    return [e["message"] for e in response.json().get("errors", [])]


def test_too_many_aliases_are_refused(client: TestClient) -> None:
    fields = " ".join(f'a{i}: verify(code: "x") {{ __typename }}' for i in range(MAX_ALIASES + 1))
    assert any("aliases" in m for m in errors_of(client, "{ " + fields + " }"))


def test_aliases_under_the_limit_are_answered_in_one_batch(client: TestClient) -> None:
    fields = " ".join(
        f'a{i}: verify(code: "urn:epc:id:sgtin:6901234.012345.lim{i}") {{ __typename }}'
        for i in range(MAX_ALIASES)
    )
    assert errors_of(client, "{ " + fields + " }") == []


@pytest.mark.parametrize(
    "query", ["{}", "query Q {}", "query { ...F } fragment F on Query {}", '{ code(id: "x") {} }']
)
def test_empty_selection_sets_are_refused_by_name(client: TestClient, query: str) -> None:
    assert errors_of(client, query) == ["A selection set must select a field."]


def test_too_many_tokens_are_refused(client: TestClient) -> None:
    query = "{ " + " ".join(["ok"] * (MAX_TOKENS + 10)) + " }"
    assert any("token" in m.lower() for m in errors_of(client, query))


def test_deep_queries_within_the_schema_pass_and_the_limiter_is_installed(
    client: TestClient,
) -> None:
    query = """{ code(id: "x") { ... on CodeTrace { custody { edges { node { inbound {
      source { id } } } } } } } }"""
    assert errors_of(client, query) == []
    installed = {type(factory()).__name__ for factory in schema.extensions}
    assert {"AddValidationRules", "MaxTokensLimiter", "MaskErrors", "ValidationCache"} <= installed


def test_limit_rules_are_the_same_classes_for_every_request() -> None:
    # A new rule class per request would defeat the validation cache.
    from api.graphql.extensions.limits import query_limits

    assert query_limits().validation_rules == query_limits().validation_rules


def test_unexpected_errors_are_masked(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph_model.repositories.provenance import ProvenanceRepository

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret detail of the database")

    monkeypatch.setattr(ProvenanceRepository, "verify_facts", broken)
    messages = errors_of(
        client, '{ verify(code: "urn:yima:code:K7Q29XWM4HBT3NPR") { __typename } }'
    )
    assert messages == ["Unexpected error."]


def test_a_cursor_that_is_not_ours_is_a_typed_error(client: TestClient) -> None:
    query = """{ code(id: "urn:epc:id:sgtin:6901234.012345.1") {
      ... on CodeTrace { scans(after: "%%%") { totalCount } }
      ... on UnknownCode { code }
      ... on Problem { path reason } } }"""
    response = client.post("/graphql", json={"query": query})
    assert response.json()["data"]["code"] == {
        "path": "scans.after", "reason": "is not a cursor of this list",
    }  # fmt: skip


@strawberry.type
class Node:
    @strawberry.field
    def next(self) -> Node:
        return Node()


@strawberry.type
class Root:
    @strawberry.field
    def node(self) -> Node:
        return Node()


def test_queries_deeper_than_the_limit_are_refused() -> None:
    # yima's own types have no cycles yet, so the rule is tried on one that has.
    from api.graphql.extensions.limits import MAX_DEPTH, query_limits

    cyclic = strawberry.Schema(query=Root, extensions=[query_limits])
    shallow = "{ node { " + "next { " * (MAX_DEPTH - 2) + "__typename" + " }" * MAX_DEPTH
    deep = "{ node { " + "next { " * MAX_DEPTH + "__typename" + " }" * (MAX_DEPTH + 2)
    assert cyclic.execute_sync(shallow).errors is None
    errors = cyclic.execute_sync(deep).errors or []
    assert any("exceeds maximum operation depth" in e.message for e in errors)
