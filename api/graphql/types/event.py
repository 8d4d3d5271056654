"""A stored EPCIS event behind a step of a unit's life."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from api.graphql.scalars import JSON
from graph_model.provenance import EventRecord

__all__ = ["EpcisEvent"]


@strawberry.type(description="An EPCIS event as captured, with its CBV 2.0 canonical hash.")
class EpcisEvent:
    id: str
    hash: str | None = strawberry.field(description="CBV 2.0 event hash (ni:///sha-256;…).")
    type: str
    action: str | None
    event_time: datetime
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    via: str | None = strawberry.field(
        description="The case or pallet the event names, when it concerns the unit through it."
    )
    raw_json: strawberry.Private[str | None]

    @strawberry.field(description="The event exactly as captured (EPCIS 2.0 JSON-LD).")
    def raw(self) -> JSON | None:
        return None if self.raw_json is None else json.loads(self.raw_json)

    @classmethod
    def from_domain(cls, event: EventRecord) -> EpcisEvent:
        return cls(
            id=event.id,
            hash=event.hash,
            type=event.type,
            action=event.action,
            event_time=event.event_time,
            biz_step=event.biz_step,
            disposition=event.disposition,
            read_point=event.read_point,
            biz_location=event.biz_location,
            via=event.via,
            raw_json=event.json,
        )
