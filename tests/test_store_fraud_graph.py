"""Store fraud on the real graph: the store side of master data (stores with owners and
registration, staff, orders; good and bad rows), orders fulfilled by shipments and staff
scans resolved to their store, detection on a small hand-built world and on the planted
store-fraud world, scored from the graph."""

from __future__ import annotations

import uuid
from pathlib import Path

import neo4j
import pytest

from algorithms.store_fraud import quality
from graph_model.database import Database
from graph_model.errors import NotFound
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.store_fraud import ClusterFilter
from loaders.demo.store_fraud import StoreFraudWorld
from loaders.master_data import MasterDataFileError, read_master_data
from services.master_data import load_master_files
from services.store_fraud import FraudRun, StoreFraudService
from services.store_fraud_world import load_store_fraud_world
from tests import store_fraud_world as hand
from tests.store_fraud_world import CHAIN, FAMILY, MALL, RING, FraudWorld

PLANTED_STORES = 120


@pytest.fixture(scope="module")
def small(db: Database) -> FraudWorld:
    world = FraudWorld("t" + uuid.uuid4().hex[:10])
    hand.load(db, world)
    return world


@pytest.fixture(scope="module")
def planted(db: Database) -> StoreFraudWorld:
    return load_store_fraud_world(db, PLANTED_STORES, seed=5, namespace="t" + uuid.uuid4().hex[:10])


@pytest.fixture(scope="module")
def run(db: Database, small: FraudWorld, planted: StoreFraudWorld) -> FraudRun:
    return StoreFraudService(db).detect()


# -- the store side of master data -----------------------------------------------------------


def _files(tmp_path: Path, ns: str, staff: str, orders: str) -> list[Path]:
    cp = "8" + str(int(ns[1:], 16) % 10**6).zfill(6)
    store, dealer = f"urn:epc:id:sgln:{cp}.00001.0", f"urn:epc:id:sgln:{cp}.00002.0"
    gtin = hand.Product.from_parts(cp, "00001", "x", "y").gtin
    content = {
        "products.csv": f"gtin,name,brand,company_prefix\n{gtin},Lager,Yima,{cp}\n",
        "distributors.csv": f"id,name,tier,region_code,lat,lon\n{dealer},D,3,310100,31.2,121.4\n",
        "stores.csv": "id,name,region_code,lat,lon,phone,owner,registered_at,registered_by\n"
        f"{store},S,310100,31.1,121.3,{ns}-tel,{ns}-boss,2024-05-01T09:00:00+08:00,{ns}-li\n",
        "staff.csv": "id,store_id,role,phone,device\n" + staff.format(store=store, ns=ns),
        "orders.csv": "id,store_id,distributor_id,gtin,quantity,at\n"
        + orders.format(store=store, dealer=dealer, gtin=gtin, ns=ns),
    }
    paths = []
    for name, text in content.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    return paths


def test_store_staff_and_orders_load(
    db: Database, driver: neo4j.Driver, tmp_path: Path, ns: str
) -> None:
    paths = _files(
        tmp_path,
        ns,
        "{ns}-w1,{store},waiter,{ns}-tel-w1,{ns}-dev-w1\n{ns}-m1,{store},manager,,\n",
        "{ns}-po1,{store},{dealer},{gtin},24,2024-06-01T10:00:00+08:00\n",
    )
    counts = load_master_files(paths, MasterDataRepository(db), with_china_regions=False)
    assert (counts.stores, counts.staff, counts.orders) == (1, 2, 1)
    records, _, _ = driver.execute_query(
        """
        MATCH (s:Store)-[:OWNED_BY]->(o:Person {id: $owner})
        MATCH (s)-[:REGISTERED_BY]->(r:Person)
        MATCH (w:Staff {id: $waiter})-[:WORKS_AT]->(s), (w)-[:USES]->(d:Device)
        MATCH (s)-[:PLACED]->(po:Order {id: $order})-[:TO]->(:Distributor)
        MATCH (po)-[:OF]->(p:Product)
        RETURN r.id AS seller, s.registeredAt AS at, d.id AS device, po.quantity AS q
        """,
        owner=f"{ns}-boss",
        waiter=f"{ns}-w1",
        order=f"{ns}-po1",
        database_=db.name,
    )
    [r] = records
    assert (r["seller"], r["device"], r["q"]) == (f"{ns}-li", f"{ns}-dev-w1", 24)
    assert r["at"].to_native().isoformat() == "2024-05-01T01:00:00+00:00"
    store_id = read_master_data(paths, known_region_codes=frozenset({"310100"})).stores[0].id
    store = MasterDataRepository(db).get_store(store_id)
    assert (store.owner, store.registered_by) == (f"{ns}-boss", f"{ns}-li")


