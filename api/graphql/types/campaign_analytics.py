"""A campaign's analytics: reach and repeat behaviour, by province and by prize."""

from __future__ import annotations

import strawberry

from services.campaigns import CampaignSummary

__all__ = ["CampaignAnalytics", "PrizeRepeat", "ProvinceCampaignFigures"]


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


@strawberry.type(description="What the brand learns from a campaign's scans.")
class CampaignAnalytics:
    scans: int
    scanners: int
    repeat_scanners: int = strawberry.field(description="Scanners on two or more days.")
    repeat_days: float = strawberry.field(description="Days with a scan, per scanner.")
    scans_per_person: float
    prizes_paid: int
    prize_spend: float
    provinces: list[ProvinceCampaignFigures]
    repeat_by_prize: list[PrizeRepeat]
    recommendations: list[str]

    @classmethod
    def from_domain(cls, s: CampaignSummary) -> CampaignAnalytics:
        return cls(
            scans=s.scans,
            scanners=s.scanners,
            repeat_scanners=s.repeat_scanners,
            repeat_days=s.repeat_days,
            scans_per_person=s.scans_per_person,
            prizes_paid=s.prizes_paid,
            prize_spend=s.prize_spend,
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
                PrizeRepeat(level=lv, winners=n, scans_after_per_winner=after)
                for lv, n, after in s.repeat_by_prize
            ],
            recommendations=list(s.recommendations),
        )
