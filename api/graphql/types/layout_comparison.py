"""A layout plan against today's layout."""

from __future__ import annotations

import strawberry

from graph_model.layout import PlanComparisonSummary

__all__ = ["LayoutComparison"]


@strawberry.type(description="The plan against today's layout (today = each store's supplier).")
class LayoutComparison:
    current_cost: float | None = strawberry.field(description="Cost of today's layout.")
    cost_saved: float | None = strawberry.field(description="Positive when the plan is cheaper.")
    stores_reassigned: list[str]
    demand_within_radius: float | None = strawberry.field(
        description="Share of demand the plan serves within radiusKm."
    )
    current_demand_within_radius: float | None
    coverage_gap_stores: list[str] = strawberry.field(
        description="Stores farther than radiusKm from every open site."
    )
    coverage_gap_regions: list[str] = strawberry.field(description="Regions of those stores.")

    @classmethod
    def from_domain(cls, c: PlanComparisonSummary) -> LayoutComparison:
        """The GraphQL view of a stored comparison."""
        return cls(
            current_cost=c.current_cost, cost_saved=c.cost_saved,
            stores_reassigned=list(c.stores_reassigned),
            demand_within_radius=c.demand_within_radius,
            current_demand_within_radius=c.current_demand_within_radius,
            coverage_gap_stores=list(c.coverage_gap_stores),
            coverage_gap_regions=list(c.coverage_gap_regions),
        )  # fmt: skip
