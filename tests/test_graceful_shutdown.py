"""Graceful shutdown: ``yima serve`` is sent SIGTERM while acknowledged captures are queued and
running.

The process ends by itself within its grace; a request after the signal is refused (no
connection) or answered 503, never left hanging; every acknowledged document is either
captured whole by the stopping process or left, untouched, to the next process, which
captures it: nothing lost, nothing half-projected, nothing twice.

The test runs its own Neo4j server (``var/neo4j-graceful``, ports 17695 / 17482) and its own
API processes, never the session's shared server.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import neo4j
import pytest

from runtime.neo4j_server import LocalNeo4j
from tests.live import Api, accept, commissioned, commissioning, live_fixtures, wait_for_job

pytestmark = pytest.mark.slow

DOCUMENTS = 8
EVENTS = 1500
GRACE = 2  # seconds the stopping process goes on capturing (YIMA_SHUTDOWN_GRACE_SECONDS)
CONNECTIONS_GRACE = 120  # yima serve's own wait for open requests


server, graph, apis = live_fixtures("neo4j-graceful", 17695, 17482)


def left_over(graph: neo4j.Driver, job: str) -> tuple[str, bool]:
    """The job's status and whether its document is kept for a takeover."""
    records, _, _ = graph.execute_query(
        "MATCH (j:Job {id: $id}) "
        "RETURN j.status AS status, EXISTS { (:CaptureDocument {job: $id}) } AS kept",
        id=job,
    )
    return str(records[0]["status"]), bool(records[0]["kept"])


def test_sigterm_finishes_or_hands_over_every_acknowledged_capture(
    server: LocalNeo4j,
    graph: neo4j.Driver,
    apis: list[Api],
    tmp_path: Path,
    ns: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YIMA_SHUTDOWN_GRACE_SECONDS", str(GRACE))
    serving = Api(server, tmp_path / "serve.log", apis, serve=True)
    bodies = [commissioning(f"{ns}d{n}", EVENTS) for n in range(DOCUMENTS)]
    jobs = [accept(serving, body) for body in bodies]

    serving.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    time.sleep(0.5)
    try:
        late = httpx.get(f"{serving.base}/capture/{jobs[0]}", timeout=10)
    except httpx.ConnectError:
        pass  # no longer listening: refused at once
    else:
        assert late.status_code == 503, late.text
    try:
        code = serving.process.wait(timeout=CONNECTIONS_GRACE + GRACE + 60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the process did not end by itself within its grace") from None
    print(f"ended by itself {time.monotonic() - signalled:.1f} s after SIGTERM, status {code}")
    # uvicorn ends by the signal it was sent once its shutdown is done
    assert code in (0, -signal.SIGTERM), serving.log.read_text()[-3000:]

    handed_over = 0
    for n, job in enumerate(jobs):
        status, kept = left_over(graph, job)
        if status == "succeeded":
            assert commissioned(graph, f"{ns}d{n}") == (EVENTS, EVENTS)
        else:  # left to the next process: untouched, its document kept
            assert (status, kept) == ("pending", True), (n, status, kept)
            assert commissioned(graph, f"{ns}d{n}") == (0, 0), "a half-projected document"
            handed_over += 1
    print(f"captured before the end: {DOCUMENTS - handed_over}, handed over: {handed_over}")

    successor = Api(server, tmp_path / "api.log", apis)
    for n, job in enumerate(jobs):
        report = wait_for_job(successor, f"/capture/{job}", timeout=300)
        assert report["status"] == "succeeded", report
        assert commissioned(graph, f"{ns}d{n}") == (EVENTS, EVENTS)
    report = wait_for_job(successor, f"/capture/{accept(successor, bodies[0])}")
    assert report["capturedEvents"] == 0 and commissioned(graph, f"{ns}d0") == (EVENTS, EVENTS)
