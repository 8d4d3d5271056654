"""Out-of-territory scans grouped into diversion cases, one per responsible distributor ×
destination region × period, raised by the rules of
:class:`~algorithms.diversion.settings.DiversionSettings`.

The figures of every group (scans, distinct units, consumers and days, packaging siblings,
first and last scan) are counted with numpy over the outside scans only. A group whose counts
pass a rule is then held against the travellers' background (see
:mod:`algorithms.diversion.settings`); severity and reasons are decided for the groups raised.

References
----------
A. Agresti, *Categorical Data Analysis*, 3rd ed., Wiley, 2013, §2.4 (expected counts of a
two-way table under independence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammainc

from algorithms.diversion.case import DiversionCase
from algorithms.diversion.classify import Classification, ScanClass
from algorithms.diversion.distance import Centroids
from algorithms.diversion.ids import case_id
from algorithms.diversion.periods import period_index, period_of
from algorithms.diversion.reasons import case_reasons
from algorithms.diversion.scans import factorize
from algorithms.diversion.settings import DEFAULT_SETTINGS, DiversionSettings, Rule
from algorithms.diversion.severity import severity_level, severity_score

__all__ = ["find_cases"]

Int64Array = NDArray[np.int64]
_DAY = 86_400
_MAX_PASSES = 20


def _distinct(group: Int64Array, values: Int64Array, n_groups: int) -> Int64Array:
    """How many distinct non-negative ``values`` each group holds."""
    ok = values >= 0
    if not ok.any():
        return np.zeros(n_groups, dtype=np.int64)
    width = int(values.max()) + 1
    pairs = np.unique(group[ok] * width + values[ok])
    counts: Int64Array = np.bincount(pairs // width, minlength=n_groups)
    return counts


def _siblings(
    group: Int64Array, unit: Int64Array, packages: list[Int64Array], n_groups: int
) -> Int64Array:
    """How many distinct units of each group share one of ``packages`` (case, pallet) with
    another unit of the same group."""
    width = int(unit.max()) + 1
    pairs, first = np.unique(group * width + unit, return_index=True)
    pair_group = pairs // width
    flag = np.zeros(len(pairs), dtype=bool)
    for package in packages:
        of_pair = package[first]
        ok = np.flatnonzero(of_pair >= 0)
        if not ok.size:
            continue
        span = int(of_pair.max()) + 1
        _, inverse, counts = np.unique(
            pair_group[ok] * span + of_pair[ok], return_inverse=True, return_counts=True
        )
        flag[ok[counts[inverse] >= 2]] = True
    siblings: Int64Array = np.bincount(pair_group[flag], minlength=n_groups)
    return siblings


def _column(values: Sequence[str | None], rows: Int64Array) -> Int64Array:
    codes, _ = factorize([values[i] for i in rows.tolist()])
    return codes.astype(np.int64)


def _background(
    consumers: Int64Array,
    row: Int64Array,
    column: Int64Array,
    period: Int64Array,
    candidate: NDArray[np.bool_],
    p_max: float,
    n_regions: int,
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which candidate groups have more consumers than travellers explain, and the expected
    number of each group's consumers, from the groups' consumer table (distributor × region,
    per period) without the groups raised so far, until no more are raised.

    A group's expectation is its distributor's other out-of-territory consumers times the
    share of the other distributors' out-of-territory consumers that went to its region,
    ``row' * max((column' + 1) / (others + n_regions), 1 / n_regions)``. Leaving the
    distributor's own row out of the share keeps a distributor that dominates the table from
    explaining itself away; the add-one over the ``n_regions`` regions, and the floor of an
    even spread over them, keep a region few others visited from counting as one few can."""
    raised = np.zeros(len(consumers), dtype=bool)
    expected = np.zeros(len(consumers))
    for _ in range(_MAX_PASSES):
        weight = np.where(raised, 0.0, consumers.astype(np.float64))
        row_total = np.bincount(row, weights=weight)[row]
        by_column = np.bincount(column, weights=weight)[column] - weight
        others = np.bincount(period, weights=weight)[period] - row_total
        share = np.maximum((by_column + 1.0) / (others + n_regions), 1.0 / n_regions)
        expected = np.asarray((row_total - weight) * share, dtype=np.float64)
        # P(X >= k) for X ~ Poisson(expected) is the regularized lower incomplete gamma P(k, λ).
        chance = gammainc(consumers, expected)
        now = candidate & (chance <= p_max)
        if (now == raised).all():
            break
        raised = now
    return raised, expected


