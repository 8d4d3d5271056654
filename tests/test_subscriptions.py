"""Named queries and subscriptions end to end: a partner's webhook on loopback receives
signed reports, a failing partner is retried, and an API restart in the middle of a stream
loses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.settings import DatabaseSettings
from services.capture import CaptureService
from tests.factories import document
from tests.webhooks import SECRET, Receiver, events, signed, wait_until


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def serve(
    database_settings: DatabaseSettings, admin_headers: dict[str, str]
) -> Callable[[], TestClient]:
    """A fresh API process (its own application, job runner and delivery loop)."""
    from api.app import create_app
    from api.security.settings import SecuritySettings

    def make() -> TestClient:
        app = create_app(database_settings, SecuritySettings())
        return TestClient(app, headers=admin_headers)

    return make


def test_a_stream_survives_a_failing_partner_and_a_restart(
    serve: Callable[[], TestClient], receiver: Receiver, db: Database, ns: str
) -> None:
    capture = CaptureService(db)
    location = f"urn:epc:id:sgln:0614141.{ns}.0"
    first, second, third = (events(ns, location, i, 3) for i in (0, 3, 6))
    name = f"shipments-{ns}"
    with serve() as api:
        created = api.post("/queries", json={"name": name, "query": {"EQ_bizLocation": location}})
        assert created.status_code == 201, created.text
        response = api.post(
            f"/queries/{name}/subscriptions",
            json={"dest": receiver.url, "stream": True, "signatureToken": SECRET},
        )
        assert response.status_code == 201, response.text
        subscription = response.headers["Location"]
        capture.capture_document(document(first))
        wait_until(lambda: len(set(receiver.event_ids())) == 3, "the first events delivered")
        receiver.failing = True
        capture.capture_document(document(second))
        wait_until(lambda: api.get(subscription).json()["failures"] >= 1, "a failure recorded")
        state = api.get(subscription).json()
        assert state["pendingDeliveries"] == 1 and state["lastError"] == "HTTP 500"
    # The API is down: what it could not send is stored; more events arrive meanwhile.
    capture.capture_document(document(third))
    receiver.failing = False
    with serve() as api:
        wait_until(lambda: len(set(receiver.event_ids())) == 9, "every event delivered")
        wait_until(lambda: api.get(subscription).json()["pendingDeliveries"] == 0, "all sent")
        state = api.get(subscription).json()
        assert api.delete(f"/queries/{name}").status_code == 204  # no stream left behind
    ids = [e["eventID"] for e in first + second + third]
    received = list(dict.fromkeys(receiver.event_ids()))  # at least once: first arrivals
    assert set(received) == set(ids)
    assert sorted(received, key=ids.index) == received  # in order
    assert signed(receiver) and receiver.refused >= 1
    assert state["deliveries"] >= 3 and state["failures"] >= 1
    assert state["lastDeliveryAt"] is not None and state["lastFailureAt"] is not None


def test_a_schedule_reports_from_its_initial_record_time_even_when_empty(
    serve: Callable[[], TestClient], receiver: Receiver, db: Database, ns: str
) -> None:
    location = f"urn:epc:id:sgln:0614141.{ns}.1"
    before = datetime.now(UTC) - timedelta(seconds=5)
    CaptureService(db).capture_document(document(events(ns, location, 0, 2)))
    name = f"daily-{ns}"
    with serve() as api:
        api.post("/queries", json={"name": name, "query": {"EQ_bizLocation": [location]}})
        page = api.get(f"/queries/{name}/events", params={"perPage": "1"})
        assert page.status_code == 200 and "GS1-Next-Page-Token" in page.headers
        body = page.json()["epcisBody"]["queryResults"]
        assert body["queryName"] == name and len(body["resultsBody"]["eventList"]) == 1
        widened = api.get(f"/queries/{name}/events", params={"EQ_bizLocation": "elsewhere"})
        assert widened.status_code == 400 and widened.json()["parameter"] == "EQ_bizLocation"
        assert widened.json()["type"] == "epcisException:QueryParameterException"
        response = api.post(
            f"/queries/{name}/subscriptions",
            json={
                "dest": receiver.url, "schedule": {"second": "[0-59]"}, "reportIfEmpty": True,
                "initialRecordTime": before.isoformat(), "signatureToken": SECRET,
            },
        )  # fmt: skip
        assert response.status_code == 201, response.text
        wait_until(lambda: len(receiver.received) >= 2, "two scheduled reports")
        listed = api.get(f"/queries/{name}/subscriptions").json()["member"]
        assert [s["subscriptionID"] for s in listed] == [response.json()["subscriptionID"]]
        assert api.delete(response.headers["Location"]).status_code == 204
        assert api.delete(f"/queries/{name}").status_code == 204
        assert api.get(f"/queries/{name}").status_code == 404
    reports = [json.loads(b)["epcisBody"]["queryResults"] for b, _ in receiver.received]
    assert len(reports[0]["resultsBody"]["eventList"]) == 2  # recorded before subscribing
    assert reports[1]["resultsBody"]["eventList"] == []  # reportIfEmpty
    assert reports[0]["queryName"] == name and signed(receiver)


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/queries", {"name": "x", "query": {"EQ_colour": "red"}}, 400, "query.EQ_colour"),
        ("/queries", {"name": "", "query": {}}, 400, "name"),
        ("/queries/{q}/subscriptions", {"stream": True}, 400, "dest"),
        ("/queries/{q}/subscriptions", {"dest": "ftp://x"}, 400, "dest"),
        ("/queries/{q}/subscriptions", {"dest": "http://127.0.0.1:9/", "stream": True,
                                        "schedule": {"minute": "0"}}, 400, "schedule"),
        ("/queries/{q}/subscriptions", {"dest": "http://127.0.0.1:9/",
                                        "schedule": {"minute": "61"}}, 400, "schedule.minute"),
        ("/queries/{q}/subscriptions", {"dest": "http://127.0.0.1:9/", "stream": True,
                                        "colour": "red"}, 400, "colour"),
        ("/queries/none-{q}/subscriptions", {"dest": "http://127.0.0.1:9/", "stream": True},
         404, None),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused(
    client: TestClient, ns: str, path: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    name = f"q-{ns}"
    assert client.post("/queries", json={"name": name, "query": {}}).status_code == 201
    again = client.post("/queries", json={"name": name, "query": {}})
    assert again.status_code == 400 and again.json()["parameter"] == "name"
    response = client.post(path.format(q=name), json=body)
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["parameter"] == field
    if path == "/queries" and status == 400:
        assert response.json()["type"] == "epcisException:QueryParameterException"
    client.delete(f"/queries/{name}")


def test_a_lease_keeps_other_processes_off_a_subscription(db: Database, ns: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from graph_model.repositories.subscriptions import SubscriptionRepository
    from graph_model.subscriptions import Subscription

    repository = SubscriptionRepository(db)
    name = f"q-{ns}"
    repository.create_query(name, [("EQ_bizStep", "shipping")])
    now = datetime.now(UTC)
    sub = Subscription(
        id=f"sub-{ns}", query=name, dest="http://127.0.0.1:9/", stream=True, schedule=None,
        report_if_empty=False, initial_record_time=now, created_at=now,
    )  # fmt: skip
    repository.create_subscription(sub, SECRET, None)
    try:
        with ThreadPoolExecutor(4) as pool:
            claims = list(pool.map(lambda h: repository.claim_due(h, 60), ["a", "b", "c", "d"]))
        # Other API processes on this database deliver too, so one of them may hold it.
        assert sum(sub.id in c for c in claims) <= 1
        for holder in "abcd":
            repository.release(sub.id, holder)
        wait_until(lambda: sub.id in repository.claim_due("e", 60), "the lease taken")
        with ThreadPoolExecutor(4) as pool:
            claims = list(pool.map(lambda h: repository.claim_due(h, 60), ["f", "g", "h", "i"]))
        assert not any(sub.id in c for c in claims)
        repository.release(sub.id, "e")
    finally:
        repository.delete_query(name)
