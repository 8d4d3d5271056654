"""The Bloom perspective and the Browser guide: generated from ``graph_model.bloom``, a category
for every label and a style for every relationship type the graph model writes, and every
search phrase's Cypher run on the real server against small worlds loaded here, returning the
nodes the graph holds for it."""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph_model.bloom import CATEGORIES, PHRASES, RELATIONSHIPS, perspective
from graph_model.database import Database
from graph_model.layout import LayoutRequest
from graph_model.master import consumer_urn
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.repositories.store_fraud import StoreFraudRepository
from graph_model.store_fraud import ClusterRow, RiskReason
from loaders.demo import build_world
from loaders.demo.referrals import ReferralPolicy, referral_world
from services.demo import load_demo
from services.diversion import DiversionService
from services.layout import LayoutService
from services.referral_rings import detect_referral_rings
from services.referral_world import load_referral_world
from tests import diversion_world

ROOT = Path(__file__).resolve().parents[1]
SEED = 190_019  # a demo seed no other test loads
UNITS = 240
RETIRED = {"CaptureJob", "LayoutJob"}  # replaced by Job in schema version 4


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("export_bloom", ROOT / "scripts/export_bloom.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_files_are_generated_from_the_definition() -> None:
    for path, text in _script().files().items():
        assert path.read_text("utf-8") == text, f"run scripts/export_bloom.py ({path.name})"
    shipped = json.loads((ROOT / "bloom/yima.json").read_text("utf-8"))
    assert [t["text"] for t in shipped["templates"]] == [p.text for p in PHRASES]


def _graph_model_sources() -> str:
    files = [
        *(ROOT / "graph_model").glob("*.py"),
        *(ROOT / "graph_model/repositories").glob("*.py"),
    ]
    return "\n".join(p.read_text("utf-8") for p in files if p.name != "bloom.py")


def test_every_label_and_relationship_type_written_has_a_style() -> None:
    source = _graph_model_sources()
    labels = set(re.findall(r"\(\w*:([A-Z][A-Za-z]+)", source))
    labels |= set(re.findall(r'_unique\("([A-Z][A-Za-z]+)"', source))
    labels |= set(re.findall(r"\bSET \w+:([A-Z][A-Za-z]+)", source))
    types = set(re.findall(r"\[\w*:([A-Z][A-Z_]+)", source))
    types = {t for t in types if t != "MAX_DETAIL_ITEMS"}
    missing = labels - RETIRED - {c.label for c in CATEGORIES}
    assert not missing, f"add a Category to graph_model/bloom.py for {sorted(missing)}"
    unstyled = types - {r.type for r in RELATIONSHIPS}
    assert not unstyled, f"add a RelationshipStyle to graph_model/bloom.py for {sorted(unstyled)}"
    assert {"DiversionCase", "FraudCluster", "ReferralRing", "LayoutPlan"} <= labels
    document = perspective()
    assert len(document["categories"]) == len(CATEGORIES)
    assert all(c["color"].startswith("#") and c["icon"] for c in document["categories"])
    assert all(c["captionKeys"] for c in document["categories"])


def test_every_phrase_is_parameterised_by_its_dollar_words() -> None:
    for phrase in PHRASES:
        words = set(re.findall(r"\$(\w+)", phrase.text))
        assert words == set(phrase.parameters), phrase.text
        assert words <= set(re.findall(r"\$(\w+)", phrase.cypher)), phrase.text


# -- every phrase on the real server ----------------------------------------------------------


@dataclass
class Worlds:
    """Each phrase's parameters and the node keys its answer must hold."""

    asks: dict[str, tuple[dict[str, str], set[str]]] = field(default_factory=dict)


def _key(node: neo4j.graph.Node) -> str:
    for name in ("id", "gtin", "code", "number", "text", "version"):
        if name in node:
            return str(node[name])
    return node.element_id


def _nodes(value: Any) -> Iterable[neo4j.graph.Node]:
    if isinstance(value, neo4j.graph.Path):
        yield from value.nodes
    elif isinstance(value, neo4j.graph.Node):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)


