"""A store-fraud cluster: stores that share identity and misbehave, with why."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.store_fraud import RiskReason, StoredCluster

__all__ = ["FraudCluster", "FraudReason", "FraudStore"]


@strawberry.type(description="Why stores were grouped or flagged.")
class FraudReason:
    kind: str = strawberry.field(
        description="shared_phone, shared_device, shared_owner, shared_address, colocated, "
        "registration_burst, over_redemption, dead_orders, threshold_orders, payout_timing, "
        "device_many_stores, staff_unreceived or anomaly_model."
    )
    detail: str

    @classmethod
    def from_domain(cls, reason: RiskReason) -> FraudReason:
        return cls(kind=reason.kind, detail=reason.detail)


@strawberry.type(description="A store of a fraud cluster.")
class FraudStore:
    id: str
    name: str | None


@strawberry.type(
    description="Stores that share identity (phones, devices, owners, addresses, a GPS spot, "
    "a salesperson's burst) and behave like fakes; its evidence nodes are linked in the graph."
)
class FraudCluster:
    id: str = strawberry.field(description="Stable: the same stores give the same id.")
    score: float = strawberry.field(description="0 to 1.")
    flagged: bool = strawberry.field(description="Whether the score reaches the threshold.")
    stores: list[FraudStore]
    reasons: list[FraudReason]
    regions: list[str] = strawberry.field(
        description="Region codes of its stores and of the regions they lie within."
    )
    detected_at: datetime | None

    @classmethod
    def from_domain(cls, c: StoredCluster) -> FraudCluster:
        return cls(
            id=c.id,
            score=c.score,
            flagged=c.flagged,
            stores=[FraudStore(id=sid, name=name) for sid, name in c.stores],
            reasons=[FraudReason.from_domain(r) for r in c.reasons],
            regions=list(c.regions),
            detected_at=c.detected_at,
        )
