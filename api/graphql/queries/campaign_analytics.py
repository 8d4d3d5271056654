"""``campaignAnalytics(id)``, ``consumerProfile(id, campaign)`` and ``scanRates``: what the
brand learns from its consumers' scans."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import MAX_ID, stored
from api.graphql.types.campaign_analytics import CampaignAnalytics
from api.graphql.types.consumer_profile import ConsumerProfile
from api.graphql.types.problem import Problem
from api.graphql.types.scan_rates import ScanRatesView
from graph_model.errors import FieldProblem, InvalidField, NotFound
from graph_model.times import check_time
from services.campaign_analytics import CampaignAnalyticsService

__all__ = [
    "CampaignAnalyticsResult",
    "ConsumerProfileResult",
    "ScanRatesResult",
    "campaign_analytics",
    "consumer_profile",
    "scan_rates",
]

MAX_KEYS: Final = 200
FUTURE: Final = timedelta(days=3_650)

CampaignAnalyticsResult = Annotated[
    CampaignAnalytics | Problem, strawberry.union("CampaignAnalyticsResult")
]
ConsumerProfileResult = Annotated[
    ConsumerProfile | Problem, strawberry.union("ConsumerProfileResult")
]
ScanRatesResult = Annotated[ScanRatesView | Problem, strawberry.union("ScanRatesResult")]


async def campaign_analytics(
    info: Info[Context, Any], id: strawberry.ID
) -> CampaignAnalyticsResult:
    """Reach, repeat scanners, new and returning, scan rates, prizes paid, figures by province,
    which prize drives repeat scans, consumer segments (RFM), and recommendations with the
    figures behind them."""
    service = CampaignAnalyticsService(info.context.services.db)
    found = await stored(str(id), "campaign", service.analytics)
    return found if isinstance(found, Problem) else CampaignAnalytics.from_domain(found)


async def consumer_profile(
    info: Info[Context, Any],
    id: strawberry.ID,
    campaign: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Its window is the period. Default: the last 30 days."),
    ] = None,
) -> ConsumerProfileResult:
    """A consumer's profile from behaviour only: RFM segment, home region, preferred
    products, active hours, new or returning in the period."""
    if campaign is not None and not 0 < len(str(campaign)) <= MAX_ID:
        return Problem.at("campaign", f"must be 1 to {MAX_ID} characters")
    service = CampaignAnalyticsService(info.context.services.db)
    if campaign is not None:
        try:
            await asyncio.to_thread(service.campaigns.campaign, str(campaign))
        except NotFound:
            return Problem.at("campaign", f"no campaign {str(campaign)!r}")
    found = await stored(
        str(id),
        "consumer with scans in the period",
        lambda c: service.consumer_profile(c, None if campaign is None else str(campaign)),
    )
    return found if isinstance(found, Problem) else ConsumerProfile.from_domain(found)


async def scan_rates(
    info: Info[Context, Any],
    from_: Annotated[datetime, strawberry.argument(name="from")],
    to: datetime,
    products: Annotated[
        list[str] | None, strawberry.argument(description="GTINs. Default: every product.")
    ] = None,
    regions: Annotated[
        list[str] | None,
        strawberry.argument(description="Region codes the destinations lie within. Default: all."),
    ] = None,
) -> ScanRatesResult:
    """Scanned ÷ shipped: units the brand's plants shipped up to TO, and those a consumer
    scanned between FROM and TO, in total, by province and by product."""
    problems = []
    for name, keys in (("products", products or []), ("regions", regions or [])):
        if len(keys) > MAX_KEYS:
            problems.append(FieldProblem(name, f"at most {MAX_KEYS}"))
        if any(not 0 < len(k) <= MAX_ID for k in keys):
            problems.append(FieldProblem(name, f"every entry must be 1 to {MAX_ID} characters"))
    try:
        start = check_time("from", from_, future=FUTURE)
        end = check_time("to", to, future=FUTURE)
        if problems:
            raise InvalidField.of(problems)
        service = CampaignAnalyticsService(info.context.services.db)
        found = await asyncio.to_thread(
            service.scan_rates, products or None, regions or [], start, end
        )
    except InvalidField as exc:
        return Problem.of(exc)
    return ScanRatesView.from_domain(found)
