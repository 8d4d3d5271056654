"""A container (case, pallet) a unit was in."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.provenance import ContainerLink

__all__ = ["Container"]


@strawberry.type(description="A case or pallet (SSCC URN) and when the unit's chain was in it.")
class Container:
    id: str
    level: int = strawberry.field(description="1: holds the unit itself, 2: holds level 1, ...")
    since: datetime
    until: datetime | None

    @classmethod
    def from_domain(cls, link: ContainerLink) -> Container:
        return cls(id=link.package, level=link.level, since=link.since, until=link.until)
