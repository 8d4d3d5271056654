"""Weekly demand per SKU × province: units sold by the province's stores in each whole week
(Monday 00:00 UTC to Monday), or, for a channel that records no sales, first consumer scans
in the province."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from algorithms.supply.facts import Kind, Movement, Node, check_aware
from algorithms.supply.velocity import ConsumerScan

__all__ = ["WEEK", "monday", "weekly_demand"]

WEEK = timedelta(days=7)


def monday(moment: datetime) -> datetime:
    """00:00 UTC of the Monday on or before ``moment``.

    >>> monday(datetime(2025, 3, 5, 13, tzinfo=UTC)).isoformat()
    '2025-03-03T00:00:00+00:00'
    """
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weekly_demand(
    movements: Iterable[Movement],
    nodes: Mapping[str, Node],
    scans: Iterable[ConsumerScan],
    end: datetime,
) -> tuple[list[datetime], dict[tuple[str, str], npt.NDArray[np.float64]]]:
    """The Mondays of the whole weeks before ``end`` from the first week with demand, and
    per ``(gtin, province)`` the units of each week."""
    check_aware("to", end)
    events: list[tuple[str, str, datetime, int]] = []
    for m in movements:
        node = nodes.get(m.party)
        if m.kind is Kind.SOLD and m.at < end:
            events.append((m.gtin, (node.province if node else None) or "unknown", m.at, m.units))
    if not events:
        for s in scans:
            if s.scanned_at < end:
                node = nodes.get(s.store) if s.store else None
                events.append(
                    (s.gtin, (node.province if node else None) or "unknown", s.scanned_at, 1)
                )
    if not events:
        return [], {}
    first = monday(min(e[2] for e in events))
    count = int((end - first) / WEEK)
    weeks = [first + i * WEEK for i in range(count)]
    series: dict[tuple[str, str], npt.NDArray[np.float64]] = defaultdict(lambda: np.zeros(count))
    for gtin, province, at, units in events:
        i = int((at - first) / WEEK)
        if i < count:
            series[(gtin, province)][i] += units
    return weeks, dict(series)
