"""No loss, no duplicates, no half-writes: Neo4j and the API are killed (SIGKILL) in the middle
of a 3,000-event capture and started again, and Neo4j in the middle of a subscription's stream.

The tests run their own Neo4j server (``var/neo4j-durability``, ports 17691 / 17478) and their
own API processes (uvicorn), never the session's shared server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from tests.factories import document as epcis_document
from tests.webhooks import SECRET, Receiver, events, signed, wait_until

pytestmark = pytest.mark.slow

EVENTS = 3000
STALE_SECONDS = 6  # the API processes' job heartbeat limit, so a takeover comes in seconds


@pytest.fixture(scope="module")
def server() -> Iterator[LocalNeo4j]:
    settings = ServerSettings(
        home=PROJECT_ROOT / "var" / "neo4j-durability",
        bolt_port=17691,
        http_port=17478,
        heap="512m",
        pagecache="256m",
    )
    own = LocalNeo4j(settings)
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture(scope="module")
def graph(server: LocalNeo4j) -> Iterator[neo4j.Driver]:
    with neo4j.GraphDatabase.driver(server.settings.bolt_uri) as driver:
        yield driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """One API process (uvicorn) on the test's own server, auth off."""

    def __init__(self, server: LocalNeo4j, log: Path, started: list[Api]) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "YIMA_NEO4J_URI": server.settings.bolt_uri,
            "YIMA_NEO4J_DATABASE": "neo4j",
            "YIMA_AUTH": "off",
            "YIMA_JOB_STALE_SECONDS": str(STALE_SECONDS),
        }
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        started.append(self)  # stopped by the fixture even if it never answers
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError("the API did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def apis(server: LocalNeo4j, tmp_path: Path) -> Iterator[list[Api]]:
    started: list[Api] = []

    yield started
    for api in started:
        api.stop()


def document(ns: str, count: int = EVENTS) -> dict[str, Any]:
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": f"2026-02-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            "eventTimeZoneOffset": "+00:00",
            "eventID": f"urn:uuid:{uuid.UUID(int=(int(ns[1:], 16) << 32) + i)}",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": [f"urn:epc:id:sgtin:6901234.012345.{ns}n{i}"],
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.1"},
            "ilmd": {"cbvmda:lotNumber": f"L{ns}"},
        }
        for i in range(count)
    ]
    return epcis_document(events)


def stored(graph: neo4j.Driver, ns: str) -> tuple[int, int]:
    """Events of the document and the units they made, as the graph holds them."""
    records, _, _ = graph.execute_query(
        "MATCH (c:Code) WHERE c.id STARTS WITH $prefix WITH count(c) AS codes "
        "OPTIONAL MATCH (e:Event)-[:CONCERNS]->(c:Code) WHERE c.id STARTS WITH $prefix "
        "RETURN count(DISTINCT e) AS events, codes",
        prefix=f"urn:epc:id:sgtin:6901234.012345.{ns}n",
    )
    return int(records[0]["events"]), int(records[0]["codes"])


def wait_for_end(api: Api, job: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{api.base}/capture/{job}", timeout=60)
        except httpx.TimeoutException:
            continue  # a loaded machine; the answer, not its speed, is under test
        if response.status_code == 200 and not response.json()["running"]:
            body: dict[str, Any] = response.json()
            return body
        time.sleep(0.5)
    raise AssertionError(f"capture {job} did not end")


def accept(api: Api, body: dict[str, Any]) -> str:
    response = httpx.post(f"{api.base}/capture", json=body, timeout=180)
    assert response.status_code == 202, response.text
    return str(response.json()["captureID"])


def test_a_capture_accepted_by_an_api_killed_mid_way_is_captured_by_the_next(
    server: LocalNeo4j, graph: neo4j.Driver, apis: list[Api], tmp_path: Path, ns: str
) -> None:
    body = document(ns)
    began = time.monotonic()
    first = Api(server, tmp_path / "api.log", apis)
    job = accept(first, body)
    time.sleep(2)
    first.kill()
    events, codes = stored(graph, ns)
    assert (events, codes) in ((0, 0), (EVENTS, EVENTS)), "a half-written document"
    print(f"at the kill: {events} events; {time.monotonic() - began:.0f} s")

    second = Api(server, tmp_path / "api.log", apis)
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
    api = Api(server, tmp_path / "api.log", apis)
    job = accept(api, body)
    time.sleep(2)
    pid = server.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
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
        api = Api(server, tmp_path / "api.log", apis)
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
        pid = server.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
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
