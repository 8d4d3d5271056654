"""An asset a unit was associated with."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.provenance import AssetLink as AssetLinkRecord

__all__ = ["AssetLink"]


@strawberry.type(
    description="A sensor or returnable asset (AssociationEvent parent) attached to the unit."
)
class AssetLink:
    asset: str
    since: datetime
    until: datetime | None

    @classmethod
    def from_domain(cls, record: AssetLinkRecord) -> AssetLink:
        return cls(asset=record.asset, since=record.since, until=record.until)
