"""``captureEpcis``: the GraphQL twin of POST /capture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.settings import DatabaseSettings
from tests.factories import Chain, document

CAPTURE = """
mutation ($document: JSON!, $behaviour: CaptureErrorBehaviour! = ROLLBACK) {
  captureEpcis(document: $document, behaviour: $behaviour) {
    __typename
    ... on CaptureSuccess { capturedEventIds duplicateEventIds problems { index field } }
    ... on CaptureRejected { message problems { index eventId field reason } }
  }
}
"""


@pytest.fixture(scope="module")
def client(database_settings: DatabaseSettings, driver: Any) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app(database_settings)) as test_client:
        yield test_client


def capture(client: TestClient, doc: Any, behaviour: str = "ROLLBACK") -> dict[str, Any]:
    body = client.post(
        "/graphql", json={"query": CAPTURE, "variables": {"document": doc, "behaviour": behaviour}}
    ).json()
    assert "errors" not in body, body
    return body["data"]["captureEpcis"]  # type: ignore[no-any-return]


def test_capture_then_capture_again(client: TestClient, ns: str) -> None:
    chain = Chain(ns)
    first = capture(client, chain.document())
    assert first["__typename"] == "CaptureSuccess"
    assert len(first["capturedEventIds"]) == 9 and first["duplicateEventIds"] == []
    again = capture(client, chain.document())
    assert again["capturedEventIds"] == [] and len(again["duplicateEventIds"]) == 9


def test_rejected_document_names_the_event(client: TestClient, ns: str) -> None:
    events = Chain(ns).events()
    events[1]["parentID"] = None
    rejected = capture(client, document(events))
    assert rejected["__typename"] == "CaptureRejected"
    assert [(p["index"], p["eventId"], p["field"]) for p in rejected["problems"]] == [
        (1, events[1]["eventID"], "parentID")
    ]
    proceed = capture(client, document(events), "PROCEED")
    assert proceed["__typename"] == "CaptureSuccess"
    assert len(proceed["capturedEventIds"]) == 8 and proceed["problems"][0]["index"] == 1


@pytest.mark.parametrize("doc", [[1, 2], "text", {"type": "EPCISDocument"}])
def test_not_a_document(client: TestClient, doc: Any) -> None:
    result = capture(client, doc)
    assert result["__typename"] == "CaptureRejected" and result["message"]
