"""Out-of-territory scans grouped into cases: rules, noise that is not raised, stable ids,
severity, reasons, periods and distances."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from algorithms.diversion import (
    Centroids,
    DiversionCase,
    DiversionInputError,
    DiversionSettings,
    RegionTree,
    Rule,
    ScanRow,
    ScanTable,
    Severity,
    Territory,
    case_id,
    classify,
    find_cases,
    severity_level,
    severity_score,
)
from algorithms.diversion.periods import period_index, period_of

START = datetime(2025, 4, 2, 10, tzinfo=UTC)
GTIN = "06917821100014"
HOME, AWAY, FAR, NEAR = "440300", "110100", "310100", "441900"
PARENTS: dict[str, str | None] = {
    "440000": None,
    HOME: "440000",
    NEAR: "440000",
    "110000": None,
    AWAY: "110000",
    "310000": None,
    FAR: "310000",
}
SEATS = {HOME: (22.54, 114.06), NEAR: (23.02, 113.75), AWAY: (39.90, 116.41), FAR: (31.23, 121.47)}


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return RegionTree.from_parents(PARENTS)


@pytest.fixture
def territories() -> dict[str, Territory]:
    return {
        "d1": Territory.of("d1", [HOME], contracts=[("store-near", NEAR)]),
        "d2": Territory.of("d2", [HOME]),
    }


Scan = tuple[str, str, str, str, str, int]  # distributor, region, unit, case, consumer, day


def diverted(
    n: int, *, distributor: str = "d1", region: str = AWAY, per_case: int = 24, days: int = 10
) -> list[Scan]:
    """``n`` units of ``distributor``'s cases scanned by ``n`` consumers over ``days`` days."""
    return [
        (
            distributor,
            region,
            f"{distributor}-{region}-u{i}",
            f"case{i // per_case}",
            f"c{i}",
            i % days,
        )
        for i in range(n)
    ]


def table(scans: Sequence[Scan], *, start: datetime = START) -> ScanTable:
    return ScanTable.from_rows(
        ScanRow(
            f"s{i}", unit, GTIN, start + timedelta(days=day, minutes=i), region, consumer,
            distributor, f"{distributor}-{case}", f"{distributor}-pallet-{case}",
        )
        for i, (distributor, region, unit, case, consumer, day) in enumerate(scans)
    )  # fmt: skip


@pytest.fixture
def cases_of(
    tree: RegionTree, territories: dict[str, Territory]
) -> Callable[..., list[DiversionCase]]:
    def run(scans: Sequence[Scan], **kwargs: object) -> list[DiversionCase]:
        return find_cases(classify(table(scans), territories, tree), **kwargs)  # type: ignore[arg-type]

    return run


# -- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scans", "rules"),
    [
        # 30 units of two cases, 30 consumers on 10 days: everything fires.
        (diverted(30), (Rule.VOLUME, Rule.SIBLINGS, Rule.REPETITION)),
        # 12 units, each of its own case, scanned on two days: volume alone.
        (diverted(12, per_case=1, days=2), (Rule.VOLUME,)),
        # 4 units of one case, on one day: the case's siblings alone.
        (diverted(4, days=1), (Rule.SIBLINGS,)),
        # 5 units of five cases on five days: repetition alone.
        (diverted(5, per_case=1, days=5), (Rule.REPETITION,)),
    ],
)
def test_each_rule_raises_a_case(
    cases_of: Callable[..., list[DiversionCase]], scans: list[Scan], rules: tuple[Rule, ...]
) -> None:
    (case,) = cases_of(scans)
    assert case.rules == rules
    assert (case.distributor_id, case.region_code, case.period.label) == ("d1", AWAY, "2025-04")
    assert any(line.startswith(rules[0].value + ":") for line in case.reasons)


def test_case_figures(cases_of: Callable[..., list[DiversionCase]]) -> None:
    scans = diverted(30)
    scans.append(("d1", AWAY, scans[0][2], "case0", "c0", 3))  # the same unit scanned again
    (case,) = cases_of(scans, centroids=None)
    assert (case.units, case.scans, case.consumers, case.days) == (30, 31, 30, 10)
    assert case.sibling_units == 30 and case.gtins == (GTIN,)
    assert case.first_seen == START and case.last_seen == START + timedelta(days=9, minutes=29)
    assert len(case.codes) == 30 and len(case.scan_ids) == 31
    assert case.distance_km is None and case.expected_consumers == 0.0


