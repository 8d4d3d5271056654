"""Recording a scan: the scan becomes an EPCIS event, and the answer is the verdict before it.

The scan is an ``ObjectEvent OBSERVE`` with bizStep :data:`~graph_model.vocabulary.
SCAN_BIZ_STEP` and yima's extension fields, captured like any other event, so the projection
makes the ``:Scan`` node. Its eventID is derived from the code and the client's scan ID: a
retry is a duplicate of the first attempt, stores nothing, and gets the same verdict back.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from graph_model.campaigns import ScanOutcome
from graph_model.errors import InvalidField
from graph_model.identifiers.units import parse_code_argument
from graph_model.provenance import VerifyFacts
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.times import check_time
from graph_model.vocabulary import SCAN_BIZ_STEP, YIMA_CONTEXT, ScanKind
from loaders.regions import region_of_point
from services.campaigns import CampaignService, ScanContext
from services.capture import CaptureService
from services.diversion import DiversionService, ScanCheck

__all__ = ["ScanRecorded", "ScanRequest", "record_scan", "scan_event_id"]

# uuid5 namespace of scan event IDs (uuid5 of the DNS name ns.yima.dev).
SCAN_EVENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_DNS, "scan.ns.yima.dev")
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9._:~@/+=\-]{1,128}")
_REGION_RE: Final = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_TEXT_MAX: Final = 256
# Points inside this box are placed in a region of China; elsewhere only a declared region
# says where the scan was.
_CHINA_BOX: Final = (18.0, 54.0, 73.0, 135.0)


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """One scan as a client reports it; ``at`` defaults to now. Field paths of problems are
    prefixed with ``prefix`` (``input.`` for GraphQL)."""

    code: str
    kind: ScanKind
    client_scan_id: str
    actor: str | None = None
    device: str | None = None
    lat: float | None = None
    lon: float | None = None
    region: str | None = None
    at: datetime | None = None
    prefix: str = ""
    #: The client's network address as the server saw it (never a value the client declares
    #: in the scan); stored with the scan so risk control counts bursts per address.
    address: str | None = None


@dataclass(frozen=True, slots=True)
class ScanRecorded:
    """The stored scan, the verdict computed from the scans before it and, when asked, whether
    the unit lies outside its responsible distributor's territory."""

    event_id: str
    code: str
    duplicate: bool
    verdict: VerifyFacts
    diversion: ScanCheck | None = None
    campaigns: tuple[ScanOutcome, ...] = ()


def scan_event_id(epc: str, client_scan_id: str) -> str:
    """The eventID of a scan: the same code and client scan ID always give the same one."""
    return f"urn:uuid:{uuid.uuid5(SCAN_EVENT_NAMESPACE, epc + chr(10) + client_scan_id)}"


def _check(scan: ScanRequest) -> None:
    p = scan.prefix
    if not _TOKEN_RE.fullmatch(scan.client_scan_id):
        raise InvalidField(
            p + "clientScanId", "must be 1 to 128 letters, digits or . _ : ~ @ / + = -"
        )
    for name, value in (("actor", scan.actor), ("device", scan.device), ("address", scan.address)):
        if value is not None and not 0 < len(value) <= _TEXT_MAX:
            raise InvalidField(p + name, f"must be 1 to {_TEXT_MAX} characters")
    if scan.at is not None:
        check_time(p + "at", scan.at, future=timedelta(minutes=10))
    if (scan.lat is None) != (scan.lon is None):
        raise InvalidField(p + "location", "lat and lon go together")
    if scan.lat is not None and not -90 <= scan.lat <= 90:
        raise InvalidField(p + "location.lat", f"must be in [-90, 90], got {scan.lat}")
    if scan.lon is not None and not -180 <= scan.lon <= 180:
        raise InvalidField(p + "location.lon", f"must be in [-180, 180], got {scan.lon}")
    if scan.region is not None and not _REGION_RE.fullmatch(scan.region):
        raise InvalidField(p + "location.region", "must be 1 to 32 letters, digits, _ or -")


def scan_region(scan: ScanRequest) -> str | None:
    """The region a scan happened in: the one it declares, else the prefecture of its GPS
    point when that lies in China, else none."""
    if scan.region is not None:
        return scan.region
    if scan.lat is None or scan.lon is None:
        return None
    south, north, west, east = _CHINA_BOX
    if not (south <= scan.lat <= north and west <= scan.lon <= east):
        return None
    return region_of_point(scan.lat, scan.lon).code


def scan_event(epc: str, event_id: str, scan: ScanRequest, at: datetime) -> dict[str, Any]:
    """The EPCIS event of ``scan``."""
    offset = at.strftime("%z")
    event: dict[str, Any] = {
        "@context": list(YIMA_CONTEXT),
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": at.isoformat(),
        "eventTimeZoneOffset": offset[:3] + ":" + offset[3:],
        "action": "OBSERVE",
        "bizStep": SCAN_BIZ_STEP,
        "epcList": [epc],
        "yima:scanKind": scan.kind.value,
        "yima:clientScanId": scan.client_scan_id,
    }
    optional = {
        "yima:actor": scan.actor,
        "yima:device": scan.device,
        "yima:clientAddress": scan.address,
        "yima:lat": scan.lat,
        "yima:lon": scan.lon,
        "yima:region": scan_region(scan),
    }
    event.update({k: v for k, v in optional.items() if v is not None})
    return event


def record_scan(
    scan: ScanRequest,
    capture: CaptureService,
    provenance: ProvenanceRepository,
    diversion: DiversionService | None = None,
    campaigns: CampaignService | None = None,
) -> ScanRecorded:
    """Store ``scan`` (once per client scan ID) and return the verdict before it; with
    ``diversion``, also whether the unit surfaced outside its responsible distributor's
    territory (one more indexed read); with ``campaigns``, what every campaign covering a
    consumer's scan decided and awarded (nothing read when none is running).

    Raises
    ------
    InvalidField
        When a field of the scan cannot be used; nothing is stored then.
    """
    unit = parse_code_argument(scan.prefix + "code", scan.code)
    _check(scan)
    at = datetime.now(UTC) if scan.at is None else scan.at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    event_id = scan_event_id(unit.epc, scan.client_scan_id)
    facts = provenance.verify_facts([unit.epc], exclude_events=[event_id])
    result = capture.capture_event(scan_event(unit.epc, event_id, scan, at))
    if result.problems:
        raise InvalidField.of(p.as_field_problem() for p in result.problems)
    check = None
    if diversion is not None:
        check = diversion.check_scan(unit.epc, scan_region(scan), at)
    duplicate = event_id in result.duplicates
    outcomes: list[ScanOutcome] = []
    if campaigns is not None and scan.kind is ScanKind.CONSUMER and scan.actor is not None:
        if duplicate:
            outcomes = campaigns.outcomes(event_id, unit.epc)
        else:
            context = ScanContext(
                scan_id=event_id,
                code=unit.epc,
                gtin=unit.gtin,
                actor=scan.actor,
                device=scan.device,
                address=scan.address,
                lat=scan.lat,
                lon=scan.lon,
                region=scan_region(scan),
                at=at,
            )
            outcomes = campaigns.run_scan(context)
    return ScanRecorded(event_id, unit.epc, duplicate, facts[unit.epc], check, tuple(outcomes))
