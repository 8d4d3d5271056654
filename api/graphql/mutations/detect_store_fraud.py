"""``detectStoreFraud``: score every store and store the store-fraud clusters, as a job on the
job facility (poll it with ``job(id)``, read the clusters with ``storeFraudClusters``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.job import Job
from api.graphql.types.problem import Problem

__all__ = ["DetectStoreFraudResult", "detect_store_fraud"]

DetectStoreFraudResult = Annotated[Job | Problem, strawberry.union("DetectStoreFraudResult")]


async def detect_store_fraud(info: Info[Context, Any]) -> DetectStoreFraudResult:
    """Start store-fraud detection over every store; the clusters of the run before are
    replaced once the new ones are written."""
    job = await asyncio.to_thread(info.context.services.submit_store_fraud)
    return Job.from_domain(job)