def test_groups_split_by_distributor_region_and_period(
    cases_of: Callable[..., list[DiversionCase]],
) -> None:
    scans = diverted(20) + diverted(20, region=FAR) + diverted(20, distributor="d2")
    may = [(d, r, u + "-may", c, p, day + 30) for d, r, u, c, p, day in diverted(20)]
    found = cases_of(scans + may)
    keys = sorted((c.distributor_id, c.region_code, c.period.label) for c in found)
    assert keys == [
        ("d1", AWAY, "2025-04"),
        ("d1", AWAY, "2025-05"),
        ("d1", FAR, "2025-04"),
        ("d2", AWAY, "2025-04"),
    ]


# -- noise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scans",
    [
        # one traveller, one bottle
        [("d1", AWAY, "u1", "case1", "tourist", 0)],
        # one traveller scanning one bottle three times
        [("d1", AWAY, "u1", "case1", "tourist", d) for d in range(3)],
        # one guest at a banquet scanning 20 bottles of one case
        [("d1", AWAY, f"u{i}", "case1", "guest", 0) for i in range(20)],
        # two travellers, two bottles of different cases
        [("d1", AWAY, "u1", "case1", "t1", 0), ("d1", AWAY, "u2", "case2", "t2", 5)],
        # travellers of one distributor scattered over every region it may not sell in
        [("d1", r, f"u{i}", f"case{i}", f"t{i}", i) for i, r in enumerate([AWAY, FAR] * 2)],
    ],
)
def test_travellers_are_not_cases(
    cases_of: Callable[..., list[DiversionCase]], scans: list[Scan]
) -> None:
    assert cases_of(scans) == []


def test_legitimate_supply_is_not_a_case(
    tree: RegionTree, territories: dict[str, Territory]
) -> None:
    territories["d1"] = Territory.of(
        "d1", [HOME], product_grants=[(FAR, [GTIN])], contracts=[("store-near", NEAR)]
    )
    scans = diverted(40, region=NEAR) + diverted(40, region=FAR)
    found = classify(table(scans), territories, tree)
    assert {found.of(i).name for i in range(len(scans))} == {"CONTRACTED", "AUTHORIZED_PRODUCT"}
    assert find_cases(found) == []


def test_travellers_to_a_popular_city_are_not_a_case_but_a_diversion_there_is(
    tree: RegionTree,
) -> None:
    """Thousands of travellers: each distributor's dozens in Beijing are explained by how
    many of everyone's travellers go there; a distributor's goods arriving by the case are
    not."""
    rng = np.random.default_rng(11)
    regions = [f"r{i:03d}" for i in range(300)]
    parents: dict[str, str | None] = dict.fromkeys(regions) | PARENTS
    big_tree = RegionTree.from_parents(parents)
    destinations = [AWAY, *regions]
    weights = np.array([0.05] + [0.95 / 300] * 300)
    territories = {f"d{k}": Territory.of(f"d{k}", [HOME]) for k in range(10)}
    scans: list[Scan] = []
    for k in range(10):
        for i, j in enumerate(rng.choice(len(destinations), size=400, p=weights)):
            unit = f"d{k}-t{i}"
            scans.append((f"d{k}", destinations[j], unit, f"case-t{i}", f"d{k}-c{i}", i % 28))
    scans += diverted(60, distributor="d3", region="r007")
    found = find_cases(classify(table(scans), territories, big_tree))
    assert [(c.distributor_id, c.region_code) for c in found] == [("d3", "r007")]
    assert found[0].expected_consumers < 2
    away = [s for s in scans if s[:2] == ("d0", AWAY)]
    assert len(away) >= 10  # a group the count rules alone would raise


# -- ids -----------------------------------------------------------------------------------


def test_ids_are_stable_across_runs_and_ranges(
    cases_of: Callable[..., list[DiversionCase]],
) -> None:
    april = diverted(30)
    first = cases_of(april)
    assert [c.id for c in cases_of(april)] == [c.id for c in first]
    # A longer range with another month and another region keeps April's id.
    may = [(d, r, u + "-may", c, p, day + 30) for d, r, u, c, p, day in diverted(30, region=FAR)]
    wider = {(c.region_code, c.period.label): c.id for c in cases_of(april + may)}
    assert wider[(AWAY, "2025-04")] == first[0].id
    assert len(set(wider.values())) == 2
    assert first[0].id == case_id("d1", AWAY, "2025-04")


@pytest.mark.parametrize(
    "other",
    [("d2", AWAY, "2025-04"), ("d1", FAR, "2025-04"), ("d1", AWAY, "2025-05")],
)
def test_ids_differ_by_distributor_region_and_period(other: tuple[str, str, str]) -> None:
    assert case_id(*other) != case_id("d1", AWAY, "2025-04")
    assert case_id(*other).startswith("urn:yima:diversion:")


