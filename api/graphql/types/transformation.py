"""What a unit was made from, and what a lot became, through EPCIS transformations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph_model.provenance import LotOutput as LotOutputRecord
from graph_model.provenance import TransformationInput as TransformationInputRecord

__all__ = ["InputKind", "LotOutput", "TransformationInput"]


@strawberry.enum(description="What a transformation input is.")
class InputKind(Enum):
    UNIT = "unit"
    PACKAGE = "package"
    LOT = "lot"


@strawberry.type(
    description="A unit, logistic unit or lot that went into the unit (or its lot) through a "
    "TransformationEvent (blending, repacking, relabelling, kitting); `code(id)` of a unit "
    "input gives its own provenance."
)
class TransformationInput:
    id: str = strawberry.field(description="EPC URN of the input; `GTIN|LOT` for a lot.")
    kind: InputKind
    gtin: str | None
    lot: str | None
    event_id: str = strawberry.field(description="The transformation that used it.")
    at: datetime
    depth: int = strawberry.field(description="1: used by the unit's own transformation, ...")
    made_at: str | None = strawberry.field(description="Where the input was commissioned.")
    commissioned_at: datetime | None

    @classmethod
    def from_domain(cls, record: TransformationInputRecord) -> TransformationInput:
        return cls(
            id=record.id, kind=InputKind(record.kind), gtin=record.gtin, lot=record.lot,
            event_id=record.event, at=record.at, depth=record.depth, made_at=record.made_at,
            commissioned_at=record.commissioned_at,
        )  # fmt: skip


@strawberry.type(description="An output lot the lot's units (or the lot) were transformed into.")
class LotOutput:
    batch: str | None = strawberry.field(description="`GTIN|LOT` of the output lot.")
    gtin: str | None
    lot: str | None
    product_name: str | None
    units: int = strawberry.field(description="Output units reached.")
    packages: list[str] = strawberry.field(description="Output logistic units reached.")
    event_ids: list[str] = strawberry.field(description="The transformations on the way.")

    @classmethod
    def from_domain(cls, record: LotOutputRecord) -> LotOutput:
        return cls(
            batch=record.batch, gtin=record.gtin, lot=record.lot,
            product_name=record.product_name, units=record.units,
            packages=list(record.packages), event_ids=list(record.events),
        )  # fmt: skip
