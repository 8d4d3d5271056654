"""A stored channel-layout plan."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.layout_assignment import LayoutAssignment
from api.graphql.types.layout_comparison import LayoutComparison
from api.graphql.types.layout_site import LayoutSite
from graph_model.layout import StoredPlan

__all__ = ["LayoutPlan"]


@strawberry.type(
    description="A proposed layout, stored as (:LayoutPlan)-[:OPENS|CLOSES]->(site) and "
    "-[:ASSIGNS]->(:Store). provenOptimal is true only when a lower bound closes the gap."
)
class LayoutPlan:
    id: strawberry.ID
    model: str
    kind: str = strawberry.field(description="pmed, uncap, cpmp or cap.")
    method: str
    k: int | None
    cost: float = strawberry.field(description="Demand-weighted distance plus opening costs.")
    lower_bound: float | None = strawberry.field(
        description="A proven lower bound on the cost: from the exact solver, or the capacitated "
        "heuristic's own Lagrangian bound; null when the plan has none."
    )
    gap: float | None = strawberry.field(description="(cost - lowerBound) / cost.")
    proven_optimal: bool
    seconds: float
    created_at: datetime
    demand_source: str
    period_from: datetime | None
    period_to: datetime | None
    radius_km: float | None
    distance: str = strawberry.field(description="geodesic or matrix.")
    total_demand: float
    sites: list[LayoutSite]
    assignments: list[LayoutAssignment]
    comparison: LayoutComparison

    @classmethod
    def from_domain(cls, p: StoredPlan) -> LayoutPlan:
        """The GraphQL view of a stored plan."""
        return cls(
            id=strawberry.ID(p.id), model=p.model, kind=p.kind, method=p.method, k=p.k,
            cost=p.cost, lower_bound=p.lower_bound, gap=p.gap, proven_optimal=p.proven_optimal,
            seconds=p.seconds, created_at=p.created_at, demand_source=p.demand_source,
            period_from=p.period_from, period_to=p.period_to, radius_km=p.radius_km,
            distance=p.distance, total_demand=p.total_demand,
            sites=[LayoutSite.from_domain(s) for s in p.sites],
            assignments=[LayoutAssignment.from_domain(a) for a in p.assignments],
            comparison=LayoutComparison.from_domain(p.comparison),
        )  # fmt: skip
