"""``recordReferral``: store that one consumer brought another into a campaign
(:func:`services.referral.record_referral`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.problem import Problem
from api.graphql.types.referral_recorded import ReferralRecorded, ReferralRefused, answer
from graph_model.errors import InvalidField
from services.referral import record_referral as record

__all__ = ["RecordReferralResult", "record_referral"]

RecordReferralResult = Annotated[
    ReferralRecorded | ReferralRefused | Problem, strawberry.union("RecordReferralResult")
]


async def record_referral(
    info: Info[Context, Any],
    referrer_id: str,
    referee_id: str,
    at: datetime,
    campaign: str | None = None,
) -> RecordReferralResult:
    """Record that REFERRER brought REFEREE into CAMPAIGN (default `default`); idempotent.
    A self-referral, a cycle or a second referral of the referee in the campaign is answered
    with its reason and kept as evidence."""
    db = info.context.services.db
    try:
        done = await asyncio.to_thread(record, db, referrer_id, referee_id, at, campaign)
    except InvalidField as exc:
        return Problem.of(exc)
    return answer(done)
