"""Flows between regions and velocity through the channel, on known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from algorithms.diversion import DiversionInputError, DiversionSettings, Leg, region_flows, velocity

DAY = 86_400
APRIL = int(datetime(2025, 4, 10, tzinfo=UTC).timestamp())
MAY = int(datetime(2025, 5, 10, tzinfo=UTC).timestamp())
NAN = math.nan


def test_flows_count_units_per_product_period_and_pair() -> None:
    gtins = ["wine", "wine", "wine", "wine", "beer", "wine"]
    at = [APRIL, APRIL, APRIL, MAY, APRIL, APRIL]
    sent = ["440300", "440300", "440300", "440300", "440300", None]
    ended = ["440300", "110100", "110100", "110100", "110100", "110100"]
    flows = region_flows(gtins, at, sent, ended)
    got = [(f.gtin, f.period, f.origin, f.destination, f.units) for f in flows]
    assert got == [
        ("beer", "2025-04", "440300", "110100", 1),
        ("wine", "2025-04", "440300", "110100", 2),
        ("wine", "2025-04", "440300", "440300", 1),
        ("wine", "2025-05", "440300", "110100", 1),
    ]
    assert [f.crossed for f in flows] == [True, True, False, True]


def test_flows_of_nothing_and_bad_input() -> None:
    assert region_flows([], [], [], []) == []
    assert region_flows(["g"], [NAN], ["a"], ["b"]) == []
    with pytest.raises(DiversionInputError, match=r"at: must have one entry per unit \(2\)"):
        region_flows(["g", "g"], [APRIL], ["a", "a"], ["b", "b"])
    with pytest.raises(DiversionInputError, match="origins: origins and destinations need 1"):
        region_flows(["g"], [APRIL], [], ["b"])


def test_velocity_per_product_and_period_of_manufacture() -> None:
    made = [APRIL, APRIL, APRIL, MAY]
    store = [APRIL + 2 * DAY, APRIL + 4 * DAY, NAN, MAY + DAY]
    consumer = [APRIL + 12 * DAY, NAN, NAN, MAY + 3 * DAY]
    april, may = velocity(["wine"] * 4, made, store, consumer)
    assert (april.period, april.units, may.period, may.units) == ("2025-04", 3, "2025-05", 1)
    assert april.plant_to_store == Leg(2, 3.0, 3.8)
    assert april.store_to_consumer == Leg(1, 10.0, 10.0)
    assert april.plant_to_consumer == Leg(1, 12.0, 12.0)
    assert may.store_to_consumer == Leg(1, 2.0, 2.0)


def test_velocity_weeks_and_checks() -> None:
    (week,) = velocity(["g"], [APRIL], [NAN], [NAN], settings=DiversionSettings(period="week"))
    assert week.period == "2025-W15" and week.plant_to_store == Leg(0, None, None)
    assert velocity([], [], [], []) == []
    with pytest.raises(DiversionInputError, match="made_at: every unit needs the time it was made"):
        velocity(["g"], [NAN], [NAN], [NAN])
    with pytest.raises(DiversionInputError, match="store_at: must hold epoch seconds or NaN"):
        velocity(["g"], [APRIL], [math.inf], [NAN])
