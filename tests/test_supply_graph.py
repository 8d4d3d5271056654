"""Supply analytics on a demo world in the real graph, each answer checked against counts
taken from the generated events themselves (tests/supply_world.py), not from the graph."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from algorithms.supply import ForecastSettings
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.supply import StockReportRow
from services.supply import SupplyService
from tests.supply_world import Truth, supply_world


@pytest.fixture(scope="module")
def truth(db: Database) -> Truth:
    return supply_world(db)


@pytest.fixture(scope="module")
def service(db: Database) -> SupplyService:
    return SupplyService(db)


def _moments(truth: Truth) -> list[datetime]:
    start = truth.world.start.astimezone(UTC)
    return [start + timedelta(days=d) for d in (2, 9, 16)] + [truth.last + timedelta(seconds=1)]


def _province(code: str) -> str:
    return code[:2] + "0000"


def test_inventory_of_every_node_and_sku_matches_the_events(
    truth: Truth, service: SupplyService
) -> None:
    for at in _moments(truth):
        report = service.inventory(at, truth.national)
        got = {(b.party, b.gtin): b.on_hand for b in report.balances}
        keys = {(p, g) for (p, g, _, _) in truth.moves}
        expected = {k: truth.on_hand(k[0], k[1], at) for k in keys}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
        tiers = {r.key for r in report.by_tier}
        assert tiers <= {"plant", "national", "provincial", "city", "store"}
        assert sum(r.on_hand for r in report.by_tier) == sum(expected.values())
        assert sum(r.on_hand for r in report.by_province) == sum(expected.values())
        cities = {n.id: n.region_code for n in truth.world.master.stores}
        cities |= {n.id: n.region_code for n in truth.world.master.distributors}
        cities |= {n.id: n.region_code for n in truth.world.master.plants}
        by_city: dict[tuple[str, str], int] = defaultdict(int)
        for (p, g), v in expected.items():
            by_city[(cities[p], g)] += v
        got_city = {(r.key, r.gtin): r.on_hand for r in report.by_region}
        assert {k: v for k, v in got_city.items() if v} == {k: v for k, v in by_city.items() if v}
    # Every unit made is somewhere or sold at the end.
    end = _moments(truth)[-1]
    report = service.inventory(end, truth.national)
    sold = sum(n for (_, _, _, k), items in truth.moves.items() if k == "sold" for _, n in items)
    assert sum(b.on_hand for b in report.balances) + sold == truth.world.units


def test_declared_stock_is_reconciled_at_its_own_moment(
    truth: Truth, service: SupplyService
) -> None:
    at = _moments(truth)[1]
    store_stock = [
        (b.party, b.gtin) for b in service.inventory(at, truth.national).balances if b.on_hand
    ][:3]
    rows = [
        StockReportRow(p, g, truth.on_hand(p, g, at) + i, at)
        for i, (p, g) in enumerate(store_stock)
    ]
    assert service.load_reports(rows) == len(rows)
    report = service.inventory(_moments(truth)[-1], truth.national)
    diffs = {(d.party, d.gtin): d for d in report.differences}
    for i, (p, g) in enumerate(store_stock):
        assert diffs[(p, g)].computed == truth.on_hand(p, g, at)
        assert diffs[(p, g)].difference == i
    assert service.load_reports(rows) == len(rows)  # loading again replaces, never doubles
    again = service.inventory(_moments(truth)[-1], truth.national).differences
    assert len(again) == len(report.differences)


def test_freshness_reads_expiry_from_ilmd_and_counts_units_at_risk(
    truth: Truth, service: SupplyService
) -> None:
    at = _moments(truth)[2]
    report = service.freshness(at, 10, None, truth.national)
    held: dict[tuple[str, str, str], int] = defaultdict(int)
    for (p, g, lot, kind), items in truth.moves.items():
        sign = 1 if kind in ("produced", "received") else -1
        held[(p, g, lot)] += sign * sum(n for t, n in items if t <= at)
    expected = {k: v for k, v in held.items() if v > 0}
    assert {(s.party, s.gtin, s.lot): s.units for s in report.lots} == expected
    for s in report.lots:
        assert s.expires == truth.expires[(s.gtin, s.lot)]
        assert s.made == truth.made[(s.gtin, s.lot)]
    risk = sum(
        v
        for (p, g, lot), v in expected.items()
        if truth.expires[(g, lot)] <= at + timedelta(days=10)
    )
    assert report.units_at_risk == risk
    assert risk > 0  # the short shelf life puts some lots within 10 days


def test_fefo_violations_are_the_shipments_that_left_an_earlier_lot_behind(
    truth: Truth, service: SupplyService
) -> None:
    report = service.freshness(_moments(truth)[-1], 0, None, truth.national)
    expected = set()
    by_node: dict[tuple[str, str], list[tuple[datetime, str, int, str]]] = defaultdict(list)
    for (p, g, lot, kind), items in truth.moves.items():
        for t, n in items:
            by_node[(p, g)].append((t, kind, n, lot))
    for (p, g), items in by_node.items():
        for t in sorted({t for t, kind, _, _ in items if kind == "shipped"}):
            left = defaultdict(int)
            for u, kind, n, lot in items:
                if u <= t:
                    left[lot] += n if kind in ("produced", "received") else -n
            shipped = {lot for u, kind, _, lot in items if u == t and kind == "shipped"}
            stayed = [truth.expires[(g, lot)] for lot, n in left.items() if n > 0]
            for lot in shipped:
                if stayed and min(stayed) < truth.expires[(g, lot)]:
                    expected.add((p, g, t, lot))
    assert {(v.party, v.gtin, v.at, v.shipped_lot) for v in report.violations} == expected


def test_distribution_rate_breadth_and_arrival_match_the_events(
    truth: Truth, service: SupplyService
) -> None:
    start = truth.world.start.astimezone(UTC)
    end = start + timedelta(days=10)
    report = service.distribution(start, end, truth.national)
    stores = {s.id: _province(s.region_code) for s in truth.world.master.stores}
    stocked: dict[str, set[str]] = defaultdict(set)
    for (p, g, _, kind), items in truth.moves.items():
        if kind == "received" and p in stores and any(start <= t < end for t, _ in items):
            stocked[g].add(p)
    for r in report.rates:
        targets = {s for s, prov in stores.items() if prov == r.province}
        assert r.targets == len(targets)
        assert r.stocked == len(targets & stocked[r.gtin])
    assert any(r.rate > 0 for r in report.rates)
    for b in report.breadth:
        members = {s for s, prov in stores.items() if prov == b.province}
        assert b.skus == sum(1 for g in stocked if stocked[g] & members)
    plants = {p.id for p in truth.world.master.plants}
    made = {k for k, t in truth.made.items() if start <= t < end}
    for a in report.arrival:
        shipped = sum(
            n
            for (p, g, lot, kind), items in truth.moves.items()
            if kind == "shipped" and p in plants and g == a.gtin and (g, lot) in made
            for _, n in items
        )
        reached = sum(
            n
            for (p, g, lot, kind), items in truth.moves.items()
            if kind == "received" and p in stores and g == a.gtin and (g, lot) in made
            for t, n in items
            if t <= end
        )
        scanned = sum(
            1
            for u, t in truth.first_scan.items()
            if truth.unit_lot[u][0] == a.gtin
            and truth.unit_lot[u] in made
            and u in truth.sold
            and t <= end
        )
        assert (a.shipped, a.reached_store, a.reached_consumer) == (shipped, reached, scanned)


def test_sell_through_days_match_the_units_own_history(
    truth: Truth, service: SupplyService
) -> None:
    end = _moments(truth)[-1]
    report = service.sell_through(end, 28, 60.0, truth.national)
    stores = set(s.id for s in truth.world.master.stores)
    days, units = 0.0, 0
    for (p, g, lot, kind), items in truth.moves.items():
        if kind == "received" and p in stores:
            for t, n in items:
                days += n * (t - truth.made[(g, lot)]) / timedelta(days=1)
                units += n
    plant_to_store = {(d.key, d.province): d for d in report.transit}[("plantToStore", "all")]
    assert plant_to_store.units == units
    assert plant_to_store.mean_days == pytest.approx(days / units)
    store_days = {(d.key, d.province): d for d in report.dwell}[("store", "all")]
    assert store_days.units == sum(
        n
        for (p, _, _, k), items in truth.moves.items()
        if k == "sold" and p in stores
        for _, n in items
    )
    consumer = {(d.key, d.province): d for d in report.transit}[("storeToConsumer", "all")]
    assert consumer.units == sum(1 for u in truth.first_scan if u in truth.sold)


def test_demand_forecast_backtests_against_the_weekly_sales_of_the_events(
    truth: Truth, service: SupplyService
) -> None:
    sales = [t for (_, _, _, k), items in truth.moves.items() if k == "sold" for t, _ in items]
    day = min(sales).replace(hour=0, minute=0, second=0, microsecond=0)
    first = day - timedelta(days=day.weekday())
    # The history ends at least a week before the last sale, with two held-back weeks that
    # both sold (the world's sales are sparse, so the last weeks may not have).
    sold_weeks = {(t - first) // timedelta(days=7) for t in sales}
    last = max(i for i in sold_weeks if i - 1 in sold_weeks and 2 <= i < max(sold_weeks))
    end = first + timedelta(days=7) * (last + 1)
    settings = ForecastSettings(horizon=3, holdout=2, season=52)
    report = service.demand_forecast(end, settings, truth.national)
    assert report.weeks[0] == first
    province = {s.id: _province(s.region_code) for s in truth.world.master.stores}
    weekly: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(report.weeks)))
    for (p, g, _, kind), items in truth.moves.items():
        if kind == "sold":
            for t, n in items:
                i = int((t - first) / timedelta(days=7))
                if 0 <= i < len(report.weeks):
                    weekly[(g, province[p])][i] += n
    got = {(f.gtin, f.province): np.array(f.history) for f in report.forecasts}
    assert set(got) == set(weekly)
    for key, values in weekly.items():
        assert got[key].tolist() == values.tolist()
    # The baseline (history shorter than a season: the last training week) scored by hand.
    actual = np.concatenate([v[-2:] for v in weekly.values()])
    naive = np.concatenate([np.repeat(v[-3], 2) for v in weekly.values()])
    assert report.backtest.season_used == 1
    assert report.backtest.baseline_wape == pytest.approx(
        np.abs(actual - naive).sum() / actual.sum()
    )
    assert np.isfinite(report.backtest.model_wape)
    assert all(len(f.weeks) == 3 and min(f.weeks) >= 0 for f in report.forecasts)
    stock = service.inventory(end, truth.national)
    held = sum(b.on_hand for b in stock.balances)
    demand = sum(sum(f.weeks) for f in report.forecasts)
    assert sum(report.production.values()) >= demand - held - 1e-6


def test_bad_arguments_are_refused_by_field(truth: Truth, service: SupplyService) -> None:
    with pytest.raises(InvalidField, match="channel"):
        service.inventory(truth.last, "urn:epc:id:sgln:0000000.00000.0")
    with pytest.raises(InvalidField, match="to"):
        service.distribution(truth.last, truth.last - timedelta(days=1), truth.national)
    with pytest.raises(InvalidField, match="horizon"):
        service.demand_forecast(truth.last, ForecastSettings(horizon=0), truth.national)
    with pytest.raises(InvalidField, match="at"):
        service.inventory(datetime(2025, 1, 1), truth.national)
