"""A unit's custody path through the channel and the hop where it leaked, on hand-built
histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from algorithms.diversion import (
    Channel,
    CustodyStep,
    DiversionInputError,
    LeakKind,
    RegionTree,
    StepKind,
    Territory,
    diversion_path,
    responsible_distributor,
)

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
GTIN = "06917821100014"
# plant -> national -> provincial (Guangdong) -> city (Shenzhen) -> store (Shenzhen)
PLANT, NATIONAL, PROVINCIAL, CITY, STORE = "plant", "national", "prov-gd", "city-sz", "store-sz"


@pytest.fixture(scope="module")
def channel() -> Channel:
    tree = RegionTree.from_parents(
        {"440000": None, "440300": "440000", "440100": "440000", "110000": None, "110100": "110000"}
    )
    return Channel(
        supplies=frozenset(
            {(PLANT, NATIONAL), (NATIONAL, PROVINCIAL), (PROVINCIAL, CITY), (CITY, STORE)}
        ),
        territories={
            NATIONAL: Territory.of(NATIONAL, ["440000", "110000"]),
            PROVINCIAL: Territory.of(PROVINCIAL, ["440000"]),
            CITY: Territory.of(CITY, ["440300"]),
        },
        tree=tree,
    )


def made() -> CustodyStep:
    return CustodyStep(StepKind.MADE, T0, PLANT, "440100", evidence=("e-made",))


def move(day: int, source: str, to: str, region: str, event: str) -> CustodyStep:
    when = T0 + timedelta(days=day)
    return CustodyStep(
        StepKind.TRANSFER, when, to, region, source, (f"{event}-ship", f"{event}-recv")
    )


def scan(day: int, region: str, scan_id: str, who: str = "c1") -> CustodyStep:
    return CustodyStep(StepKind.SCAN, T0 + timedelta(days=day), who, region, evidence=(scan_id,))


def channel_to_city() -> list[CustodyStep]:
    return [
        made(),
        move(1, PLANT, NATIONAL, "440100", "e1"),
        move(2, NATIONAL, PROVINCIAL, "440100", "e2"),
        move(3, PROVINCIAL, CITY, "440300", "e3"),
    ]


def test_a_unit_that_stays_in_the_channel_has_no_leak(channel: Channel) -> None:
    steps = [*channel_to_city(), move(4, CITY, STORE, "440300", "e4"), scan(20, "440300", "s1")]
    path = diversion_path("u1", GTIN, steps, channel)
    assert path.leak is None
    assert all(s.in_channel for s in path.steps)
    assert path.steps[-1].reason == "440300 lies within city-sz's territory 440300"


def test_off_contract_shipment_is_the_leak_hop(channel: Channel) -> None:
    steps = [
        *channel_to_city(),
        move(5, CITY, "store-bj", "110100", "e9"),
        scan(12, "110100", "s1"),
    ]
    path = diversion_path("u1", GTIN, steps, channel)
    assert [s.in_channel for s in path.steps] == [True, True, True, True, False, False]
    leak = path.leak
    assert leak is not None and leak.kind is LeakKind.OFF_CONTRACT_SHIPMENT
    assert leak.last_in_channel is not None and leak.last_in_channel.party_id == CITY
    assert leak.first_out.party_id == "store-bj"
    assert leak.evidence == ("e3-ship", "e3-recv", "e9-ship", "e9-recv")
    assert leak.summary.startswith("city-sz shipped to store-bj in 110100 with no contract")
    assert path.steps[-1].reason == "after the leak at store-bj"


def test_stock_that_vanished_and_surfaced_far_away(channel: Channel) -> None:
    steps = [*channel_to_city(), scan(30, "110100", "s7", "c9"), scan(31, "110100", "s8", "c10")]
    path = diversion_path("u1", GTIN, steps, channel)
    leak = path.leak
    assert leak is not None and leak.kind is LeakKind.UNRECORDED_TRANSFER
    assert leak.last_in_channel is not None and leak.last_in_channel.party_id == CITY
    assert leak.first_out.evidence == ("s7",)
    assert leak.evidence == ("e3-ship", "e3-recv", "s7")
    assert "left city-sz's records after 2025-03-06" in leak.summary
    assert "surfaced in 110100 on 2025-04-02" in leak.summary


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        # A store the city distributor has no contract with, but inside its territory.
        (move(4, CITY, "store-new", "440300", "e4"), "store-new sits where city-sz may sell"),
        # A scan without a region cannot be judged, and is not a leak.
        (scan(9, None, "s1"), "not judged: the scan has no region"),  # type: ignore[arg-type]
    ],
)
def test_steps_kept_in_the_channel(channel: Channel, step: CustodyStep, reason: str) -> None:
    path = diversion_path("u1", GTIN, [*channel_to_city(), step], channel)
    assert path.leak is None
    assert path.steps[-1].reason.startswith(reason)


def test_steps_are_put_in_time_order(channel: Channel) -> None:
    steps = list(reversed([*channel_to_city(), scan(30, "110100", "s7")]))
    path = diversion_path("u1", GTIN, steps, channel)
    assert path.steps[0].step.kind is StepKind.MADE
    assert path.leak is not None and path.leak.first_out.evidence == ("s7",)


def test_a_leak_by_an_upper_tier_names_it(channel: Channel) -> None:
    steps = [*channel_to_city()[:3], move(4, PROVINCIAL, "store-bj", "110100", "e5")]
    leak = diversion_path("u1", GTIN, steps, channel).leak
    assert leak is not None and leak.last_in_channel is not None
    assert leak.last_in_channel.party_id == PROVINCIAL


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (channel_to_city(), CITY),  # the last distributor that received it
        (channel_to_city()[:3], PROVINCIAL),
        # never received by a distributor: the one whose territory it was shipped into, the
        # most specific grant first
        ([made(), move(1, PLANT, STORE, "440300", "e1")], CITY),
        ([made(), move(1, PLANT, "store-gz", "440100", "e1")], PROVINCIAL),
        ([made()], None),
    ],
)
def test_responsible_distributor(
    channel: Channel, steps: list[CustodyStep], expected: str | None
) -> None:
    assert responsible_distributor(steps, GTIN, channel) == expected


def test_path_checks_its_steps(channel: Channel) -> None:
    naive = CustodyStep(StepKind.MADE, datetime(2025, 3, 3), PLANT, "440100")
    with pytest.raises(DiversionInputError, match=r"steps\[0\].at: must be timezone-aware"):
        diversion_path("u1", GTIN, [naive], channel)
    with pytest.raises(DiversionInputError, match=r"steps\[1\].region_code: 'atlantis'"):
        diversion_path("u1", GTIN, [made(), scan(1, "atlantis", "s")], channel)
