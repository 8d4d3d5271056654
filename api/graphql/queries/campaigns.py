"""``campaigns`` and ``campaign(id)``: scan-to-win campaigns with their pools and spend."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import stored
from api.graphql.types.campaign import Campaign
from api.graphql.types.problem import Problem

__all__ = ["CampaignResult", "campaign", "campaigns"]

CampaignResult = Annotated[Campaign | Problem, strawberry.union("CampaignResult")]


async def campaigns(info: Info[Context, Any]) -> list[Campaign]:
    """Every scan-to-win campaign, by id."""
    found = await asyncio.to_thread(info.context.services.campaigns.campaigns)
    return [Campaign.from_domain(k) for k in found]


async def campaign(info: Info[Context, Any], id: strawberry.ID) -> CampaignResult:
    """One scan-to-win campaign."""
    found = await stored(str(id), "campaign", info.context.services.campaigns.campaign)
    return found if isinstance(found, Problem) else Campaign.from_domain(found)