def find_cases(
    classification: Classification,
    *,
    settings: DiversionSettings = DEFAULT_SETTINGS,
    centroids: Centroids | None = None,
    names: Mapping[str, str] | None = None,
) -> list[DiversionCase]:
    """The diversion cases among the ``OUTSIDE`` scans of ``classification``, most severe first.

    Parameters
    ----------
    classification
        From :func:`~algorithms.diversion.classify.classify`.
    settings
        Rules, thresholds, period and severity scale.
    centroids
        Region centroids for the distance from the territory; without them it is None and
        does not add to the score.
    names
        Party and region names for the reasons.

    Examples
    --------
    Six consumers scan units of two cases of ``d1``'s in Beijing; one traveller scans one
    bottle of ``d1``'s in Shanghai: one case, raised by the siblings rule.

    >>> from datetime import datetime, timedelta, UTC
    >>> from algorithms.diversion.classify import classify
    >>> from algorithms.diversion.regions import RegionTree
    >>> from algorithms.diversion.scans import ScanRow, ScanTable
    >>> from algorithms.diversion.territory import Territory
    >>> tree = RegionTree.from_parents({f"{p}01": None for p in range(11, 66)})
    >>> at = datetime(2025, 4, 1, tzinfo=UTC)
    >>> rows = [ScanRow(f"s{i}", f"u{i}", "g", at + timedelta(days=i), "1101", f"c{i}", "d1",
    ...                 f"case{i % 2}") for i in range(6)]
    >>> rows.append(ScanRow("t", "u9", "g", at, "3101", "tourist", "d1", "case9"))
    >>> found = classify(ScanTable.from_rows(rows), {"d1": Territory.of("d1", ["4401"])}, tree)
    >>> [(c.region_code, c.units, c.sibling_units, [r.value for r in c.rules])
    ...  for c in find_cases(found)]
    [('1101', 6, 6, ['siblings', 'repetition'])]
    """
    c = classification
    s = settings
    rows = np.flatnonzero(c.classes == ScanClass.OUTSIDE).astype(np.int64)
    if not rows.size:
        return []
    table = c.scans
    at = table.at[rows]
    offset = s.offset_seconds
    period = period_index(at, s.period, offset)
    p0 = int(period.min())
    span = int(period.max()) - p0 + 1
    n_regions = len(c.regions)
    key = (c.distributor_index[rows].astype(np.int64) * n_regions + c.region_index[rows]) * span
    keys, inverse = np.unique(key + (period - p0), return_inverse=True)
    group = inverse.astype(np.int64).reshape(-1)
    n_groups = len(keys)

    unit = _column(table.codes, rows)
    actor = _column(table.actors, rows)
    packages = [_column(table.cases, rows), _column(table.pallets, rows)]
    scans = np.bincount(group, minlength=n_groups)
    units = _distinct(group, unit, n_groups)
    consumers = _distinct(group, actor, n_groups)
    days = _distinct(group, (at + offset) // _DAY, n_groups)
    siblings = _siblings(group, unit, packages, n_groups)
    first = np.full(n_groups, np.iinfo(np.int64).max)
    last = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(first, group, at)
    np.maximum.at(last, group, at)

    fired = {
        Rule.VOLUME: units >= s.volume_units,
        Rule.SIBLINGS: siblings >= s.sibling_units,
        Rule.REPETITION: (consumers >= s.repeat_consumers) & (days >= s.repeat_days),
    }
    candidate = (consumers >= s.min_consumers) & np.logical_or.reduce(list(fired.values()))
    group_distributor = keys // span // n_regions
    group_period = keys % span
    raised, expected = _background(
        consumers,
        group_distributor * span + group_period,
        keys // span % n_regions * span + group_period,
        group_period,
        candidate,
        s.background_p,
        len(c.tree.chains),
    )

    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    cases: list[DiversionCase] = []
    for g in np.flatnonzero(raised).tolist():
        members = rows[order[bounds[g] : bounds[g + 1]]].tolist()
        k = int(keys[g])
        distributor = c.distributors[k // span // n_regions]
        region = c.regions[k // span % n_regions]
        when = period_of(p0 + k % span, s.period, offset)
        distance = (
            None if centroids is None else centroids.distance_km(c.territories[distributor], region)
        )
        score = severity_score(int(units[g]), int(consumers[g]), int(siblings[g]), distance, s)
        case = DiversionCase(
            id=case_id(distributor, region, when.label),
            distributor_id=distributor,
            region_code=region,
            period=when,
            units=int(units[g]),
            scans=int(scans[g]),
            consumers=int(consumers[g]),
            sibling_units=int(siblings[g]),
            days=int(days[g]),
            expected_consumers=round(float(expected[g]), 4),
            distance_km=distance,
            first_seen=datetime.fromtimestamp(int(first[g]), UTC),
            last_seen=datetime.fromtimestamp(int(last[g]), UTC),
            gtins=tuple(sorted({table.gtins[i] for i in members})),
            rules=tuple(rule for rule, where in fired.items() if where[g]),
            score=score,
            severity=severity_level(score, s),
            reasons=(),
            codes=tuple(sorted({table.codes[i] for i in members})),
            scan_ids=tuple(sorted(table.scan_ids[i] for i in members)),
        )
        cases.append(replace(case, reasons=case_reasons(case, s, names)))
    cases.sort(key=lambda x: (-x.score, x.id))
    return cases
