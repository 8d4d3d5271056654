"""Referral-ring detection on hand-made groups and on the demo generator's planted farms."""

from __future__ import annotations

import csv
import doctest
import json
import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import networkx as nx
import pytest

import algorithms.referral.accounts
import algorithms.referral.rings
import algorithms.referral.signals
import loaders.demo.referrals
from algorithms.referral import (
    Account,
    ReferralForest,
    ReferralInputError,
    Ring,
    RingSettings,
    Scan,
    detect_rings,
    location_cell,
    score_groups,
)
from loaders.demo.referrals import ReferralPolicy, ReferralWorld, consumer_ids, referral_world

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 20, tzinfo=CST)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def detector_inputs(world: ReferralWorld) -> tuple[list, list[Account]]:
    """What a repository query would hand the detector, made from the generator's rows."""
    scans: dict[str, list[Scan]] = defaultdict(list)
    for row in world.scans:
        at = datetime.fromisoformat(row["at"])
        scans[row["consumer_id"]].append(Scan(at, location_cell(row["lat"], row["lon"])))
    accounts = [
        Account(
            row["id"],
            datetime.fromisoformat(row["created_at"]),
            devices=(row["device"],),
            phones=(row["phone"],) if row["phone"] else (),
            payouts=(row["payout"],) if row["payout"] else (),
            scans=tuple(scans[row["id"]]),
        )
        for row in world.consumers
    ]
    referrals = [
        (row["referrer_id"], row["referee_id"], datetime.fromisoformat(row["at"]))
        for row in world.referrals
    ]
    return referrals, accounts


def member(cid: str, created: datetime, *scans: Scan, device: str = "", **identity) -> Account:
    return Account(cid, created, devices=(device,) if device else (), scans=scans, **identity)


@pytest.mark.parametrize(
    "module",
    [
        algorithms.referral.accounts,
        algorithms.referral.signals,
        algorithms.referral.rings,
        loaders.demo.referrals,
    ],
)
def test_doctests(module) -> None:
    assert doctest.testmod(module).failed == 0


# -- the generator -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> ReferralWorld:
    return referral_world(consumer_ids(6_000), seed=11)


def test_generator_is_deterministic(world: ReferralWorld) -> None:
    again = referral_world(consumer_ids(6_000), seed=11)
    assert again == world
    assert referral_world(consumer_ids(6_000), seed=12).referrals != world.referrals


def test_every_consumer_is_planted_or_organic_once(world: ReferralWorld) -> None:
    ringed = [m for ring in world.truth["rings"] for m in ring["members"]]
    organic = world.truth["organic_members"]
    assert len(ringed) == len(set(ringed))
    assert sorted(ringed + organic) == sorted(consumer_ids(6_000))
    assert {ring["kind"] for ring in world.truth["rings"]} == {"device", "phone", "payout"}
    assert 0.03 < len(ringed) / 6_000 < 0.07


def test_each_campaign_is_a_forest_and_all_campaigns_close_no_cycle(world: ReferralWorld) -> None:
    by_campaign: dict[str, list] = defaultdict(list)
    for row in world.referrals:
        assert row["at"].endswith("+08:00")
        at = datetime.fromisoformat(row["at"])
        by_campaign[row["campaign"]].append((row["referrer_id"], row["referee_id"], at))
    assert set(by_campaign) == set(ReferralPolicy().campaigns)
    for edges in by_campaign.values():
        ReferralForest.from_edges(edges)  # raises on anything but a forest
    union = nx.DiGraph((a, b) for edges in by_campaign.values() for a, b, _ in edges)
    assert nx.is_directed_acyclic_graph(union)
    referred_twice = [b for b in union if union.in_degree(b) > 1]
    assert referred_twice, "some members are referred again in a later campaign"


def test_generator_uses_the_given_ids_and_refuses_repeats() -> None:
    ids = [f"urn:yima:consumer:m{k}" for k in range(300)]
    world = referral_world(ids, seed=3)
    assert [row["id"] for row in world.consumers] == ids
    with pytest.raises(ValueError, match="consumers: ids must be distinct"):
        referral_world(["a", "a"], seed=3)


