"""``campaignAnalytics(id)``: what the brand learns from a campaign's scans."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import stored
from api.graphql.types.campaign_analytics import CampaignAnalytics
from api.graphql.types.problem import Problem

__all__ = ["CampaignAnalyticsResult", "campaign_analytics"]

CampaignAnalyticsResult = Annotated[
    CampaignAnalytics | Problem, strawberry.union("CampaignAnalyticsResult")
]


async def campaign_analytics(
    info: Info[Context, Any], id: strawberry.ID
) -> CampaignAnalyticsResult:
    """Reach, repeat scanners, prizes paid, figures by province, which prize drives repeat
    scans, and recommendations with the figures behind them."""
    found = await stored(str(id), "campaign", info.context.services.campaigns.analytics)
    return found if isinstance(found, Problem) else CampaignAnalytics.from_domain(found)
