"""Scan rate (扫码率): the share of the units a brand shipped that consumers scanned, in
total, by province and by product.

A unit counts as shipped where the brand sent it (the province of the party its plant
shipped it to) and as scanned when a consumer scanned it in the period; both counts come per
destination and product from the graph (:class:`ShippedLine`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from algorithms.campaigns.errors import CampaignInputError

__all__ = ["ScanRate", "ScanRates", "ShippedLine", "scan_rates"]


@dataclass(frozen=True, slots=True)
class ShippedLine:
    """Units of one product shipped to one province, and how many of them were scanned."""

    province: str | None
    gtin: str
    units: int
    scanned: int

    def __post_init__(self) -> None:
        if not 0 <= self.scanned <= self.units:
            raise CampaignInputError(
                f"scanned units must lie in 0..{self.units}, got {self.scanned}"
            )


@dataclass(frozen=True, slots=True)
class ScanRate:
    key: str
    shipped: int
    scanned: int

    @property
    def rate(self) -> float | None:
        """Scanned ÷ shipped (``None`` when nothing was shipped)."""
        return self.scanned / self.shipped if self.shipped else None


@dataclass(frozen=True, slots=True)
class ScanRates:
    total: ScanRate
    by_province: tuple[ScanRate, ...]
    by_product: tuple[ScanRate, ...]


def _rollup(lines: Iterable[ShippedLine], key: Callable[[ShippedLine], str]) -> list[ScanRate]:
    shipped: dict[str, int] = defaultdict(int)
    scanned: dict[str, int] = defaultdict(int)
    for line in lines:
        shipped[key(line)] += line.units
        scanned[key(line)] += line.scanned
    return [ScanRate(k, shipped[k], scanned[k]) for k in sorted(shipped)]


UNKNOWN = "unknown"


def scan_rates(lines: Sequence[ShippedLine]) -> ScanRates:
    """Scan rates of ``lines`` in total, by province (``"unknown"`` where the destination has
    no province) and by GTIN, each list sorted by key.

    >>> r = scan_rates([ShippedLine("江苏省", "06901234000011", 10, 4),
    ...                 ShippedLine("河北省", "06901234000011", 10, 1)])
    >>> r.total.rate, [(p.key, p.rate) for p in r.by_province]
    (0.25, [('江苏省', 0.4), ('河北省', 0.1)])
    """
    total = ScanRate("all", sum(x.units for x in lines), sum(x.scanned for x in lines))
    return ScanRates(
        total=total,
        by_province=tuple(_rollup(lines, lambda x: x.province or UNKNOWN)),
        by_product=tuple(_rollup(lines, lambda x: x.gtin)),
    )
