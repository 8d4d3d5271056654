"""A shipment that carried a unit, directly or inside a case or pallet."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.party import Party
from graph_model.provenance import ShipmentLeg

__all__ = ["Shipment"]


@strawberry.type(description="A shipment (by its despatch advice, else its shipping event).")
class Shipment:
    id: str
    source: Party | None
    destination: Party | None
    shipped_at: datetime | None
    received_at: datetime | None
    refs: list[str] = strawberry.field(description="Business transactions, as `type:id`.")
    ship_event_id: str | None
    receive_event_id: str | None
    via: str | None = strawberry.field(
        description="The case or pallet that carried the unit; null when shipped loose."
    )

    @classmethod
    def from_domain(cls, leg: ShipmentLeg) -> Shipment:
        return cls(
            id=leg.id,
            source=Party.from_domain(leg.source) if leg.source else None,
            destination=Party.from_domain(leg.destination) if leg.destination else None,
            shipped_at=leg.shipped_at,
            received_at=leg.received_at,
            refs=list(leg.refs),
            ship_event_id=leg.ship_event,
            receive_event_id=leg.receive_event,
            via=leg.via,
        )
