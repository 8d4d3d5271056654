"""``detectReferralRings``: find referral rings as a job on the job facility (poll it with
``job(id)``, read the rings with ``referralRings``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.job import Job
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField

__all__ = ["DetectReferralRingsResult", "detect_referral_rings"]

DetectReferralRingsResult = Annotated[Job | Problem, strawberry.union("DetectReferralRingsResult")]


async def detect_referral_rings(
    info: Info[Context, Any], campaign: str | None = None
) -> DetectReferralRingsResult:
    """Start referral-ring detection over CAMPAIGN (default: every campaign); the rings found
    before for the same scope are replaced, and rings found again keep their ids."""
    application = info.context.services
    try:
        job = await asyncio.to_thread(application.submit_referral_rings, campaign)
    except InvalidField as exc:
        return Problem.of(exc)
    return Job.from_domain(job)
