"""The answer of ``sellThrough``: days through the channel and the slow movers."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.supply import SellThroughReport

__all__ = ["SellThrough", "SlowMover", "StageDays"]


@strawberry.type(description="Mean days of units through one stage or at one tier.")
class StageDays:
    stage: str = strawberry.field(
        description="plantToStore or storeToConsumer (transit); a tier (dwell)."
    )
    province: str = strawberry.field(description="The node's province, or `all`.")
    units: int
    mean_days: float


@strawberry.type(description="A node × SKU whose stock outlasts the threshold at its pace.")
class SlowMover:
    party: strawberry.ID
    gtin: str
    on_hand: int
    outflow: int = strawberry.field(description="Units shipped or sold within the window.")
    days_of_cover: float | None = strawberry.field(description="Null when nothing moved.")


@strawberry.type(description="Sell-through and velocity at a date.")
class SellThrough:
    at: datetime
    transit: list[StageDays]
    dwell: list[StageDays]
    slow_movers: list[SlowMover]

    @classmethod
    def of(cls, r: SellThroughReport, first: int) -> SellThrough:
        return cls(
            at=r.at,
            transit=[
                StageDays(stage=d.key, province=d.province, units=d.units, mean_days=d.mean_days)
                for d in r.transit
            ],
            dwell=[
                StageDays(stage=d.key, province=d.province, units=d.units, mean_days=d.mean_days)
                for d in r.dwell
            ],
            slow_movers=[
                SlowMover(
                    party=strawberry.ID(s.party),
                    gtin=s.gtin,
                    on_hand=s.on_hand,
                    outflow=s.outflow,
                    days_of_cover=s.days_of_cover,
                )
                for s in r.slow_movers[:first]
            ],
        )