def test_world_writes_its_tables(world: ReferralWorld, tmp_path: Path) -> None:
    out = world.write(tmp_path / "referrals")
    with (out / "referrals.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0].keys() == {"referrer_id", "referee_id", "at", "campaign"}
    assert len(rows) == len(world.referrals)
    truth = json.loads((out / "referral-truth.json").read_text("utf-8"))
    assert truth["rings"][0]["members"] == world.truth["rings"][0]["members"]
    for name in ("consumers.csv", "scans.csv"):
        assert (out / name).stat().st_size > 0


# -- detection on the generator's planted farms ---------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_planted_ring_members_are_found(seed: int) -> None:
    world = referral_world(consumer_ids(8_000), seed=seed)
    referrals, accounts = detector_inputs(world)
    flagged = {m for ring in detect_rings(referrals, accounts) for m in ring.members}
    planted = {m for ring in world.truth["rings"] for m in ring["members"]}
    organic = set(world.truth["organic_members"])
    found = len(flagged & planted)
    assert found / len(flagged) >= 0.9, "precision"
    assert found / len(planted) >= 0.9, "recall"
    assert len(flagged & organic) / len(organic) <= 0.01, "organic members flagged"


def test_rings_are_traceable_to_their_shared_attributes(world: ReferralWorld) -> None:
    referrals, accounts = detector_inputs(world)
    rings = detect_rings(referrals, accounts)
    assert rings
    holders = defaultdict(set)
    for account in accounts:
        for kind, value in account.attributes():
            holders[f"{kind}:{value}"].add(account.id)
    for ring in rings:
        assert ring.id == Ring.id_of(ring.members) and 0.5 <= ring.score <= 1
        for attribute in ring.attributes:
            assert len(holders[attribute] & set(ring.members)) >= 2
        for reason in ring.reasons:
            assert set(reason.attributes) <= set(ring.attributes) and reason.detail


def test_ring_ids_do_not_depend_on_input_order(world: ReferralWorld) -> None:
    referrals, accounts = detector_inputs(world)
    rng = random.Random(5)
    rng.shuffle(referrals)
    rng.shuffle(accounts)
    assert detect_rings(referrals, accounts) == detect_rings(*detector_inputs(world))


# -- hand-made groups ----------------------------------------------------------------------


def family(head: str, device: str, relatives: int, *, evening: bool) -> tuple[list, list]:
    """A head and relatives on one device; relatives join the same evening or days apart
    and each scans once, an hour after joining (the worst case for a household)."""
    people = [member(head, T0 - 200 * DAY, Scan(T0 - DAY, "home"), device=device)]
    edges = []
    for k in range(relatives):
        joined = T0 + (k * 20 * timedelta(minutes=1) if evening else k * 9 * DAY)
        cid = f"{head}-r{k}"
        people.append(member(cid, joined, Scan(joined + HOUR, "home"), device=device))
        edges.append((head, cid, joined))
    return edges, people


@pytest.mark.parametrize("relatives", [1, 2, 3])
@pytest.mark.parametrize("evening", [True, False])
def test_a_family_on_one_device_is_not_a_ring(relatives: int, evening: bool) -> None:
    edges, people = family("mum", "tablet", relatives, evening=evening)
    [group] = score_groups(edges, people)
    assert len(group.members) == relatives + 1
    assert group.score < RingSettings().threshold
    assert detect_rings(edges, people) == ()


def test_shared_identity_alone_does_not_make_a_ring() -> None:
    """Eight people on one shop device, joined months apart, scanning at home for weeks."""
    people = [member("owner", T0 - 400 * DAY, device="shop")]
    edges = []
    for k in range(7):
        joined = T0 + 25 * k * DAY
        scans = [Scan(joined + (3 + 11 * j) * DAY, f"home-{k}") for j in range(k % 3 + 2)]
        people.append(member(f"p{k}", joined, *scans, device="shop"))
        edges.append(("owner", f"p{k}", joined))
    [group] = score_groups(edges, people)
    assert [r.kind for r in group.reasons] == ["shared_identity"]
    assert group.score < RingSettings().threshold


def test_colleagues_at_one_office_share_no_identity() -> None:
    people = [member("lead", T0 - 90 * DAY, device="d-lead")]
    people += [
        member(f"c{k}", T0 + k * HOUR, Scan(T0 + k * HOUR + HOUR, "office"), device=f"d{k}")
        for k in range(10)
    ]
    edges = [("lead", f"c{k}", T0 + k * HOUR) for k in range(10)]
    assert score_groups(edges, people) == ()


def farm(farmer: str, fakes: int, **identity) -> tuple[list, list]:
    """Fakes made minutes apart, each scanning once two hours later at the farm."""
    people = [Account(farmer, T0 - 30 * DAY, **identity)]
    edges = []
    for k in range(fakes):
        made = T0 + 4 * k * timedelta(minutes=1)
        cid = f"{farmer}-f{k}"
        people.append(Account(cid, made, scans=(Scan(made + 2 * HOUR, "farm"),), **identity))
        edges.append((farmer, cid, made))
    return edges, people


def test_a_device_farm_is_a_ring_with_its_reasons() -> None:
    edges, people = farm("boss", 9, devices=("d-farm",))
    [ring] = detect_rings(edges, people)
    assert len(ring.members) == 10 and ring.attributes == ("device:d-farm",)
    assert {r.kind for r in ring.reasons} == {
        "shared_identity",
        "account_burst",
        "one_shot",
        "one_place",
    }


def test_a_farm_split_over_a_phone_pool_is_one_ring() -> None:
    """Fakes on their own devices, three to each of three numbers none of which the farmer
    uses: the numbers alone give three groups of three, the farmer's referrals join them."""
    people = [Account("boss", T0 - 30 * DAY, devices=("d-boss",))]
    edges = []
    for k in range(9):
        made = T0 + 3 * k * timedelta(minutes=1)
        cid = f"f{k}"
        people.append(
            Account(
                cid,
                made,
                devices=(f"d{k}",),
                phones=(f"1390000000{k % 3}",),
                scans=(Scan(made + HOUR, "farm"),),
            )
        )
        edges.append(("boss", cid, made))
    [ring] = detect_rings(edges, people)
    assert ring.members == ("boss", *(f"f{k}" for k in range(9)))
    assert len(ring.attributes) == 3
    assert detect_rings(edges, people, RingSettings(merge_links=4)) == ()


def test_a_family_whose_member_referred_a_farmer_stays_out_of_the_ring() -> None:
    home_edges, household = family("aunt", "home-pc", 2, evening=False)
    farm_edges, fakes = farm("boss", 8, devices=("d-farm",))
    bridge = [("aunt", "boss", T0 - 30 * DAY)]
    [ring] = detect_rings(home_edges + bridge + farm_edges, household + fakes)
    assert not {p.id for p in household} & set(ring.members)


def test_attributes_shared_across_invite_trees_link_nobody() -> None:
    edges_a, people_a = farm("boss-a", 4, devices=("d-shared",))
    edges_b, people_b = farm("boss-b", 4, devices=("d-shared",))
    groups = score_groups(edges_a + edges_b, people_a + people_b)
    assert sorted(len(g.members) for g in groups) == [5, 5]


def test_an_attribute_shared_by_too_many_accounts_is_ignored() -> None:
    edges, people = farm("boss", 9, devices=("d-farm",))
    assert score_groups(edges, people, RingSettings(max_attribute_accounts=9)) == ()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"family_size": 10}, "family_size: must be at least 1 and below full_size"),
        ({"burst_full": 2}, "burst_full: burst_full and one_shot_full must exceed 2"),
        ({"claim_window": timedelta(0)}, "windows must be positive"),
        ({"threshold": 0.0}, r"threshold: must be in \(0, 1\]"),
        ({"weights": (("one_shot", 1.5),)}, r"weights: one_shot must be in \[0, 1\]"),
    ],
)
def test_bad_settings_are_refused(change: dict, match: str) -> None:
    with pytest.raises(ReferralInputError, match=match):
        RingSettings(**change)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ReferralInputError, match="at: referral 'a' -> 'b' has no offset"):
        detect_rings([("a", "b", datetime(2025, 3, 3))], [])
    with pytest.raises(ReferralInputError, match="accounts: 'a' appears twice"):
        detect_rings([], [Account("a"), Account("a")])
    with pytest.raises(ReferralInputError, match=r"location: no cell for \(91"):
        location_cell(91.0, 0.0)
