"""One party that held units of a lot, with where those units are now."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.party import Party
from graph_model.provenance import LotHolder as LotHolderRecord

__all__ = ["LotHolder"]


@strawberry.type(
    description="A holder of the lot's units. `received` and `shipped` count units in and out; "
    "the other counts split the units whose last holder it is."
)
class LotHolder:
    party: Party
    received: int = strawberry.field(description="Units that arrived (the plant: made there).")
    shipped: int = strawberry.field(description="Units that left for another holder.")
    in_stock: int = strawberry.field(description="Still here and sellable.")
    sold: int
    in_transit: int = strawberry.field(description="Shipped from here, not yet received.")
    withdrawn: int = strawberry.field(description="Recalled, destroyed or decommissioned.")
    unaccounted: int = strawberry.field(description="Any other status: stolen, damaged, ...")
    scanned: int = strawberry.field(description="Of the units last held here, consumer-scanned.")
    first_received_at: datetime | None
    last_received_at: datetime | None

    @classmethod
    def from_domain(cls, holder: LotHolderRecord) -> LotHolder:
        return cls(
            party=Party.from_domain(holder.party),
            received=holder.received,
            shipped=holder.shipped,
            in_stock=holder.in_stock,
            sold=holder.sold,
            in_transit=holder.in_transit,
            withdrawn=holder.withdrawn,
            unaccounted=holder.unaccounted,
            scanned=holder.scanned,
            first_received_at=holder.first_received_at,
            last_received_at=holder.last_received_at,
        )
