"""``recordScan``: store a scan as an EPCIS event and answer with the verdict before it.

The scan becomes an ``ObjectEvent OBSERVE`` with bizStep ``https://ns.yima.dev/bizstep/scan``
and yima's extension fields, captured like any other event, so the projection makes the
``:Scan`` node. Its eventID is derived from the code and the client's scan ID: a retry is a
duplicate of the first attempt, stores nothing, and gets the same verdict back.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.loaders import provenance_loaders
from api.graphql.queries.arguments import aware, check_time, invalid, parse_code
from api.graphql.types.capture import CaptureProblem, CaptureRejected
from api.graphql.types.errors import InvalidArgument
from api.graphql.types.scan import ScanKind
from api.graphql.types.verification import Verification
from graph_model.projection import SCAN_BIZ_STEP, YIMA_NS
from loaders.regions import region_of_point

__all__ = [
    "RecordScanInput",
    "RecordScanResult",
    "RecordScanSuccess",
    "ScanLocationInput",
    "record_scan",
    "scan_event_id",
]

# uuid5 namespace of scan event IDs (uuid5 of the DNS name ns.yima.dev).
SCAN_EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "scan.ns.yima.dev")
EPCIS_CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    {"yima": YIMA_NS},
]
_TOKEN_RE = re.compile(r"[A-Za-z0-9._:~@/+=\-]{1,128}")
_REGION_RE = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_TEXT_MAX = 256
# Points inside this box are placed in a region of China; elsewhere only a declared region
# says where the scan was.
_CHINA_BOX = (18.0, 54.0, 73.0, 135.0)


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
        default=None, description="Who scanned: a consumer id, or the party id of a store."
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


RecordScanResult = Annotated[
    RecordScanSuccess | InvalidArgument | CaptureRejected, strawberry.union("RecordScanResult")
]


def scan_event_id(epc: str, client_scan_id: str) -> str:
    """The eventID of a scan: the same code and client scan ID always give the same one."""
    return f"urn:uuid:{uuid.uuid5(SCAN_EVENT_NAMESPACE, epc + chr(10) + client_scan_id)}"


def _check(scan: RecordScanInput) -> InvalidArgument | None:
    if scan.kind is ScanKind.OTHER:
        return invalid("input.kind", "must be CONSUMER, STORE or INSPECTOR")
    if not _TOKEN_RE.fullmatch(scan.client_scan_id):
        return invalid(
            "input.clientScanId", "must be 1 to 128 letters, digits or . _ : ~ @ / + = -"
        )
    for name, value in (("input.actor", scan.actor), ("input.device", scan.device)):
        if value is not None and not 0 < len(value) <= _TEXT_MAX:
            return invalid(name, f"must be 1 to {_TEXT_MAX} characters")
    if scan.at is not None and (
        problem := check_time("input.at", scan.at, future=timedelta(minutes=10))
    ):
        return problem
    place = scan.location
    if place is not None:
        if (place.lat is None) != (place.lon is None):
            return invalid("input.location", "lat and lon go together")
        if place.lat is not None and not -90 <= place.lat <= 90:
            return invalid("input.location.lat", f"must be in [-90, 90], got {place.lat}")
        if place.lon is not None and not -180 <= place.lon <= 180:
            return invalid("input.location.lon", f"must be in [-180, 180], got {place.lon}")
        if place.region is not None and not _REGION_RE.fullmatch(place.region):
            return invalid("input.location.region", "must be 1 to 32 letters, digits, _ or -")
    return None


def _region(place: ScanLocationInput | None) -> str | None:
    if place is None:
        return None
    if place.region is not None:
        return place.region
    if place.lat is None or place.lon is None:
        return None
    south, north, west, east = _CHINA_BOX
    if not (south <= place.lat <= north and west <= place.lon <= east):
        return None
    return region_of_point(place.lat, place.lon).code


def _event(epc: str, event_id: str, scan: RecordScanInput, at: datetime) -> dict[str, Any]:
    place = scan.location
    event: dict[str, Any] = {
        "@context": EPCIS_CONTEXT,
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": at.isoformat(),
        "eventTimeZoneOffset": at.strftime("%z")[:3] + ":" + at.strftime("%z")[3:],
        "action": "OBSERVE",
        "bizStep": SCAN_BIZ_STEP,
        "epcList": [epc],
        "yima:scanKind": scan.kind.value,
        "yima:clientScanId": scan.client_scan_id,
    }
    optional = {
        "yima:actor": scan.actor,
        "yima:device": scan.device,
        "yima:lat": None if place is None else place.lat,
        "yima:lon": None if place is None else place.lon,
        "yima:region": _region(place),
    }
    event.update({k: v for k, v in optional.items() if v is not None})
    return event


async def record_scan(info: Info[Context, Any], input: RecordScanInput) -> RecordScanResult:
    """Record a consumer, store or inspector scan; idempotent per client scan ID."""
    unit = parse_code("input.code", input.code)
    if isinstance(unit, InvalidArgument):
        return unit
    if (problem := _check(input)) is not None:
        return problem
    at = datetime.now(UTC) if input.at is None else aware(input.at)
    event_id = scan_event_id(unit.epc, input.client_scan_id)
    repository = provenance_loaders(info.context).repository
    facts = await asyncio.to_thread(repository.verify_facts, [unit.epc], exclude_events=[event_id])
    event = await asyncio.to_thread(_event, unit.epc, event_id, input, at)
    result = await asyncio.to_thread(info.context.services.capture.capture_event, event)
    if result.problems:
        return CaptureRejected(
            message="the scan could not be stored as an EPCIS event",
            problems=[
                CaptureProblem(index=p.index, event_id=p.event_id, field=p.field, reason=p.reason)
                for p in result.problems
            ],
        )
    return RecordScanSuccess(
        scan_id=event_id,
        event_id=event_id,
        code=unit.epc,
        duplicate=event_id in result.duplicates,
        verification=Verification.from_domain(facts[unit.epc]),
    )
