"""Provenance and recall: the domain rules, the repository on the real server, and the GraphQL
``code`` and ``lot`` fields over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pytest

from graph_model.errors import InvalidIdentifier
from graph_model.provenance import (
    ContainerLink,
    ContainerPath,
    LotRef,
    PartyRef,
    ShipmentLeg,
    containers_at,
    custody_chain,
    parse_lot_reference,
)
from graph_model.repositories.provenance import ProvenanceRepository
from loaders.capture import CaptureService
from tests.factories import DISTRIBUTOR, PLANT, STORE, Chain, document

SHIPMENT_TO_STORE = "urn:yima:desadv:store:"


def t(hour: int, day: int = 1) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


class StoreChain(Chain):
    """The factory chain, then one case goes on from the distributor to a store and sells."""

    @property
    def store_shipment(self) -> str:
        return SHIPMENT_TO_STORE + self.ns

    def events(self) -> list[dict[str, Any]]:
        half = len(self.units) // 2
        parties = {
            "sourceList": [{"type": "owning_party", "source": DISTRIBUTOR}],
            "destinationList": [{"type": "owning_party", "destination": STORE}],
            "bizTransactionList": [
                {"type": "desadv", "bizTransaction": self.store_shipment},
                {"type": "po", "bizTransaction": f"urn:yima:po:{self.ns}"},
            ],
        }
        return [
            *super().events(),
            self.event(
                10, type="AggregationEvent", action="DELETE", bizStep="unpacking",
                parentID=self.pallet, childEPCs=[self.cases[1]],
            ),
            self.event(
                11, action="OBSERVE", bizStep="shipping", disposition="in_transit",
                epcList=[self.cases[1]], bizLocation={"id": DISTRIBUTOR}, **parties,
            ),
            self.event(
                12, action="OBSERVE", bizStep="receiving", disposition="in_progress",
                epcList=[self.cases[1]], bizLocation={"id": STORE}, **parties,
            ),
            self.event(
                13, action="OBSERVE", bizStep="retail_selling", disposition="retail_sold",
                epcList=self.units[half : half + 2], bizLocation={"id": STORE},
            ),
        ]  # fmt: skip


@pytest.fixture
def chain(driver: neo4j.Driver, ns: str) -> StoreChain:
    made = StoreChain(ns, units=10)
    result = CaptureService(driver).capture_document(made.document())
    assert not result.problems, result.problems
    return made


@pytest.fixture
def repo(driver: neo4j.Driver) -> ProvenanceRepository:
    return ProvenanceRepository(driver)


# -- pure rules ------------------------------------------------------------------------------


def test_containers_at_picks_the_longest_chain_open_at_that_moment() -> None:
    case = ContainerLink("case", 1, t(2), t(7))
    pallet = ContainerLink("pallet", 2, t(4), None)
    paths = [ContainerPath((case,)), ContainerPath((case, pallet))]
    assert [c.package for c in containers_at(paths, t(3))] == ["case"]
    assert [c.package for c in containers_at(paths, t(5))] == ["case", "pallet"]
    assert containers_at(paths, t(7)) == ()
    assert containers_at(paths, t(1)) == ()


def _leg(sid: str, src: str, dst: str, shipped: int, received: int | None) -> ShipmentLeg:
    return ShipmentLeg(
        sid, PartyRef(src, None, "distributor"), PartyRef(dst, None, "store"), t(shipped),
        None if received is None else t(received), (), None, None, None,
    )  # fmt: skip


def test_custody_chain_links_each_shipment_to_its_sender_and_receiver() -> None:
    plant = PartyRef("plant", "Plant", "plant")
    chain = custody_chain(
        plant, t(1), [_leg("s2", "dist", "store", 8, None), _leg("s1", "plant", "dist", 5, 6)]
    )
    assert [s.party.id for s in chain] == ["plant", "dist", "store"]
    assert chain[0].received_at == t(1) and chain[0].shipped_at == t(5)
    assert chain[1].received_at == t(6) and chain[1].shipped_at == t(8)
    assert chain[1].inbound is not None and chain[1].inbound.id == "s1"
    assert chain[2].received_at is None and chain[2].outbound is None


def test_custody_chain_shows_a_gap_as_a_holder_without_arrival() -> None:
    chain = custody_chain(None, None, [_leg("s9", "elsewhere", "store", 8, 9)])
    assert [(s.party.id, s.received_at) for s in chain] == [("elsewhere", None), ("store", t(9))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06901234123456|L7", LotRef("06901234123456", "L7")),
        ("urn:epc:class:lgtin:6901234.012345.L7", LotRef("06901234123456", "L7")),
        ("https://id.yima.dev/01/06901234123456/10/L7", LotRef("06901234123456", "L7")),
        (" L7 ", LotRef(None, "L7")),
    ],
)
def test_parse_lot_reference_reads_every_form(text: str, expected: LotRef) -> None:
    assert parse_lot_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "must not be empty"),
        ("06901234123457|L7", "check digit"),
        ("urn:epc:id:sgtin:6901234.012345.1", "names no lot"),
    ],
)
def test_parse_lot_reference_rejects_with_the_reason(text: str, match: str) -> None:
    with pytest.raises(InvalidIdentifier, match=match):
        parse_lot_reference(text)


# -- repository on the real server -----------------------------------------------------------


def test_trace_reads_product_batch_plant_containers_custody_scans_and_events(
    chain: StoreChain, repo: ProvenanceRepository
) -> None:
    half = len(chain.units) // 2
    unit = chain.units[half]  # in case 1, which went on to the store and was sold there
    found = repo.trace([unit, "urn:epc:id:sgtin:6901234.012345.never"])
    assert list(found) == [unit]
    p = found[unit]
    assert p.lot == chain.lot and p.batch == f"06901234123456|{chain.lot}"
    assert p.plant is not None and p.plant.id == PLANT
    assert p.status == "sold"
    at_ship = datetime(2026, 1, 1, 5, 30, tzinfo=UTC) - timedelta(hours=8)
    assert [c.package for c in p.containers_at(at_ship)] == [chain.cases[1], chain.pallet]
    assert [c.package for c in p.containers_at(datetime.now(UTC))] == [chain.cases[1]]
    assert [(s.party.id, s.inbound.id if s.inbound else None) for s in p.custody] == [
        (PLANT, None),
        (DISTRIBUTOR, chain.shipment),
        (STORE, chain.store_shipment),
    ]
    assert p.custody[2].inbound is not None
    assert f"po:urn:yima:po:{chain.ns}" in p.custody[2].inbound.refs
    assert p.custody[1].inbound is not None and p.custody[1].inbound.via == chain.pallet
    steps = [e.biz_step for e in p.events]
    assert steps == [
        "commissioning", "packing", "packing", "shipping", "receiving", "unpacking",
        "shipping", "receiving", "retail_selling",
    ]  # fmt: skip
    assert all(e.hash and e.hash.startswith("ni:///sha-256;") for e in p.events)
    assert all(e.json is None for e in p.events)
    assert repo.trace([unit], raw=True)[unit].events[0].json is not None


def test_trace_of_a_unit_left_at_the_distributor_ends_there_with_its_scan(
    chain: StoreChain, repo: ProvenanceRepository
) -> None:
    p = repo.trace([chain.units[0]])[chain.units[0]]
    assert [s.party.id for s in p.custody] == [PLANT, DISTRIBUTOR]
    assert [(s.kind, s.region) for s in p.scans] == [("consumer", "310100")]
    # case 0 was emptied at the distributor: its unpacking is the unit's last container event
    assert "unpacking" in [e.biz_step for e in p.events]
    assert "shipping" in [e.biz_step for e in p.events]
    assert p.containers_at(datetime.now(UTC)) == ()


def test_lot_summary_counts_every_holder(chain: StoreChain, repo: ProvenanceRepository) -> None:
    summary = repo.lot_summary(LotRef("06901234123456", chain.lot))
    assert summary is not None and summary.units == 10
    holders = {h.party.id: h for h in summary.holders}
    assert set(holders) == {PLANT, DISTRIBUTOR, STORE}
    plant, dist, store = holders[PLANT], holders[DISTRIBUTOR], holders[STORE]
    assert (plant.received, plant.shipped, plant.in_stock) == (10, 10, 0)
    assert (dist.received, dist.shipped, dist.in_stock, dist.sold) == (10, 5, 2, 3)
    assert (store.received, store.in_stock, store.sold, store.unaccounted) == (5, 3, 2, 0)
    assert dist.scanned == 1 and store.scanned == 0
    assert dict(summary.statuses) == {"sold": 5, "active": 5}


def test_lot_summary_of_an_unknown_lot_is_none(repo: ProvenanceRepository, ns: str) -> None:
    assert repo.lot_summary(LotRef("06901234123456", ns)) is None


def test_window_summary_takes_units_commissioned_in_the_window(
    chain: StoreChain, repo: ProvenanceRepository
) -> None:
    inside = repo.window_summary("06901234123456", t(0) - timedelta(days=1), t(0))
    assert inside.units >= 10
    assert repo.window_summary("06901234123456", t(0, day=20), t(1, day=20)).units == 0


def test_lot_units_pages_in_code_order_and_filters_by_holder(
    chain: StoreChain, repo: ProvenanceRepository
) -> None:
    ref = LotRef("06901234123456", chain.lot)
    first = repo.lot_units(ref, limit=4)
    assert first.total == 10 and len(first.units) == 4
    rest = repo.lot_units(ref, limit=100, after=first.units[-1].code)
    codes = [u.code for u in first.units + rest.units]
    assert codes == sorted(chain.units) and len(rest.units) == 6
    at_store = repo.lot_units(ref, limit=100, holder=STORE)
    assert at_store.total == 5
    assert {u.holder.id for u in at_store.units if u.holder} == {STORE}
    sold = repo.lot_units(ref, limit=100, statuses=["sold"])
    assert sold.total == 5


@pytest.fixture
def never_seen(ns: str) -> Iterator[str]:
    yield f"urn:epc:id:sgtin:6901234.012345.{ns}x"


def test_verify_facts_of_an_unknown_code(repo: ProvenanceRepository, never_seen: str) -> None:
    facts = repo.verify_facts([never_seen])[never_seen]
    assert not facts.issued and facts.scans.total == 0


def test_document_helper_is_the_factory_one() -> None:
    assert document([])["type"] == "EPCISDocument"
