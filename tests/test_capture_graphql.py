"""``captureEpcis``: the GraphQL twin of POST /capture."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.factories import Chain, document

CAPTURE = """
mutation ($document: JSON!, $behaviour: CaptureErrorBehaviour! = ROLLBACK) {
  captureEpcis(document: $document, behaviour: $behaviour) {
    __typename
    ... on CaptureSuccess { capturedEventIds duplicateEventIds problems { path reason } }
    ... on Problem { message path problems { path reason } }
  }
}
"""


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
    assert rejected["__typename"] == "Problem"
    assert [p["path"] for p in rejected["problems"]] == ["eventList[1].parentID"]
    assert events[1]["eventID"] in rejected["problems"][0]["reason"]
    proceed = capture(client, document(events), "PROCEED")
    assert proceed["__typename"] == "CaptureSuccess"
    assert (
        len(proceed["capturedEventIds"]) == 8
        and proceed["problems"][0]["path"] == "eventList[1].parentID"
    )


@pytest.mark.parametrize("doc", [[1, 2], "text", {"type": "EPCISDocument"}])
def test_not_a_document(client: TestClient, doc: Any) -> None:
    result = capture(client, doc)
    assert result["__typename"] == "Problem" and result["message"]
