"""``channelLayout``: propose a channel layout from the graph and compare it with today's.

Small requests are solved at once and answered with the stored ``LayoutPlan``; big ones (or
``mode: JOB``) are checked at once, solved in the background and answered with a
``LayoutJob`` to poll with ``layoutJob(id)``. Input that cannot be planned is answered with a
``Problem`` naming the field.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import aware
from api.graphql.types.layout_job import LayoutJob
from api.graphql.types.layout_plan import LayoutPlan
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField
from graph_model.layout import DemandSource, LayoutModel, LayoutRequest, SolveMethod
from services.layout import PreparedLayout

__all__ = [
    "SYNC_LIMIT",
    "ChannelLayoutInput",
    "ChannelLayoutResult",
    "channel_layout",
]

#: ``mode: AUTO`` answers at once up to this many store-site pairs, with a job beyond.
SYNC_LIMIT: Final = 20_000
MAX_MATRIX_CELLS: Final = 1_000_000


LayoutModelChoice = strawberry.enum(LayoutModel, name="LayoutModelChoice")
DemandSourceChoice = strawberry.enum(DemandSource, name="DemandSourceChoice")
LayoutMethodChoice = strawberry.enum(SolveMethod, name="LayoutMethodChoice")


@strawberry.enum(description="Answer at once, with a job, or decide by size (AUTO).")
class LayoutMode(Enum):
    AUTO = "auto"
    SYNC = "sync"
    JOB = "job"


@strawberry.input(description="A value for one site (capacity, opening cost).")
class SiteValueInput:
    site: str = strawberry.field(description="Party id or region code.")
    value: float


@strawberry.input(description="Distances to use instead of geodesic ones (rows: stores).")
class DistanceMatrixInput:
    store_ids: list[str]
    site_ids: list[str]
    values: list[list[float]] = strawberry.field(description="values[i][j]: store i to site j.")


@strawberry.input(description="What to plan. Without stores or region: every store with demand.")
class ChannelLayoutInput:
    model: LayoutModelChoice = LayoutModel.P_MEDIAN  # type: ignore[valid-type]
    k: int | None = strawberry.field(default=None, description="Sites to open.")
    keep_current_sites: bool = strawberry.field(
        default=False, description="Today's sites must stay open."
    )
    must_open: list[str] = strawberry.field(default_factory=list)
    period_from: datetime | None = None
    period_to: datetime | None = None
    demand_source: DemandSourceChoice = DemandSource.SHIPPED  # type: ignore[valid-type]
    store_ids: list[str] | None = None
    region_code: str | None = None
    site_ids: list[str] = strawberry.field(default_factory=list)
    include_distributors: bool = True
    include_cities: bool = strawberry.field(
        default=True, description="Prefecture cities of the stores' provinces as candidates."
    )
    capacities: list[SiteValueInput] = strawberry.field(default_factory=list)
    default_capacity: float | None = None
    fixed_costs: list[SiteValueInput] = strawberry.field(default_factory=list)
    default_fixed_cost: float | None = None
    distance_matrix: DistanceMatrixInput | None = None
    radius_km: float | None = None
    method: LayoutMethodChoice = SolveMethod.AUTO  # type: ignore[valid-type]
    time_limit: float = strawberry.field(default=20.0, description="Solver seconds.")
    mode: LayoutMode = LayoutMode.AUTO


ChannelLayoutResult = Annotated[
    LayoutPlan | LayoutJob | Problem, strawberry.union("ChannelLayoutResult")
]


def _values(field: str, values: list[SiteValueInput]) -> dict[str, float]:
    seen: dict[str, float] = {}
    for item in values:
        if item.site in seen:
            raise InvalidField(field, f"lists site {item.site} twice")
        seen[item.site] = item.value
    return seen


def to_request(data: ChannelLayoutInput) -> LayoutRequest:
    """The domain request of a GraphQL input."""
    matrix = data.distance_matrix
    if matrix is not None and len(matrix.values) * len(matrix.site_ids) > MAX_MATRIX_CELLS:
        raise InvalidField("distanceMatrix", f"more than {MAX_MATRIX_CELLS:,} entries")
    return LayoutRequest(
        model=data.model,
        k=data.k,
        keep_current_sites=data.keep_current_sites,
        must_open=tuple(data.must_open),
        period_from=None if data.period_from is None else aware(data.period_from),
        period_to=None if data.period_to is None else aware(data.period_to),
        demand_source=data.demand_source,
        store_ids=None if data.store_ids is None else tuple(data.store_ids),
        region_code=data.region_code,
        site_ids=tuple(data.site_ids),
        include_distributors=data.include_distributors,
        include_cities=data.include_cities,
        capacities=_values("capacities", data.capacities),
        default_capacity=data.default_capacity,
        fixed_costs=_values("fixedCosts", data.fixed_costs),
        default_fixed_cost=data.default_fixed_cost,
        matrix_store_ids=None if matrix is None else tuple(matrix.store_ids),
        matrix_site_ids=None if matrix is None else tuple(matrix.site_ids),
        distance_matrix=(None if matrix is None else tuple(tuple(row) for row in matrix.values)),
        radius_km=data.radius_km,
        method=data.method,
        time_limit=data.time_limit,
    )


def _as_job(mode: LayoutMode, prepared: PreparedLayout) -> bool:
    if mode is LayoutMode.AUTO:
        return prepared.size > SYNC_LIMIT
    return mode is LayoutMode.JOB


async def channel_layout(
    info: Info[Context, Any], input: ChannelLayoutInput
) -> ChannelLayoutResult:
    """Propose a channel layout: which sites to use and which store each one serves."""
    application = info.context.services
    service = application.layout_service()
    try:
        request = to_request(input)
        prepared = await asyncio.to_thread(service.prepare, request)
        if _as_job(input.mode, prepared):
            job = await asyncio.to_thread(application.submit_layout, prepared)
            return LayoutJob.from_domain(job)
        plan = await asyncio.to_thread(service.solve, prepared)
        stored = await asyncio.to_thread(service.save, plan)
    except InvalidField as exc:
        return Problem.of(exc)
    return LayoutPlan.from_domain(stored)
