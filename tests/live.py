"""Live servers for the fault tests: a Neo4j server of a test module's own and API processes
(uvicorn, or ``yima serve``) on it, started, killed and stopped as an operator would.

The fault tests never touch the session's shared server: each module runs its own Neo4j under
``var/<name>`` on ports of its own, started once for the module.
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from tests.factories import document

__all__ = [
    "Api",
    "accept",
    "commissioned",
    "commissioning",
    "free_port",
    "kill_neo4j",
    "live_fixtures",
    "own_neo4j",
    "wait_for_job",
]


@contextlib.contextmanager
def own_neo4j(name: str, bolt_port: int, http_port: int) -> Iterator[LocalNeo4j]:
    """A Neo4j server under ``var/<name>`` for one test module, stopped at its end."""
    settings = ServerSettings(
        home=PROJECT_ROOT / "var" / name,
        bolt_port=bolt_port,
        http_port=http_port,
        heap="512m",
        pagecache="256m",
    )
    own = LocalNeo4j(settings)
    own.start()
    try:
        yield own
    finally:
        own.stop()


def live_fixtures(name: str, bolt_port: int, http_port: int) -> tuple[Any, Any, Any]:
    """A test module's ``server`` (its own Neo4j under ``var/<name>``, started once for the
    module), ``graph`` (a driver on it) and ``apis`` (the API processes a test starts,
    stopped after it) fixtures: ``server, graph, apis = live_fixtures(...)``."""

    @pytest.fixture(scope="module", name="server")
    def server() -> Iterator[LocalNeo4j]:
        with own_neo4j(name, bolt_port, http_port) as own:
            yield own

    @pytest.fixture(scope="module", name="graph")
    def graph(server: LocalNeo4j) -> Iterator[neo4j.Driver]:
        with neo4j.GraphDatabase.driver(server.settings.bolt_uri) as driver:
            yield driver

    @pytest.fixture(name="apis")
    def apis(server: LocalNeo4j) -> Iterator[list[Api]]:
        started: list[Api] = []
        yield started
        for api in started:
            api.stop()

    return server, graph, apis


def kill_neo4j(server: LocalNeo4j) -> None:
    """SIGKILL the server, as a crash of its machine would stop it."""
    pid = server.pid()
    if pid is None:
        raise AssertionError("the test's Neo4j is not running")
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """One API process on ``server`` (a test module's own, or the session's database), auth
    off unless ``env`` says otherwise, its job heartbeat limit ``stale_seconds``.

    ``serve`` runs it as ``yima serve`` does (JSON logs, its graceful-shutdown limit); else
    as a bare uvicorn.
    """

    def __init__(
        self,
        server: LocalNeo4j | DatabaseSettings,
        log: Path,
        started: list[Api],
        *,
        stale_seconds: int = 6,
        serve: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        if isinstance(server, DatabaseSettings):
            uri, database = server.uri, server.database
        else:
            uri, database = server.settings.bolt_uri, "neo4j"
        env = {
            **os.environ,
            "YIMA_NEO4J_URI": uri,
            "YIMA_NEO4J_DATABASE": database,
            "YIMA_AUTH": "off",
            "YIMA_JOB_STALE_SECONDS": str(stale_seconds),
            **(env or {}),
        }
        if serve:
            command = [sys.executable, "-m", "cli.main", "serve", "--port", str(self.port)]
        else:
            command = [
                sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
            ]  # fmt: skip
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
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

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            self.base + "/graphql", json={"query": query, "variables": variables}, timeout=180
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data


def wait_for_job(
    api: Api, path: str, *, timeout: float = 600, until: str = "finished"
) -> dict[str, Any]:
    """Poll ``path`` (``/capture/{id}`` or ``/jobs/{id}``) until the job has ``until``
    (``finished``: it is not running; ``running``: it started); its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(api.base + path, timeout=60)
        except httpx.TimeoutException:
            continue  # a loaded machine; the answer, not its speed, is under test
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            if until == "finished" and body["status"] not in ("pending", "running"):
                return body
            if until == "running" and body["status"] != "pending":
                return body
        time.sleep(0.3)
    raise AssertionError(f"{path} did not reach {until}")


def accept(api: Api, body: dict[str, Any]) -> str:
    """``POST /capture`` of ``body``, acknowledged (202); the capture's id."""
    response = httpx.post(f"{api.base}/capture", json=body, timeout=180)
    assert response.status_code == 202, response.text
    return str(response.json()["captureID"])


def commissioning(tag: str, count: int) -> dict[str, Any]:
    """A document commissioning ``count`` units whose serials begin with ``tag`` (a test's
    ``ns``, perhaps with a suffix of hex digits)."""
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": f"2026-02-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            "eventTimeZoneOffset": "+00:00",
            "eventID": f"urn:uuid:{uuid.UUID(int=(int(tag[1:], 16) << 32) + i)}",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": [f"urn:epc:id:sgtin:6901234.012345.{tag}n{i}"],
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.1"},
            "ilmd": {"cbvmda:lotNumber": f"L{tag}"},
        }
        for i in range(count)
    ]
    return document(events)


def commissioned(graph: neo4j.Driver, tag: str) -> tuple[int, int]:
    """Events of :func:`commissioning`'s document of ``tag`` and the units they made, as the
    graph holds them."""
    records, _, _ = graph.execute_query(
        "MATCH (c:Code) WHERE c.id STARTS WITH $prefix WITH count(c) AS codes "
        "OPTIONAL MATCH (e:Event)-[:CONCERNS]->(c:Code) WHERE c.id STARTS WITH $prefix "
        "RETURN count(DISTINCT e) AS events, codes",
        prefix=f"urn:epc:id:sgtin:6901234.012345.{tag}n",
    )
    return int(records[0]["events"]), int(records[0]["codes"])
