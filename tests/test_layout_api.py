"""``channelLayout``, ``layoutPlan`` and ``layoutJob`` over HTTP GraphQL, and
``yima layout plan`` on the command line, against a small world of the test's own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from graph_model.database import Database
from graph_model.settings import DatabaseSettings
from tests.factories import post
from tests.test_layout_graph import World, make_world

PLAN_FIELDS = """
  __typename
  ... on LayoutPlan {
    id kind method cost lowerBound gap provenOptimal distance
    sites { id kind opened current stores }
    assignments { storeId siteId reassigned }
    comparison { costSaved storesReassigned demandWithinRadius coverageGapStores }
  }
"""
PLAN = (
    "mutation ($input: ChannelLayoutInput!) { channelLayout(input: $input) {"
    + PLAN_FIELDS
    + "... on LayoutJob { id status } ... on Problem { path reason } } }"
)
JOB = """
query ($id: ID!) {
  layoutJob(id: $id) {
    __typename
    ... on LayoutJob { status error { path } plan { id cost sites { id opened } } }
    ... on Problem { path }
  }
}
"""
OPEN = "query ($id: ID!) { layoutPlan(id: $id) {" + PLAN_FIELDS + " ... on Problem { path } } }"


@pytest.fixture
def world(db: Database, driver: neo4j.Driver, ns: str) -> World:
    return make_world(db, driver, ns)


def test_a_small_request_is_answered_with_the_stored_plan(client: TestClient, world: World) -> None:
    result = post(client, PLAN, input={"k": 2, "storeIds": list(world.stores), "radiusKm": 50})
    plan = result["channelLayout"]
    assert plan["__typename"] == "LayoutPlan" and plan["provenOptimal"] is True
    assert plan["lowerBound"] is not None and plan["distance"] == "geodesic"
    assert {s["id"] for s in plan["sites"] if s["opened"]} == {world.a, world.city_c}
    assert sorted(plan["comparison"]["storesReassigned"]) == sorted(world.in_c)
    assert plan["comparison"]["costSaved"] > 0
    opened = post(client, OPEN, id=plan["id"])["layoutPlan"]
    assert opened == plan


def test_a_job_is_polled_until_its_plan_is_stored(client: TestClient, world: World) -> None:
    started = post(client, PLAN, input={"k": 2, "storeIds": list(world.stores), "mode": "JOB"})[
        "channelLayout"
    ]
    assert started["__typename"] == "LayoutJob"
    deadline = time.monotonic() + 20
    while True:
        job = post(client, JOB, id=started["id"])["layoutJob"]
        if job["status"] not in ("pending", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded" and job["error"] is None
    assert {s["id"] for s in job["plan"]["sites"] if s["opened"]} == {world.a, world.city_c}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"k": 9, "includeCities": False}, "k"),
        ({"model": "CAPACITATED", "k": 1, "defaultCapacity": 50}, "capacities"),
        ({"k": 1, "capacities": [{"site": "x", "value": 1}, {"site": "x", "value": 2}]},
         "capacities"),
    ],
)  # fmt: skip
def test_bad_input_is_a_typed_problem(
    client: TestClient, world: World, extra: dict[str, Any], field: str
) -> None:
    result = post(client, PLAN, input={"storeIds": list(world.stores), **extra})["channelLayout"]
    assert result["__typename"] == "Problem" and result["path"] == field


def test_a_ragged_matrix_is_a_typed_problem(client: TestClient, world: World) -> None:
    matrix = {"storeIds": list(world.stores), "siteIds": [world.a, world.b],
              "values": [[1.0, 2.0], [1.0, 2.0], [1.0], [1.0, 2.0]]}  # fmt: skip
    result = post(client, PLAN, input={"k": 1, "distanceMatrix": matrix})["channelLayout"]
    assert result == {"__typename": "Problem", "path": "distanceMatrix",
                      "reason": "row 2 has 1 entries for 2 sites (siteIds); "
                                "the matrix must be stores × sites"}  # fmt: skip


def test_unknown_ids(client: TestClient, ns: str) -> None:
    assert post(client, JOB, id=ns)["layoutJob"] == {"__typename": "Problem",
                                                     "path": "id"}  # fmt: skip
    assert post(client, OPEN, id=ns)["layoutPlan"]["__typename"] == "Problem"


def test_cli_prints_the_plan_and_draws_the_map(
    world: World, database_settings: DatabaseSettings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from cli.main import app

    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    out = tmp_path / "map.png"
    args = ["layout", "plan", "--k", "2", "--radius-km", "50", "--out", str(out)]
    for store in world.stores:
        args += ["--store", store]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(optimal)" in result.output and "stores reassigned: 2" in result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(app, ["layout", "plan", "--region", world.ns + "P"])
    assert bad.exit_code == 2 and "k: the p_median model needs" in bad.output
