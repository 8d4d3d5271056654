"""Stock on hand by node and SKU at a date, rolled up by province and tier, and reconciled
against the stock dealers declare.

Stock is produced + received − shipped − sold up to the date, summed from the movements.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from algorithms.supply.facts import Kind, Movement, Node, Tier, check_aware

__all__ = [
    "Balance",
    "Difference",
    "Rollup",
    "StockReport",
    "balances",
    "reconcile",
    "rollup",
]


@dataclass(frozen=True, slots=True)
class Balance:
    """What a node did with one SKU up to a date, and what it holds."""

    party: str
    gtin: str
    produced: int
    received: int
    shipped: int
    sold: int

    @property
    def on_hand(self) -> int:
        return self.produced + self.received - self.shipped - self.sold


@dataclass(frozen=True, slots=True)
class Rollup:
    """Stock of one SKU summed over the nodes of one province or one tier."""

    key: str
    gtin: str
    nodes: int
    on_hand: int


@dataclass(frozen=True, slots=True)
class StockReport:
    """Stock a dealer declares: ``quantity`` units of ``gtin`` at ``party`` at ``at``."""

    party: str
    gtin: str
    quantity: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Difference:
    """A declared stock beside the stock the codes say, at the declared moment."""

    party: str
    gtin: str
    at: datetime
    declared: int
    computed: int

    @property
    def difference(self) -> int:
        return self.declared - self.computed


def balances(movements: Iterable[Movement], at: datetime) -> list[Balance]:
    """Every node × SKU with a movement up to ``at`` (inclusive), sorted by party and GTIN.

    >>> from datetime import UTC
    >>> t = datetime(2025, 1, 1, tzinfo=UTC)
    >>> ms = [Movement("p", "g", "L", Kind.RECEIVED, t, 10),
    ...       Movement("p", "g", "L", Kind.SOLD, t, 3)]
    >>> balances(ms, t)[0].on_hand
    7
    """
    check_aware("at", at)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    column = {Kind.PRODUCED: 0, Kind.RECEIVED: 1, Kind.SHIPPED: 2, Kind.SOLD: 3}
    for m in movements:
        if m.at <= at:
            sums[(m.party, m.gtin)][column[m.kind]] += m.units
    return [Balance(p, g, *v) for (p, g), v in sorted(sums.items())]


def rollup(rows: Iterable[Balance], nodes: Mapping[str, Node], by: str) -> list[Rollup]:
    """Stock summed by ``by`` (``"province"``, ``"region"``: the node's own region, or
    ``"tier"``) and SKU; nodes the channel does not place fall under ``"unknown"``."""
    if by not in ("province", "region", "tier"):
        raise ValueError(f"by must be 'province', 'region' or 'tier', got {by!r}")
    stock: dict[tuple[str, str], int] = defaultdict(int)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for b in rows:
        node = nodes.get(b.party)
        if by == "tier":
            key = str(node.tier if node else Tier.OTHER)
        elif by == "region":
            key = (node.region if node else None) or "unknown"
        else:
            key = (node.province if node else None) or "unknown"
        stock[(key, b.gtin)] += b.on_hand
        count[(key, b.gtin)] += 1
    return [Rollup(k, g, count[(k, g)], v) for (k, g), v in sorted(stock.items())]


def reconcile(reports: Sequence[StockReport], movements: Iterable[Movement]) -> list[Difference]:
    """Each declared stock beside the stock the movements give at its moment, reports in the
    order given (a report on a node × SKU with no movement is compared with 0)."""
    wanted = {(r.party, r.gtin) for r in reports}
    series: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
    for m in movements:
        key = (m.party, m.gtin)
        if key in wanted:
            series[key].append((m.at, m.signed))
    cumulative: dict[tuple[str, str], tuple[list[datetime], list[int]]] = {}
    for key, items in series.items():
        items.sort(key=lambda x: x[0])
        total, sums = 0, []
        for _, units in items:
            total += units
            sums.append(total)
        cumulative[key] = ([t for t, _ in items], sums)
    out = []
    for r in reports:
        check_aware("at", r.at)
        times, sums = cumulative.get((r.party, r.gtin), ([], []))
        i = bisect_right(times, r.at)
        out.append(Difference(r.party, r.gtin, r.at, r.quantity, sums[i - 1] if i else 0))
    return out
