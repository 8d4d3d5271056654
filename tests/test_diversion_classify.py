"""Scans against territories: inside, legitimately outside, outside, and what cannot be told."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from algorithms.diversion import (
    DiversionInputError,
    RegionTree,
    ScanClass,
    ScanRow,
    ScanTable,
    Territory,
    classify,
    classify_one,
)

AT = datetime(2025, 4, 1, 12, tzinfo=UTC)
WINE, BEER = "06917821100014", "06917821200011"


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return RegionTree.from_parents(
        {
            "440000": None,
            "440300": "440000",  # Shenzhen
            "440100": "440000",  # Guangzhou
            "441900": "440000",  # Dongguan
            "bay": "440300",  # a brand's own territory inside Shenzhen
            "110000": None,
            "110100": "110000",
            "310000": None,
            "310100": "310000",
        }
    )


def row(
    region: str | None, *, gtin: str = WINE, distributor: str | None = "d1", i: int = 0
) -> ScanRow:
    return ScanRow(f"s{i}", f"u{i}", gtin, AT, region, f"c{i}", distributor)


CITY = Territory.of("d1", ["440300"], contracts=[("store-dg", "441900")])
PROVINCE = Territory.of("d1", ["440000"])
WINE_IN_GUANGZHOU = Territory.of("d1", ["440300"], product_grants=[("440100", [WINE])])


@pytest.mark.parametrize(
    ("territory", "region", "gtin", "expected"),
    [
        (CITY, "440300", WINE, ScanClass.INSIDE),
        (CITY, "bay", WINE, ScanClass.INSIDE),  # a custom territory within the city
        (CITY, "441900", WINE, ScanClass.CONTRACTED),  # a contracted store sits there
        (CITY, "440100", WINE, ScanClass.OUTSIDE),
        (CITY, "110100", BEER, ScanClass.OUTSIDE),
        (CITY, "440000", WINE, ScanClass.UNLOCATED),  # only the province: cannot be told
        (CITY, None, WINE, ScanClass.UNLOCATED),
        (PROVINCE, "440100", WINE, ScanClass.INSIDE),
        (PROVINCE, "bay", BEER, ScanClass.INSIDE),
        (PROVINCE, "310100", WINE, ScanClass.OUTSIDE),
        (WINE_IN_GUANGZHOU, "440100", WINE, ScanClass.AUTHORIZED_PRODUCT),
        (WINE_IN_GUANGZHOU, "440100", BEER, ScanClass.OUTSIDE),
    ],
)
def test_known_classes(
    tree: RegionTree, territory: Territory, region: str | None, gtin: str, expected: ScanClass
) -> None:
    found = classify(ScanTable.from_rows([row(region, gtin=gtin)]), {"d1": territory}, tree)
    assert found.of(0) is expected
    assert classify_one(territory, region, gtin, tree)[0] is expected


def test_unattributed_scan_needs_no_territory(tree: RegionTree) -> None:
    found = classify(ScanTable.from_rows([row("440300", distributor=None)]), {}, tree)
    assert found.of(0) is ScanClass.UNATTRIBUTED
    assert found.counts()[ScanClass.UNATTRIBUTED] == 1


def test_legitimate_classes_say_why(tree: RegionTree) -> None:
    rows = [row("441900", i=0), row("440100", i=1)]
    found = classify(ScanTable.from_rows(rows), {"d1": CITY}, tree)
    assert "contract to supply store-dg in 441900" in found.explain(0)
    assert found.of(0).legitimate and not found.of(1).legitimate
    assert "outside d1's territory" in found.explain(1)


def test_table_and_single_scan_decide_alike(tree: RegionTree) -> None:
    rng = random.Random(3)
    regions = [*tree.chains, None]
    territories = {
        "d1": CITY,
        "d2": replace(PROVINCE, distributor_id="d2"),
        "d3": Territory.of(
            "d3", ["110000"], product_grants=[("440300", [BEER])], contracts=[("s", "310100")]
        ),
        "d4": replace(WINE_IN_GUANGZHOU, distributor_id="d4"),
    }
    rows = [
        ScanRow(
            f"s{i}",
            f"u{i}",
            rng.choice([WINE, BEER]),
            AT,
            rng.choice(regions),
            "c",
            rng.choice([*territories, None]),
        )
        for i in range(2_000)
    ]
    found = classify(ScanTable.from_rows(rows), territories, tree)
    for i, r in enumerate(rows):
        t = territories.get(r.distributor_id or "")
        assert found.of(i) is classify_one(t, r.region_code, r.gtin, tree)[0], r


def test_columns_and_rows_give_the_same_table() -> None:
    rows = [row("440300", i=i) for i in range(3)]
    table = ScanTable.from_rows(rows)
    again = ScanTable.from_columns(
        scan_ids=[r.scan_id for r in rows],
        codes=[r.code for r in rows],
        gtins=[r.gtin for r in rows],
        at=np.array([AT.replace(tzinfo=None)] * 3, dtype="datetime64[s]"),
        regions=[r.region_code for r in rows],
        actors=[r.actor for r in rows],
        distributors=[r.distributor_id for r in rows],
    )
    assert [again.row(i) for i in range(3)] == [table.row(i) for i in range(3)] == rows


@pytest.mark.parametrize(
    ("territories", "rows", "match"),
    [
        ({}, [row("440300")], r"territories: no territory for distributors \['d1'\]"),
        ({"d1": CITY}, [row("999999")], r"scans.regions: regions \['999999'\] are not in"),
        ({"d2": CITY}, [row("440300")], "key 'd2' holds the territory of 'd1'"),
        (
            {"d1": Territory.of("d1", ["nowhere"])},
            [row("440300")],
            r"territories: d1: regions \['nowhere'\]",
        ),
    ],
)
def test_classify_refuses_inconsistent_input(
    tree: RegionTree, territories: dict[str, Territory], rows: list[ScanRow], match: str
) -> None:
    with pytest.raises(DiversionInputError, match=match):
        classify(ScanTable.from_rows(rows), territories, tree)


def test_scan_table_checks_its_columns() -> None:
    with pytest.raises(DiversionInputError, match=r"scans.codes: must have one entry per scan"):
        ScanTable.from_columns(
            scan_ids=["a", "b"], codes=["u"], gtins=["g", "g"], at=[0, 0],
            regions=[None, None], actors=["c", "c"], distributors=[None, None],
        )  # fmt: skip
    with pytest.raises(DiversionInputError, match=r"scans.lat: must lie within \[-90, 90\]"):
        ScanTable.from_rows([ScanRow("s", "u", "g", AT, None, "c", None, lat=91.0, lon=0.0)])
    with pytest.raises(DiversionInputError, match=r"scans\.at: must be timezone-aware"):
        ScanTable.from_rows([ScanRow("s", "u", "g", datetime(2025, 1, 1), None, "c", None)])
    with pytest.raises(DiversionInputError, match=r"scans\.at: must be epoch seconds"):
        ScanTable.from_columns(
            scan_ids=["a"], codes=["u"], gtins=["g"], at=[0.5], regions=[None],
            actors=["c"], distributors=[None],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("parents", "match"),
    [
        ({"a": "b"}, "parent 'b' of 'a' is not a known region"),
        ({"a": "b", "b": "c", "c": "a"}, "parents form a cycle: a -> b -> c -> a"),
        ({"": None}, "codes must be non-empty text"),
    ],
)
def test_region_tree_refuses_bad_parents(parents: dict[str, str | None], match: str) -> None:
    with pytest.raises(DiversionInputError, match=match):
        RegionTree.from_parents(parents)


def test_region_tree_chains(tree: RegionTree) -> None:
    assert tree.chains["bay"] == ("bay", "440300", "440000")
    assert tree.within("bay", "440000") and not tree.within("440100", "440300")
    assert sorted(tree.cover_index(["bay", "440100", "110100"])["440000"]) == [0, 1]
