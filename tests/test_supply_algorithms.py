"""The supply algorithms on small ledgers with answers worked out by hand, and the
stock_reports.csv reader."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from algorithms.supply import (
    DAY,
    ConsumerScan,
    ForecastSettings,
    Kind,
    LotDates,
    Movement,
    Node,
    StockReport,
    SupplyInputError,
    Tier,
    arrival,
    backtest,
    balances,
    breadth,
    distribution_rates,
    dwell_days,
    fefo_violations,
    forecast,
    lot_stock,
    reconcile,
    rollup,
    seasonal_naive,
    slow_movers,
    suggest,
    transit_days,
    wape,
    weekly_demand,
)
from graph_model.errors import InvalidField
from loaders.stock_reports import read_stock_reports

T0 = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
P, R, D = Kind.PRODUCED, Kind.RECEIVED, Kind.SHIPPED
NODES = {
    "plant": Node("plant", "Plant", Tier.PLANT, "110100", "110000"),
    "dist": Node("dist", "Dealer", Tier.CITY, "110100", "110000"),
    "s1": Node("s1", "Store 1", Tier.STORE, "110100", "110000"),
    "s2": Node("s2", "Store 2", Tier.STORE, "110100", "110000"),
    "s3": Node("s3", "Store 3", Tier.STORE, "310100", "310000"),
}


def m(party: str, kind: Kind, day: float, units: int, lot: str = "L1", gtin: str = "g") -> Movement:
    return Movement(party, gtin, lot, kind, T0 + day * DAY, units)


def test_balances_rollups_and_reconciliation() -> None:
    ledger = [
        m("plant", P, 0, 100),
        m("plant", D, 1, 60),
        m("dist", R, 2, 60),
        m("dist", D, 3, 40),
        m("s1", R, 4, 40),
        m("s1", Kind.SOLD, 5, 15),
    ]
    at = T0 + 4.5 * DAY
    got = {(b.party, b.gtin): b.on_hand for b in balances(ledger, at)}
    assert got == {("plant", "g"): 40, ("dist", "g"): 20, ("s1", "g"): 40}
    tiers = {r.key: r.on_hand for r in rollup(balances(ledger, at), NODES, "tier")}
    assert tiers == {"plant": 40, "city": 20, "store": 40}
    assert {r.key for r in rollup(balances(ledger, at), NODES, "province")} == {"110000"}
    reports = [StockReport("s1", "g", 30, T0 + 6 * DAY), StockReport("s2", "g", 5, at)]
    diffs = reconcile(reports, ledger)
    assert [(d.computed, d.difference) for d in diffs] == [(25, 5), (0, 5)]
    with pytest.raises(SupplyInputError, match="offset"):
        balances(ledger, datetime(2025, 1, 1))


def test_lots_on_hand_age_and_risk() -> None:
    dates = {("g", "old"): LotDates(T0, T0 + 20 * DAY), ("g", "new"): LotDates(T0 + DAY, None)}
    ledger = [m("s1", R, 2, 10, "old"), m("s1", R, 2, 5, "new"), m("s1", Kind.SOLD, 3, 4, "old")]
    rows = {s.lot: s for s in lot_stock(ledger, dates, T0 + 10 * DAY, 14)}
    assert rows["old"].units == 6 and rows["old"].age_days == 10.0 and rows["old"].at_risk
    assert rows["old"].days_left == 10.0
    assert rows["new"].units == 5 and not rows["new"].at_risk and rows["new"].expires is None
    assert not lot_stock(ledger, dates, T0 + 10 * DAY, 5)[1].at_risk
    with pytest.raises(SupplyInputError, match="horizon"):
        lot_stock(ledger, dates, T0, -1)


def test_fefo_flags_only_a_newer_lot_shipped_while_an_older_stays() -> None:
    dates = {("g", "old"): LotDates(T0, T0 + 30 * DAY), ("g", "new"): LotDates(T0, T0 + 90 * DAY)}
    received = [m("dist", R, 0, 10, "old"), m("dist", R, 0, 10, "new")]
    good = [*received, m("dist", D, 1, 10, "old"), m("dist", D, 2, 10, "new")]
    assert fefo_violations(good, dates) == []
    together = [*received, m("dist", D, 1, 10, "old"), m("dist", D, 1, 10, "new")]
    assert fefo_violations(together, dates) == []
    bad = [*received, m("dist", D, 1, 4, "new"), m("dist", D, 2, 10, "old")]
    [v] = fefo_violations(bad, dates)
    assert (v.party, v.shipped_lot, v.shipped_units, v.older_lot, v.older_units_left) == (
        "dist", "new", 4, "old", 10,
    )  # fmt: skip


def test_distribution_rates_breadth_and_arrival() -> None:
    ledger = [
        m("plant", P, 0, 100, "L1", "g"),
        m("plant", P, 0, 50, "L2", "h"),
        m("plant", D, 1, 100, "L1", "g"),
        m("plant", D, 1, 50, "L2", "h"),
        m("s1", R, 2, 40, "L1", "g"),
        m("s2", R, 2, 30, "L1", "g"),
        m("s1", R, 3, 50, "L2", "h"),
        m("s3", R, 30, 30, "L1", "g"),  # after the window
    ]
    rates = {(r.gtin, r.province): r for r in distribution_rates(ledger, NODES, ["g", "h"],
                                                                 T0, T0 + 10 * DAY)}  # fmt: skip
    assert (rates[("g", "110000")].stocked, rates[("g", "110000")].targets) == (2, 2)
    assert rates[("h", "110000")].rate == 0.5
    assert rates[("g", "310000")].rate == 0.0
    widths = {b.province: b for b in breadth(ledger, NODES, T0, T0 + 10 * DAY)}
    assert widths["110000"].skus == 2 and widths["110000"].mean_skus_per_store == 1.5
    arrived = {a.gtin: a for a in arrival(ledger, NODES, {("g", "L1"): 35}, T0, T0 + DAY)}
    assert arrived["g"].store_rate == 1.0 and arrived["g"].consumer_rate == 0.35
    assert arrived["h"].reached_store == 50
    with pytest.raises(SupplyInputError, match="to"):
        distribution_rates(ledger, NODES, ["g"], T0, T0)


def test_days_through_the_channel_and_slow_movers() -> None:
    ledger = [
        m("plant", P, 0, 10),
        m("plant", D, 1, 10),
        m("s1", R, 3, 10),
        m("s1", Kind.SOLD, 4, 6),
        m("s1", Kind.SOLD, 7, 2),
    ]
    dates = {("g", "L1"): LotDates(T0, None)}
    scans = [ConsumerScan("s1", "g", "L1", T0 + 4 * DAY, T0 + 6 * DAY)]
    transit = {(d.key, d.province): d.mean_days for d in transit_days(ledger, NODES, dates, scans)}
    assert transit[("plantToStore", "all")] == 3.0
    assert transit[("storeToConsumer", "110000")] == 3.0
    dwell = {(d.key, d.province): (d.units, d.mean_days) for d in dwell_days(ledger, NODES)}
    assert dwell[("plant", "all")] == (10, 1.0)
    assert dwell[("store", "all")] == (8, (6 * 1 + 2 * 4) / 8)
    slow = slow_movers(ledger, T0 + 8 * DAY, 7, 5.0)
    assert slow == []  # s1's 2 units last 1.75 days at 8 units a week
    idle = slow_movers([*ledger, m("s2", R, 3, 5)], T0 + 8 * DAY, 7, 1.0)
    assert idle[0].party == "s2" and idle[0].days_of_cover is None


def test_seasonal_naive_and_wape() -> None:
    assert seasonal_naive(np.array([1.0, 2.0, 3.0, 4.0]), 3, 2).tolist() == [3.0, 4.0, 3.0]
    assert wape([10, 10], [10, 10]) == 0.0
    with pytest.raises(SupplyInputError, match="season"):
        seasonal_naive(np.array([1.0]), 1, 2)


def test_a_periodic_history_is_repeated_and_a_trend_beats_the_baseline() -> None:
    weeks = np.arange(40)
    periodic = {(f"g{i}", "11"): 50.0 + 20 * np.sin(2 * np.pi * weeks / 4) + i for i in range(4)}
    tested = backtest(periodic, ForecastSettings(holdout=4, season=4, lags=4))
    assert tested.season_used == 4 and tested.baseline_wape == pytest.approx(0.0, abs=1e-9)
    assert tested.model_wape is not None and tested.model_wape < 0.05
    trend = {(f"g{i}", "11"): 10.0 + (i + 1) * weeks for i in range(5)}
    scored = backtest(trend, ForecastSettings(holdout=4, season=52, lags=3))
    assert scored.season_used == 1
    assert scored.model_wape is not None and scored.baseline_wape is not None
    assert scored.model_wape < scored.baseline_wape
    ahead = forecast(trend, ForecastSettings(horizon=3))
    assert all(len(f.weeks) == 3 and f.weeks[0] > f.history[-1] for f in ahead)
    zero = backtest({("g", "11"): np.array([5.0, 3.0, 0.0, 0.0])}, ForecastSettings(holdout=2))
    assert zero.model_wape is None
    with pytest.raises(SupplyInputError, match="holdout"):
        backtest(trend, ForecastSettings(holdout=40))


def test_allocation_and_production_follow_from_demand_and_stock() -> None:
    ahead = forecast({("g", "11"): np.full(10, 10.0), ("g", "31"): np.full(10, 5.0)},
                     ForecastSettings(horizon=2))  # fmt: skip
    suggestions, production = suggest(ahead, {("g", "11"): 100, ("g", "31"): 0, ("g", ""): 3})
    by = {s.province: s for s in suggestions}
    assert by["11"].allocate == 0.0 and by["31"].allocate == pytest.approx(by["31"].demand)
    assert production["g"] == pytest.approx(max(0.0, sum(s.demand for s in suggestions) - 103))


def test_weekly_demand_counts_whole_weeks_by_province() -> None:
    ledger = [m("s1", Kind.SOLD, 1, 3), m("s3", Kind.SOLD, 8, 2), m("s1", Kind.SOLD, 15, 7)]
    weeks, series = weekly_demand(ledger, NODES, [], T0 + 16 * DAY)
    assert weeks == [T0, T0 + 7 * DAY]  # the third week is not whole yet
    assert series[("g", "110000")].tolist() == [3.0, 0.0]
    assert series[("g", "310000")].tolist() == [0.0, 2.0]


def test_stock_reports_are_read_with_every_bad_row_named() -> None:
    text = (
        "party_id, gtin, quantity, at\n"
        "urn:epc:id:sgln:6917821.01000.0,6917821100014,12,2025-03-31T18:00:00+08:00\n"
        "urn:epc:id:sgln:6917821.01001.0,06917821100014,0,2025-03-31\n"
    )
    rows = read_stock_reports("stock_reports.csv", text=text)
    assert [r.gtin for r in rows] == ["06917821100014", "06917821100014"]
    assert rows[0].at == datetime(2025, 3, 31, 10, tzinfo=UTC)
    assert rows[1].at.tzinfo is not None and rows[1].quantity == 0
    bad = "party_id,gtin,quantity,at\n,06917821100015,-1,2025-03-31T18:00:00\nx,1,x,nope\n"
    with pytest.raises(InvalidField) as caught:
        read_stock_reports("stock_reports.csv", text=bad)
    paths = [p.path for p in caught.value.problems]
    assert (
        paths
        == [
            "stock_reports.csv:2.gtin",
            "stock_reports.csv:3.gtin",
        ]
        or "stock_reports.csv:2.gtin" in paths
    )
    with pytest.raises(InvalidField, match="missing columns: at"):
        read_stock_reports("stock_reports.csv", text="party_id,gtin,quantity\n")
