"""``spendPoints``: a consumer spends membership points in the points catalogue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField

__all__ = ["PointsSpent", "SpendPointsInput", "SpendPointsResult", "spend_points"]


@strawberry.input(description="An order in the points catalogue.")
class SpendPointsInput:
    consumer: str
    order: str = strawberry.field(description="The order's id; spending it again changes nothing.")
    item: str = strawberry.field(description="The catalogue item ordered.")
    points: int


@strawberry.type(description="The points are taken; balance is what the account holds now.")
class PointsSpent:
    consumer: str
    order: str
    balance: int


SpendPointsResult = Annotated[PointsSpent | Problem, strawberry.union("SpendPointsResult")]


async def spend_points(info: Info[Context, Any], input: SpendPointsInput) -> SpendPointsResult:
    """Spend points on a catalogue item; an account never goes below zero."""
    campaigns = info.context.services.campaigns
    try:
        balance = await asyncio.to_thread(
            campaigns.spend_points, input.consumer, input.order, input.item, input.points,
            datetime.now(UTC), "input.",
        )  # fmt: skip
    except InvalidField as exc:
        return Problem.of(exc)
    return PointsSpent(consumer=input.consumer, order=input.order, balance=balance)
