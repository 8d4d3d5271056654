"""``referralSpread(campaign, root, from, to)``: how a campaign, or one consumer's cascade,
spread (:func:`services.referral.referral_spread`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import aware
from api.graphql.types.problem import Problem
from api.graphql.types.referral_spread import CampaignSpread, CascadeSpread
from graph_model.errors import InvalidField
from services.referral import CascadeSpread as CascadeValue
from services.referral import SpreadRequest
from services.referral import referral_spread as measure

__all__ = ["ReferralSpreadResult", "referral_spread"]

ReferralSpreadResult = Annotated[
    CascadeSpread | CampaignSpread | Problem, strawberry.union("ReferralSpreadResult")
]


async def referral_spread(
    info: Info[Context, Any],
    campaign: str,
    root_id: Annotated[str | None, strawberry.argument(name="root")] = None,
    period_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
    period_to: Annotated[datetime | None, strawberry.argument(name="to")] = None,
    top: int = 10,
) -> ReferralSpreadResult:
    """How CAMPAIGN spread (a CampaignSpread), or the cascade ROOT started in it (a
    CascadeSpread), through the referrals made in [from, to). Measured without a window, the
    roots get `spreadSize`, `reach` and `virality` properties for Bloom."""
    request = SpreadRequest(
        campaign=campaign,
        root=root_id,
        start=None if period_from is None else aware(period_from),
        end=None if period_to is None else aware(period_to),
        top=top,
    )
    try:
        spread = await asyncio.to_thread(measure, info.context.services.db, request)
    except InvalidField as exc:
        return Problem.of(exc)
    if isinstance(spread, CascadeValue):
        return CascadeSpread.of(campaign, spread)
    return CampaignSpread.of(campaign, spread)
