"""The demo world: its network, and the EPCIS history that simulate streams from it."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graph_model.identifiers.gs1 import gs1_check_digit
from graph_model.master import Store, Supply
from loaders.demo import Planter, Route, World, build_world, simulate, write_ground_truth
from loaders.demo.epcis import CONTEXT, SCAN_BIZ_STEP
from loaders.demo.serials import SERIAL_ALPHABET

UNITS = 5_000
SEED = 11
Event = dict[str, Any]


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(UNITS, SEED)


@pytest.fixture(scope="module")
def docs(world: World) -> list[dict[str, Any]]:
    return list(simulate(world, SEED, events_per_document=700))


@pytest.fixture(scope="module")
def events(docs: list[dict[str, Any]]) -> list[Event]:
    return [e for d in docs for e in d["epcisBody"]["eventList"]]


def _of(events: list[Event], biz_step: str, kind: str = "ObjectEvent") -> list[Event]:
    return [e for e in events if e.get("bizStep") == biz_step and e["type"] == kind]


def _serialize(docs: Iterator[dict[str, Any]]) -> list[str]:
    return [json.dumps(d, ensure_ascii=False, sort_keys=False) for d in docs]


# -- the network ---------------------------------------------------------------------------


def test_world_is_a_sound_tiered_network(world: World) -> None:
    m = world.master
    assert 2 <= len(m.plants) <= 3
    for plant in m.plants:
        assert 2 <= sum(1 for line in m.lines if line.plant_id == plant.id) <= 4
    tiers = Counter(d.tier for d in m.distributors)
    assert tiers[1] == 1 and tiers[2] >= 2 and tiers[3] >= tiers[2]
    assert UNITS // 50 <= len(m.stores) <= UNITS // 20
    assert m.check_references() == []
    assert len(m.party_ids()) == len(m.plants) + len(m.distributors) + len(m.stores)


def test_products_have_valid_gtins_of_one_brand(world: World) -> None:
    assert len(world.master.products) >= 3
    for p in world.master.products:
        assert len(p.gtin) == 14 and gs1_check_digit(p.gtin[:13]) == p.gtin[13]
        assert p.company_prefix == world.company_prefix and p.brand == world.brand


def test_channel_runs_plant_national_provincial_city_store(world: World) -> None:
    tier = {d.id: d.tier for d in world.master.distributors}
    tier |= {p.id: 0 for p in world.master.plants} | {s.id: 4 for s in world.master.stores}
    assert {tier[s.customer_id] - tier[s.supplier_id] for s in world.master.supplies} == {1}
    regions = world.regions_by_code
    for d in world.master.distributors:
        if d.tier == 3:
            assert [a.region_code for a in d.authorized] == [d.region_code]
            assert regions[d.region_code].level == "prefecture"
        if d.tier == 2:
            assert regions[d.authorized[0].region_code].level == "province"
    for s in world.master.supplies:
        if tier[s.supplier_id] == 3:
            supplier = next(d for d in world.master.distributors if d.id == s.supplier_id)
            store = next(x for x in world.master.stores if x.id == s.customer_id)
            assert store.region_code == supplier.region_code


def test_network_grows_with_units() -> None:
    small, large = build_world(2_000, 1), build_world(200_000, 1)
    assert len(large.master.stores) > 20 * len(small.master.stores)
    assert len(large.master.distributors) > len(small.master.distributors)


def test_build_world_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="units must be between"):
        build_world(0, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_world(10, 1, start=datetime(2025, 1, 1))


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_documents(docs: list[dict[str, Any]]) -> None:
    again = simulate(build_world(UNITS, SEED), SEED, events_per_document=700)
    assert _serialize(iter(docs)) == _serialize(again)


def test_different_seed_gives_different_documents(docs: list[dict[str, Any]]) -> None:
    other = _serialize(simulate(build_world(UNITS, SEED + 1), SEED + 1, events_per_document=700))
    assert other[0] != _serialize(iter(docs))[0]
    assert build_world(UNITS, SEED + 1).master != build_world(UNITS, SEED).master


# -- documents -----------------------------------------------------------------------------


def test_documents_are_epcis_json_ld_of_bounded_size(docs: list[dict[str, Any]]) -> None:
    assert len(docs) > 1
    for d in docs:
        assert d["@context"] == CONTEXT
        assert d["type"] == "EPCISDocument" and d["schemaVersion"] == "2.0"
        body = d["epcisBody"]["eventList"]
        assert 1 <= len(body) <= 700
        assert d["creationDate"] == body[-1]["eventTime"]
    assert all(len(d["epcisBody"]["eventList"]) == 700 for d in docs[:-1])


def test_events_come_in_time_order_with_unique_ids(events: list[Event]) -> None:
    times = [datetime.fromisoformat(e["eventTime"]) for e in events]
    assert times == sorted(times)
    assert all(e["eventTimeZoneOffset"] == "+08:00" for e in events)
    ids = [e["eventID"] for e in events]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)


# -- the flow ------------------------------------------------------------------------------


def test_every_unit_is_commissioned_once_in_lot_chunks(world: World, events: list[Event]) -> None:
    commissioned = _of(events, "commissioning")
    units = [u for e in commissioned for u in e["epcList"]]
    assert len(units) == len(set(units)) == UNITS
    assert all(len(e["epcList"]) <= 960 for e in commissioned)
    lines = {line.id: line.plant_id for line in world.master.lines}
    for e in commissioned:
        assert e["action"] == "ADD" and e["disposition"] == "active"
        assert lines[e["readPoint"]["id"]] == e["bizLocation"]["id"]
        assert e["ilmd"]["cbvmda:lotNumber"]
    gtins = {p.item_ref for p in world.master.products}
    for unit in units:
        cp, item_ref, serial = unit.removeprefix("urn:epc:id:sgtin:").split(".")
        assert cp == world.company_prefix and item_ref in gtins
        assert len(serial) == 12 and set(serial) <= set(SERIAL_ALPHABET)


def test_every_unit_packed_once_into_cases_and_pallets(events: list[Event]) -> None:
    packing = _of(events, "packing", "AggregationEvent")
    children = [c for e in packing for c in e["childEPCs"]]
    assert len(children) == len(set(children))
    units = {u for e in _of(events, "commissioning") for u in e["epcList"]}
    unit_children = [c for c in children if c.startswith("urn:epc:id:sgtin:")]
    assert set(unit_children) == units
    case_ids = {e["parentID"] for e in packing if e["childEPCs"][0].startswith("urn:epc:id:sgtin")}
    pallet_children = {c for c in children if c.startswith("urn:epc:id:sscc:")}
    assert pallet_children == case_ids
    for e in packing:
        size = len(e["childEPCs"])
        assert size <= (24 if e["childEPCs"][0].startswith("urn:epc:id:sgtin") else 40)


def test_ssccs_have_seventeen_digits_behind_the_check_digit(events: list[Event]) -> None:
    for e in _of(events, "packing", "AggregationEvent"):
        cp, ref = e["parentID"].removeprefix("urn:epc:id:sscc:").split(".")
        assert len(cp + ref) == 17 and (cp + ref).isdigit()
        sscc = ref[0] + cp + ref[1:]
        assert len(sscc + gs1_check_digit(sscc)) == 18


def test_every_shipment_is_received_and_follows_the_channel(
    world: World, events: list[Event]
) -> None:
    supplies = {(s.supplier_id, s.customer_id) for s in world.master.supplies}
    shipped = {_desadv(e): e for e in _of(events, "shipping")}
    received = {_desadv(e): e for e in _of(events, "receiving")}
    assert shipped.keys() == received.keys() and shipped
    for key, ship in shipped.items():
        got = received[key]
        assert ship["disposition"] == "in_transit" and got["disposition"] == "in_progress"
        assert ship["epcList"] == got["epcList"]
        assert ship["sourceList"] == got["sourceList"]
        source, dest = ship["sourceList"][0]["source"], ship["destinationList"][0]["destination"]
        assert {r["type"] for r in ship["sourceList"]} == {"owning_party", "location"}
        assert (source, dest) in supplies
        assert got["bizLocation"]["id"] == dest
        assert {t["type"] for t in ship["bizTransactionList"]} == {"desadv", "po"}
        assert datetime.fromisoformat(got["eventTime"]) > datetime.fromisoformat(ship["eventTime"])


def _desadv(e: Event) -> str:
    return str(next(t["bizTransaction"] for t in e["bizTransactionList"] if t["type"] == "desadv"))


def test_pallets_unpacked_at_provincial_cases_at_stores(world: World, events: list[Event]) -> None:
    tier = {d.id: d.tier for d in world.master.distributors}
    stores = {s.id for s in world.master.stores}
    unpacking = _of(events, "unpacking", "AggregationEvent")
    assert unpacking and all(e["action"] == "DELETE" for e in unpacking)
    for e in unpacking:
        where = e["bizLocation"]["id"]
        if e["childEPCs"][0].startswith("urn:epc:id:sgtin:"):
            assert where in stores
        else:
            assert tier.get(where) == 2


def test_most_units_are_sold_and_some_scanned(world: World, events: list[Event]) -> None:
    stores = {s.id for s in world.master.stores}
    at_store = {
        u
        for e in _of(events, "unpacking", "AggregationEvent")
        if e["bizLocation"]["id"] in stores
        for u in e["childEPCs"]
    }
    selling = _of(events, "retail_selling")
    sold = [u for e in selling for u in e["epcList"]]
    assert len(sold) == len(set(sold)) and set(sold) <= at_store
    assert 0.75 * len(at_store) < len(sold) < len(at_store)
    assert all(e["disposition"] == "retail_sold" for e in selling)
    scans = _of(events, SCAN_BIZ_STEP)
    consumer = [e for e in scans if e["yima:scanKind"] == "consumer"]
    scanned = Counter(e["epcList"][0] for e in consumer)
    assert set(scanned) <= set(sold)
    assert 0.2 * len(sold) < len(scanned) < 0.4 * len(sold)
    assert max(scanned.values()) == 2
    consumers = {c.id: c for c in world.master.consumers}
    for e in consumer:
        assert "bizLocation" not in e and "readPoint" not in e
        assert consumers[e["yima:actor"]].device == e["yima:device"]
        assert e["yima:region"] == consumers[e["yima:actor"]].region_code
        assert isinstance(e["yima:lat"], float) and e["yima:clientScanId"]


def test_scans_follow_sales(events: list[Event]) -> None:
    sold_at = {
        u: datetime.fromisoformat(e["eventTime"])
        for e in _of(events, "retail_selling")
        for u in e["epcList"]
    }
    for e in _of(events, SCAN_BIZ_STEP):
        if e["yima:scanKind"] == "consumer":
            assert datetime.fromisoformat(e["eventTime"]) > sold_at[e["epcList"][0]]


# -- planters ------------------------------------------------------------------------------


@dataclasses.dataclass
class _ExtraStorePlanter:
    """Adds one store supplied by every city distributor and counts the events it saw."""

    name: str = "extra_store"
    seen: int = 0
    store_id: str = ""

    def plant_world(self, world: World, rng: random.Random) -> World:
        cities = world.distributors_of_tier(3)
        city = cities[0]
        store = Store(
            "urn:epc:id:sgln:6917821.99999.0",
            "新开店",
            city.region_code,
            city.lat,
            city.lon,
        )
        self.store_id = store.id
        master = dataclasses.replace(
            world.master,
            stores=(*world.master.stores, store),
            supplies=(*world.master.supplies, *(Supply(c.id, store.id) for c in cities)),
        )
        routes = (Route(c.id, store.id, 50.0) for c in cities)
        return dataclasses.replace(world, master=master, routes=(*world.routes, *routes))

    def plant_events(
        self, events: Iterator[Event], world: World, rng: random.Random
    ) -> Iterator[Event]:
        for e in events:
            self.seen += 1
            yield e

    def ground_truth(self) -> dict[str, Any]:
        return {"stores": [self.store_id], "events_seen": self.seen}


def test_planter_hooks_change_world_and_see_every_event(tmp_path: Path) -> None:
    planter = _ExtraStorePlanter()
    assert isinstance(planter, Planter)
    world = build_world(3_000, 3, planters=[planter])
    assert planter.store_id in world.master.party_ids()
    events = [
        e for d in simulate(world, 3, planters=[planter]) for e in d["epcisBody"]["eventList"]
    ]
    assert planter.seen == len(events)
    assert any(e.get("bizLocation", {}).get("id") == planter.store_id for e in events)
    path = write_ground_truth(tmp_path / "truth.json", world, [planter])
    truth = json.loads(path.read_text("utf-8"))
    assert truth["seed"] == 3 and truth["units"] == 3_000
    assert truth["planters"]["extra_store"] == {
        "stores": [planter.store_id],
        "events_seen": len(events),
    }


def test_ground_truth_needs_unique_planter_names(tmp_path: Path) -> None:
    world = build_world(100, 1)
    with pytest.raises(ValueError, match="names must be unique"):
        write_ground_truth(tmp_path / "t.json", world, [_ExtraStorePlanter(), _ExtraStorePlanter()])


def test_partial_last_case_and_pallet() -> None:
    world = build_world(1_000, 2)  # one full pallet (960) and two cases of 24 and 16
    events = [e for d in simulate(world, 2) for e in d["epcisBody"]["eventList"]]
    sizes = sorted(
        len(e["childEPCs"])
        for e in _of(events, "packing", "AggregationEvent")
        if e["childEPCs"][0].startswith("urn:epc:id:sgtin:")
    )
    assert sum(sizes) == 1_000 and sizes[0] == 16


def test_every_document_passes_epcis_validation(docs: list[dict[str, Any]]) -> None:
    from loaders.epcis.document import parse_document

    assert sum(len(parse_document(d)) for d in docs) == sum(
        len(d["epcisBody"]["eventList"]) for d in docs
    )


def test_output_does_not_depend_on_the_process(tmp_path: Path) -> None:
    script = (
        "import hashlib, json, sys\n"
        "from loaders.demo import build_world, simulate\n"
        "h = hashlib.sha256()\n"
        "for d in simulate(build_world(1500, 5), 5):\n"
        "    h.update(json.dumps(d).encode())\n"
        "print(h.hexdigest())\n"
    )
    root = Path(__file__).resolve().parent.parent
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1
