"""The provenance of one unit: origin, containers, custody, scans and events."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.types.asset_link import AssetLink
from api.graphql.types.connection import Connection, check_first, paginate
from api.graphql.types.container import Container
from api.graphql.types.custody import CustodyStep
from api.graphql.types.event import EpcisEvent
from api.graphql.types.party import Party
from api.graphql.types.scan import Scan, ScanKind
from api.graphql.types.status import CodeStatus
from api.graphql.types.transformation import TransformationInput
from graph_model.provenance import Provenance

__all__ = ["CodeTrace", "EventSort", "ScanSort"]


@strawberry.enum(description="Order of scans.")
class ScanSort(Enum):
    AT_ASC = "at_asc"
    AT_DESC = "at_desc"


@strawberry.enum(description="Order of events.")
class EventSort(Enum):
    TIME_ASC = "time_asc"
    TIME_DESC = "time_desc"


@strawberry.type(description="Where a unit comes from and everywhere it has been.")
class CodeTrace:
    code: str = strawberry.field(description="The code in canonical form (EPC URN).")
    gtin: str | None
    serial: str | None
    product_name: str | None
    lot: str | None
    batch: str | None = strawberry.field(description="The batch key, `GTIN|LOT`.")
    plant: Party | None
    line: str | None = strawberry.field(description="Production line (SGLN) that made it.")
    line_name: str | None
    commissioned_at: datetime
    commission_event_id: str | None
    status: CodeStatus
    status_at: datetime | None
    containers_at: datetime = strawberry.field(description="The moment `containers` is read at.")
    containers: list[Container] = strawberry.field(
        description="The container chain at `containersAt`, innermost (the case) first."
    )
    container_history: list[Container] = strawberry.field(
        description="Every container the unit's chain was ever in, in the order it began."
    )
    inputs: list[TransformationInput] = strawberry.field(
        description="What the unit or its lot was made from through transformations."
    )
    assets: list[AssetLink] = strawberry.field(
        description="Sensors and returnable assets the unit was associated with."
    )
    record: strawberry.Private[Provenance]

    @strawberry.field(description="Every party that held the unit, in order.")
    def custody(self, first: int = 20, after: str | None = None) -> Connection[CustodyStep]:
        check_first("custody", first)
        return paginate([CustodyStep.from_domain(s) for s in self.record.custody], first, after)

    @strawberry.field(description="Consumer, store and inspector scans.")
    def scans(
        self,
        first: int = 20,
        after: str | None = None,
        kind: ScanKind | None = None,
        region: str | None = None,
        sort: ScanSort = ScanSort.AT_ASC,
    ) -> Connection[Scan]:
        check_first("scans", first)
        chosen = [
            s
            for s in self.record.scans
            if (kind is None or s.kind == kind.value) and (region is None or s.region == region)
        ]
        if sort is ScanSort.AT_DESC:
            chosen.reverse()
        return paginate([Scan.from_domain(s) for s in chosen], first, after)

    @strawberry.field(
        description="The EPCIS events behind every step: of the unit, and of each container "
        "while the unit was in it."
    )
    def events(
        self,
        first: int = 50,
        after: str | None = None,
        biz_step: str | None = None,
        sort: EventSort = EventSort.TIME_ASC,
    ) -> Connection[EpcisEvent]:
        check_first("events", first)
        chosen = [e for e in self.record.events if biz_step is None or e.biz_step == biz_step]
        if sort is EventSort.TIME_DESC:
            chosen.reverse()
        return paginate([EpcisEvent.from_domain(e) for e in chosen], first, after)

    @classmethod
    def from_domain(cls, record: Provenance, at: datetime) -> CodeTrace:
        return cls(
            code=record.code,
            gtin=record.gtin,
            serial=record.serial,
            product_name=record.product_name,
            lot=record.lot,
            batch=record.batch,
            plant=Party.from_domain(record.plant) if record.plant else None,
            line=record.line,
            line_name=record.line_name,
            commissioned_at=record.commissioned_at,
            commission_event_id=record.commission_event,
            status=CodeStatus.of(record.status),
            status_at=record.status_at,
            containers_at=at,
            containers=[Container.from_domain(c) for c in record.containers_at(at)],
            container_history=[Container.from_domain(c) for c in record.container_history()],
            inputs=[TransformationInput.from_domain(i) for i in record.inputs],
            assets=[AssetLink.from_domain(a) for a in record.assets],
            record=record,
        )
