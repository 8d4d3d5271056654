"""A party in the supply chain: plant, distributor, store."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_model.provenance import PartyRef

__all__ = ["Party", "PartyKind"]


@strawberry.enum(description="What kind of party holds or handles units.")
class PartyKind(Enum):
    PLANT = "plant"
    DISTRIBUTOR = "distributor"
    STORE = "store"
    CONSUMER = "consumer"
    PARTY = "party"


@strawberry.type(
    description="A plant, distributor, store or other organisation (a PGLN or GLN; the SGLN "
    "of a party known only by its location)."
)
class Party:
    id: str
    name: str | None
    kind: PartyKind
    tier: int | None = strawberry.field(
        description="Distributor tier: 1 national, 2 provincial, 3 city."
    )
    location: str | None = strawberry.field(
        default=None,
        description="The location (SGLN) the event named, when it stands for the organisation.",
    )

    @classmethod
    def from_domain(cls, party: PartyRef) -> Party:
        return cls(
            id=party.id, name=party.name, kind=PartyKind(party.kind), tier=party.tier,
            location=party.location,
        )  # fmt: skip
