"""A campaign's analytics: reach and repeat behaviour, scan rates, by province, by prize and
by consumer segment, and recommendations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.consumer_profile import ConsumerSegmentKind
from api.graphql.types.scan_rates import ScanRatesView
from services.campaign_analytics import CampaignAnalytics as Analytics

__all__ = ["CampaignAnalytics", "ConsumerSegment", "PrizeRepeat", "ProvinceCampaignFigures"]


@strawberry.type(description="A province: consumers counted where they scan most.")
class ProvinceCampaignFigures:
    province: str
    scans: int
    scanners: int
    repeat_scanners: int
    prize_spend: float
    repeat_per_thousand: float | None = strawberry.field(
        description="Repeat scanners per 1,000 of prize spend."
    )


@strawberry.type(description="A prize level and the scans its winners made after winning.")
class PrizeRepeat:
    level: str
    winners: int
    scans_after_per_winner: float
    repeat_rate: float = strawberry.field(
        description="Share of winners who scanned again on a later day than their win."
    )


@strawberry.type(description="The campaign's scanners in one RFM segment.")
class ConsumerSegment:
    segment: ConsumerSegmentKind  # type: ignore[valid-type]
    consumers: int
    scans: int
    units: int
    prize_spend: float


@strawberry.type(description="What the brand learns from a campaign's scans.")
class CampaignAnalytics:
    as_of: datetime = strawberry.field(
        description="When recency is measured: the campaign's end, or now while it runs."
    )
    scans: int
    scanners: int
    repeat_scanners: int = strawberry.field(description="Scanners on two or more days.")
    repeat_days: float = strawberry.field(description="Days with a scan, per scanner.")
    scans_per_person: float
    new_scanners: int = strawberry.field(description="Scanners whose first scan ever is in it.")
    returning_scanners: int = strawberry.field(description="Scanners who scanned before it.")
    prizes_paid: int
    prize_spend: float
    scan_rates: ScanRatesView = strawberry.field(
        description="Of the campaign's products shipped into its regions before its end, the "
        "units consumers scanned within its window."
    )
    provinces: list[ProvinceCampaignFigures]
    repeat_by_prize: list[PrizeRepeat]
    segments: list[ConsumerSegment]
    active_hours: list[int] = strawberry.field(
        description="Scans per hour of day 0..23, China time (UTC+8)."
    )
    recommendations: list[str]
    recommendations_zh: list[str] = strawberry.field(description="The same, in Chinese.")

    @classmethod
    def from_domain(cls, a: Analytics) -> CampaignAnalytics:
        s = a.summary
        return cls(
            as_of=a.as_of,
            scans=s.scans,
            scanners=s.scanners,
            repeat_scanners=s.repeat_scanners,
            repeat_days=s.repeat_days,
            scans_per_person=s.scans_per_person,
            new_scanners=a.new_scanners,
            returning_scanners=a.returning_scanners,
            prizes_paid=s.prizes_paid,
            prize_spend=s.prize_spend,
            scan_rates=ScanRatesView.from_domain(a.scan_rates),
            provinces=[
                ProvinceCampaignFigures(
                    province=p.province,
                    scans=p.scans,
                    scanners=p.scanners,
                    repeat_scanners=p.repeat_scanners,
                    prize_spend=p.prize_spend,
                    repeat_per_thousand=p.repeat_per_thousand,
                )
                for p in s.provinces
            ],
            repeat_by_prize=[
                PrizeRepeat(
                    level=r.level,
                    winners=r.winners,
                    scans_after_per_winner=r.scans_after_per_winner,
                    repeat_rate=r.repeat_rate,
                )
                for r in s.repeat_by_prize
            ],
            segments=[
                ConsumerSegment(
                    segment=f.segment,
                    consumers=f.consumers,
                    scans=f.scans,
                    units=f.units,
                    prize_spend=f.prize_value,
                )
                for f in a.segments
            ],
            active_hours=list(a.active_hours),
            recommendations=[x.en for x in a.advice],
            recommendations_zh=[x.zh for x in a.advice],
        )
