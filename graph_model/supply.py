"""Facts of the supply chain as the code graph stores them, read for supply analytics: goods
moved between parties, made at plants, sold at stores, scanned by consumers; the parties and
the lots' dates; and the stock dealers declare.

Plain values: the repository fills them from columns, services turn them into the ledger the
supply algorithms measure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from graph_model.errors import InvalidField

__all__ = [
    "SALE_STEPS",
    "ConsumerScanRow",
    "LotRow",
    "MovementRow",
    "PartyRow",
    "StockReportRow",
    "check_report",
    "ilmd_date",
    "stock_report_id",
]

#: The bizSteps of a sale to a consumer, as CBV short names and URNs.
SALE_STEPS: Final = (
    "retail_selling",
    "urn:epcglobal:cbv:bizstep:retail_selling",
    "https://ref.gs1.org/cbv/BizStep-retail_selling",
)
_DATE: Final = re.compile(r'"\s*:\s*"(\d{4}-\d{2}-\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?"')


@dataclass(frozen=True, slots=True)
class MovementRow:
    """``units`` units of one lot at ``party``: ``kind`` is produced, received, shipped or
    sold."""

    party: str
    gtin: str
    lot: str
    kind: str
    at: datetime
    units: int


@dataclass(frozen=True, slots=True)
class PartyRow:
    id: str
    name: str
    labels: tuple[str, ...]
    tier: int | None
    region: str | None
    province: str | None


@dataclass(frozen=True, slots=True)
class LotRow:
    """A lot, when it was first made, and the expiry its ILMD states (if any)."""

    gtin: str
    lot: str
    made: datetime
    expires: datetime | None


@dataclass(frozen=True, slots=True)
class ConsumerScanRow:
    store: str | None
    gtin: str
    lot: str
    sold_at: datetime | None
    scanned_at: datetime


@dataclass(frozen=True, slots=True)
class StockReportRow:
    """Stock a dealer declares."""

    party: str
    gtin: str
    quantity: int
    at: datetime

    @property
    def id(self) -> str:
        return stock_report_id(self.party, self.gtin, self.at)


def stock_report_id(party: str, gtin: str, at: datetime) -> str:
    """One declaration per party, SKU and moment: a later load of the same row replaces it."""
    return f"{party}|{gtin}|{at.astimezone(UTC).isoformat()}"


def ilmd_date(tail: str | None) -> datetime | None:
    """The date (or date-time) at the start of the JSON text after an ILMD key such as
    ``cbvmda:itemExpirationDate``; ``None`` when none is there.

    >>> ilmd_date('": "2026-05-01", "x": 1}').isoformat()
    '2026-05-01T00:00:00+00:00'
    """
    if not tail:
        return None
    found = _DATE.match(tail)
    if found is None:
        return None
    text = found.group(1) + (found.group(2) or "T00:00:00Z")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_report(row: StockReportRow, path: str) -> StockReportRow:
    """``row`` when its quantity is a count and its moment carries an offset."""
    if row.quantity < 0:
        raise InvalidField(f"{path}.quantity", "must not be negative")
    if row.at.tzinfo is None:
        raise InvalidField(f"{path}.at", "must carry a UTC offset")
    if not row.party.strip():
        raise InvalidField(f"{path}.party_id", "must not be empty")
    return row