@pytest.mark.parametrize(
    ("staff", "orders", "where"),
    [
        ("{ns}-w,{store},chef,,\n", "", "role"),
        ("", "{ns}-po,{store},{dealer},{gtin},0,2024-06-01T10:00:00+08:00\n", "quantity"),
        ("", "{ns}-po,{store},{dealer},{gtin},3,2024-06-01T10:00:00\n", "at"),
        ("", "{ns}-po,{store},{dealer},123,3,2024-06-01T10:00:00+08:00\n", "gtin"),
        ("bad id!,{store},waiter,,\n", "", "id"),
    ],
)
def test_bad_staff_and_order_rows_are_refused(
    tmp_path: Path, ns: str, staff: str, orders: str, where: str
) -> None:
    paths = _files(tmp_path, ns, staff, orders)
    with pytest.raises(MasterDataFileError) as caught:
        read_master_data(paths, known_region_codes=frozenset({"310100"}))
    problems = caught.value.row_problems
    assert any(p.field == where for p in problems), problems


def test_unknown_store_of_an_order_writes_nothing(db: Database, tmp_path: Path, ns: str) -> None:
    paths = _files(
        tmp_path, ns, "", "{ns}-po9,{store},{dealer},{gtin},3,2024-06-01T10:00:00+08:00\n"
    )
    master = read_master_data(
        [p for p in paths if p.name == "orders.csv"], known_region_codes=frozenset()
    )
    with pytest.raises(NotFound, match="stores of orders"):
        MasterDataRepository(db).save(master)


# -- the projection: fulfilments and staff scans -----------------------------------------------


def test_orders_fulfilled_and_staff_scans_resolve_to_their_store(
    driver: neo4j.Driver, db: Database, small: FraudWorld
) -> None:
    records, _, _ = driver.execute_query(
        """
        MATCH (:Store {id: $store})-[:PLACED]->(o:Order)<-[:FULFILS]-(sh:Shipment)
        WITH count(o) AS fulfilled
        MATCH (scan:Scan {kind: 'staff'})-[:BY]->(w:Staff {id: $staff})-[:WORKS_AT]->(s:Store)
        RETURN fulfilled, count(scan) AS scans, collect(DISTINCT s.id) AS stores,
               EXISTS { MATCH (:Party {id: $staff}) } AS party
        """,
        store=small.party("C0"),
        staff=small.staff("C0"),
        database_=db.name,
    )
    [r] = records
    assert (r["fulfilled"], r["scans"], r["stores"], r["party"]) == (
        5,
        10,
        [small.party("C0")],
        False,
    )


# -- detection --------------------------------------------------------------------------------


def test_small_world_ring_found_look_alikes_not_flagged(
    run: FraudRun, small: FraudWorld, db: Database
) -> None:
    service = StoreFraudService(db)
    ring = tuple(sorted(small.party(k) for k in RING))
    mine = {small.party(k) for k in RING + hand.HONEST}
    flagged = [c for c in run.detection.flagged if set(c.store_ids) & mine]
    assert [c.store_ids for c in flagged] == [ring]
    stored = service.cluster(flagged[0].id)
    assert stored.flagged and stored.score >= 0.5
    assert {r.kind for r in stored.reasons} >= {"shared_phone", "dead_orders", "staff_unreceived"}
    for group in (CHAIN, MALL, FAMILY):
        for key in group:
            risk = service.store_risk(small.party(key))
            assert risk is not None and risk.cluster_id is None and risk.score == 0
    # each look-alike is linked (earlier runs' worlds stand at the same GPS points)
    groups = [set(g) for g in run.detection.identity.groups]
    for look_alike in (CHAIN, MALL, FAMILY):
        assert any({small.party(k) for k in look_alike} <= g for g in groups)


