"""A campaign is never overspent: 220 consumer scans fired at once at a real uvicorn server
(its own process) award exactly what the pool lost, no code twice, within the budget."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import neo4j
import pytest

from graph_model.campaigns import CampaignSpec, PrizeLevelSpec
from graph_model.database import Database
from graph_model.settings import DatabaseSettings
from runtime.neo4j_server import PROJECT_ROOT
from services.campaigns import CampaignService
from services.capture import CaptureService
from tests.factories import Chain

SCAN = """
mutation ($input: RecordScanInput!) {
  recordScan(input: $input) {
    __typename
    ... on RecordScanSuccess { prize { awardId level amount } risk { decision } }
  }
}
"""
UNITS = 150
REPEATS = 70  # codes scanned a second time by another consumer, at the same moment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(database_settings: DatabaseSettings, db: Database) -> Iterator[str]:
    """The API in a uvicorn process of its own; stopped (that process only) at the end."""
    port = _free_port()
    env = {
        **os.environ,
        "YIMA_NEO4J_URI": database_settings.uri,
        "YIMA_NEO4J_DATABASE": database_settings.database,
        "YIMA_SCAN_RATE_ADDRESS": "100000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the uvicorn server did not start")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_concurrent_scans_never_overspend(
    server: str, db: Database, driver: neo4j.Driver, ns: str
) -> None:
    chain = Chain(ns, units=UNITS)
    assert not CaptureService(db).capture_document(chain.document()).problems
    now = datetime.now(UTC)
    campaign = f"{ns}-rush"
    CampaignService(db).save(
        CampaignSpec(
            id=campaign,
            name="rush",
            start=now - timedelta(hours=1),
            end=now + timedelta(days=1),
            budget=60.0,
            levels=(PrizeLevelSpec("big", 10, 5.0, 0.3), PrizeLevelSpec("small", 40, 1.0, 0.5)),
            regions=(f"R{ns}",),
        )
    )
    scans = [(unit, f"c{i}-{ns}") for i, unit in enumerate(chain.units)]
    scans += [(chain.units[i], f"again{i}-{ns}") for i in range(REPEATS)]

    def fire(n: int) -> dict[str, Any]:
        unit, actor = scans[n]
        body = {
            "code": unit, "kind": "CONSUMER", "clientScanId": f"{ns}-{n}", "actor": actor,
            "device": f"d{n}-{ns}", "location": {"lat": 31.23, "lon": 121.47, "region": f"R{ns}"},
        }  # fmt: skip
        response = httpx.post(
            server + "/graphql", json={"query": SCAN, "variables": {"input": body}}, timeout=300
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()["data"]["recordScan"]
        return result

    with ThreadPoolExecutor(max_workers=len(scans)) as pool:
        results = list(pool.map(fire, range(len(scans))))
    assert len(results) == UNITS + REPEATS >= 200
    assert all(r["__typename"] == "RecordScanSuccess" for r in results)
    answered = [r["prize"]["awardId"] for r in results if r["prize"] is not None]

    records, _, _ = driver.execute_query(
        "MATCH (k:Campaign {id: $k}) "
        "RETURN k.budgetCents AS budget, k.spentCents AS spent, k.awarded AS awarded, "
        "       COLLECT { MATCH (k)-[:OFFERS]->(l) RETURN l.quantity - l.remaining } AS taken, "
        "       COLLECT { MATCH (k)-[:OFFERS]->(l) RETURN l.remaining } AS remaining, "
        "       COLLECT { MATCH (a:Award)-[:IN]->(k) RETURN a.id } AS awards, "
        "       COLLECT { MATCH (a:Award)-[:IN]->(k) MATCH (a)-[:OF]->(c:Code) RETURN c.id } "
        "         AS codes, "
        "       COLLECT { MATCH (a:Award)-[:IN]->(k) RETURN a.amountCents } AS amounts",
        k=campaign,
    )
    row = records[0]
    assert sorted(answered) == sorted(row["awards"])  # every prize answered is stored
    assert len(row["awards"]) == sum(row["taken"]) == row["awarded"]  # awards == decrements
    assert len(set(row["codes"])) == len(row["codes"])  # no code twice
    assert min(row["remaining"]) >= 0
    assert row["spent"] == sum(row["amounts"]) <= row["budget"]
    # The draw asked for far more than 60.00: the budget, not the luck, is what stopped it.
    assert row["spent"] > row["budget"] - 500
