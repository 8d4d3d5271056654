"""``storeFraudClusters``, ``store`` and ``storeFraudEvidence``: what store-fraud detection
stored (:mod:`services.store_fraud`)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import stored
from api.graphql.types.connection import Connection, offset_after, offset_page
from api.graphql.types.fraud_cluster import FraudCluster
from api.graphql.types.fraud_evidence import FraudEvidence
from api.graphql.types.problem import Problem
from api.graphql.types.store import Store
from graph_model.errors import InvalidField
from graph_model.store_fraud import ClusterFilter

__all__ = ["store", "store_fraud_clusters", "store_fraud_evidence"]

StoreFraudClustersResult = Annotated[
    Connection[FraudCluster] | Problem, strawberry.union("StoreFraudClustersResult")
]
StoreResult = Annotated[Store | Problem, strawberry.union("StoreResult")]
FraudEvidenceResult = Annotated[FraudEvidence | Problem, strawberry.union("FraudEvidenceResult")]


async def store_fraud_clusters(
    info: Info[Context, Any],
    min_score: Annotated[
        float | None,
        strawberry.argument(description="Clusters scoring at least this; default: flagged ones."),
    ] = None,
    region: Annotated[
        str | None,
        strawberry.argument(description="Clusters with a store in this region or within it."),
    ] = None,
    first: int = 20,
    after: str | None = None,
) -> StoreFraudClustersResult:
    """Store-fraud clusters, strongest first; with no minScore, the clusters yima flags."""
    try:
        offset = offset_after(after)
        service = info.context.services.store_fraud_service()
        page = await asyncio.to_thread(
            service.clusters, ClusterFilter(min_score, region), first=first, offset=offset
        )
    except InvalidField as exc:
        return Problem.of(exc)
    nodes = [FraudCluster.from_domain(c) for c in page.clusters]
    return offset_page(nodes, offset=offset, total=page.total)


async def store(info: Info[Context, Any], id: str) -> StoreResult:
    """A store and its fraud risk."""
    service = info.context.services.store_fraud_service()
    found = await stored(id, "store", service.store)
    return found if isinstance(found, Problem) else Store.from_domain(found)


async def store_fraud_evidence(info: Info[Context, Any], id: str) -> FraudEvidenceResult:
    """The evidence subgraph of cluster ``id``: its stores, the shared attributes and facts
    behind its reasons, and the relationships among them."""
    service = info.context.services.store_fraud_service()
    found = await stored(id, "fraud cluster", service.evidence)
    return found if isinstance(found, Problem) else FraudEvidence.from_domain(found)
