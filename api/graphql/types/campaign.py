"""A scan-to-win campaign: what it covers, its prize pool and what it has spent."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.campaigns import StoredCampaign

__all__ = ["Campaign", "Personalisation", "PrizeLevel"]


@strawberry.type(description="One level of a campaign's prize pool.")
class PrizeLevel:
    level: str
    quantity: int
    remaining: int = strawberry.field(description="Prizes of this level not yet awarded.")
    amount: float
    probability: float = strawberry.field(description="Chance of winning it with one scan.")
    points: int


@strawberry.type(
    description="Personalised odds (千人千面): how far a consumer's value score tilts the draw "
    "toward the better levels."
)
class Personalisation:
    max_boost: float = strawberry.field(description="0: off; at most 1.")


@strawberry.type(
    description="A scan-to-win campaign (扫码营销). Empty products or regions cover all; "
    "spent counts paid and held prizes and store credits and never exceeds budget."
)
class Campaign:
    id: str
    name: str
    start: datetime
    end: datetime
    budget: float
    spent: float
    awarded: int = strawberry.field(description="Prizes awarded (paid or held).")
    products: list[str] = strawberry.field(description="GTINs covered.")
    regions: list[str] = strawberry.field(description="Region codes covered, with within.")
    store_reward: float = strawberry.field(
        description="Credited to the store that sold a winning unit (BC联动)."
    )
    staff_reward: float = strawberry.field(
        description="Credited to the staff member who opened a winning unit."
    )
    levels: list[PrizeLevel]
    personalisation: Personalisation

    @classmethod
    def from_domain(cls, k: StoredCampaign) -> Campaign:
        return cls(
            id=k.id,
            name=k.name,
            start=k.start,
            end=k.end,
            budget=k.budget,
            spent=k.spent,
            awarded=k.awarded,
            products=list(k.products),
            regions=list(k.regions),
            store_reward=k.store_reward,
            staff_reward=k.staff_reward,
            personalisation=Personalisation(max_boost=k.max_boost),
            levels=[
                PrizeLevel(
                    level=lv.level,
                    quantity=lv.quantity,
                    remaining=lv.remaining,
                    amount=lv.amount,
                    probability=lv.probability,
                    points=lv.points,
                )
                for lv in k.levels
            ],
        )
