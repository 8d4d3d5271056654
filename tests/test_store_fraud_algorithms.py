"""Store-fraud detection on plain values: identity links, signals, clusters, and the
legitimate look-alikes (a chain, a mall, a family) that must not be flagged."""

from __future__ import annotations

import doctest
from dataclasses import replace

import numpy as np
import pytest

import algorithms.store_fraud.anomaly
import algorithms.store_fraud.clusters
import algorithms.store_fraud.errors
import algorithms.store_fraud.evaluation
import algorithms.store_fraud.identity
import algorithms.store_fraud.signals
from algorithms.store_fraud import (
    FraudSettings,
    OrderFact,
    ReasonKind,
    StoreFacts,
    StoreFraudInputError,
    colocated_spots,
    detect_store_fraud,
    quality,
    registration_bursts,
    store_signals,
)

DAY = 86_400.0
AS_OF = 400 * DAY


@pytest.mark.parametrize(
    "module",
    [
        algorithms.store_fraud.anomaly,
        algorithms.store_fraud.clusters,
        algorithms.store_fraud.errors,
        algorithms.store_fraud.identity,
        algorithms.store_fraud.evaluation,
        algorithms.store_fraud.signals,
    ],
)
def test_doctests(module) -> None:
    assert doctest.testmod(module).failed == 0


def honest(sid: str, k: int, **identity) -> StoreFacts:
    """A store that orders every nine days, sells what it gets, redeems a share of it."""
    orders = tuple(
        OrderFact(f"{sid}-o{j}", 7 + (j * 5 + k) % 30, (10 + 9 * j) * DAY, True) for j in range(12)
    )
    return StoreFacts(
        sid,
        lat=31.0 + k * 0.01,
        lon=121.0 + k * 0.01,
        received_units=200,
        redemptions=40,
        redemption_times=tuple((11 + 5 * j) * DAY for j in range(40)),
        sell_through_times=tuple((12 + 2 * j) * DAY for j in range(150)),
        staff_scans=10,
        orders=orders,
        **identity,
    )


def fake(sid: str, k: int, **identity) -> StoreFacts:
    """A store that orders without selling and redeems caps it never received."""
    orders = tuple(OrderFact(f"{sid}-o{j}", 20, (24 + 30 * j) * DAY, True) for j in range(6))
    return StoreFacts(
        sid,
        lat=30.0 + k * 0.01,
        lon=120.0 + k * 0.01,
        received_units=10,
        redemptions=60,
        redemption_times=tuple((23 + 30 * (j % 6)) * DAY for j in range(60)),
        orders=orders,
        **identity,
    )


def world() -> list[StoreFacts]:
    chain = [honest(f"chain{i}", i, owner="wang-group") for i in range(12)]
    mall = [
        replace(honest(f"mall{i}", 40 + i, addresses=("1 Nanjing Rd",)), lat=31.5, lon=121.5)
        for i in range(8)
    ]
    family = [honest(f"fam{i}", 60 + i, phones=("13900000000",)) for i in range(2)]
    ring = [
        fake(
            f"ring{i}",
            i,
            phones=("13800000001",),
            registered_by="sales-7",
            registered_at=(5 + i * 0.1) * DAY,
        )
        for i in range(5)
    ]
    loners = [honest(f"solo{i}", 80 + i) for i in range(30)]
    return chain + mall + family + ring + loners


def test_ring_found_look_alikes_not_flagged() -> None:
    found = detect_store_fraud(world(), as_of=AS_OF)
    flagged = found.flagged
    assert [c.store_ids for c in flagged] == [tuple(f"ring{i}" for i in range(5))]
    kinds = {r.kind for r in flagged[0].reasons}
    assert {ReasonKind.SHARED_PHONE, ReasonKind.OVER_REDEMPTION, ReasonKind.DEAD_ORDERS} <= kinds
    assert ReasonKind.REGISTRATION_BURST in kinds
    phone = next(r for r in flagged[0].reasons if r.kind == ReasonKind.SHARED_PHONE)
    assert phone.evidence == (("Phone", "13800000001"),)
    dead = next(r for r in flagged[0].reasons if r.kind == ReasonKind.DEAD_ORDERS)
    assert ("Order", "ring0-o0") in dead.evidence
    # the look-alikes are identity groups, but not clusters
    groups = set(found.identity.groups)
    assert tuple(sorted(f"chain{i}" for i in range(12))) in groups
    assert tuple(sorted(f"mall{i}" for i in range(8))) in groups
    assert ("fam0", "fam1") in groups
    assert found.risks["chain3"].score == 0 and found.risks["chain3"].cluster_id is None
    assert found.risks["ring2"].cluster_id == flagged[0].id
    assert set(found.seconds) == {"identity", "behaviour", "clusters"}


