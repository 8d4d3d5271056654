"""Sell-through and velocity: how many days goods take from plant to store and from store
to a consumer's scan, how long each tier holds them, and the slow movers.

Dwell at a node pairs the units it took in with the units it let out first in, first out
within each lot, so every unit that left counts once with its own days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from algorithms.supply.errors import SupplyInputError
from algorithms.supply.facts import DAY, Kind, LotDates, Movement, Node, Tier, check_aware

__all__ = ["ConsumerScan", "Days", "SlowMover", "dwell_days", "slow_movers", "transit_days"]

PLANT_TO_STORE = "plantToStore"
STORE_TO_CONSUMER = "storeToConsumer"


@dataclass(frozen=True, slots=True)
class ConsumerScan:
    """A unit's first consumer scan and the store that sold it (``None`` when no sale was
    recorded)."""

    store: str | None
    gtin: str
    lot: str
    sold_at: datetime | None
    scanned_at: datetime


@dataclass(frozen=True, slots=True)
class Days:
    """Mean days of ``units`` units through one stage or at one tier, in one province."""

    key: str
    province: str
    units: int
    mean_days: float


@dataclass(frozen=True, slots=True)
class SlowMover:
    """A node × SKU whose stock lasts more than the threshold at its recent outflow."""

    party: str
    gtin: str
    on_hand: int
    outflow: int
    days_of_cover: float | None
    """``None`` when nothing left the node within the window."""


def _means(sums: Mapping[tuple[str, str], list[float]]) -> list[Days]:
    return [
        Days(k, p, int(v[0]), v[1] / v[0] if v[0] else 0.0)
        for (k, p), v in sorted(sums.items())
        if v[0]
    ]


def _add(
    sums: dict[tuple[str, str], list[float]], key: str, province: str, units: int, days: float
) -> None:
    for p in (province, "all"):
        cell = sums[(key, p)]
        cell[0] += units
        cell[1] += units * days


def transit_days(
    movements: Iterable[Movement],
    nodes: Mapping[str, Node],
    dates: Mapping[tuple[str, str], LotDates],
    scans: Iterable[ConsumerScan],
) -> list[Days]:
    """Mean days plant → store (from a lot's making to a store's receipt) and store →
    consumer (from the store's latest receipt of the lot before the sale to the first
    consumer scan), by the store's province and over ``"all"``."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    receipts: dict[tuple[str, str, str], list[datetime]] = defaultdict(list)
    for m in movements:
        node = nodes.get(m.party)
        if m.kind is not Kind.RECEIVED or node is None or node.tier is not Tier.STORE:
            continue
        receipts[(m.party, m.gtin, m.lot)].append(m.at)
        d = dates.get((m.gtin, m.lot))
        if d is not None:
            _add(sums, PLANT_TO_STORE, node.province or "unknown", m.units, (m.at - d.made) / DAY)
    for times in receipts.values():
        times.sort()
    for s in scans:
        if s.store is None:
            continue
        got = receipts.get((s.store, s.gtin, s.lot), [])
        i = bisect_right(got, s.sold_at or s.scanned_at)
        if i:
            node = nodes[s.store]
            _add(
                sums,
                STORE_TO_CONSUMER,
                node.province or "unknown",
                1,
                (s.scanned_at - got[i - 1]) / DAY,
            )
    return _means(sums)


def dwell_days(movements: Iterable[Movement], nodes: Mapping[str, Node]) -> list[Days]:
    """Mean days a unit stayed at a node before it was shipped or sold, by tier and the
    node's province (and ``"all"``), first in first out within each lot.

    >>> from datetime import UTC
    >>> t = datetime(2025, 1, 1, tzinfo=UTC)
    >>> nodes = {"s": Node("s", "s", Tier.STORE, None, "11")}
    >>> ms = [Movement("s", "g", "L", Kind.RECEIVED, t, 2),
    ...       Movement("s", "g", "L", Kind.SOLD, t + DAY, 1),
    ...       Movement("s", "g", "L", Kind.SOLD, t + 3 * DAY, 1)]
    >>> [(d.key, d.province, d.units, d.mean_days) for d in dwell_days(ms, nodes)]
    [('store', '11', 2, 2.0), ('store', 'all', 2, 2.0)]
    """
    by_lot: dict[tuple[str, str, str], list[Movement]] = defaultdict(list)
    for m in movements:
        by_lot[(m.party, m.gtin, m.lot)].append(m)
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (party, _, _), items in by_lot.items():
        node = nodes.get(party)
        tier = str(node.tier if node else Tier.OTHER)
        province = (node.province if node else None) or "unknown"
        items.sort(key=lambda m: (m.at, m.kind.sign < 0))
        stock: deque[list[object]] = deque()
        for m in items:
            if m.kind.sign > 0:
                stock.append([m.at, m.units])
                continue
            need = m.units
            while need and stock:
                head = stock[0]
                take = min(need, int(head[1]))  # type: ignore[call-overload]
                days = (m.at - head[0]) / DAY  # type: ignore[operator]
                _add(sums, tier, province, take, days)
                need -= take
                head[1] = int(head[1]) - take  # type: ignore[call-overload]
                if not head[1]:
                    stock.popleft()
    return _means(sums)


def slow_movers(
    movements: Iterable[Movement],
    at: datetime,
    window_days: int,
    threshold_days: float,
) -> list[SlowMover]:
    """Node × SKU holding stock at ``at`` that would last longer than ``threshold_days`` at the
    pace it shipped or sold over the ``window_days`` before ``at``; those that moved nothing
    come first, then by days of cover, longest first."""
    check_aware("at", at)
    if window_days < 1:
        raise SupplyInputError("windowDays", f"must be at least 1, got {window_days}")
    since = at - timedelta(days=window_days)
    held: dict[tuple[str, str], int] = defaultdict(int)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for m in movements:
        if m.at > at:
            continue
        held[(m.party, m.gtin)] += m.signed
        if m.kind.sign < 0 and m.at > since:
            out[(m.party, m.gtin)] += m.units
    rows = []
    for key, units in held.items():
        if units <= 0:
            continue
        moved = out.get(key, 0)
        cover = units / (moved / window_days) if moved else None
        if cover is None or cover > threshold_days:
            rows.append(SlowMover(key[0], key[1], units, moved, cover))
    rows.sort(key=lambda r: (r.days_of_cover is not None, -(r.days_of_cover or 0), -r.on_hand))
    return rows
