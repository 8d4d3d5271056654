"""Referral rings found in the real graph: the demo generator's planted farms loaded as a
brand's data (master data, referrals, EPCIS scans), detected by the `detectReferralRings`
job, read back from the graph, paged with `referralRings`, and drawn by `yima referral plot`."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.master import consumer_urn
from loaders.demo.referrals import ReferralPolicy, ReferralWorld, referral_world
from services.referral_world import load_referral_world
from tests.factories import post

DETECT = """
mutation ($c: String) {
  detectReferralRings(campaign: $c) { __typename ... on Job { id status } ... on Problem { path } }
}
"""
JOB = "query ($id: ID!) { job(id: $id) { ... on Job { status resultId detail error { reason } } } }"
RINGS = """
query ($c: String, $min: Float!, $first: Int!, $after: String) {
  referralRings(campaign: $c, minScore: $min, first: $first, after: $after) {
    __typename
    ... on ReferralRingConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id score campaign members { id } reasons { kind detail } evidence }
    }
    ... on Problem { path reason }
  }
}
"""


@dataclass(frozen=True)
class Loaded:
    world: ReferralWorld
    campaigns: tuple[str, str]


@pytest.fixture(scope="module")
def loaded(db: Database) -> Loaded:
    ns = "r" + uuid.uuid4().hex[:8]
    ids = [consumer_urn(f"{ns}c{i:05d}") for i in range(4_000)]
    campaigns = (f"{ns}-spring", f"{ns}-summer")
    world = referral_world(ids, seed=5, policy=ReferralPolicy(campaigns=campaigns))
    load_referral_world(db, world)
    return Loaded(world, campaigns)


def run_job(client: TestClient, campaign: str | None) -> dict[str, Any]:
    started = post(client, DETECT, c=campaign)["detectReferralRings"]
    assert started["__typename"] == "Job"
    deadline = time.monotonic() + 120
    while True:
        job = post(client, JOB, id=started["id"])["job"]
        if job["status"] not in ("PENDING", "RUNNING") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def ring_members(driver: neo4j.Driver, campaign: str) -> dict[str, set[str]]:
    records, _, _ = driver.execute_query(
        "MATCH (g:ReferralRing {scope: $c})-[:INCLUDES]->(m:Consumer) "
        "RETURN g.id AS ring, collect(m.id) AS members",
        c=campaign,
    )
    return {r["ring"]: set(r["members"]) for r in records}


def test_planted_farms_are_found_by_the_job_and_stored_in_the_graph(
    client: TestClient, driver: neo4j.Driver, loaded: Loaded
) -> None:
    stored: dict[str, set[str]] = {}
    for campaign in loaded.campaigns:
        job = run_job(client, campaign)
        assert job["status"] == "SUCCEEDED", job
        assert job["resultId"] == campaign and job["detail"]["rings"] > 0, job
        stored |= ring_members(driver, campaign)
    flagged = set().union(*stored.values())
    planted = {m for ring in loaded.world.truth["rings"] for m in ring["members"]}
    organic = set(loaded.world.truth["organic_members"])
    found = len(flagged & planted)
    assert found / len(flagged) >= 0.9, "precision"
    assert found / len(planted) >= 0.9, "recall"
    assert len(flagged & organic) / len(organic) <= 0.01, "organic members flagged"

    # Every ring points at the attributes its members share, as graph nodes.
    records, _, _ = driver.execute_query(
        "MATCH (g:ReferralRing {scope: $c}) "
        "RETURN g.id AS id, COUNT { (g)-[:EVIDENCE]->(:Device|Phone|PayoutAccount) } AS shared",
        c=loaded.campaigns[0],
    )
    assert records and all(r["shared"] >= 1 for r in records)

    # A second run replaces the scope's rings with the same ids.
    again = run_job(client, loaded.campaigns[0])
    assert again["status"] == "SUCCEEDED"
    assert ring_members(driver, loaded.campaigns[0]).keys() == {
        k for k in stored if k in ring_members(driver, loaded.campaigns[0])
    }
    assert set(ring_members(driver, loaded.campaigns[0])) <= set(stored)


def test_rings_page_strongest_first(client: TestClient, loaded: Loaded) -> None:
    campaign = loaded.campaigns[1]
    assert run_job(client, campaign)["status"] == "SUCCEEDED"
    whole = post(client, RINGS, c=campaign, min=0.0, first=100, after=None)["referralRings"]
    total = whole["totalCount"]
    assert total >= 2 and len(whole["nodes"]) == total
    scores = [n["score"] for n in whole["nodes"]]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.5
    first = whole["nodes"][0]
    assert first["campaign"] == campaign and first["members"] and first["reasons"]
    assert {r["kind"] for r in first["reasons"]} <= {
        "shared_identity",
        "account_burst",
        "one_shot",
        "one_place",
    }
    seen: list[str] = []
    after = None
    while True:
        page = post(client, RINGS, c=campaign, min=0.0, first=1, after=after)["referralRings"]
        assert page["totalCount"] == total
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [n["id"] for n in whole["nodes"]]
    strong = post(client, RINGS, c=campaign, min=0.95, first=100, after=None)["referralRings"]
    assert all(n["score"] >= 0.95 for n in strong["nodes"])
    assert strong["totalCount"] <= total


@pytest.mark.parametrize(
    ("variables", "path"),
    [({"min": 2.0}, "minScore"), ({"first": 1000}, "first"), ({"after": "bm9wZQ"}, "after")],
)
def test_bad_ring_arguments_are_problems(
    client: TestClient, variables: dict[str, Any], path: str
) -> None:
    args = {"c": None, "min": 0.0, "first": 10, "after": None, **variables}
    page = post(client, RINGS, **args)["referralRings"]
    assert page["__typename"] == "Problem" and page["path"] == path


def test_cli_detects_rings_and_draws_the_largest_cascades(
    cli_env: None, loaded: Loaded, tmp_path: Path
) -> None:
    campaign = loaded.campaigns[0]
    result = CliRunner().invoke(app, ["detect", "referral-rings", "--campaign", campaign])
    assert result.exit_code == 0, result.output
    assert "rings:" in result.output and "members" in result.output
    result = CliRunner().invoke(
        app, ["referral", "plot", "--campaign", campaign, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    png, page = tmp_path / "cascades.png", tmp_path / "cascades.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text("utf-8")
    assert "<svg" in text and "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    result = CliRunner().invoke(app, ["referral", "plot", "--campaign", f"{campaign}-none"])
    assert result.exit_code == 2 and "no referrals" in result.output


def test_picture_doctests() -> None:
    import doctest

    import algorithms.referral.pictures

    assert doctest.testmod(algorithms.referral.pictures).failed == 0