def test_ids_are_stable_and_runs_repeat() -> None:
    first = detect_store_fraud(world(), as_of=AS_OF)
    again = detect_store_fraud(list(reversed(world())), as_of=AS_OF)
    assert first.clusters == again.clusters


def test_a_lone_store_needs_strong_behaviour() -> None:
    weak = replace(
        honest("weak", 1),
        orders=tuple(OrderFact(f"w{j}", 20, (24 + 30 * j) * DAY, True) for j in range(6)),
    )
    strong = fake("strong", 2)
    found = detect_store_fraud([weak, strong, *[honest(f"h{i}", i) for i in range(5)]], as_of=AS_OF)
    flagged = {c.store_ids for c in found.flagged}
    assert flagged == {("strong",)}
    weak_cluster = [c for c in found.clusters if c.store_ids == ("weak",)]
    assert weak_cluster and not weak_cluster[0].flagged


def test_signals_each() -> None:
    settings = FraudSettings()
    staff = replace(
        honest("s", 1), staff_scans=10, staff_unreceived=8, evidence_scans=("scan-1", "scan-2")
    )
    kinds = [
        x.kind for x in store_signals(staff, as_of=AS_OF, stores_of_device={}, settings=settings)
    ]
    assert kinds == [ReasonKind.STAFF_UNRECEIVED]
    device = replace(honest("d", 1), devices=("pos-1",))
    found = store_signals(device, as_of=AS_OF, stores_of_device={"pos-1": 4}, settings=settings)
    assert [(x.kind, x.evidence) for x in found] == [
        (ReasonKind.DEVICE_MANY_STORES, (("Device", "pos-1"),))
    ]
    split = replace(
        honest("p", 1),
        orders=tuple(
            OrderFact(f"x{j}{h}", 19, (30 * j + 0.1 * h) * DAY, True)
            for j in range(4)
            for h in range(2)
        ),
    )
    kinds = [
        x.kind for x in store_signals(split, as_of=AS_OF, stores_of_device={}, settings=settings)
    ]
    assert ReasonKind.THRESHOLD_ORDERS in kinds
    # young orders are not judged dead
    young = replace(fake("y", 1), redemptions=0, redemption_times=())
    kinds = [
        x.kind
        for x in store_signals(young, as_of=100 * DAY, stores_of_device={}, settings=settings)
    ]
    assert ReasonKind.DEAD_ORDERS not in kinds and ReasonKind.THRESHOLD_ORDERS in kinds


def test_registration_bursts_chain_windows() -> None:
    regs = [(f"s{i}", "li", i * 0.5 * DAY) for i in range(6)]
    regs += [("late", "li", 100 * DAY), ("other", "wu", 0.0)]
    bursts = registration_bursts(regs, size=4, window_days=3)
    assert set(bursts) == {f"s{i}" for i in range(6)}
    assert set(bursts.values()) == {"li#0"}


def test_colocated_needs_two_within_radius() -> None:
    lat = np.array([31.0, 31.0002, 31.0, 35.0])
    lon = np.array([121.0, 121.0, 121.0003, 121.0])
    spots = colocated_spots(["a", "b", "c", "d"], lat, lon, 30.0)
    assert set(spots) == {"a", "b", "c"} and len(set(spots.values())) == 1
    with pytest.raises(StoreFraudInputError, match="lat"):
        colocated_spots(["a", "b"], np.array([91.0, 0.0]), np.array([0.0, 0.0]), 30.0)


def test_bad_input() -> None:
    with pytest.raises(StoreFraudInputError, match="given twice"):
        detect_store_fraud([StoreFacts("a"), StoreFacts("a")], as_of=AS_OF)
    with pytest.raises(StoreFraudInputError, match=r"settings\.threshold"):
        FraudSettings(threshold=2.0)
    with pytest.raises(StoreFraudInputError, match="payout_days"):
        FraudSettings(payout_days=(0,))
    with pytest.raises(StoreFraudInputError, match="method"):
        FraudSettings(method="magic")  # type: ignore[arg-type]


def test_isolation_forest_method_runs() -> None:
    found = detect_store_fraud(
        world(), as_of=AS_OF, settings=FraudSettings(method="isolation_forest")
    )
    ring = {f"ring{i}" for i in range(5)}
    assert min(found.risks[s].score for s in ring) > 0.5


def test_quality_of_partial_answers() -> None:
    truth = {"a": "r1", "b": "r1", "c": "r2"}
    q = quality(["a", "b", "c", "d", "e"], truth, [["a", "b", "d"]])
    assert (q.true_positives, q.false_positives, q.false_negatives) == (2, 1, 1)
    assert q.precision == pytest.approx(2 / 3) and q.recall == pytest.approx(2 / 3)
    assert q.ari < 1
