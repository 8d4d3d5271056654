"""No loss, no duplicates, no half-writes: Neo4j and the API are killed (SIGKILL) in the middle
of a 3,000-event capture and started again, and Neo4j in the middle of a subscription's stream.

The tests run their own Neo4j server (``var/neo4j-durability``, ports 17691 / 17478) and their
own API processes (uvicorn), never the session's shared server.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from runtime.neo4j_server import LocalNeo4j
from tests.factories import document as epcis_document
from tests.live import (
    Api,
    accept,
    commissioned,
    commissioning,
    kill_neo4j,
    live_fixtures,
    wait_for_job,
)
from tests.webhooks import SECRET, Receiver, events, signed, wait_until

pytestmark = pytest.mark.slow

EVENTS = 3000
STALE_SECONDS = 6  # the API processes' job heartbeat limit, so a takeover comes in seconds


server, graph, apis = live_fixtures("neo4j-durability", 17691, 17478)


def document(ns: str) -> dict[str, Any]:
    return commissioning(ns, EVENTS)


def stored(graph: neo4j.Driver, ns: str) -> tuple[int, int]:
    return commissioned(graph, ns)


def wait_for_end(api: Api, job: str, timeout: float = 600) -> dict[str, Any]:
    return wait_for_job(api, f"/capture/{job}", timeout=timeout)


def test_a_capture_accepted_by_an_api_killed_mid_way_is_captured_by_the_next(
    server: LocalNeo4j, graph: neo4j.Driver, apis: list[Api], tmp_path: Path, ns: str
) -> None:
    body = document(ns)
    began = time.monotonic()
    first = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
    job = accept(first, body)
    time.sleep(2)
    first.kill()
    events, codes = stored(graph, ns)
    assert (events, codes) in ((0, 0), (EVENTS, EVENTS)), "a half-written document"
    print(f"at the kill: {events} events; {time.monotonic() - began:.0f} s")

    second = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
    report = wait_for_end(second, job)
    print(f"taken over and captured: {time.monotonic() - began:.0f} s")
    assert report["status"] == "succeeded", report
    assert stored(graph, ns) == (EVENTS, EVENTS)

    again = wait_for_end(second, accept(second, body))
    assert again["status"] == "succeeded" and again["capturedEvents"] == 0
    assert again["duplicateEvents"]  # the report lists the first 1,000
    assert stored(graph, ns) == (EVENTS, EVENTS)


def test_a_capture_survives_neo4j_killed_mid_way_and_status_reads_are_503(
    server: LocalNeo4j, graph: neo4j.Driver, apis: list[Api], tmp_path: Path, ns: str
) -> None:
    body = document(ns)
    began = time.monotonic()
    api = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
    job = accept(api, body)
    time.sleep(2)
    kill_neo4j(server)
    answers = [httpx.get(f"{api.base}/capture/{job}", timeout=120) for _ in range(3)]
    answers.append(httpx.get(f"{api.base}/jobs/{job}", timeout=120))
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 503

    server.start()
    print(f"neo4j back: {time.monotonic() - began:.0f} s")
    report = wait_for_end(api, job)
    print(f"captured: {time.monotonic() - began:.0f} s")
    assert report["status"] == "succeeded", report
    assert stored(graph, ns) == (EVENTS, EVENTS)
    again = wait_for_end(api, accept(api, body))
    assert again["capturedEvents"] == 0 and stored(graph, ns) == (EVENTS, EVENTS)


def test_a_subscription_stream_loses_nothing_when_neo4j_is_killed(
    server: LocalNeo4j, apis: list[Api], tmp_path: Path, ns: str
) -> None:
    receiver = Receiver()
    try:
        api = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
        location = f"urn:epc:id:sgln:0614141.{ns}.0"
        first, second, third = (events(ns, location, i, 3) for i in (0, 3, 6))
        name = f"shipments-{ns}"
        created = httpx.post(
            f"{api.base}/queries",
            json={"name": name, "query": {"EQ_bizLocation": location}},
            timeout=60,
        )
        assert created.status_code == 201, created.text
        subscribed = httpx.post(
            f"{api.base}/queries/{name}/subscriptions",
            json={"dest": receiver.url, "stream": True, "signatureToken": SECRET},
            timeout=60,
        )
        assert subscribed.status_code == 201, subscribed.text
        subscription = api.base + subscribed.headers["Location"]
        wait_for_end(api, accept(api, epcis_document(first)))
        wait_until(lambda: len(set(receiver.event_ids())) == 3, "the first events delivered")

        # The partner is down, so a report waits in the graph when Neo4j dies.
        receiver.failing = True
        wait_for_end(api, accept(api, epcis_document(second)))
        wait_until(
            lambda: httpx.get(subscription, timeout=60).json()["failures"] >= 1,
            "a failed delivery recorded",
        )
        kill_neo4j(server)
        assert httpx.get(subscription, timeout=120).status_code == 503
        server.start()
        receiver.failing = False
        wait_for_end(api, accept(api, epcis_document(third)))
        wait_until(lambda: len(set(receiver.event_ids())) == 9, "every event delivered", 300)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    ids = [e["eventID"] for e in first + second + third]
    received = list(dict.fromkeys(receiver.event_ids()))  # at least once: first arrivals
    assert set(received) == set(ids)
    assert sorted(received, key=ids.index) == received
    assert signed(receiver) and receiver.refused >= 1
