"""A referral ring (self-referral farm) as ``referralRings`` lists it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.referral import StoredRing

__all__ = ["ReferralRing", "RingMember", "RingReason"]


@strawberry.type(description="A consumer in a ring.")
class RingMember:
    id: str


@strawberry.type(description="One signal that made the group a ring, and what was seen.")
class RingReason:
    kind: str = strawberry.field(
        description="shared_identity, account_burst, one_shot or one_place."
    )
    detail: str


@strawberry.type(
    description="A group of consumers that looks like one person farming referral rewards: "
    "(:ReferralRing)-[:INCLUDES]->(:Consumer), -[:EVIDENCE]->(shared Device/Phone/"
    "PayoutAccount) in the graph."
)
class ReferralRing:
    id: strawberry.ID
    score: float = strawberry.field(description="0 to 1; rings score at least 0.5.")
    campaign: str | None = strawberry.field(
        description="The campaign it was found in; null when found over every campaign."
    )
    members: list[RingMember]
    reasons: list[RingReason]
    evidence: list[str] = strawberry.field(
        description="Shared attributes: device:<id>, phone:<number>, payout:<account>."
    )
    found_at: datetime | None

    @classmethod
    def from_domain(cls, ring: StoredRing) -> ReferralRing:
        return cls(
            id=strawberry.ID(ring.id),
            score=ring.score,
            campaign=ring.campaign,
            members=[RingMember(id=m) for m in ring.members],
            reasons=[RingReason(kind=r.kind, detail=r.detail) for r in ring.reasons],
            evidence=list(ring.evidence),
            found_at=ring.found_at,
        )
