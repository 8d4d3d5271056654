"""Provenance and recall: the domain rules, the repository on the real server, and the GraphQL
``code`` and ``lot`` fields over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
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
from services.capture import CaptureService
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
def chain(db: Database, driver: neo4j.Driver, ns: str) -> StoreChain:
    made = StoreChain(ns, units=10)
    result = CaptureService(db).capture_document(made.document())
    assert not result.problems, result.problems
    return made


@pytest.fixture
def repo(db: Database, driver: neo4j.Driver) -> ProvenanceRepository:
    return ProvenanceRepository(db)


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


# -- GraphQL over HTTP -----------------------------------------------------------------------


class CountingDriver:
    """The real driver, counting the round trips that reads make through it."""

    def __init__(self, real: neo4j.Driver) -> None:
        self._real = real
        self.calls = 0

    def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._real.execute_query(*args, **kwargs)

    def session(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._real.session(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def counting(client: TestClient) -> Iterator[CountingDriver]:
    services = client.app.state.services  # type: ignore[attr-defined]
    real = services.db
    proxy = CountingDriver(real.driver)
    services.db = Database(proxy, real.name)  # type: ignore[arg-type]
    try:
        yield proxy
    finally:
        services.db = real


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


CODE = """
query ($id: String!, $at: DateTime) {
  code(id: $id, at: $at) {
    __typename
    ... on CodeTrace {
      code gtin lot batch commissionedAt status line plant { id kind }
      containers { id level since until }
      containerHistory { id level }
      custody(first: 10) {
        totalCount
        edges { node { party { id kind } receivedAt shippedAt
                       inbound { id refs via shipEventId receiveEventId } } }
      }
      scans(kind: CONSUMER) { totalCount nodes { kind region at } }
      events(first: 50) { totalCount nodes { id hash bizStep via raw } }
    }
    ... on UnknownCode { code message }
    ... on Problem { path reason }
  }
}
"""


def test_code_over_graphql_gives_the_whole_provenance(
    client: TestClient, counting: CountingDriver, chain: StoreChain
) -> None:
    unit = chain.units[len(chain.units) // 2]
    serial = unit.rsplit(".", 1)[1]
    data = gql(client, CODE, id=f"(01)06901234123456(21){serial}", at="2025-12-31T21:30:00Z")
    trace = data["code"]
    assert trace["__typename"] == "CodeTrace", trace
    assert trace["code"] == unit
    assert [c["id"] for c in trace["containers"]] == [chain.cases[1], chain.pallet]
    assert trace["plant"] == {"id": PLANT, "kind": "PLANT"}
    custody = [e["node"] for e in trace["custody"]["edges"]]
    assert [s["party"]["id"] for s in custody] == [PLANT, DISTRIBUTOR, STORE]
    assert custody[2]["inbound"]["id"] == chain.store_shipment
    assert custody[2]["inbound"]["via"] == chain.cases[1]
    events = trace["events"]["nodes"]
    assert trace["events"]["totalCount"] == len(events) == 9
    assert all(e["raw"]["eventID"] == e["id"] for e in events)
    assert counting.calls == 1


def test_code_never_commissioned_is_an_unknown_code(client: TestClient, ns: str) -> None:
    data = gql(client, CODE, id=f"urn:epc:id:sgtin:6901234.012345.{ns}")
    assert data["code"]["__typename"] == "UnknownCode"
    assert "never commissioned" in data["code"]["message"]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"id": "not a code"}, "id"),
        ({"id": "urn:epc:id:sgtin:6901234.012345.1", "at": "1900-01-01T00:00:00Z"}, "at"),
        ({"id": "x" * 600}, "id"),
    ],
)
def test_code_with_bad_arguments_names_the_argument(
    client: TestClient, variables: dict[str, Any], argument: str
) -> None:
    data = gql(client, CODE, **variables)
    assert data["code"]["__typename"] == "Problem"
    assert data["code"]["path"] == argument and data["code"]["reason"]


def test_nested_page_over_the_cap_is_a_typed_error(client: TestClient, chain: StoreChain) -> None:
    query = """query ($id: String!, $n: Int!) { code(id: $id) {
      ... on CodeTrace { scans(first: $n) { totalCount } }
      ... on Problem { path reason } } }"""
    data = gql(client, query, id=chain.units[0], n=5000)
    assert data["code"] == {
        "path": "scans.first",
        "reason": "must be between 0 and 100, got 5000",
    }


LOT = """
query ($id: String!, $after: String) {
  lot(id: $id) {
    __typename
    ... on LotTrace {
      batch unitCount statusCounts { status units }
      holders(sort: CHAIN) {
        totalCount
        nodes { party { id kind } received shipped inStock sold inTransit unaccounted scanned }
      }
      units(first: 20, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { code status inTransit scanCount holder { id } }
      }
    }
    ... on UnknownLot { lot message }
    ... on Problem { path reason }
  }
}
"""


@pytest.fixture
def lot_of_50(db: Database, driver: neo4j.Driver, ns: str) -> StoreChain:
    made = StoreChain(ns, units=50)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


def test_lot_of_50_units_costs_a_fixed_number_of_round_trips(
    client: TestClient, counting: CountingDriver, lot_of_50: StoreChain
) -> None:
    data = gql(client, LOT, id=f"06901234123456|{lot_of_50.lot}")
    trace = data["lot"]
    assert trace["unitCount"] == 50
    holders = {h["party"]["id"]: h for h in trace["holders"]["nodes"]}
    # without master data only the plant's kind is known; the chain order still holds
    assert [h["party"]["id"] for h in trace["holders"]["nodes"]] == [PLANT, DISTRIBUTOR, STORE]
    assert holders[STORE]["received"] == 25 and holders[STORE]["sold"] == 2
    assert holders[DISTRIBUTOR]["inStock"] == 22 and holders[DISTRIBUTOR]["sold"] == 3
    units = trace["units"]
    assert units["totalCount"] == 50 and len(units["nodes"]) == 20
    assert units["pageInfo"]["hasNextPage"] is True
    assert counting.calls == 2  # the lot summary, the page of units
    counting.calls = 0
    nxt = gql(client, LOT, id=lot_of_50.lot, after=units["pageInfo"]["endCursor"])
    assert len(nxt["lot"]["units"]["nodes"]) == 20
    assert nxt["lot"]["units"]["nodes"][0]["code"] > units["nodes"][-1]["code"]
    assert counting.calls == 3  # the bare lot number is resolved first


@pytest.mark.parametrize(
    ("lot_id", "typename", "argument"),
    [
        ("06901234123456|nosuchlot", "UnknownLot", None),
        ("06901234123457|L1", "Problem", "id"),
        ("urn:epc:id:sgtin:6901234.012345.1", "Problem", "id"),
    ],
)
def test_lot_bad_input(
    client: TestClient, lot_id: str, typename: str, argument: str | None
) -> None:
    data = gql(client, LOT, id=lot_id)
    assert data["lot"]["__typename"] == typename
    if argument:
        assert data["lot"]["path"] == argument


RECALL = """
query ($gtin: String!, $from: DateTime!, $to: DateTime!) {
  productRecall(gtin: $gtin, commissionedFrom: $from, commissionedTo: $to) {
    __typename
    ... on LotTrace { unitCount holders { totalCount } }
    ... on Problem { path reason }
  }
}
"""


@pytest.mark.parametrize(
    ("start", "end", "argument"),
    [
        ("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "commissionedTo"),
        ("2020-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "commissionedTo"),
        ("1800-01-01T00:00:00Z", "1800-02-01T00:00:00Z", "commissionedFrom"),
    ],
)
def test_product_recall_rejects_absurd_windows(
    client: TestClient, start: str, end: str, argument: str
) -> None:
    data = gql(client, RECALL, gtin="06901234123456", **{"from": start, "to": end})
    assert data["productRecall"]["__typename"] == "Problem"
    assert data["productRecall"]["path"] == argument


def test_product_recall_finds_the_window(client: TestClient, chain: StoreChain) -> None:
    window = {"from": "2025-12-31T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    data = gql(client, RECALL, gtin="06901234123456", **window)
    assert data["productRecall"]["unitCount"] >= 10
