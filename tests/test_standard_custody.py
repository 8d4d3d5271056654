"""Custody from EPCIS as other systems write it: parties by PGLN and SGLN, receipts without a
despatch advice, re-palletising, transit, gaps, returns and a 3PL, in any order of arrival."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.projection import gtin_of_sgtin
from graph_model.provenance import CustodyStep, LotRef, Provenance
from graph_model.repositories.provenance import ProvenanceRepository
from services.capture import CaptureService
from services.rebuild import rebuild_around
from tests.standard_epcis import Naming, Org, StandardWorld


@pytest.fixture
def capture(db: Database) -> CaptureService:
    return CaptureService(db)


@pytest.fixture
def trace(db: Database) -> Callable[[str], Provenance]:
    repo = ProvenanceRepository(db)

    def read(code: str) -> Provenance:
        return repo.trace([code])[code]

    return read


class Standard:
    """Plant -> national -> provincial distributor -> store, re-palletised at the national."""

    def __init__(self, ns: str, naming: Naming = "pgln+sgln", desadv_on_receipt: bool = False):
        w = self.world = StandardWorld(ns)
        self.plant, self.national = w.org("plant", 10), w.org("national", 20)
        self.provincial, self.store = w.org("provincial", 30), w.org("store", 40)
        self.naming = naming
        self.commissioned = w.commission(self.plant)
        pallet = w.package()
        w.pack(pallet, w.units)
        self.legs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        self.move([pallet], self.plant, self.national, 1, desadv_on_receipt)
        w.unpack(pallet)
        pallet2 = w.package()
        w.pack(pallet2, w.units[:4])
        self.move([pallet2], self.national, self.provincial, 2, desadv_on_receipt)
        w.unpack(pallet2)
        self.move(w.units[:2], self.provincial, self.store, 3, desadv_on_receipt)
        w.sell(w.units[:1], self.store)

    def move(
        self, epcs: list[str], source: Org, destination: Org, n: int, desadv_on_receipt: bool,
        *, received: bool = True,
    ) -> None:  # fmt: skip
        w = self.world
        desadv = w.desadv(n)
        shipped = w.ship(epcs, source, destination, naming=self.naming, desadv=desadv)
        got = (
            w.receive(
                epcs,
                source,
                destination,
                naming=self.naming,
                desadv=desadv if desadv_on_receipt else None,
            )
            if received
            else None
        )
        self.legs.append((shipped, got))

    def id(self, org: Org) -> str:
        return org.sgln if self.naming == "sgln" else org.pgln


def when(event: dict[str, Any] | None) -> datetime | None:
    return None if event is None else datetime.fromisoformat(event["eventTime"])


def steps(custody: tuple[CustodyStep, ...]) -> list[tuple[str, Any, Any]]:
    return [(s.party.id, s.received_at, s.shipped_at) for s in custody]


def expected(chain: Standard) -> list[tuple[str, Any, Any]]:
    (s1, r1), (s2, r2), (s3, r3) = chain.legs
    return [
        (chain.id(chain.plant), when(chain.commissioned), when(s1)),
        (chain.id(chain.national), when(r1), when(s2)),
        (chain.id(chain.provincial), when(r2), when(s3)),
        (chain.id(chain.store), when(r3), None),
    ]


@pytest.mark.parametrize("naming", ["pgln+sgln", "pgln", "sgln"])
def test_one_step_per_custodian_whatever_the_parties_are_named(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str, naming: Naming
) -> None:
    chain = Standard(ns, naming)
    assert not capture.capture_document(chain.world.document()).problems
    p = trace(chain.world.units[0])
    assert steps(p.custody) == expected(chain)
    assert p.plant is not None and p.plant.id == chain.id(chain.plant)
    assert [s.inbound.id if s.inbound else None for s in p.custody] == [
        None, *(chain.world.desadv(n) for n in (1, 2, 3))
    ]  # fmt: skip
    # The receipt ended the shipment it quoted nothing of: one movement, both events on it.
    assert [s.inbound.receive_event if s.inbound else None for s in p.custody] == [
        None, *(r["eventID"] for _, r in chain.legs if r)
    ]  # fmt: skip
    assert not any(s.in_transit for s in p.custody)


def test_the_plant_named_by_its_site_is_the_organisation_shipping_from_it(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln")
    capture.capture_document(chain.world.document())
    plant = trace(chain.world.units[0]).custody[0].party
    assert (plant.id, plant.location, plant.kind) == (
        chain.plant.pgln, chain.plant.sgln, "plant"
    )  # fmt: skip


def test_a_receipt_quoting_the_despatch_advice_reads_the_same(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln", desadv_on_receipt=True)
    capture.capture_document(chain.world.document())
    assert steps(trace(chain.world.units[0]).custody) == expected(chain)


def test_without_any_despatch_advice_receipts_meet_shipments_by_goods_and_ends(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln")
    for shipped, _ in chain.legs:
        del shipped["bizTransactionList"]
    capture.capture_document(chain.world.document())
    p = trace(chain.world.units[0])
    assert steps(p.custody) == expected(chain)
    assert [s.inbound.id if s.inbound else None for s in p.custody] == [
        None, *(s["eventID"] for s, _ in chain.legs)
    ]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_events_arriving_in_any_order_give_the_same_chain_and_rebuild_agrees(
    db: Database,
    driver: neo4j.Driver,
    capture: CaptureService,
    trace: Callable[[str], Provenance],
    ns: str,
    seed: int,
) -> None:
    chain = Standard(ns, "pgln+sgln")
    events = list(chain.world.events)
    random.Random(seed).shuffle(events)
    for event in events:  # one document each: every event lands on what came before it
        assert not capture.capture_document(chain.world.document([event])).problems
    assert steps(trace(chain.world.units[0]).custody) == expected(chain)
    before = movements(driver, chain.world)
    assert rebuild_around(db, [chain.world.units[0]]) == len(events)
    assert movements(driver, chain.world) == before
    assert steps(trace(chain.world.units[0]).custody) == expected(chain)


def movements(driver: neo4j.Driver, world: StandardWorld) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        """
        MATCH (s:Shipment|Receipt)-[:CARRIES]->(n) WHERE n.id IN $ids
        WITH DISTINCT s
        OPTIONAL MATCH (s)-[:FROM]->(f)
        OPTIONAL MATCH (s)-[:TO]->(t)
        OPTIONAL MATCH (s)-[:ENDS]->(e)
        RETURN s.id AS id, labels(s) AS labels, s.shippedAt AS shipped, s.receivedAt AS got,
               s.receiveEvent AS receipt, f.id AS f, t.id AS t, e.id AS ends
        ORDER BY id
        """,
        ids=[*world.units, *(f"urn:epc:id:sscc:{world.prefix}.{world._digits[5:]}{i:07d}"
                             for i in range(1, 3))],
    )  # fmt: skip
    return [dict(r.data(), labels=sorted(r["labels"])) for r in records]


def test_a_shipment_not_received_yet_is_one_open_step(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln")
    w = chain.world
    case = w.package()
    w.pack(case, w.units[4:])
    chain.move([case], chain.national, chain.provincial, 4, False, received=False)
    capture.capture_document(w.document())
    p = trace(w.units[4])
    (s1, r1), *_, (s4, _) = chain.legs
    assert steps(p.custody) == [
        (chain.plant.pgln, when(chain.commissioned), when(s1)),
        (chain.national.pgln, when(r1), when(s4)),
        (chain.provincial.pgln, None, None),
    ]
    assert [s.in_transit for s in p.custody] == [False, False, True]


def test_a_receipt_without_a_recorded_shipment_closes_the_senders_step(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln")
    (s1, r1), (s2, r2), (s3, r3) = chain.legs
    w = chain.world
    capture.capture_document(w.document([e for e in w.events if e is not s2]))
    p = trace(w.units[0])
    assert steps(p.custody) == [
        (chain.plant.pgln, when(chain.commissioned), when(s1)),
        (chain.national.pgln, when(r1), None),
        (chain.provincial.pgln, when(r2), when(s3)),
        (chain.store.pgln, when(r3), None),
    ]
    gap = p.custody[2].inbound
    assert gap is not None and gap.shipped_at is None and gap.receive_event == r2["eventID"]


def test_a_return_upstream_is_a_step_of_its_own(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln")
    w = chain.world
    chain.move(w.units[1:2], chain.store, chain.provincial, 4, False)
    capture.capture_document(w.document())
    p = trace(w.units[1])
    *_, (_, r3), (s4, r4) = chain.legs
    assert [s.party.id for s in p.custody] == [
        chain.plant.pgln, chain.national.pgln, chain.provincial.pgln, chain.store.pgln,
        chain.provincial.pgln,
    ]  # fmt: skip
    assert steps(p.custody)[-2:] == [
        (chain.store.pgln, when(r3), when(s4)),
        (chain.provincial.pgln, when(r4), None),
    ]


def test_a_3pl_possessing_goods_it_does_not_own_is_the_custodian_for_the_owner(
    capture: CaptureService, trace: Callable[[str], Provenance], ns: str
) -> None:
    w = StandardWorld(ns)
    plant, national, provincial = w.org("plant", 10), w.org("national", 20), w.org("prov", 30)
    warehouse = w.org("3pl", 50)
    made = w.commission(plant)
    pallet = w.package()
    w.pack(pallet, w.units)
    s1 = w.ship([pallet], plant, national, desadv=w.desadv(1), destination_possessor=warehouse)
    r1 = w.receive([pallet], plant, national, destination_possessor=warehouse)
    s2 = w.ship([pallet], national, provincial, desadv=w.desadv(2), source_possessor=warehouse)
    r2 = w.receive([pallet], national, provincial)
    capture.capture_document(w.document())
    p = trace(w.units[0])
    assert steps(p.custody) == [
        (plant.pgln, when(made), when(s1)),
        (warehouse.pgln, when(r1), when(s2)),
        (provincial.pgln, when(r2), None),
    ]
    owner = p.custody[1].owner
    assert owner is not None and owner.id == national.pgln
    assert [s.owner for s in p.custody if s is not p.custody[1]] == [None, None]


def test_lot_counts_each_organisation_once(db: Database, capture: CaptureService, ns: str) -> None:
    chain = Standard(ns, "pgln+sgln")
    capture.capture_document(chain.world.document())
    summary = ProvenanceRepository(db).lot_summary(
        LotRef(gtin_of_sgtin(chain.world.units[0]), chain.world.lot)
    )
    assert summary is not None
    rows = {h.party.id: (h.received, h.shipped, h.in_stock, h.sold) for h in summary.holders}
    assert rows == {
        chain.plant.pgln: (6, 6, 0, 0),
        chain.national.pgln: (6, 4, 2, 0),
        chain.provincial.pgln: (4, 2, 2, 0),
        chain.store.pgln: (2, 0, 1, 1),
    }


CODE = """
query ($id: String!) {
  code(id: $id) {
    ... on CodeTrace {
      custody(first: 10) {
        totalCount
        nodes { party { id kind location } receivedAt shippedAt inTransit owner { id } }
      }
    }
  }
}
"""


def test_code_over_graphql_has_four_steps_for_four_custodians(
    client: TestClient, capture: CaptureService, ns: str
) -> None:
    chain = Standard(ns, "pgln+sgln")
    capture.capture_document(chain.world.document())
    response = client.post(
        "/graphql", json={"query": CODE, "variables": {"id": chain.world.units[0]}}
    )
    custody = response.json()["data"]["code"]["custody"]
    assert custody["totalCount"] == 4
    assert [(s["party"]["id"], s["inTransit"], s["owner"]) for s in custody["nodes"]] == [
        (chain.plant.pgln, False, None),
        (chain.national.pgln, False, None),
        (chain.provincial.pgln, False, None),
        (chain.store.pgln, False, None),
    ]
    assert custody["nodes"][0]["party"] == {
        "id": chain.plant.pgln, "kind": "PLANT", "location": chain.plant.sgln
    }  # fmt: skip
