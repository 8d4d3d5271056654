"""A scan of a unit by a consumer, a store, its staff or an inspector."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph_model.provenance import ScanRecord

__all__ = ["Scan", "ScanKind"]


@strawberry.enum(description="Who scanned.")
class ScanKind(Enum):
    CONSUMER = "consumer"
    STORE = "store"
    INSPECTOR = "inspector"
    STAFF = "staff"
    OTHER = "other"

    @classmethod
    def of(cls, value: str) -> ScanKind:
        try:
            return cls(value)
        except ValueError:
            return cls.OTHER


@strawberry.type(description="One recorded scan of the unit.")
class Scan:
    id: str
    kind: ScanKind
    at: datetime
    actor: str | None
    device: str | None
    lat: float | None
    lon: float | None
    region: str | None = strawberry.field(description="Region code (declared or located).")
    region_name: str | None
    client_scan_id: str | None
    event_id: str | None

    @classmethod
    def from_domain(cls, scan: ScanRecord) -> Scan:
        return cls(
            id=scan.id,
            kind=ScanKind.of(scan.kind),
            at=scan.at,
            actor=scan.actor,
            device=scan.device,
            lat=scan.lat,
            lon=scan.lon,
            region=scan.region,
            region_name=scan.region_name,
            client_scan_id=scan.client_scan_id,
            event_id=scan.event,
        )
