"""Query parameters of the EPCIS 2.0 query language over events whose answer is known:
MATCH_inputEPC / MATCH_outputEPC / MATCH_childEPC, several EPC parameters at once,
eventCountLimit and maxEventCount; a bad value names the parameter."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from services.capture import CaptureService
from tests.factories import Chain
from tests.test_transformations import Blend


def ids(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/events", params=params)
    assert response.status_code == 200, response.text
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [e["eventID"] for e in events]


@pytest.fixture
def blend(db: Database, ns: str) -> Blend:
    world = Blend(ns)
    CaptureService(db).capture_document(world.world.document())
    return world


def test_input_and_output_epcs(client: TestClient, blend: Blend) -> None:
    blended, relabelled = blend.blend["eventID"], blend.relabel["eventID"]
    assert ids(client, MATCH_inputEPC=blend.first[0]) == [blended]
    assert ids(client, MATCH_outputEPC=blend.blended[0]) == [blended]
    assert ids(client, MATCH_inputEPC=blend.blended[0]) == [relabelled]
    assert ids(client, MATCH_outputEPC=blend.first[0]) == []
    # Several EPC parameters: every one must hold.
    assert ids(client, MATCH_anyEPC=blend.blended[0], MATCH_inputEPC=blend.blended[0]) == [
        relabelled
    ]


def test_child_epcs_are_not_the_parent(client: TestClient, db: Database, ns: str) -> None:
    chain = Chain(ns)
    CaptureService(db).capture_document(chain.document())
    events = chain.events()
    assert ids(client, MATCH_childEPC=chain.units[0]) == [events[1]["eventID"]]
    assert ids(client, MATCH_childEPC=chain.cases[0]) == [events[3]["eventID"]]
    assert ids(client, MATCH_childEPC=chain.pallet) == []


def test_event_count_limit_and_max_event_count(client: TestClient, db: Database, ns: str) -> None:
    chain = Chain(ns)
    CaptureService(db).capture_document(chain.document())
    unit = chain.units[0]
    everything = ids(client, MATCH_anyEPC=unit)
    assert len(everything) == 4
    limited = client.get("/events", params={"MATCH_anyEPC": unit, "eventCountLimit": "2"})
    assert [e["eventID"] for e in limited.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"]] == everything[:2]  # fmt: skip
    assert "GS1-Next-Page-Token" not in limited.headers
    assert ids(client, MATCH_anyEPC=unit, maxEventCount="4") == everything
    too_many = client.get("/events", params={"MATCH_anyEPC": unit, "maxEventCount": "3"})
    assert too_many.status_code == 400
    body = too_many.json()
    assert body["parameter"] == "maxEventCount" and "4 events match" in body["detail"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"eventCountLimit": "0"}, "eventCountLimit"),
        ({"maxEventCount": "many"}, "maxEventCount"),
        ({"eventCountLimit": "2", "maxEventCount": "3"}, "maxEventCount"),
        ({"MATCH_inputEPC": ""}, "MATCH_inputEPC"),
        ({"EQ_colour": "red"}, "EQ_colour"),
    ],
)
def test_bad_values_name_the_parameter(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/events", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["parameter"] == parameter
