"""A store with its fraud risk."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.fraud_cluster import FraudCluster, FraudReason
from graph_model.errors import NotFound
from services.store_fraud import StoreView

__all__ = ["Store", "StoreRisk"]


@strawberry.type(description="A store's own risk score and reasons from the last detection run.")
class StoreRisk:
    score: float = strawberry.field(description="0 to 1: the store's behaviour score.")
    reasons: list[FraudReason]
    assessed_at: datetime | None
    cluster_id: strawberry.Private[str | None]

    @strawberry.field(description="The cluster the store is in; null when it is in none.")
    async def cluster(self, info: Info[Context, Any]) -> FraudCluster | None:
        if self.cluster_id is None:
            return None
        service = info.context.services.store_fraud_service()
        try:
            found = await asyncio.to_thread(service.cluster, self.cluster_id)
        except NotFound:  # replaced by a run since the risk was read
            return None
        return FraudCluster.from_domain(found)


@strawberry.type(description="A retail store.")
class Store:
    id: str
    name: str
    region_code: str
    risk: StoreRisk | None = strawberry.field(
        description="Null until a store-fraud detection run assessed the store."
    )

    @classmethod
    def from_domain(cls, view: StoreView) -> Store:
        r = view.risk
        return cls(
            id=view.store.id,
            name=view.store.name,
            region_code=view.store.region_code,
            risk=None
            if r is None
            else StoreRisk(
                score=r.score,
                reasons=[FraudReason.from_domain(x) for x in r.reasons],
                assessed_at=r.assessed_at,
                cluster_id=r.cluster_id,
            ),
        )
