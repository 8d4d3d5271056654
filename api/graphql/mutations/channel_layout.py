"""``channelLayout``: propose a channel layout from the graph and compare it with today's.

Small requests are solved at once and answered with the stored ``LayoutPlan``; big ones (or
``mode: JOB``) are checked at once, solved in the background and answered with a
``LayoutJob`` to poll with ``layoutJob(id)``. Input that cannot be planned is answered with a
``LayoutInputProblem`` naming the field.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import aware
from api.graphql.types.layout_job import LayoutJob
from api.graphql.types.layout_plan import LayoutPlan
from api.graphql.types.layout_problem import LayoutInputProblem
from graph_model.layout import LayoutRequest, LayoutRequestError
from loaders.layout_service import LayoutService, PreparedLayout

__all__ = [
    "SYNC_LIMIT",
    "ChannelLayoutInput",
    "ChannelLayoutResult",
    "channel_layout",
]

#: ``mode: AUTO`` answers at once up to this many store-site pairs, with a job beyond.
SYNC_LIMIT: Final = 20_000
MAX_MATRIX_CELLS: Final = 1_000_000


@strawberry.enum(description="Layout model.")
class LayoutModelChoice(Enum):
    P_MEDIAN = "p_median"
    UNCAPACITATED = "uncapacitated"
    CAPACITATED = "capacitated"


@strawberry.enum(description="What counts as a store's demand over the period.")
class DemandSourceChoice(Enum):
    SHIPPED = "shipped"
    SOLD = "sold"
    SCANNED = "scanned"


@strawberry.enum(description="Solver: AUTO is exact (with a bound) for small instances.")
class LayoutMethodChoice(Enum):
    AUTO = "auto"
    HEURISTIC = "heuristic"
    EXACT = "exact"


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
    model: LayoutModelChoice = LayoutModelChoice.P_MEDIAN
    k: int | None = strawberry.field(default=None, description="Sites to open.")
    keep_current_sites: bool = strawberry.field(
        default=False, description="Today's sites must stay open."
    )
    must_open: list[str] = strawberry.field(default_factory=list)
    period_from: datetime | None = None
    period_to: datetime | None = None
    demand_source: DemandSourceChoice = DemandSourceChoice.SHIPPED
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
    method: LayoutMethodChoice = LayoutMethodChoice.AUTO
    time_limit: float = strawberry.field(default=20.0, description="Solver seconds.")
    mode: LayoutMode = LayoutMode.AUTO


ChannelLayoutResult = Annotated[
    LayoutPlan | LayoutJob | LayoutInputProblem, strawberry.union("ChannelLayoutResult")
]


def _values(field: str, values: list[SiteValueInput]) -> dict[str, float]:
    seen: dict[str, float] = {}
    for item in values:
        if item.site in seen:
            raise LayoutRequestError(field, f"lists site {item.site} twice")
        seen[item.site] = item.value
    return seen


def to_request(data: ChannelLayoutInput) -> LayoutRequest:
    """The domain request of a GraphQL input."""
    matrix = data.distance_matrix
    if matrix is not None and len(matrix.values) * len(matrix.site_ids) > MAX_MATRIX_CELLS:
        raise LayoutRequestError("distanceMatrix", f"more than {MAX_MATRIX_CELLS:,} entries")
    return LayoutRequest(
        model=data.model.value,
        k=data.k,
        keep_current_sites=data.keep_current_sites,
        must_open=tuple(data.must_open),
        period_from=None if data.period_from is None else aware(data.period_from),
        period_to=None if data.period_to is None else aware(data.period_to),
        demand_source=data.demand_source.value,
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
        method=data.method.value,
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
    services = info.context.services
    service = LayoutService(services.driver, services.settings.database)
    try:
        request = to_request(input)
        prepared = await asyncio.to_thread(service.prepare, request)
        if _as_job(input.mode, prepared):
            job = await asyncio.to_thread(service.repository.create_job, str(uuid.uuid4()))
            services.planning.submit(service.run_job, job.id, prepared)
            return LayoutJob.from_domain(job)
        plan = await asyncio.to_thread(service.solve, prepared)
        stored = await asyncio.to_thread(service.save, plan)
    except LayoutRequestError as exc:
        return LayoutInputProblem.from_error(exc)
    return LayoutPlan.from_domain(stored)
