"""Scan rate (扫码率): scanned ÷ shipped units, in total, by province and by product."""

from __future__ import annotations

import strawberry

from services.campaign_analytics import ScanRate, ScanRates

__all__ = ["ScanRateRow", "ScanRatesView"]


@strawberry.type(
    name="ScanRate",
    description="Units shipped from the brand's plants and those consumers scanned.",
)
class ScanRateRow:
    key: str = strawberry.field(description="A province's name, a GTIN, or 'all'.")
    shipped: int
    scanned: int
    rate: float | None = strawberry.field(description="Scanned ÷ shipped; null: none shipped.")

    @classmethod
    def from_domain(cls, r: ScanRate) -> ScanRateRow:
        return cls(key=r.key, shipped=r.shipped, scanned=r.scanned, rate=r.rate)


@strawberry.type(
    name="ScanRates",
    description="Units count where the brand's plants shipped them (the province of the party "
    "they went to) and as scanned when a consumer scanned them in the period.",
)
class ScanRatesView:
    total: ScanRateRow
    by_province: list[ScanRateRow]
    by_product: list[ScanRateRow]

    @classmethod
    def from_domain(cls, r: ScanRates) -> ScanRatesView:
        return cls(
            total=ScanRateRow.from_domain(r.total),
            by_province=[ScanRateRow.from_domain(x) for x in r.by_province],
            by_product=[ScanRateRow.from_domain(x) for x in r.by_product],
        )
