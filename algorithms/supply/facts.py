"""The plain facts every supply measure starts from: movements of units between parties,
the parties themselves, and the dates of lots.

A :class:`Movement` is what the code graph says happened to some units of one lot at one
party at one moment: made there (``produced``), received, shipped or sold. Stock on hand is
their signed sum, so every measure of this package is arithmetic on the same ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from algorithms.supply.errors import SupplyInputError

__all__ = [
    "DAY",
    "Kind",
    "LotDates",
    "Movement",
    "Node",
    "Tier",
    "check_aware",
    "lot_dates",
]

DAY: Final = timedelta(days=1)


class Kind(StrEnum):
    """What a movement did to the stock of its party."""

    PRODUCED = "produced"
    RECEIVED = "received"
    SHIPPED = "shipped"
    SOLD = "sold"

    @property
    def sign(self) -> int:
        return 1 if self in (Kind.PRODUCED, Kind.RECEIVED) else -1


class Tier(StrEnum):
    """The tier of a node in the channel."""

    PLANT = "plant"
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    STORE = "store"
    OTHER = "other"

    @classmethod
    def of(cls, labels: Iterable[str], tier: int | None) -> Tier:
        """The tier of a party from its labels and, for a distributor, its tier number."""
        names = set(labels)
        if "Plant" in names:
            return cls.PLANT
        if "Store" in names:
            return cls.STORE
        if "Distributor" in names:
            return {1: cls.NATIONAL, 2: cls.PROVINCIAL, 3: cls.CITY}.get(tier or 0, cls.OTHER)
        return cls.OTHER


@dataclass(frozen=True, slots=True)
class Movement:
    """``units`` units of lot ``lot`` of ``gtin`` moved at ``party`` at ``at``."""

    party: str
    gtin: str
    lot: str
    kind: Kind
    at: datetime
    units: int

    @property
    def signed(self) -> int:
        return self.kind.sign * self.units


@dataclass(frozen=True, slots=True)
class Node:
    """A party of the channel and where it is."""

    id: str
    name: str
    tier: Tier
    region: str | None = None
    province: str | None = None


@dataclass(frozen=True, slots=True)
class LotDates:
    """When a lot was made and when it expires (``None`` when neither its ILMD nor a shelf
    life says)."""

    made: datetime
    expires: datetime | None


def check_aware(field: str, moment: datetime) -> datetime:
    """``moment`` itself when it carries an offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SupplyInputError(field, "must carry a UTC offset")
    return moment


def lot_dates(
    made: Mapping[tuple[str, str], datetime],
    expiry: Mapping[tuple[str, str], datetime],
    shelf_life_days: Mapping[str, int],
) -> dict[tuple[str, str], LotDates]:
    """Each lot's dates: its expiry from ILMD when stated, else made + the product's shelf
    life when known.

    >>> from datetime import UTC
    >>> made = {("g", "L1"): datetime(2025, 1, 1, tzinfo=UTC)}
    >>> lot_dates(made, {}, {"g": 10})[("g", "L1")].expires.day
    11
    """
    out: dict[tuple[str, str], LotDates] = {}
    for key, at in made.items():
        expires = expiry.get(key)
        if expires is None and key[0] in shelf_life_days:
            expires = at + shelf_life_days[key[0]] * DAY
        out[key] = LotDates(at, expires)
    return out
