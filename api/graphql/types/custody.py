"""One holder in a unit's custody chain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.party import Party
from api.graphql.types.shipment import Shipment
from graph_model.provenance import CustodyStep as CustodyStepRecord

__all__ = ["CustodyStep"]


@strawberry.type(description="A party that held the unit, and the shipments in and out.")
class CustodyStep:
    party: Party
    received_at: datetime | None = strawberry.field(
        description="Arrival (the plant: commissioning); null while in transit to it."
    )
    shipped_at: datetime | None
    inbound: Shipment | None
    outbound: Shipment | None
    owner: Party | None = strawberry.field(
        description="The owner, when the holder possesses goods it does not own (a 3PL)."
    )
    in_transit: bool = strawberry.field(
        description="The shipment to this holder left and has not been received."
    )

    @classmethod
    def from_domain(cls, step: CustodyStepRecord) -> CustodyStep:
        return cls(
            party=Party.from_domain(step.party),
            received_at=step.received_at,
            shipped_at=step.shipped_at,
            inbound=Shipment.from_domain(step.inbound) if step.inbound else None,
            outbound=Shipment.from_domain(step.outbound) if step.outbound else None,
            owner=Party.from_domain(step.owner) if step.owner else None,
            in_transit=step.in_transit,
        )