# -- severity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ((10, 2, 0, 500.0), (100, 2, 0, 500.0)),
        ((10, 2, 0, 500.0), (10, 20, 0, 500.0)),
        ((10, 2, 0, 500.0), (10, 2, 10, 500.0)),
        ((10, 2, 0, 500.0), (10, 2, 0, 1400.0)),
        ((10, 2, 0, None), (10, 2, 0, 100.0)),
    ],
)
def test_severity_grows_with_every_figure(
    smaller: tuple[int, int, int, float | None], larger: tuple[int, int, int, float | None]
) -> None:
    assert severity_score(*smaller) < severity_score(*larger)


def test_severity_is_bounded_and_levelled() -> None:
    top = severity_score(10**6, 10**6, 10**6, 10_000.0)
    assert top == pytest.approx(1.0)
    assert severity_level(0.0) is Severity.LOW
    assert severity_level(0.35) is Severity.MEDIUM
    assert severity_level(0.6) is Severity.HIGH
    with pytest.raises(DiversionInputError, match="must not be negative"):
        severity_score(-1, 0, 0, None)


def test_cases_come_most_severe_first(tree: RegionTree, territories: dict[str, Territory]) -> None:
    scans = diverted(5, days=5) + diverted(200, region=FAR) + diverted(40, distributor="d2")
    centroids = Centroids.of(SEATS, tree)
    found = find_cases(classify(table(scans), territories, tree), centroids=centroids)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    top = found[0]
    assert (top.distributor_id, top.region_code, top.units) == ("d1", FAR, 200)
    order = [Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    levels = [order.index(c.severity) for c in found]
    assert levels == sorted(levels) and found[0].severity is Severity.HIGH


# -- distances, reasons, periods, settings -------------------------------------------------


def test_distance_from_the_territory(tree: RegionTree) -> None:
    centroids = Centroids.of(SEATS, tree)
    city = Territory.of("d1", [HOME])
    assert centroids.distance_km(city, AWAY) == pytest.approx(1938, abs=1)
    assert centroids.distance_km(city, HOME) == 0.0
    # Shanghai is nearer Dongguan than Shenzhen: a province grant counts its cities' seats.
    province = Territory.of("d1", ["440000"])
    assert centroids.distance_km(province, FAR) < centroids.distance_km(city, FAR)  # type: ignore[operator]
    with pytest.raises(DiversionInputError, match=r"centroids: 440300: .* must lie on the globe"):
        Centroids.of({HOME: (95.0, 0.0)}, tree)


def test_reasons_name_the_parties_and_the_rules(
    cases_of: Callable[..., list[DiversionCase]], tree: RegionTree
) -> None:
    names = {"d1": "深圳酒类经销", AWAY: "北京市"}
    (case,) = cases_of(diverted(30), names=names, centroids=Centroids.of(SEATS, tree))
    summary, *rules, background = case.reasons
    assert summary.startswith("30 units of 深圳酒类经销 (d1)'s stock were scanned 30 times")
    assert "北京市 (110100), 1938 km from its territory" in summary
    assert [r.split(":")[0] for r in rules] == ["volume", "siblings", "repetition"]
    assert background.startswith("background: travellers alone would explain about 0")


def test_week_periods(cases_of: Callable[..., list[DiversionCase]]) -> None:
    found = cases_of(diverted(40, days=14), settings=DiversionSettings(period="week"))
    assert [c.period.label for c in sorted(found, key=lambda c: c.period.start)] == [
        "2025-W14",
        "2025-W15",
        "2025-W16",
    ]
    assert found[0].period.end - found[0].period.start == timedelta(days=7)


def test_periods_follow_local_time() -> None:
    midnight_utc = np.array([int(datetime(2025, 4, 30, 17, tzinfo=UTC).timestamp())])
    assert period_of(int(period_index(midnight_utc, "month", 0)[0]), "month", 0).label == "2025-04"
    china = period_of(int(period_index(midnight_utc, "month", 8 * 3600)[0]), "month", 8 * 3600)
    assert china.label == "2025-05"
    assert china.start == datetime(2025, 4, 30, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"period": "year"}, "settings.period: must be 'month' or 'week'"),
        ({"min_consumers": 0}, "settings.min_consumers: must be at least 1"),
        ({"weight_units": 0.5}, r"settings.weight_\*: must sum to 1"),
        ({"background_p": 0.0}, r"settings.background_p: must lie within \(0, 1\]"),
        ({"high": 0.2}, "settings.high: need 0 < medium <= high <= 1"),
        ({"utc_offset_hours": 15}, r"settings.utc_offset_hours: must lie within \[-14, 14\]"),
    ],
)
def test_settings_refuse_bad_values(change: dict[str, Any], match: str) -> None:
    with pytest.raises(DiversionInputError, match=match):
        replace(DiversionSettings(), **change)
