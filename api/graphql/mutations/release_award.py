"""``releaseAward``: pay a prize that risk control held for review."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.problem import Problem
from graph_model.errors import NotFound

__all__ = ["AwardReleased", "ReleaseAwardResult", "release_award"]

#: An award's id is its campaign's id and the code's canonical form.
MAX_AWARD_ID: Final = 400


@strawberry.type(description="The award is paid; released is false when it was paid already.")
class AwardReleased:
    id: str
    released: bool


ReleaseAwardResult = Annotated[AwardReleased | Problem, strawberry.union("ReleaseAwardResult")]


async def release_award(info: Info[Context, Any], id: str) -> ReleaseAwardResult:
    """Release a held award (``campaign|code``): it is paid and its points credited."""
    if not 0 < len(id) <= MAX_AWARD_ID:
        return Problem.at("id", f"must be 1 to {MAX_AWARD_ID} characters")
    campaigns = info.context.services.campaigns
    try:
        released = await asyncio.to_thread(campaigns.release, id, datetime.now(UTC))
    except NotFound:
        return Problem.at("id", f"no award {id!r}")
    return AwardReleased(id=id, released=released)
