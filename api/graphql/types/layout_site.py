"""A site of a layout plan: opened by the plan, or used today and closed by it."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_model.layout import PlanSite

__all__ = ["LayoutSite", "LayoutSiteKind"]


@strawberry.enum(description="What a site is in the graph.")
class LayoutSiteKind(Enum):
    PARTY = "party"
    REGION = "region"


@strawberry.type(description="A site the plan opens, or one today's layout uses.")
class LayoutSite:
    id: str = strawberry.field(description="Party id (SGLN URN) or region code.")
    kind: LayoutSiteKind
    name: str | None
    lat: float | None
    lon: float | None
    stores: int = strawberry.field(description="Stores the plan sends to this site.")
    demand: float = strawberry.field(description="Units the plan sends to this site.")
    opened: bool = strawberry.field(description="Whether the plan opens this site.")
    current: bool = strawberry.field(description="Whether today's layout uses this site.")

    @classmethod
    def from_domain(cls, site: PlanSite) -> LayoutSite:
        """The GraphQL view of a stored plan's site."""
        return cls(
            id=site.id, kind=LayoutSiteKind(site.kind), name=site.name, lat=site.lat,
            lon=site.lon, stores=site.stores, demand=site.demand, opened=site.opened,
            current=site.current,
        )  # fmt: skip
