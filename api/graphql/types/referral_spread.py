"""The answers of ``referralSpread``: one cascade, or a whole campaign, and their parts."""

from __future__ import annotations

from datetime import date

import strawberry

from services.referral import CampaignSpread as CampaignValue
from services.referral import CascadeSpread as CascadeValue
from services.referral import Distribution as DistributionValue
from services.referral import Spreader as SpreaderValue

__all__ = ["CampaignSpread", "CascadeSpread", "DayCount", "Distribution", "Spreader"]


@strawberry.type(description="A member and the cascade they started.")
class Spreader:
    consumer_id: str
    reach: int = strawberry.field(description="Members brought in through them, at any depth.")
    direct: int = strawberry.field(description="Members they referred themselves.")
    depth: int = strawberry.field(description="Referrals from the root down to them.")

    @classmethod
    def of(cls, s: SpreaderValue) -> Spreader:
        return cls(consumer_id=s.consumer, reach=s.reach, direct=s.direct, depth=s.depth)


@strawberry.type(description="New members on one calendar day (UTC).")
class DayCount:
    day: date
    members: int


@strawberry.type(description="How many cascades have this size.")
class SizeCount:
    size: int
    cascades: int


@strawberry.type(description="Values in [low, high).")
class HistogramBin:
    low: float
    high: float
    count: int


@strawberry.type(description="Quantiles and a histogram with doubling bins.")
class Distribution:
    count: int
    mean: float
    median: float
    p90: float
    p99: float
    maximum: float
    histogram: list[HistogramBin]

    @classmethod
    def of(cls, d: DistributionValue) -> Distribution:
        return cls(
            count=d.count,
            mean=d.mean,
            median=d.median,
            p90=d.p90,
            p99=d.p99,
            maximum=d.maximum,
            histogram=[HistogramBin(low=a, high=b, count=c) for a, b, c in d.histogram],
        )


@strawberry.type(
    description="How one cascade spread. A consumer nobody referred and who referred nobody "
    "is a cascade of size 1, depth 0, virality 0."
)
class CascadeSpread:
    campaign: str
    root_id: str
    size: int = strawberry.field(description="Members, the root counted.")
    depth: int = strawberry.field(description="Referrals from the root to the deepest member.")
    breadth: list[int] = strawberry.field(description="Members at each depth (0: the root).")
    widest_level: int
    virality: float = strawberry.field(
        description="Structural virality (Goel et al. 2016): mean distance between members."
    )
    growth: list[DayCount]
    k_factor: float = strawberry.field(description="Members brought in per member.")
    k_by_level: list[float]
    top_spreaders: list[Spreader]

    @classmethod
    def of(cls, campaign: str, s: CascadeValue) -> CascadeSpread:
        return cls(
            campaign=campaign,
            root_id=s.root,
            size=s.size,
            depth=s.depth,
            breadth=list(s.breadth),
            widest_level=s.widest_level,
            virality=s.virality,
            growth=[DayCount(day=d, members=n) for d, n in s.growth],
            k_factor=s.k_factor,
            k_by_level=list(s.k_by_level),
            top_spreaders=[Spreader.of(x) for x in s.top_spreaders],
        )


@strawberry.type(description="How a whole campaign spread, every cascade together.")
class CampaignSpread:
    campaign: str
    members: int
    referrals: int
    cascades: int
    depth: int
    breadth: list[int] = strawberry.field(description="Members at each depth (0: the roots).")
    widest_level: int
    growth: list[DayCount]
    k_factor: float
    k_by_level: list[float]
    top_spreaders: list[Spreader]
    size_counts: list[SizeCount]
    sizes: Distribution = strawberry.field(description="Cascade sizes.")
    viralities: Distribution = strawberry.field(
        description="Structural virality of the cascades of size 2 or more."
    )
    deep_members: int = strawberry.field(description="Members more than 2 referrals deep.")
    deep_share: float = strawberry.field(
        description="Share of members reached through chains deeper than 2."
    )

    @classmethod
    def of(cls, campaign: str, s: CampaignValue) -> CampaignSpread:
        return cls(
            campaign=campaign,
            members=s.members,
            referrals=s.referrals,
            cascades=s.cascades,
            depth=s.depth,
            breadth=list(s.breadth),
            widest_level=s.widest_level,
            growth=[DayCount(day=d, members=n) for d, n in s.growth],
            k_factor=s.k_factor,
            k_by_level=list(s.k_by_level),
            top_spreaders=[Spreader.of(x) for x in s.top_spreaders],
            size_counts=[SizeCount(size=a, cascades=b) for a, b in s.size_counts],
            sizes=Distribution.of(s.sizes),
            viralities=Distribution.of(s.virality),
            deep_members=s.deep_members,
            deep_share=s.deep_share,
        )
