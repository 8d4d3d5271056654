"""A million scan rows classified and grouped well within the minute the service allows."""

from __future__ import annotations

import time

import numpy as np
import pytest

from algorithms.diversion import RegionTree, ScanClass, ScanTable, Territory, classify, find_cases

ROWS = 1_000_000
DISTRIBUTORS = 300
CITIES = 400
START = 1_743_465_600  # 2025-04-01 00:00 UTC
BUDGET_S = 60.0


@pytest.mark.slow
def test_a_million_scans_within_the_budget() -> None:
    rng = np.random.default_rng(7)
    cities = [f"{i:04d}00" for i in range(1, CITIES + 1)]
    parents: dict[str, str | None] = {f"{i:02d}0000": None for i in range(20)}
    parents |= {c: f"{k % 20:02d}0000" for k, c in enumerate(cities)}
    tree = RegionTree.from_parents(parents)
    home = rng.integers(0, CITIES, DISTRIBUTORS)
    territories = {
        f"d{k}": Territory.of(
            f"d{k}", [cities[home[k]]], contracts=[(f"s{k}", cities[(home[k] + 1) % CITIES])]
        )
        for k in range(DISTRIBUTORS)
    }
    # Every scan at home, but 2 % by travellers anywhere and three diversions of 600 units
    # (25 cases) each, scanned over three months.
    d = rng.integers(0, DISTRIBUTORS, ROWS)
    region = np.where(rng.random(ROWS) < 0.02, rng.integers(0, CITIES, ROWS), home[d])
    diverted = {(3, 17): slice(0, 600), (40, 222): slice(600, 1200), (41, 222): slice(1200, 1800)}
    for (k, city), rows in diverted.items():
        d[rows], region[rows] = k, city
    region_codes = [cities[i] for i in region.tolist()]
    table = ScanTable.from_columns(
        scan_ids=[f"s{i}" for i in range(ROWS)],
        codes=[f"u{i}" for i in range(ROWS)],
        gtins=[f"g{i % 6}" for i in range(ROWS)],
        at=START + rng.integers(0, 90 * 86_400, ROWS),
        regions=region_codes,
        actors=[f"c{i}" for i in rng.integers(0, 80_000, ROWS).tolist()],
        distributors=[f"d{k}" for k in d.tolist()],
        cases=[f"case{i // 24}" for i in range(ROWS)],
        pallets=[f"pallet{i // 960}" for i in range(ROWS)],
    )

    began = time.perf_counter()
    found = classify(table, territories, tree)
    classified = time.perf_counter() - began
    cases = find_cases(found)
    total = time.perf_counter() - began

    assert classified < BUDGET_S / 10 and total < BUDGET_S / 5, (classified, total)
    assert found.counts()[ScanClass.OUTSIDE] > 15_000
    raised = {(c.distributor_id, c.region_code) for c in cases}
    assert raised == {(f"d{k}", cities[city]) for k, city in diverted}
