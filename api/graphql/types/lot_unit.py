"""One unit of a lot, for a recall team's list."""

from __future__ import annotations

import strawberry

from api.graphql.types.party import Party
from api.graphql.types.status import CodeStatus
from graph_model.provenance import LotUnit as LotUnitRecord

__all__ = ["LotUnit"]


@strawberry.type(description="A unit of the lot and its last known holder.")
class LotUnit:
    code: str
    serial: str | None
    status: CodeStatus
    holder: Party | None
    in_transit: bool = strawberry.field(description="Shipped by `holder`, not yet received.")
    scan_count: int

    @classmethod
    def from_domain(cls, unit: LotUnitRecord) -> LotUnit:
        return cls(
            code=unit.code,
            serial=unit.serial,
            status=CodeStatus.of(unit.status),
            holder=Party.from_domain(unit.holder) if unit.holder else None,
            in_transit=unit.in_transit,
            scan_count=unit.scans,
        )
