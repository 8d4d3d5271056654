"""Diversions planted in the demo world: the ground truth agrees with the generated events,
and the detector finds the planted cases and nothing else.

The rows the detector reads are extracted here from the EPCIS events in plain Python,
standing in for the graph read the diversion service does: every consumer and store scan
with its unit's product, case and pallet, and the last distributor that received the unit
(or a package it was in) before the scan.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from algorithms.diversion import (
    Centroids,
    Channel,
    Contract,
    CustodyStep,
    DiversionCase,
    Grant,
    LeakKind,
    RegionTree,
    ScanClass,
    ScanTable,
    StepKind,
    Territory,
    classify,
    diversion_path,
    find_cases,
)
from loaders.demo import World, build_world, simulate, write_ground_truth
from loaders.demo.diversion import DiversionPlanter
from loaders.demo.epcis import SCAN_BIZ_STEP
from loaders.regions import RegionIndex

UNITS = 60_000
SEED = 5
Event = dict[str, Any]


@dataclass
class History:
    """What the graph would hold, as the test needs it."""

    made: dict[str, CustodyStep] = field(default_factory=dict)
    case_of: dict[str, str] = field(default_factory=dict)
    pallet_of: dict[str, str] = field(default_factory=dict)
    transfers: dict[str, list[CustodyStep]] = field(default_factory=lambda: defaultdict(list))
    scans: dict[str, list[CustodyStep]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Planted:
    world: World
    planter: DiversionPlanter
    events: list[Event]
    truth: dict[str, Any]
    table: ScanTable
    history: History


def _at(e: Event) -> datetime:
    return datetime.fromisoformat(e["eventTime"])


def _extract(world: World, events: list[Event]) -> tuple[ScanTable, History]:
    m = world.master
    gtin_of = {p.item_ref: p.gtin for p in m.products}
    distributors = {d.id for d in m.distributors}
    region_of = {p.id: p.region_code for p in m.plants}
    region_of |= {d.id: d.region_code for d in m.distributors}
    region_of |= {s.id: s.region_code for s in m.stores}
    h = History()
    cases_in: dict[str, list[str]] = {}
    holder: dict[str, str] = {}
    shipped: dict[str, str] = {}
    columns: dict[str, list[Any]] = defaultdict(list)
    for e in events:
        step = e.get("bizStep")
        if step == "commissioning":
            plant = e["bizLocation"]["id"]
            made = CustodyStep(
                StepKind.MADE, _at(e), plant, region_of[plant], evidence=(e["eventID"],)
            )
            h.made.update(dict.fromkeys(e["epcList"], made))
        elif step == "packing":
            children = e["childEPCs"]
            if children[0].startswith("urn:epc:id:sgtin:"):
                h.case_of.update(dict.fromkeys(children, e["parentID"]))
            else:
                h.pallet_of.update(dict.fromkeys(children, e["parentID"]))
                cases_in[e["parentID"]] = list(children)
        elif step == "shipping":
            shipped[e["bizTransactionList"][0]["bizTransaction"]] = e["eventID"]
        elif step == "receiving":
            party = e["bizLocation"]["id"]
            source = e["sourceList"][0]["source"]
            ship = shipped.get(e["bizTransactionList"][0]["bizTransaction"], "")
            where = (party, region_of[party], source)
            move = CustodyStep(StepKind.TRANSFER, _at(e), *where, (ship, e["eventID"]))
            for epc in e["epcList"]:
                h.transfers[epc].append(move)
                if party in distributors:
                    for case in cases_in.get(epc, [epc]):
                        holder[case] = party
        elif step == SCAN_BIZ_STEP:
            unit = e["epcList"][0]
            case = h.case_of.get(unit)
            columns["scan_ids"].append(e["eventID"])
            columns["codes"].append(unit)
            columns["gtins"].append(gtin_of[unit.rsplit(":", 1)[1].split(".")[1]])
            columns["at"].append(int(_at(e).timestamp()))
            columns["regions"].append(e["yima:region"])
            columns["actors"].append(e["yima:actor"])
            columns["distributors"].append(holder.get(case) if case else None)
            columns["cases"].append(case)
            columns["pallets"].append(h.pallet_of.get(case) if case else None)
            columns["lat"].append(e["yima:lat"])
            columns["lon"].append(e["yima:lon"])
            seen = (e["yima:actor"], e["yima:region"])
            scan = CustodyStep(StepKind.SCAN, _at(e), *seen, evidence=(e["eventID"],))
            h.scans[unit].append(scan)
    return ScanTable.from_columns(**columns), h


def _territories(world: World) -> dict[str, Territory]:
    m = world.master
    region_of = {d.id: d.region_code for d in m.distributors}
    region_of |= {s.id: s.region_code for s in m.stores}
    contracts: dict[str, list[Contract]] = defaultdict(list)
    for s in m.supplies:
        if s.customer_id in region_of:
            contracts[s.supplier_id].append(Contract(s.customer_id, region_of[s.customer_id]))
    return {
        d.id: Territory(
            d.id,
            tuple(Grant(a.region_code, frozenset(a.gtins)) for a in d.authorized),
            tuple(contracts[d.id]),
        )
        for d in m.distributors
    }


def _tree(world: World) -> RegionTree:
    return RegionTree.from_parents({r.code: r.parent_code for r in world.master.regions})


@pytest.fixture(scope="module")
def planted() -> Planted:
    planter = DiversionPlanter()
    world = build_world(UNITS, SEED, planters=[planter])
    events = [
        e for d in simulate(world, SEED, planters=[planter]) for e in d["epcisBody"]["eventList"]
    ]
    table, history = _extract(world, events)
    return Planted(world, planter, events, planter.ground_truth(), table, history)


@pytest.fixture(scope="module")
def cases(planted: Planted) -> list[DiversionCase]:
    world = planted.world
    tree = _tree(world)
    centroids = Centroids.of({r.code: (r.lat, r.lon) for r in world.master.regions}, tree)
    found = classify(planted.table, _territories(world), tree)
    return find_cases(found, centroids=centroids)


# -- the ground truth against the events ---------------------------------------------------


def test_planted_world_is_sound(planted: Planted) -> None:
    assert planted.world.master.check_references() == []
    truth = planted.truth
    moved = [c for c in truth["cases"] if c["units"]]
    assert len(truth["cases"]) == 8 and len(moved) >= 7
    assert len({c["distributor"] for c in moved}) >= 6  # several dealers
    assert len({c["mechanism"] for c in moved}) == 2
    assert len({c["units"] for c in moved}) == len(moved)  # different volumes
    regions = [c["region"] for c in moved]
    assert len(set(regions)) < len(regions)  # one hub receives two dealers' goods


def test_planted_scans_surface_in_the_planted_region(planted: Planted) -> None:
    by_id = {e["eventID"]: e for e in planted.events}
    for case in planted.truth["cases"]:
        units = set(case["unit_ids"])
        assert len(units) == case["units"] == 24 * case["cases_shipped"]
        for scan_id in case["scans"]:
            e = by_id[scan_id]
            assert e["epcList"][0] in units
            assert e["yima:region"] == case["region"] and e["yima:scanKind"] == "consumer"
        if case["scans"]:
            times = sorted(by_id[s]["eventTime"] for s in case["scans"])
            assert case["window"] == {"from": times[0], "to": times[-1]}


def test_off_contract_shipments_are_recorded_and_unrecorded_ones_are_not(
    planted: Planted,
) -> None:
    ids = {e["eventID"] for e in planted.events}
    supplies = {(s.supplier_id, s.customer_id) for s in planted.world.master.supplies}
    located = {e["bizLocation"]["id"] for e in planted.events if "bizLocation" in e}
    for case in planted.truth["cases"]:
        assert (case["distributor"], case["destination"]) not in supplies
        recorded = set(case["shipments"]) | set(case["receipts"])
        if case["mechanism"] == "off_contract_shipment":
            assert recorded <= ids and case["destination"] in located
        else:
            assert not recorded & ids  # the goods left with no shipment on record
            assert case["destination"] not in located  # the outlet records nothing


def test_noise_is_where_the_ground_truth_says(planted: Planted) -> None:
    noise = planted.truth["noise"]
    world = planted.world
    regions = world.regions_by_code
    index = RegionIndex(r for r in world.master.regions if r.level == "prefecture")
    by_id = {e["eventID"]: e for e in planted.events}
    assert len(noise["travellers"]) > 50
    for t in noise["travellers"]:
        e = by_id[t["scan"]]
        assert e["yima:region"] == t["region"] != t["home"]
        assert regions[t["region"]].parent_code != regions[t["home"]].parent_code
        assert index.locate(e["yima:lat"], e["yima:lon"]).code == t["region"]
    kinds = {s["kind"]: s for s in noise["legitimate"]}
    assert kinds.keys() == {"contracted_supply", "product_grant"}
    supplies = {(s.supplier_id, s.customer_id) for s in world.master.supplies}
    contracted = kinds["contracted_supply"]
    assert (contracted["distributor"], contracted["store"]) in supplies
    granted = kinds["product_grant"]
    dealer = next(d for d in world.master.distributors if d.id == granted["distributor"])
    assert any(a.region_code == granted["region"] and a.gtins for a in dealer.authorized)
    scanned_in = {e["yima:region"] for e in planted.events if e.get("bizStep") == SCAN_BIZ_STEP}
    assert {contracted["region"], granted["region"]} <= scanned_in


def test_legitimate_supply_classifies_as_legitimate(planted: Planted) -> None:
    world = planted.world
    found = classify(planted.table, _territories(world), _tree(world))
    counts = found.counts()
    assert counts[ScanClass.CONTRACTED] > 10 and counts[ScanClass.AUTHORIZED_PRODUCT] > 10
    assert counts[ScanClass.UNATTRIBUTED] == counts[ScanClass.UNLOCATED] == 0


# -- detection against the ground truth ----------------------------------------------------


def _matches(case: DiversionCase, planted: dict[str, Any]) -> bool:
    window = planted["window"]
    if window is None or (case.distributor_id, case.region_code) != (
        planted["distributor"],
        planted["region"],
    ):
        return False
    first, last = datetime.fromisoformat(window["from"]), datetime.fromisoformat(window["to"])
    return case.period.start <= last and first < case.period.end


def test_planted_cases_found_with_precision_and_recall(
    planted: Planted, cases: list[DiversionCase]
) -> None:
    truth = [c for c in planted.truth["cases"] if c["scans"]]
    precision = sum(any(_matches(k, t) for t in truth) for k in cases) / len(cases)
    recall = sum(any(_matches(k, t) for k in cases) for t in truth) / len(truth)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_no_case_from_travellers_alone(planted: Planted, cases: list[DiversionCase]) -> None:
    travellers = {t["scan"] for t in planted.truth["noise"]["travellers"]}
    assert not [c for c in cases if set(c.scan_ids) <= travellers]
    legit = {(s["distributor"], s["region"]) for s in planted.truth["noise"]["legitimate"]}
    assert not [c for c in cases if (c.distributor_id, c.region_code) in legit]


def test_cases_carry_their_evidence(planted: Planted, cases: list[DiversionCase]) -> None:
    units = {u for c in planted.truth["cases"] for u in c["unit_ids"]}
    for case in cases:
        assert set(case.codes) <= units | {t["unit"] for t in planted.truth["noise"]["travellers"]}
        assert case.distance_km is not None and case.distance_km > 300
        assert case.reasons[0].startswith(f"{case.units} units of {case.distributor_id}'s stock")


def test_leak_hop_of_planted_units(planted: Planted) -> None:
    world = planted.world
    h = planted.history
    channel = Channel(
        frozenset((s.supplier_id, s.customer_id) for s in world.master.supplies),
        _territories(world),
        _tree(world),
    )
    gtin_of = {p.item_ref: p.gtin for p in world.master.products}
    for case in planted.truth["cases"]:
        for unit in case["unit_ids"][:5]:
            packages = [h.case_of[unit], h.pallet_of[h.case_of[unit]], unit]
            steps = [h.made[unit], *(m for p in packages for m in h.transfers[p]), *h.scans[unit]]
            gtin = gtin_of[unit.rsplit(":", 1)[1].split(".")[1]]
            path = diversion_path(unit, gtin, steps, channel)
            leak = path.leak
            if not h.scans[unit] and case["mechanism"] == "unrecorded_transfer":
                assert leak is None  # nothing surfaced: nothing to see
                continue
            assert leak is not None and leak.last_in_channel is not None
            assert leak.last_in_channel.party_id == case["distributor"]
            expected = LeakKind(case["mechanism"])
            assert leak.kind is expected
            if expected is LeakKind.OFF_CONTRACT_SHIPMENT:
                assert leak.first_out.party_id == case["destination"]
                assert set(leak.first_out.evidence) <= set(case["shipments"] + case["receipts"])
            else:
                assert leak.first_out.region_code == case["region"]
                assert leak.first_out.evidence[0] in case["scans"]


def test_planter_is_deterministic_and_writes_its_truth(tmp_path: Path) -> None:
    def run() -> tuple[DiversionPlanter, dict[str, Any]]:
        planter = DiversionPlanter(diversions=3, legitimate=1)
        world = build_world(20_000, 2, planters=[planter])
        before = planter.ground_truth()
        for _ in simulate(world, 2, planters=[planter]):
            pass
        write_ground_truth(tmp_path / "truth.json", world, [planter])
        return planter, before

    first, before = run()
    assert all(c["units"] == 0 and c["window"] is None for c in before["cases"])
    again, _ = run()
    assert first.ground_truth() == again.ground_truth()
    saved = json.loads((tmp_path / "truth.json").read_text("utf-8"))
    assert saved["planters"]["diversion"] == json.loads(json.dumps(again.ground_truth()))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"diversions": -1}, "diversions must be >= 0"),
        ({"legitimate": 3}, "legitimate 0-2"),
        ({"traveller_share": 1.0}, r"traveller_share must lie in \[0, 1\)"),
        ({"share_range": (0.2, 0.1)}, "share_range must satisfy"),
    ],
)
def test_planter_refuses_bad_settings(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DiversionPlanter(**kwargs)


def test_planter_needs_its_world_before_the_stream() -> None:
    planter = DiversionPlanter()
    with pytest.raises(RuntimeError, match="needs the world of this planter's plant_world"):
        planter.plant_events(iter([]), build_world(2_000, 1), random.Random(1))