def _demo(db: Database, asks: dict[str, tuple[dict[str, str], set[str]]], ns: str) -> None:
    load_demo(db, UNITS, SEED, referrals=False, store_fraud=False)
    world = build_world(UNITS, SEED)
    codes = [
        r["id"]
        for r in db.read(
            "UNWIND $stores AS s MATCH (:Party {id: s})<-[:TO]-(:Shipment)-[:CARRIES]->"
            "()<-[:PACKED_IN*0..2]-(c:Code) RETURN DISTINCT c.id AS id ORDER BY id LIMIT 1",
            stores=[s.id for s in world.master.stores],
        )
    ]
    assert codes, "the demo world shipped nothing to a store"
    trace = ProvenanceRepository(db).trace(codes)[codes[0]]
    holders = {step.party.id for step in trace.custody}
    assert len(holders) >= 3  # plant, distributor(s), store
    asks["provenance of code $code"] = (
        {"code": trace.code},
        {trace.code, trace.batch or "", trace.gtin or "", *holders, *(s.id for s in trace.scans)},
    )
    lot_units = {
        r["id"]
        for r in db.read(
            "MATCH (c:Code)-[:IN_BATCH]->(:Batch {id: $b}) RETURN c.id AS id", b=trace.batch
        )
    }
    asks["units of lot $lot now at"] = (
        {"lot": trace.batch or ""},
        lot_units | {trace.custody[-1].party.id},
    )
    dealer = next(step for step in trace.custody if step.outbound and step.party.kind != "plant")
    assert dealer.outbound is not None and dealer.party.name
    asks["shipments from $distributor"] = (
        {"distributor": dealer.party.name},
        {dealer.outbound.id, dealer.party.id},
    )
    stores = tuple(s.id for s in world.master.stores)
    plan = LayoutService(db).plan(LayoutRequest(k=2, store_ids=stores, radius_km=80, time_limit=5))
    asks["layout plan $id"] = (
        {"id": plan.id},
        {s.id for s in plan.open_sites} | {a.store_id for a in plan.assignments},
    )
    # A cluster over three demo stores and the scans that tie them, written as detection
    # writes its clusters: what the phrase reads, without a detection over the shared graph.
    tied = stores[:3]
    scans = [
        r["id"]
        for r in db.read(
            "UNWIND $ids AS s MATCH (:Party {id: s})<-[:TO]-(:Shipment)-[:CARRIES]->()"
            "<-[:PACKED_IN*0..2]-(:Code)<-[:OF]-(scan:Scan) RETURN scan.id AS id LIMIT 2",
            ids=list(tied),
        )
    ]
    cluster = ClusterRow(
        id=f"{ns}-cluster", score=0.9, flagged=True, store_ids=tied,
        reasons=(RiskReason("staff_scans", "scans tie the stores"),),
        evidence=tuple(("staff_scans", "Scan", s) for s in scans),
    )  # fmt: skip
    StoreFraudRepository(db).write_clusters([cluster], f"{ns}-run", datetime.now(UTC))
    asks["fraud cluster $id"] = ({"id": cluster.id}, {cluster.id, *tied, *scans})


def _diversion(db: Database, asks: dict[str, tuple[dict[str, str], set[str]]]) -> None:
    w = diversion_world.new_world()
    diversion_world.load(db, w)
    DiversionService(db).detect(w.start, w.end)
    records = db.read(
        "MATCH (d:Distributor {id: $d})<-[:AGAINST]-(k:DiversionCase)-[:IN]->(g:Region) "
        "RETURN d.name AS name, collect(k.id) + collect(g.code) AS keys",
        d=w.party("X"),
    )
    assert records and records[0]["keys"], "the diversion world has no case against X"
    asks["diversion cases against $distributor"] = (
        {"distributor": records[0]["name"]},
        set(records[0]["keys"]),
    )
    case = db.read(
        "MATCH (d:Distributor {id: $d})<-[:AGAINST]-(k:DiversionCase)-[:INCLUDES]->(c:Code) "
        "RETURN k.id AS id, collect(c.id) AS codes LIMIT 1",
        d=w.party("X"),
    )[0]
    asks["diversion case $id"] = ({"id": case["id"]}, {case["id"], w.party("X"), *case["codes"]})


def _referrals(db: Database, asks: dict[str, tuple[dict[str, str], set[str]]], ns: str) -> None:
    campaign = f"{ns}-bloom"
    ids = [consumer_urn(f"{ns}c{i:04d}") for i in range(600)]
    world = referral_world(
        ids, seed=SEED, policy=ReferralPolicy(campaigns=(campaign,), farm_share=0.1)
    )
    load_referral_world(db, world)
    rings = detect_referral_rings(db, campaign).rings
    assert rings, "the referral world planted no ring that was found"
    ring = rings[0]
    member = sorted(ring.members)[0]
    asks["referral ring of $consumer"] = ({"consumer": member}, {ring.id, campaign, *ring.members})


@pytest.fixture(scope="module")
def worlds(db: Database) -> Worlds:
    ns = "b" + uuid.uuid4().hex[:9]
    found = Worlds()
    _demo(db, found.asks, ns)
    _diversion(db, found.asks)
    _referrals(db, found.asks, ns)
    return found


@pytest.mark.parametrize("phrase", PHRASES, ids=[p.text for p in PHRASES])
def test_the_phrase_returns_the_nodes_the_graph_holds_for_it(
    phrase: Any, worlds: Worlds, driver: neo4j.Driver, database_settings: Any
) -> None:
    params, expected = worlds.asks[phrase.text]
    records, _, _ = driver.execute_query(
        phrase.cypher, params, database_=database_settings.database, routing_="r"
    )
    returned = {_key(n) for r in records for v in r.values() for n in _nodes(v)}
    assert expected - {""} <= returned, sorted(expected - returned)[:10]
