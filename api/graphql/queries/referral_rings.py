"""``referralRings(minScore, campaign, first, after)``: the stored referral rings, strongest
first, as a Relay connection."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.connection import Connection, Edge, decode_cursor, encode_cursor
from api.graphql.types.problem import Problem
from api.graphql.types.referral_ring import ReferralRing
from graph_model.errors import InvalidField
from services.referral_rings import referral_ring_page

__all__ = ["ReferralRingsResult", "referral_rings"]

ReferralRingsResult = Annotated[
    Connection[ReferralRing] | Problem, strawberry.union("ReferralRingsResult")
]


async def referral_rings(
    info: Info[Context, Any],
    min_score: float = 0.0,
    campaign: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> ReferralRingsResult:
    """Referral rings found by `detectReferralRings`, scoring at least MIN_SCORE; CAMPAIGN
    keeps those found in it (`*`: those found over every campaign)."""
    try:
        after_id = None if after is None else decode_cursor(after)
        page = await asyncio.to_thread(
            referral_ring_page,
            info.context.services.db,
            min_score=min_score,
            campaign=campaign,
            first=first,
            after=after_id,
        )
    except InvalidField as exc:
        return Problem.of(exc)
    edges = [Edge(cursor=encode_cursor(r.id), node=ReferralRing.from_domain(r)) for r in page.rings]
    return Connection.page(
        edges, total_count=page.total, has_next=page.has_next, has_previous=after is not None
    )
