"""The EPCIS 2.0 REST binding over HTTP: capture jobs, single events, the query interface."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tests.factories import STORE, Chain, document


def wait_for(client: TestClient, location: str) -> dict[str, Any]:
    for _ in range(200):
        job = client.get(location).json()
        if not job["running"]:
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"capture job {location} did not finish")


def test_capture_returns_a_job_to_poll(client: TestClient, ns: str) -> None:
    response = client.post("/capture", json=Chain(ns).document())
    assert response.status_code == 202
    job = wait_for(client, response.headers["Location"])
    assert job["success"] and job["capturedEvents"] == 9 and job["errors"] == []
    again = wait_for(client, client.post("/capture", json=Chain(ns).document()).headers["Location"])
    assert again["capturedEvents"] == 0 and len(again["duplicateEvents"]) == 9


def test_rolled_back_capture_reports_index_event_and_reason(client: TestClient, ns: str) -> None:
    events = Chain(ns).events()
    events[2]["childEPCs"] = "not a list"
    job = wait_for(client, client.post("/capture", json=document(events)).headers["Location"])
    assert not job["success"] and job["capturedEvents"] == 0
    assert [(e["index"], e["eventID"], e["field"]) for e in job["errors"]] == [
        (2, events[2]["eventID"], "childEPCs")
    ]
    assert client.get("/events/" + quote(events[0]["eventID"], safe="")).status_code == 404


def test_capture_headers_are_checked(client: TestClient, ns: str) -> None:
    doc = Chain(ns).document()
    limited = client.post("/capture", json=doc, headers={"GS1-EPCIS-Capture-Limit": "2"})
    assert limited.status_code == 413 and "capture limit of 2" in limited.json()["detail"]
    bad = client.post("/capture", json=doc, headers={"GS1-Capture-Error-Behaviour": "maybe"})
    assert bad.status_code == 400 and "GS1-Capture-Error-Behaviour" in bad.json()["detail"]
    wrong_type = client.post("/capture", content=b"a", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    not_epcis = client.post("/capture", content=b"<xml/>", headers={"Content-Type": "text/xml"})
    assert not_epcis.status_code == 400 and "line 1" in not_epcis.json()["detail"]
    broken = client.post("/capture", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "body" in broken.json()["detail"]


def test_proceed_behaviour_keeps_the_valid_events(client: TestClient, ns: str) -> None:
    events = Chain(ns).events()
    events[5]["eventTime"] = "yesterday"
    response = client.post(
        "/capture", json=document(events), headers={"GS1-Capture-Error-Behaviour": "proceed"}
    )
    job = wait_for(client, response.headers["Location"])
    assert job["capturedEvents"] == 8 and [e["index"] for e in job["errors"]] == [5]


def test_post_one_event(client: TestClient, ns: str) -> None:
    event = Chain(ns).events()[0]
    first = client.post("/events", json=event)
    assert first.status_code == 201 and first.json() == {
        "eventID": event["eventID"], "duplicate": False,
    }  # fmt: skip
    assert client.post("/events", json=event).json()["duplicate"] is True
    bad = client.post("/events", json={**event, "eventTime": None})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "eventTime"


def test_query_interface(client: TestClient, ns: str) -> None:
    chain = Chain(ns)
    client.post("/events", json={})  # a bad single event does not disturb anything
    job = wait_for(client, client.post("/capture", json=chain.document()).headers["Location"])
    assert job["success"]
    ids = {e["eventID"] for e in chain.events()}

    def query(**params: Any) -> list[dict[str, Any]]:
        response = client.get("/events", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["type"] == "EPCISQueryDocument"
        events = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        return [e for e in events if e["eventID"] in ids]

    unit = chain.units[0]
    assert [e["bizStep"] for e in query(MATCH_epc=unit)] == [
        "commissioning", "packing", "retail_selling", "https://ns.yima.dev/bizstep/scan",
    ]  # fmt: skip
    assert len(query(MATCH_anyEPC=chain.pallet)) == 3  # packed into, shipped, received
    assert len(query(MATCH_epc=chain.pallet)) == 2  # not as a parent
    assert [e["eventID"] for e in query(MATCH_parentID=chain.cases[0])] == [
        chain.events()[1]["eventID"], chain.events()[6]["eventID"],
    ]  # fmt: skip
    sold = query(EQ_bizStep="retail_selling", EQ_bizLocation=STORE, MATCH_epc=unit)
    assert len(sold) == 1 and sold[0]["disposition"] == "retail_sold"
    window = query(
        MATCH_anyEPC=chain.pallet, GE_eventTime="2026-01-01T05:00:00+08:00",
        LT_eventTime="2026-01-01T06:00:00+08:00",
    )  # fmt: skip
    assert [e["bizStep"] for e in window] == ["shipping"]
    assert [e["type"] for e in query(eventType="AggregationEvent", MATCH_anyEPC=chain.pallet)] == [
        "AggregationEvent"
    ]
    assert len(query(EQ_eventID=chain.events()[4]["eventID"])) == 1
    idpat = "urn:epc:idpat:sgtin:6901234.012345.*"
    assert (
        len(
            query(
                MATCH_epc=idpat, EQ_bizStep="commissioning", EQ_eventID=chain.events()[0]["eventID"]
            )
        )
        == 1
    )


def test_paging_and_single_event_routes(client: TestClient, ns: str) -> None:
    chain = Chain(ns)
    wait_for(client, client.post("/capture", json=chain.document()).headers["Location"])
    seen: list[str] = []
    url: str | None = "/events?perPage=2&MATCH_anyEPC=" + quote(chain.units[0], safe="")
    pages = 0
    while url:
        response = client.get(url)
        seen += [
            e["eventID"]
            for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        pages += 1
    assert pages == 2 and len(seen) == 4 == len(set(seen))

    event_id = chain.events()[4]["eventID"]
    single = client.get("/events/" + quote(event_id, safe=""))
    assert single.status_code == 200 and single.json()["bizStep"] == "shipping"
    by_epc = client.get(f"/epcs/{quote(chain.pallet, safe='')}/events")
    assert len(by_epc.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 3


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"perPage": "0"}, "perPage"),
        ({"perPage": "100000"}, "perPage"),
        ({"GE_eventTime": "last tuesday"}, "GE_eventTime"),
        ({"LT_eventTime": "2026-01-01T00:00:00"}, "LT_eventTime"),
        ({"nextPageToken": "forged"}, "nextPageToken"),
        ({"EQ_bizStep) RETURN 1 //": "x"}, "EQ_bizStep) RETURN 1 //"),
    ],
)
def test_bad_query_parameters_are_named(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/events", params=params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
