"""Supply-chain analytics: ``inventory``, ``freshness``, ``distribution``, ``sellThrough`` and
``demandForecast``, each one call of :class:`services.supply.SupplyService`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.graphql.context import Context
from api.graphql.queries.arguments import MAX_ID, aware
from api.graphql.types.demand_forecast import DemandForecast
from api.graphql.types.distribution import SupplyDistribution
from api.graphql.types.freshness import Freshness
from api.graphql.types.inventory import Inventory
from api.graphql.types.problem import Problem
from api.graphql.types.sell_through import SellThrough
from graph_model.errors import InvalidField
from graph_model.times import check_time
from services.supply import ForecastSettings, SupplyService

__all__ = [
    "DemandForecastResult",
    "DistributionResult",
    "FreshnessResult",
    "InventoryResult",
    "SellThroughResult",
    "demand_forecast",
    "distribution",
    "freshness",
    "inventory",
    "sell_through",
]

MAX_ROWS: Final = 10_000
FUTURE: Final = timedelta(days=3_650)
T = TypeVar("T")
R = TypeVar("R")

InventoryResult = Annotated[Inventory | Problem, strawberry.union("InventoryResult")]
FreshnessResult = Annotated[Freshness | Problem, strawberry.union("FreshnessResult")]
DistributionResult = Annotated[SupplyDistribution | Problem, strawberry.union("DistributionResult")]
SellThroughResult = Annotated[SellThrough | Problem, strawberry.union("SellThroughResult")]
DemandForecastResult = Annotated[DemandForecast | Problem, strawberry.union("DemandForecastResult")]

Channel = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="A party: only it and the parties linked to it by supply contracts, up "
        "and down. Default: every party."
    ),
]


def _check(channel: strawberry.ID | None, first: int = 1, **times: datetime) -> None:
    for path, moment in times.items():
        check_time(path, moment, future=FUTURE)
    if channel is not None and not 0 < len(str(channel)) <= MAX_ID:
        raise InvalidField("channel", f"must be 1 to {MAX_ID} characters")
    if not 1 <= first <= MAX_ROWS:
        raise InvalidField("first", f"must be between 1 and {MAX_ROWS}")


async def _answer(
    info: Info[Context, Any],
    ask: Callable[[SupplyService], T],
    shape: Callable[[T], R],
    channel: strawberry.ID | None,
    times: Mapping[str, datetime],
    first: int = 1,
) -> R | Problem:
    """The arguments checked, the service asked in a worker thread, its answer shaped for
    GraphQL; a bad argument or input is the Problem naming it."""
    try:
        _check(channel, first, **times)
        found = await asyncio.to_thread(ask, SupplyService(info.context.services.db))
    except InvalidField as exc:
        return Problem.of(exc)
    return shape(found)


def _fields(selections: list[Selection]) -> list[SelectedField]:
    # The fields selected directly and through fragments.
    out: list[SelectedField] = []
    for s in selections:
        if isinstance(s, SelectedField):
            out.append(s)
        elif isinstance(s, (FragmentSpread, InlineFragment)):
            out.extend(_fields(s.selections))
    return out


def _channel(channel: strawberry.ID | None) -> str | None:
    return None if channel is None else str(channel)


async def inventory(
    info: Info[Context, Any],
    at: datetime,
    channel: Channel = None,
    party: strawberry.ID | None = None,
    gtin: str | None = None,
    first: int = 1000,
) -> InventoryResult:
    """Stock by node and SKU at AT (received − shipped − sold, made at plants), by province
    and tier, and every declared stock up to AT beside what the codes say."""
    return await _answer(
        info,
        lambda s: s.inventory(aware(at), _channel(channel)),
        lambda found: Inventory.of(found, None if party is None else str(party), gtin, first),
        channel,
        {"at": at},
        first,
    )


async def freshness(
    info: Info[Context, Any],
    at: datetime,
    horizon_days: int = 30,
    shelf_life_days: Annotated[
        int | None,
        strawberry.argument(description="For lots whose ILMD states no expiry."),
    ] = None,
    channel: Channel = None,
    at_risk_only: bool = False,
    first: int = 1000,
) -> FreshnessResult:
    """保鲜度 at AT: lots on hand with age and days left, units expiring within HORIZON_DAYS,
    and FEFO violations (a node shipping a lot while one expiring earlier stayed)."""
    return await _answer(
        info,
        lambda s: s.freshness(aware(at), horizon_days, shelf_life_days, _channel(channel)),
        lambda found: Freshness.of(found, at_risk_only, first),
        channel,
        {"at": at},
        first,
    )


async def distribution(
    info: Info[Context, Any],
    period_from: Annotated[datetime, strawberry.argument(name="from")],
    period_to: Annotated[datetime, strawberry.argument(name="to")],
    channel: Channel = None,
    gtin: str | None = None,
) -> DistributionResult:
    """铺货率 (share of a province's stores that received a SKU in [from, to)), SKU breadth
    per province, and 到达率 (of the units shipped from plants of lots made in the window, the
    share that reached a store and a consumer)."""
    # Arrival follows the window's lots through every tier: read for it only when asked.
    asked = {f.name for field in info.selected_fields for f in _fields(field.selections)}
    return await _answer(
        info,
        lambda s: s.distribution(
            aware(period_from),
            aware(period_to),
            _channel(channel),
            with_arrival="arrival" in asked,
        ),
        lambda found: SupplyDistribution.of(found, gtin),
        channel,
        {"from": period_from, "to": period_to},
    )


async def sell_through(
    info: Info[Context, Any],
    at: datetime,
    window_days: int = 28,
    threshold_days: float = 60.0,
    channel: Channel = None,
    first: int = 100,
) -> SellThroughResult:
    """Days plant → store → consumer scan by province, days each tier holds goods, and the
    slow movers: node × SKU whose stock at AT outlasts THRESHOLD_DAYS at the pace of the
    WINDOW_DAYS before."""
    return await _answer(
        info,
        lambda s: s.sell_through(aware(at), window_days, threshold_days, _channel(channel)),
        lambda found: SellThrough.of(found, first),
        channel,
        {"at": at},
        first,
    )


async def demand_forecast(
    info: Info[Context, Any],
    period_to: Annotated[datetime, strawberry.argument(name="to")],
    horizon: int = 4,
    holdout: int = 4,
    season: int = 52,
    channel: Channel = None,
    gtin: str | None = None,
) -> DemandForecastResult:
    """Weekly demand per SKU × province for HORIZON weeks after the whole weeks before TO,
    backtested on the last HOLDOUT weeks against a seasonal-naive baseline (WAPE of both),
    with the allocation per province and production per SKU that follow."""
    settings = ForecastSettings(horizon=horizon, holdout=holdout, season=season)
    return await _answer(
        info,
        lambda s: s.demand_forecast(aware(period_to), settings, _channel(channel)),
        lambda found: DemandForecast.of(found, gtin),
        channel,
        {"to": period_to},
    )
