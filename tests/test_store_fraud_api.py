"""Store fraud over HTTP GraphQL and the command line: ``detectStoreFraud`` as a job,
``storeFraudClusters``, ``store(id) { risk }``, ``storeFraudEvidence``, staff and orders
through ``saveMasterData``, and ``yima detect store-fraud``, on a small world of the test's
own."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from graph_model.database import Database
from tests import store_fraud_world as hand
from tests.factories import post
from tests.store_fraud_world import CHAIN, RING, FraudWorld

CLUSTERS = """
query ($min: Float, $region: String, $first: Int!, $after: String) {
  storeFraudClusters(minScore: $min, region: $region, first: $first, after: $after) {
    __typename
    ... on FraudClusterConnection {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id score flagged stores { id name } reasons { kind detail } regions }
    }
    ... on Problem { path reason }
  }
}
"""
STORE = """
query ($id: String!) {
  store(id: $id) {
    __typename
    ... on Store { id name risk { score reasons { kind detail } cluster { id score } } }
    ... on Problem { path reason }
  }
}
"""
EVIDENCE = """
query ($id: String!) {
  storeFraudEvidence(id: $id) {
    __typename
    ... on FraudEvidence { clusterId nodes { id label key } links { source target type } }
    ... on Problem { path reason }
  }
}
"""
DETECT = "mutation { detectStoreFraud { __typename ... on Job { id kind status } } }"
JOB = "query ($id: ID!) { job(id: $id) { ... on Job { status detail } } }"


@pytest.fixture(scope="module")
def world(db: Database) -> FraudWorld:
    w = FraudWorld("t" + uuid.uuid4().hex[:10])
    hand.load(db, w)
    return w


@pytest.fixture(scope="module")
def detected(client: TestClient, world: FraudWorld) -> dict[str, Any]:
    job = post(client, DETECT)["detectStoreFraud"]
    assert (job["__typename"], job["kind"]) == ("Job", "STORE_FRAUD")
    deadline = time.monotonic() + 300
    while True:
        state = post(client, JOB, id=job["id"])["job"]
        if state["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["status"] == "SUCCEEDED", state
    detail: dict[str, Any] = state["detail"]
    return detail


def _all_clusters(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = post(client, CLUSTERS, first=50, after=after, **filters)["storeFraudClusters"]
        assert page["__typename"] == "FraudClusterConnection", page
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_detect_job_and_flagged_clusters(
    client: TestClient, world: FraudWorld, detected: dict[str, Any]
) -> None:
    assert detected["flagged"] >= 1 and "identity" in detected["seconds"]
    ring = sorted(world.party(k) for k in RING)
    flagged = [
        c for c in _all_clusters(client) if world.party("R0") in {s["id"] for s in c["stores"]}
    ]
    [cluster] = flagged
    assert sorted(s["id"] for s in cluster["stores"]) == ring
    assert cluster["flagged"] and cluster["score"] >= 0.5
    assert {"310100", "310000"} <= set(cluster["regions"])
    kinds = {r["kind"] for r in cluster["reasons"]}
    assert {"shared_phone", "dead_orders", "staff_unreceived"} <= kinds
    # the region filter and a score floor
    assert cluster["id"] in {c["id"] for c in _all_clusters(client, region="310000")}
    assert cluster["id"] not in {c["id"] for c in _all_clusters(client, region="110000")}
    everything = _all_clusters(client, min=0.0)
    assert len(everything) >= len(_all_clusters(client))
    chain = {world.party(k) for k in CHAIN}
    assert not any(chain & {s["id"] for s in c["stores"]} for c in everything)


def test_store_risk(client: TestClient, world: FraudWorld, detected: dict[str, Any]) -> None:
    fake = post(client, STORE, id=world.party("R1"))["store"]
    assert fake["__typename"] == "Store" and fake["risk"]["score"] > 0.5
    assert fake["risk"]["cluster"]["id"].startswith("sfc-")
    assert {r["kind"] for r in fake["risk"]["reasons"]} >= {"dead_orders", "staff_unreceived"}
    honest = post(client, STORE, id=world.party("C1"))["store"]
    assert honest["risk"] == {"score": 0.0, "reasons": [], "cluster": None}
    missing = post(client, STORE, id="urn:epc:id:sgln:0000000.00000.0")["store"]
    assert missing["__typename"] == "Problem" and missing["path"] == "id"


def test_evidence_subgraph(client: TestClient, world: FraudWorld, detected: dict[str, Any]) -> None:
    risk = post(client, STORE, id=world.party("R0"))["store"]["risk"]
    graph = post(client, EVIDENCE, id=risk["cluster"]["id"])["storeFraudEvidence"]
    assert graph["__typename"] == "FraudEvidence"
    by_label: dict[str, set[str]] = {}
    for node in graph["nodes"]:
        by_label.setdefault(node["label"], set()).add(node["key"])
    assert by_label["Store"] == {world.party(k) for k in RING}
    assert by_label["Phone"] == {world.value("tel-ring")}
    assert len(by_label["Order"]) == 15
    ids = {n["id"] for n in graph["nodes"]}
    assert all(x["source"] in ids and x["target"] in ids for x in graph["links"])
    assert {"INCLUDES", "EVIDENCE", "USES", "PLACED"} <= {x["type"] for x in graph["links"]}
    missing = post(client, EVIDENCE, id="sfc-0000000000000000")["storeFraudEvidence"]
    assert missing["__typename"] == "Problem"


@pytest.mark.parametrize(
    ("variables", "path"),
    [({"min": 1.5}, "minScore"), ({"first": 500}, "first"), ({"after": "bm9wZQ"}, "after")],
)
def test_bad_arguments_are_problems(
    client: TestClient, variables: dict[str, Any], path: str
) -> None:
    args = {"first": 10, **variables}
    result = post(client, CLUSTERS, **args)["storeFraudClusters"]
    assert (result["__typename"], result["path"]) == ("Problem", path)


def test_staff_and_orders_through_save_master_data(client: TestClient, ns: str) -> None:
    w = FraudWorld(ns)
    master = hand.master(w)
    store = master.stores[0]
    query = """
    mutation ($input: MasterDataInput!) {
      saveMasterData(input: $input) {
        __typename
        ... on MasterDataSaved { stores staff orders }
        ... on Problem { problems { path reason } }
      }
    }
    """
    base = {
        "products": [
            {"gtin": w.product.gtin, "name": "Lager", "brand": "Yima", "companyPrefix": w.cp}
        ],
        "distributors": [
            {
                "id": w.party("D"),
                "name": "D",
                "tier": 3,
                "regionCode": "310100",
                "lat": 31.2,
                "lon": 121.4,
            }
        ],
        "stores": [
            {
                "id": store.id,
                "name": "S",
                "regionCode": "310100",
                "lat": 31.1,
                "lon": 121.3,
                "owner": f"{ns}-boss",
                "registeredBy": f"{ns}-li",
                "registeredAt": "2024-05-01T09:00:00+08:00",
            }
        ],
    }
    good = dict(
        base,
        staff=[{"id": f"{ns}-w", "storeId": store.id, "role": "waiter"}],
        orders=[
            {
                "id": f"{ns}-po",
                "storeId": store.id,
                "distributorId": w.party("D"),
                "gtin": w.product.gtin,
                "quantity": 12,
                "at": "2024-06-01T10:00:00+08:00",
            }
        ],
    )
    saved = post(client, query, input=good)["saveMasterData"]
    assert saved == {"__typename": "MasterDataSaved", "stores": 1, "staff": 1, "orders": 1}
    bad = dict(
        base,
        staff=[{"id": f"{ns}-w", "storeId": store.id, "role": "chef"}],
        orders=[
            {
                "id": f"{ns}-po2",
                "storeId": w.party("I1"),
                "distributorId": w.party("D"),
                "gtin": w.product.gtin,
                "quantity": 0,
                "at": "2024-06-01T10:00:00+08:00",
            }
        ],
    )
    refused = post(client, query, input=bad)["saveMasterData"]
    assert refused["__typename"] == "Problem"
    paths = {p["path"] for p in refused["problems"]}
    assert {"staff[0].role", "orders[0].quantity"} <= paths


def test_cli_detect_store_fraud(cli_env: None, world: FraudWorld) -> None:
    from cli.main import app

    result = CliRunner().invoke(app, ["detect", "store-fraud", "--show", "200"])
    assert result.exit_code == 0, result.output
    assert "clusters:" in result.output and "identity" in result.output
    assert "shared_phone: 3 stores share phone " + world.value("tel-ring") in result.output
