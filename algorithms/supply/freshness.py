"""Freshness (保鲜度): how old the stock at each node is against its shelf life, what expires
within a horizon, and first-expired-first-out violations.

A FEFO violation is a shipment out of a node carrying a lot while an older-expiring lot of
the same SKU stays in that node's stock after the shipment left (FEFO as in GS1's guideline
for perishable goods: the lot expiring first leaves first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from algorithms.supply.errors import SupplyInputError
from algorithms.supply.facts import DAY, Kind, LotDates, Movement, check_aware

__all__ = ["FefoViolation", "LotStock", "fefo_violations", "lot_stock"]


@dataclass(frozen=True, slots=True)
class LotStock:
    """The units of one lot a node holds at a date, with their age and remaining life."""

    party: str
    gtin: str
    lot: str
    units: int
    made: datetime | None
    expires: datetime | None
    age_days: float | None
    days_left: float | None
    at_risk: bool
    """Expired already or expiring within the horizon."""


@dataclass(frozen=True, slots=True)
class FefoViolation:
    """A node shipped ``shipped_lot`` while ``older_lot`` (expiring first) stayed behind."""

    party: str
    gtin: str
    at: datetime
    shipped_lot: str
    shipped_units: int
    shipped_expires: datetime
    older_lot: str
    older_expires: datetime
    older_units_left: int


def lot_stock(
    movements: Iterable[Movement],
    dates: Mapping[tuple[str, str], LotDates],
    at: datetime,
    horizon_days: int,
) -> list[LotStock]:
    """Units on hand per node × lot at ``at``, each with its age and whether it expires within
    ``horizon_days`` days (lots without a known expiry are never at risk).

    >>> from datetime import UTC
    >>> t = datetime(2025, 1, 10, tzinfo=UTC)
    >>> dates = {("g", "L"): LotDates(t - 9 * DAY, t + 5 * DAY)}
    >>> [s] = lot_stock([Movement("p", "g", "L", Kind.RECEIVED, t, 4)], dates, t, 7)
    >>> s.units, s.age_days, s.at_risk
    (4, 9.0, True)
    """
    check_aware("at", at)
    if horizon_days < 0:
        raise SupplyInputError("horizon", f"must not be negative, got {horizon_days}")
    held: dict[tuple[str, str, str], int] = defaultdict(int)
    for m in movements:
        if m.at <= at:
            held[(m.party, m.gtin, m.lot)] += m.signed
    edge = at + timedelta(days=horizon_days)
    out = []
    for (party, gtin, lot), units in sorted(held.items()):
        if units <= 0:
            continue
        d = dates.get((gtin, lot))
        made = d.made if d else None
        expires = d.expires if d else None
        out.append(
            LotStock(
                party,
                gtin,
                lot,
                units,
                made,
                expires,
                (at - made) / DAY if made else None,
                (expires - at) / DAY if expires else None,
                expires is not None and expires <= edge,
            )
        )
    return out


def fefo_violations(
    movements: Iterable[Movement], dates: Mapping[tuple[str, str], LotDates]
) -> list[FefoViolation]:
    """Every shipment (all units a node shipped of one SKU at one moment) that left a lot
    with an earlier expiry behind, one violation per shipped lot and the earliest-expiring lot
    left behind; lots without a known expiry take no part.

    >>> from datetime import UTC
    >>> t = datetime(2025, 1, 1, tzinfo=UTC)
    >>> dates = {("g", "old"): LotDates(t, t + 30 * DAY), ("g", "new"): LotDates(t, t + 60 * DAY)}
    >>> ms = [Movement("d", "g", "old", Kind.RECEIVED, t, 5),
    ...       Movement("d", "g", "new", Kind.RECEIVED, t, 5),
    ...       Movement("d", "g", "new", Kind.SHIPPED, t + DAY, 5)]
    >>> [(v.shipped_lot, v.older_lot, v.older_units_left) for v in fefo_violations(ms, dates)]
    [('new', 'old', 5)]
    """
    by_node: dict[tuple[str, str], list[Movement]] = defaultdict(list)
    for m in movements:
        by_node[(m.party, m.gtin)].append(m)
    out: list[FefoViolation] = []
    for (party, gtin), items in sorted(by_node.items()):
        items.sort(key=lambda m: (m.at, m.kind.sign < 0))
        held: dict[str, int] = defaultdict(int)
        for at, group in groupby(items, key=lambda m: m.at):
            moments = list(group)
            for m in moments:
                held[m.lot] += m.signed
            shipped: dict[str, int] = defaultdict(int)
            for m in moments:
                if m.kind is Kind.SHIPPED:
                    shipped[m.lot] += m.units
            if not shipped:
                continue
            left = [
                (d.expires, lot)
                for lot, units in held.items()
                if units > 0 and (d := dates.get((gtin, lot))) and d.expires
            ]
            if not left:
                continue
            older_expires, older_lot = min(left)
            for lot, units in sorted(shipped.items()):
                d = dates.get((gtin, lot))
                if d and d.expires and older_expires < d.expires:
                    out.append(
                        FefoViolation(
                            party,
                            gtin,
                            at,
                            lot,
                            units,
                            d.expires,
                            older_lot,
                            older_expires,
                            held[older_lot],
                        )
                    )
    return out
