"""Which site serves a store in a layout plan, and which serves it today."""

from __future__ import annotations

import strawberry

from graph_model.layout import PlanAssignment

__all__ = ["LayoutAssignment"]


@strawberry.type(description="A store, the site the plan assigns it to, and today's site.")
class LayoutAssignment:
    store_id: str
    site_id: str
    distance_km: float = strawberry.field(description="Distance (km, or the matrix's unit).")
    demand: float
    cost: float = strawberry.field(description="Demand times distance.")
    current_site_id: str | None = strawberry.field(description="Today's supplier, if known.")
    reassigned: bool

    @classmethod
    def from_domain(cls, a: PlanAssignment) -> LayoutAssignment:
        """The GraphQL view of a stored assignment."""
        return cls(
            store_id=a.store_id, site_id=a.site_id, distance_km=a.distance_km, demand=a.demand,
            cost=a.cost, current_site_id=a.current_site_id, reassigned=a.reassigned,
        )  # fmt: skip
