"""``recordScan``: store a scan as an EPCIS event and answer with the verdict before it
(:mod:`services.scans`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.dataloaders import provenance_loaders
from api.graphql.types.diversion_case import DiversionParty, DiversionRegion
from api.graphql.types.problem import Problem
from api.graphql.types.scan import ScanKind
from api.graphql.types.scan_prize import ScanCampaign, ScanPrize, ScanRisk, prize_of, risk_of
from api.graphql.types.verification import Verification
from api.security.client_address import client_address
from graph_model import vocabulary
from graph_model.errors import InvalidField
from services.campaigns import strongest
from services.diversion import ScanCheck
from services.scans import ScanRequest
from services.scans import record_scan as record

__all__ = [
    "RecordScanInput",
    "RecordScanResult",
    "RecordScanSuccess",
    "ScanLocationInput",
    "record_scan",
]


@strawberry.input(description="Where the scan happened: GPS, a declared region, or both.")
class ScanLocationInput:
    lat: float | None = None
    lon: float | None = None
    region: str | None = strawberry.field(
        default=None, description="Region code, e.g. a prefecture (310100) or a territory id."
    )


@strawberry.input(
    description="One scan. New optional fields (campaigns, prizes, ...) can be added without "
    "breaking clients."
)
class RecordScanInput:
    code: str = strawberry.field(description="The code as scanned, in any form.")
    kind: ScanKind
    client_scan_id: str = strawberry.field(
        description="The client's ID of this scan; retrying with the same ID records it once."
    )
    actor: str | None = strawberry.field(
        default=None,
        description="Who scanned: a consumer id, the party id of a store, or the "
        "staff id of a store's waiter or manager.",
    )
    device: str | None = None
    location: ScanLocationInput | None = None
    at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.type(description="The scan is stored (or was already); verdict as before it.")
class RecordScanSuccess:
    scan_id: str
    event_id: str
    code: str = strawberry.field(description="The code in canonical form (EPC URN).")
    duplicate: bool = strawberry.field(description="True when this client scan ID was seen.")
    verification: Verification = strawberry.field(
        description="Verification computed from the scans before this one."
    )
    diversion: ScanDiversion | None = strawberry.field(
        description="Whether the unit surfaced outside its dealer's territory; null for a "
        "unit the graph does not know."
    )
    prize: ScanPrize | None = strawberry.field(
        description="The prize this scan won (the first, when several campaigns paid); null "
        "when none."
    )
    risk: ScanRisk | None = strawberry.field(
        description="Risk control's strictest decision over the campaigns covering the "
        "scan; null when no campaign covers it."
    )
    campaigns: list[ScanCampaign] = strawberry.field(
        description="Every campaign that covered the scan: its decision and prize."
    )


@strawberry.type(
    description="Where the scan lies against the territory of the distributor responsible "
    "for the unit (the last distributor that received it, or the one whose territory it was "
    "shipped into)."
)
class ScanDiversion:
    outside: bool = strawberry.field(
        description="True when the scan lies outside the territory and contracts."
    )
    judged: bool = strawberry.field(
        description="False when the scan has no region or no distributor answers for the unit."
    )
    reason: str
    responsible: DiversionParty | None
    region: DiversionRegion | None

    @classmethod
    def from_domain(cls, check: ScanCheck) -> ScanDiversion:
        return cls(
            outside=check.outside,
            judged=check.judged,
            reason=check.reason,
            responsible=None
            if check.responsible_id is None
            else DiversionParty(id=check.responsible_id, name=check.responsible_name),
            region=None
            if check.region_code is None
            else DiversionRegion(code=check.region_code, name=check.region_name),
        )


RecordScanResult = Annotated[RecordScanSuccess | Problem, strawberry.union("RecordScanResult")]


async def record_scan(info: Info[Context, Any], input: RecordScanInput) -> RecordScanResult:
    """Record a consumer, store or inspector scan; idempotent per client scan ID."""
    if input.kind is ScanKind.OTHER:
        return Problem.at("input.kind", "must be CONSUMER, STORE, STAFF or INSPECTOR")
    place = input.location
    scan = ScanRequest(
        code=input.code,
        kind=vocabulary.ScanKind(input.kind.value),
        client_scan_id=input.client_scan_id,
        actor=input.actor,
        device=input.device,
        lat=None if place is None else place.lat,
        lon=None if place is None else place.lon,
        region=None if place is None else place.region,
        at=input.at,
        prefix="input.",
        address=client_address(
            info.context.request, info.context.request.app.state.security.trusted_proxies
        ),
    )
    repository = provenance_loaders(info.context).repository
    try:
        services = info.context.services
        done = await asyncio.to_thread(
            record, scan, services.capture, repository, services.diversion, services.campaigns
        )
    except InvalidField as exc:
        return Problem.of(exc)
    return RecordScanSuccess(
        scan_id=done.event_id,
        event_id=done.event_id,
        code=done.code,
        duplicate=done.duplicate,
        verification=Verification.from_domain(done.verdict),
        diversion=None if done.diversion is None else ScanDiversion.from_domain(done.diversion),
        prize=next((p for p in map(prize_of, done.campaigns) if p is not None), None),
        risk=None if (worst := strongest(done.campaigns)) is None else risk_of(worst),
        campaigns=[ScanCampaign.from_domain(o) for o in done.campaigns],
    )
