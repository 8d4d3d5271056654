"""``saveCampaign``: create or update a scan-to-win campaign (:mod:`services.campaigns`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.campaign import Campaign
from api.graphql.types.problem import Problem
from graph_model.campaigns import CampaignSpec
from graph_model.errors import InvalidField

__all__ = [
    "CampaignInput",
    "PersonalisationInput",
    "PrizeLevelInput",
    "SaveCampaignResult",
    "save_campaign",
]


@strawberry.input(description="One level of the prize pool.")
class PrizeLevelInput:
    level: str = strawberry.field(description="Its name, e.g. first, second, thanks.")
    quantity: int = strawberry.field(description="How many prizes of this level there are.")
    amount: float = strawberry.field(description="Money each prize pays.")
    probability: float = strawberry.field(
        description="Chance that one scan wins it; the levels' chances add up to at most 1."
    )
    points: int = strawberry.field(default=0, description="Membership points it gives.")


@strawberry.input(
    description="Personalised odds (千人千面): a consumer's value score (predicted repurchase "
    "from past scans) tilts the draw toward the better levels, the chance of any prize "
    "unchanged."
)
class PersonalisationInput:
    max_boost: float = strawberry.field(
        default=0.0,
        description="How far the most valuable consumer's odds tilt: the dearest level's "
        "chance grows up to 1 + maxBoost times against the cheapest's; 0 (off) to 1.",
    )


@strawberry.input(
    description="A campaign. Saving an existing id updates it and keeps what was awarded."
)
class CampaignInput:
    id: str
    name: str
    start: datetime
    end: datetime
    budget: float = strawberry.field(description="Most the campaign may spend, credits included.")
    levels: list[PrizeLevelInput]
    products: list[str] = strawberry.field(
        default_factory=list, description="GTINs covered; empty: every product."
    )
    regions: list[str] = strawberry.field(
        default_factory=list,
        description="Region codes covered, with every region within them; empty: everywhere.",
    )
    store_reward: float = strawberry.field(
        default=0.0, description="Credited to the store that sold a winning unit."
    )
    staff_reward: float = strawberry.field(
        default=0.0, description="Credited to the staff member who opened a winning unit."
    )
    personalisation: PersonalisationInput | None = strawberry.field(
        default=None, description="Personalised odds; off when absent."
    )


SaveCampaignResult = Annotated[Campaign | Problem, strawberry.union("SaveCampaignResult")]


async def save_campaign(info: Info[Context, Any], input: CampaignInput) -> SaveCampaignResult:
    """Create or update a scan-to-win campaign; a bad field is answered as a ``Problem``."""
    spec = CampaignSpec.from_fields(input)
    try:
        saved = await asyncio.to_thread(info.context.services.campaigns.save, spec, "input.")
    except InvalidField as exc:
        return Problem.of(exc)
    return Campaign.from_domain(saved)
