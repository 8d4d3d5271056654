"""A consumer as their scans describe them: RFM segment, home region, preferred products,
active hours, new or returning."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from services.campaign_analytics import ConsumerProfileView, Segment

__all__ = ["ConsumerProfile", "ConsumerSegmentKind", "ProductScans"]

ConsumerSegmentKind = strawberry.enum(
    Segment,
    name="ConsumerSegmentKind",
    description="RFM segment: lost (no scan for over 30 days), champions (scans on 2+ days, "
    "the last within 7 days, 4+ units), loyal (2+ days, the last within 7), at_risk (2+ days, "
    "none within 7), new (first scan ever within 7 days), occasional (the rest).",
)


@strawberry.type(description="A product and how often the consumer scanned it.")
class ProductScans:
    gtin: str
    scans: int


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@strawberry.type(description="A consumer's profile from their scans in a period, nothing else.")
class ConsumerProfile:
    id: strawberry.ID
    period_start: datetime
    as_of: datetime
    scans: int
    units: int = strawberry.field(description="Distinct units scanned (monetary of RFM).")
    days: int = strawberry.field(description="Days with a scan (frequency of RFM).")
    first_scan: datetime
    last_scan: datetime
    recency_days: float = strawberry.field(description="Days from the last scan to asOf.")
    segment: ConsumerSegmentKind  # type: ignore[valid-type]
    home_region: str | None = strawberry.field(description="The region scanned in most.")
    home_region_name: str | None
    home_province: str | None
    preferred_products: list[ProductScans]
    active_hours: list[int] = strawberry.field(
        description="Scans per hour of day 0..23, China time (UTC+8)."
    )
    peak_hour: int | None
    prizes: int
    prize_value: float
    new_in_period: bool = strawberry.field(
        description="True when the first scan ever falls in the period (else returning)."
    )

    @classmethod
    def from_domain(cls, v: ConsumerProfileView) -> ConsumerProfile:
        p = v.profile
        hours = list(p.active_hours)
        return cls(
            id=strawberry.ID(p.consumer),
            period_start=v.period_start,
            as_of=v.as_of,
            scans=p.scans,
            units=p.units,
            days=p.days,
            first_scan=_time(p.first_at),
            last_scan=_time(p.last_at),
            recency_days=round(p.recency_days, 3),
            segment=p.segment,
            home_region=p.home_region,
            home_region_name=v.home_region_name,
            home_province=v.home_province,
            preferred_products=[ProductScans(gtin=g, scans=n) for g, n in p.preferred_products],
            active_hours=hours,
            peak_hour=hours.index(max(hours)) if any(hours) else None,
            prizes=p.prizes,
            prize_value=p.prize_value,
            new_in_period=p.new_in_period,
        )