def test_evidence_points_at_the_shared_phone_orders_and_scans(
    run: FraudRun, small: FraudWorld, driver: neo4j.Driver, db: Database
) -> None:
    ring_id = next(c.id for c in run.detection.flagged if small.party("R0") in c.store_ids)
    records, _, _ = driver.execute_query(
        """
        MATCH (c:FraudCluster {id: $id})
        RETURN COLLECT { MATCH (c)-[:INCLUDES]->(s:Store) RETURN s.id } AS stores,
               COLLECT { MATCH (c)-[:EVIDENCE]->(p:Phone) RETURN p.number } AS phones,
               COUNT { MATCH (c)-[:EVIDENCE {reason: 'dead_orders'}]->(:Order) } AS orders,
               COUNT { MATCH (c)-[:EVIDENCE {reason: 'staff_unreceived'}]->(:Scan) } AS scans,
               c.reasons AS reasons
        """,
        id=ring_id,
        database_=db.name,
    )
    [r] = records
    assert sorted(r["stores"]) == sorted(small.party(k) for k in RING)
    assert r["phones"] == [small.value("tel-ring")]
    assert r["orders"] == 15 and r["scans"] > 0
    assert any(text.startswith("shared_phone: 3 stores share phone") for text in r["reasons"])
    graph = StoreFraudService(db).evidence(ring_id)
    labels = {n.label for n in graph.nodes}
    assert {"FraudCluster", "Store", "Phone", "Order", "Scan"} <= labels
    types = {link.type for link in graph.links}
    assert {"INCLUDES", "EVIDENCE", "USES", "PLACED"} <= types
    ids = {n.id for n in graph.nodes}
    assert all(link.source in ids and link.target in ids for link in graph.links)


def test_planted_world_scored_from_the_graph(
    run: FraudRun, planted: StoreFraudWorld, db: Database
) -> None:
    mine = [s.id for s in planted.master.stores]
    inside = set(mine)
    service = StoreFraudService(db)
    clusters = []
    offset = 0
    while True:  # read back what the graph holds: the flagged clusters, page by page
        page = service.clusters(ClusterFilter(), first=100, offset=offset)
        clusters += [c for c in page.clusters if {s for s, _ in c.stores} & inside]
        offset += 100
        if offset >= page.total:
            break
    found = [[s for s, _ in c.stores] for c in clusters]
    q = quality(mine, planted.fraud_stores(), found)
    print(f"planted world ({PLANTED_STORES} stores): {q.as_dict()}")
    assert q.f1 >= 0.9, q
    assert q.ari >= 0.6, q
    flagged = {s for group in found for s in group}
    for kind in ("chains", "malls"):
        for group in planted.truth["lookalikes"][kind]:
            assert not flagged & set(group), (kind, group)


def test_rerun_replaces_with_the_same_ids(run: FraudRun, db: Database, small: FraudWorld) -> None:
    before = {c.id for c in run.detection.clusters}
    again = StoreFraudService(db).detect()
    after = {c.id for c in again.detection.clusters}
    assert before == after or len(before ^ after) <= 2  # other tests may add stores meanwhile
    records = db.read("MATCH (c:FraudCluster) RETURN count(c) AS n, count(DISTINCT c.run) AS runs")
    assert records[0]["n"] == len(again.detection.clusters) and records[0]["runs"] == 1
    ring = next(c for c in again.detection.flagged if small.party("R0") in c.store_ids)
    assert ring.id in before
