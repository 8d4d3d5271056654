"""The answer to ``verify``: is the code ours, what is its status, who scanned it before."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.status import CodeStatus
from api.graphql.types.verdict import Verdict
from graph_model.provenance import VerifyFacts
from graph_model.verdict import judge

__all__ = ["RegionScans", "Verification"]


@strawberry.type(description="How many scans came from one region.")
class RegionScans:
    region: str
    scans: int


@strawberry.type(description="Verification of one code, computed from the scans before it.")
class Verification:
    code: str = strawberry.field(description="The code in canonical form (EPC URN).")
    issued: bool = strawberry.field(description="True when the brand commissioned this code.")
    status: CodeStatus
    status_at: datetime | None
    gtin: str | None
    product_name: str | None
    lot: str | None
    commissioned_at: datetime | None
    scan_count: int = strawberry.field(description="Scans of any kind before this one.")
    consumer_scan_count: int
    first_scan_at: datetime | None
    first_scan_region: str | None
    first_scan_region_name: str | None
    scan_regions: list[RegionScans] = strawberry.field(description="Most scanned first.")
    verdict: Verdict

    @classmethod
    def from_domain(cls, facts: VerifyFacts) -> Verification:
        scans = facts.scans
        return cls(
            code=facts.code,
            issued=facts.issued,
            status=CodeStatus.of(facts.status, facts.issued),
            status_at=facts.status_at,
            gtin=facts.gtin,
            product_name=facts.product_name,
            lot=facts.lot,
            commissioned_at=facts.commissioned_at,
            scan_count=scans.total,
            consumer_scan_count=scans.consumer,
            first_scan_at=scans.first_at,
            first_scan_region=scans.first_region,
            first_scan_region_name=scans.first_region_name,
            scan_regions=[RegionScans(region=r, scans=n) for r, n in scans.regions],
            verdict=Verdict.from_domain(judge(facts)),
        )
