"""EPCIS 2.0 REST discovery resources: what the stored events name, paged, and the events of
one member."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from api.rest.discovery import page_token
from graph_model.database import Database
from services.capture import CaptureService
from tests.factories import Chain


def members(client: TestClient, path: str, **params: Any) -> tuple[list[str], str | None]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "Collection"
    return body["member"], response.headers.get("GS1-Next-Page-Token")


@pytest.fixture
def chain(db: Database, ns: str) -> Chain:
    world = Chain(ns, units=4)
    events = world.events()
    # Locations of this test only, so their place in each list is known.
    here = [f"urn:epc:id:sgln:0614141.{ns}.{i}" for i in range(3)]
    events[0]["bizLocation"] = {"id": here[0]}
    events[0]["readPoint"] = {"id": here[1]}
    events[4]["bizLocation"] = {"id": here[2]}
    events[4]["disposition"] = f"https://ns.yima.dev/disp/{ns}"
    CaptureService(db).capture_document(world.document() | {"epcisBody": {"eventList": events}})
    world.here = here  # type: ignore[attr-defined]
    return world


def test_event_types_are_the_standard_five(client: TestClient) -> None:
    everything, token = members(client, "/eventTypes")
    assert everything == sorted(
        ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
         "AssociationEvent"]
    ) and token is None  # fmt: skip
    first, token = members(client, "/eventTypes", perPage=2)
    rest, _ = members(client, "/eventTypes", perPage=10, nextPageToken=token)
    assert first + rest == everything


def test_lists_name_what_events_name(client: TestClient, chain: Chain, ns: str) -> None:
    here: list[str] = chain.here  # type: ignore[attr-defined]
    start = page_token("bizLocations", f"urn:epc:id:sgln:0614141.{ns}")
    page, token = members(client, "/bizLocations", perPage=2, nextPageToken=start)
    assert page == [here[0], here[2]] and token is not None
    after, _ = members(client, "/bizLocations", perPage=5, nextPageToken=token)
    assert all(v > here[2] for v in after)
    start = page_token("readPoints", f"urn:epc:id:sgln:0614141.{ns}")
    assert members(client, "/readPoints", perPage=1, nextPageToken=start)[0] == [here[1]]
    disposition = f"https://ns.yima.dev/disp/{ns}"
    start = page_token("dispositions", "https://ns.yima.dev/disp/" + ns[:-1])
    assert disposition in members(client, "/dispositions", nextPageToken=start)[0]
    steps, _ = members(client, "/bizSteps", perPage=1000)
    assert {"commissioning", "packing", "shipping"} <= set(steps) and steps == sorted(steps)
    # EPCs: units and packages, in order.
    start = page_token("epcs", "urn:epc:id:sgtin:6901234.012345." + ns)
    units, _ = members(client, "/epcs", perPage=4, nextPageToken=start)
    assert units == sorted(chain.units)
    cases, _ = members(
        client, "/epcs", perPage=2, nextPageToken=page_token("epcs", chain.cases[0][:-1])
    )
    assert cases == chain.cases
    pallet, _ = members(
        client, "/epcs", perPage=1, nextPageToken=page_token("epcs", chain.pallet[:-1])
    )
    assert pallet == [chain.pallet]


def test_events_of_one_member(client: TestClient, chain: Chain) -> None:
    here: list[str] = chain.here  # type: ignore[attr-defined]
    response = client.get(f"/bizLocations/{quote(here[2], safe='')}/events")
    assert response.status_code == 200, response.text
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [chain.events()[4]["eventID"]]
    shipped = client.get("/bizSteps/shipping/events", params={"EQ_bizLocation": here[2]}).json()[
        "epcisBody"
    ]["queryResults"]["resultsBody"]["eventList"]
    assert len(shipped) == 1
    assert client.get("/eventTypes/ObjectEvent/events", params={"perPage": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/bizSteps", {"perPage": "0"}, "perPage"),
        ("/epcs", {"colour": "red"}, "colour"),
        ("/readPoints", {"nextPageToken": "forged"}, "nextPageToken"),
        ("/dispositions", {"nextPageToken": page_token("bizSteps", "x")}, "nextPageToken"),
    ],
)
def test_bad_parameters_are_named(
    client: TestClient, path: str, params: dict[str, str], parameter: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["parameter"] == parameter
