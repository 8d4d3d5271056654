"""Distribution (铺货率) and arrival (到达率).

The distribution rate of a SKU in a province is the share of the province's target stores
(every store of the channel there) that received the SKU within the window. Arrival follows
the units the plants shipped of lots made in the window: the share a store received and the
share a consumer scanned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from algorithms.supply.errors import SupplyInputError
from algorithms.supply.facts import Kind, Movement, Node, Tier, check_aware

__all__ = ["Arrival", "Breadth", "Rate", "arrival", "breadth", "distribution_rates"]


@dataclass(frozen=True, slots=True)
class Rate:
    """Of ``targets`` stores in ``province``, ``stocked`` received ``gtin`` in the window."""

    gtin: str
    province: str
    targets: int
    stocked: int

    @property
    def rate(self) -> float:
        return self.stocked / self.targets if self.targets else 0.0


@dataclass(frozen=True, slots=True)
class Breadth:
    """How many SKUs the stores of a province carried in the window."""

    province: str
    stores: int
    skus: int
    """Distinct SKUs any store of the province received."""
    mean_skus_per_store: float


@dataclass(frozen=True, slots=True)
class Arrival:
    """Of the units of ``gtin`` the plants shipped (lots made in the window), how many a store
    received and how many a consumer scanned."""

    gtin: str
    shipped: int
    reached_store: int
    reached_consumer: int

    @property
    def store_rate(self) -> float:
        return min(1.0, self.reached_store / self.shipped) if self.shipped else 0.0

    @property
    def consumer_rate(self) -> float:
        return min(1.0, self.reached_consumer / self.shipped) if self.shipped else 0.0


def _window(start: datetime, end: datetime) -> None:
    check_aware("from", start)
    check_aware("to", end)
    if end <= start:
        raise SupplyInputError("to", "must be after from")


def _stocked(
    movements: Iterable[Movement], stores: Mapping[str, Node], start: datetime, end: datetime
) -> dict[str, set[str]]:
    # gtin -> stores that received it in [start, end)
    out: dict[str, set[str]] = defaultdict(set)
    for m in movements:
        if m.kind is Kind.RECEIVED and m.party in stores and start <= m.at < end:
            out[m.gtin].add(m.party)
    return out


def distribution_rates(
    movements: Iterable[Movement],
    nodes: Mapping[str, Node],
    gtins: Iterable[str],
    start: datetime,
    end: datetime,
) -> list[Rate]:
    """The distribution rate of every SKU of ``gtins`` in every province with target stores.

    >>> from datetime import UTC
    >>> from algorithms.supply.facts import DAY
    >>> t = datetime(2025, 1, 1, tzinfo=UTC)
    >>> nodes = {s: Node(s, s, Tier.STORE, "110100", "110000") for s in ("a", "b")}
    >>> [r.rate for r in distribution_rates(
    ...     [Movement("a", "g", "L", Kind.RECEIVED, t, 24)], nodes, ["g"], t, t + DAY)]
    [0.5]
    """
    _window(start, end)
    stores = {k: n for k, n in nodes.items() if n.tier is Tier.STORE}
    targets: dict[str, set[str]] = defaultdict(set)
    for store in stores.values():
        targets[store.province or "unknown"].add(store.id)
    stocked = _stocked(movements, stores, start, end)
    return [
        Rate(g, p, len(members), len(members & stocked.get(g, set())))
        for g in sorted(set(gtins))
        for p, members in sorted(targets.items())
    ]


def breadth(
    movements: Iterable[Movement], nodes: Mapping[str, Node], start: datetime, end: datetime
) -> list[Breadth]:
    """SKU breadth per province: distinct SKUs received by its stores, and per store."""
    _window(start, end)
    stores = {k: n for k, n in nodes.items() if n.tier is Tier.STORE}
    carried: dict[str, set[str]] = defaultdict(set)
    for gtin, stocked in _stocked(movements, stores, start, end).items():
        for s in stocked:
            carried[s].add(gtin)
    by_province: dict[str, list[str]] = defaultdict(list)
    for store in stores.values():
        by_province[store.province or "unknown"].append(store.id)
    out = []
    for province, members in sorted(by_province.items()):
        skus = set().union(*(carried.get(s, set()) for s in members))
        mean = sum(len(carried.get(s, ())) for s in members) / len(members)
        out.append(Breadth(province, len(members), len(skus), mean))
    return out


def arrival(
    movements: Iterable[Movement],
    nodes: Mapping[str, Node],
    scanned: Mapping[tuple[str, str], int],
    start: datetime,
    end: datetime,
) -> list[Arrival]:
    """Arrival per SKU of the lots made in ``[start, end)``; ``scanned`` counts, per
    ``(gtin, lot)``, the units a consumer scanned."""
    _window(start, end)
    movements = list(movements)
    cohort = {(m.gtin, m.lot) for m in movements if m.kind is Kind.PRODUCED and start <= m.at < end}
    shipped: dict[str, int] = defaultdict(int)
    stored: dict[str, int] = defaultdict(int)
    for m in movements:
        if (m.gtin, m.lot) not in cohort:
            continue
        node = nodes.get(m.party)
        tier = node.tier if node else Tier.OTHER
        if m.kind is Kind.SHIPPED and tier is Tier.PLANT:
            shipped[m.gtin] += m.units
        elif m.kind is Kind.RECEIVED and tier is Tier.STORE:
            stored[m.gtin] += m.units
    consumer: dict[str, int] = defaultdict(int)
    for (gtin, lot), n in scanned.items():
        if (gtin, lot) in cohort:
            consumer[gtin] += n
    gtins = sorted(set(shipped) | set(stored) | set(consumer))
    return [Arrival(g, shipped[g], stored[g], consumer[g]) for g in gtins]
