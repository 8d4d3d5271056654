"""An analysis job killed in the middle: the API (SIGKILL) or Neo4j (SIGKILL) dies while
referral-ring detection runs over a campaign of thousands of consumers.

The job never stays ``running`` (the next process fails it as interrupted, or the one that
lost its database fails it when the database is back), the rings stored are either none or
the whole answer of a complete run (never some of them), and a run after the restart stores
the same rings as a run nobody disturbed.

The tests run their own Neo4j server (``var/neo4j-durability-analyses``, ports 17693 /
17480) and their own API processes, never the session's shared server.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from graph_model.database import Database
from graph_model.master import MasterData, consumer_urn
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.repositories.referrals import ReferralRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from loaders.demo.referrals import ReferralPolicy, referral_world
from runtime.neo4j_server import LocalNeo4j
from services.referral_world import world_consumers, world_referrals
from tests.live import Api, kill_neo4j, live_fixtures, wait_for_job

pytestmark = pytest.mark.slow

CONSUMERS = 20_000
STALE_SECONDS = 6

DETECT = """
mutation ($campaign: String) {
  detectReferralRings(campaign: $campaign) {
    __typename ... on Job { id status } ... on Problem { path reason }
  }
}
"""

Rings = dict[str, frozenset[str]]


server, graph, apis = live_fixtures("neo4j-durability-analyses", 17693, 17480)


@pytest.fixture(scope="module")
def campaign(server: LocalNeo4j) -> str:
    """A campaign of ``CONSUMERS`` consumers with planted farms, loaded once."""
    prefix = "a" + uuid.uuid4().hex[:8]
    name = f"{prefix}-spring"
    ids = [consumer_urn(f"{prefix}c{i:06d}") for i in range(CONSUMERS)]
    world = referral_world(ids, seed=11, policy=ReferralPolicy(campaigns=(name,)))
    db = Database.open(DatabaseSettings(uri=server.settings.bolt_uri, database="neo4j"))
    try:
        apply_schema(db)
        began = time.monotonic()
        MasterDataRepository(db).save(MasterData(consumers=world_consumers(world)), atomic=False)
        ReferralRepository(db).record_many(world_referrals(world), atomic=False)
        print(f"campaign of {CONSUMERS} consumers loaded in {time.monotonic() - began:.0f} s")
    finally:
        db.close()
    return name


def rings(graph: neo4j.Driver, campaign: str) -> Rings:
    records, _, _ = graph.execute_query(
        "MATCH (g:ReferralRing {scope: $scope}) "
        "RETURN g.id AS id, COLLECT { MATCH (g)-[:INCLUDES]->(m) RETURN m.id } AS members",
        scope=campaign,
    )
    return {r["id"]: frozenset(r["members"]) for r in records}


def clear(graph: neo4j.Driver, campaign: str) -> None:
    graph.execute_query("MATCH (g:ReferralRing {scope: $scope}) DETACH DELETE g", scope=campaign)


def job_status(graph: neo4j.Driver, job: str) -> str:
    records, _, _ = graph.execute_query("MATCH (j:Job {id: $id}) RETURN j.status AS s", id=job)
    return str(records[0]["s"])


def detect(api: Api, campaign: str) -> str:
    started = api.graphql(DETECT, campaign=campaign)["detectReferralRings"]
    assert started["__typename"] == "Job", started
    return str(started["id"])


def run_whole(api: Api, graph: neo4j.Driver, campaign: str) -> Rings:
    began = time.monotonic()
    report = wait_for_job(api, f"/jobs/{detect(api, campaign)}")
    assert report["status"] == "succeeded", report
    print(f"a whole run: {time.monotonic() - began:.1f} s, {report['detail']}")
    return rings(graph, campaign)


def mid_run(api: Api, campaign: str, share: float) -> str:
    """Start a detection and return once it has done ``share`` of its work."""
    job = detect(api, campaign)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        body: dict[str, Any] = httpx.get(f"{api.base}/jobs/{job}", timeout=60).json()
        assert body["status"] in ("pending", "running"), f"the job ended too soon: {body}"
        if (body["progress"] or 0.0) >= share:
            return job
        time.sleep(0.1)
    raise AssertionError("the job made no progress")


def test_an_analysis_whose_api_is_killed_is_failed_and_a_rerun_stores_it_whole(
    server: LocalNeo4j, graph: neo4j.Driver, campaign: str, apis: list[Api], tmp_path: Path
) -> None:
    first = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
    whole = run_whole(first, graph, campaign)
    assert whole, "the planted farms give rings to find"

    clear(graph, campaign)
    job = mid_run(first, campaign, 0.6)  # the consumers' facts are read; the write is next
    first.kill()
    assert job_status(graph, job) == "running", "the kill came after the job ended"
    assert rings(graph, campaign) in ({}, whole), "some of a run's rings were stored"

    second = Api(server, tmp_path / "api.log", apis, stale_seconds=STALE_SECONDS)
    report = wait_for_job(second, f"/jobs/{job}", timeout=120)
    assert report["status"] == "failed" and "interrupted" in report["error"]["reason"], report
    assert rings(graph, campaign) in ({}, whole)
    assert run_whole(second, graph, campaign) == whole


def test_an_analysis_whose_neo4j_is_killed_ends_and_a_rerun_stores_it_whole(
    server: LocalNeo4j, graph: neo4j.Driver, campaign: str, apis: list[Api], tmp_path: Path
) -> None:
    # A heartbeat limit longer than the outage: the job's end must be recorded by its own
    # process once the database is back, not left to a sweep.
    api = Api(server, tmp_path / "api.log", apis, stale_seconds=600)
    whole = run_whole(api, graph, campaign)

    clear(graph, campaign)
    job = mid_run(api, campaign, 0.2)  # the referrals are read; the consumers' facts next
    kill_neo4j(server)
    answer = httpx.get(f"{api.base}/jobs/{job}", timeout=120)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"

    server.start()
    report = wait_for_job(api, f"/jobs/{job}", timeout=180)
    print(f"after the restart: {report['status']}, {report['error']}")
    assert report["status"] in ("failed", "succeeded"), report
    if report["status"] == "failed":
        assert "database became unavailable" in report["error"]["reason"], report
    stored = rings(graph, campaign)
    assert stored == whole if report["status"] == "succeeded" else stored in ({}, whole)
    assert run_whole(api, graph, campaign) == whole
