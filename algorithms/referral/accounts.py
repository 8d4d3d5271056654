"""What the ring detector knows of a consumer account: identity attributes, creation time
and scans, with places as keys of a grid of squares (:func:`location_cell`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from algorithms.referral.errors import ReferralInputError

__all__ = ["Account", "AttributeKind", "Scan", "location_cell"]

AttributeKind = Literal["device", "phone", "payout"]

_METRES_PER_DEGREE: Final = 111_320.0


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan by a consumer: when, and where as a place key (see :func:`location_cell`)."""

    at: datetime
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """What is known of one consumer account.

    Attributes
    ----------
    id : str
        The consumer.
    created_at : datetime or None
        When the account was made (timezone-aware).
    devices, phones, payouts : tuple of str
        The devices it uses, its phone numbers, the accounts its rewards are paid to.
    scans : tuple of Scan
        Every scan it made, in any order.
    """

    id: str
    created_at: datetime | None = None
    devices: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    payouts: tuple[str, ...] = ()
    scans: tuple[Scan, ...] = ()

    def attributes(self) -> Iterable[tuple[AttributeKind, str]]:
        """``(kind, value)`` of every identity attribute."""
        for device in self.devices:
            yield "device", device
        for phone in self.phones:
            yield "phone", phone
        for payout in self.payouts:
            yield "payout", payout


def location_cell(lat: float, lon: float, metres: float = 150.0) -> str:
    """The key of the square of about ``metres`` a side that holds a point.

    >>> location_cell(31.2300, 121.4730) == location_cell(31.2301, 121.4731)
    True
    >>> location_cell(31.2300, 121.4730) == location_cell(31.2400, 121.4730)
    False
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or metres <= 0:
        raise ReferralInputError("location", f"no cell for ({lat}, {lon}) at {metres} m")
    row = math.floor(lat * _METRES_PER_DEGREE / metres)
    width = metres / (_METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    return f"{metres:g}m:{row}:{math.floor(lon / width)}"
