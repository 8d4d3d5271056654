"""Forward trace of a lot (or of a product's units made in a time window): the recall list."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.types.connection import (
    Connection,
    Edge,
    check_first,
    decode_cursor,
    encode_cursor,
    paginate,
)
from api.graphql.types.lot_holder import LotHolder
from api.graphql.types.lot_unit import LotUnit
from api.graphql.types.party import PartyKind
from api.graphql.types.status import CodeStatus
from api.graphql.types.transformation import LotOutput
from graph_model.provenance import LotHolder as LotHolderRecord
from graph_model.provenance import LotRef, LotSummary
from graph_model.repositories.provenance import ProvenanceRepository

__all__ = ["HolderSort", "LotScope", "LotTrace", "StatusCount"]


@strawberry.enum(description="Order of a lot's holders.")
class HolderSort(Enum):
    CHAIN = "chain"
    RECEIVED_DESC = "received_desc"
    IN_STOCK_DESC = "in_stock_desc"
    SOLD_DESC = "sold_desc"
    UNACCOUNTED_DESC = "unaccounted_desc"
    NAME_ASC = "name_asc"


_KIND_ORDER = {"plant": 0, "distributor": 1, "store": 2}


def _holder_key(sort: HolderSort) -> Any:
    def chain(h: LotHolderRecord) -> tuple[Any, ...]:
        return (_KIND_ORDER.get(h.party.kind, 3), h.party.tier or 0, h.party.id)

    keys = {
        HolderSort.CHAIN: chain,
        HolderSort.RECEIVED_DESC: lambda h: (-h.received, h.party.id),
        HolderSort.IN_STOCK_DESC: lambda h: (-h.in_stock, h.party.id),
        HolderSort.SOLD_DESC: lambda h: (-h.sold, h.party.id),
        HolderSort.UNACCOUNTED_DESC: lambda h: (-h.unaccounted, h.party.id),
        HolderSort.NAME_ASC: lambda h: (h.party.name or h.party.id, h.party.id),
    }
    return keys[sort]


@strawberry.type(description="How many units have one status.")
class StatusCount:
    status: CodeStatus
    units: int


@dataclass(frozen=True, slots=True)
class LotScope:
    """Which units a recall covers: one batch, or a product's units made in a window."""

    lot: LotRef | None = None
    window: tuple[str, datetime, datetime] | None = None


@strawberry.type(description="Where every unit of a lot is now, and every party that held them.")
class LotTrace:
    batch: str | None = strawberry.field(description="`GTIN|LOT`; null for a product window.")
    gtin: str | None
    lot: str | None
    product_name: str | None
    unit_count: int
    first_commissioned_at: datetime | None
    last_commissioned_at: datetime | None
    status_counts: list[StatusCount]
    transformed_into: list[LotOutput] = strawberry.field(
        description="Output lots the lot's units became through transformations (recall "
        "reaches them)."
    )
    summary: strawberry.Private[LotSummary]
    scope: strawberry.Private[LotScope]
    repository: strawberry.Private[ProvenanceRepository]

    @strawberry.field(description="Every party that held units of the lot.")
    def holders(
        self,
        first: int = 50,
        after: str | None = None,
        kind: PartyKind | None = None,
        sort: HolderSort = HolderSort.CHAIN,
    ) -> Connection[LotHolder]:
        check_first("holders", first)
        chosen = [h for h in self.summary.holders if kind is None or h.party.kind == kind.value]
        chosen.sort(key=_holder_key(sort))
        return paginate([LotHolder.from_domain(h) for h in chosen], first, after)

    @strawberry.field(description="The lot's units in code order, with their last holders.")
    async def units(
        self,
        info: Info[Any, None],
        first: int = 100,
        after: str | None = None,
        holder: Annotated[
            str | None,
            strawberry.argument(description="Only units last held by this party (id)."),
        ] = None,
        status: list[CodeStatus] | None = None,
    ) -> Connection[LotUnit]:
        check_first("units", first)
        after_code = None if after is None else decode_cursor(after)
        # One row more than asked tells whether another page follows.
        page = await asyncio.to_thread(
            self.repository.lot_units,
            self.scope.lot,
            window=self.scope.window,
            limit=first + 1,
            after=after_code,
            holder=holder,
            statuses=None if status is None else [s.value for s in status],
        )
        units = page.units[:first]
        edges = [Edge(cursor=encode_cursor(u.code), node=LotUnit.from_domain(u)) for u in units]
        return Connection.page(
            edges,
            total_count=page.total,
            has_next=len(page.units) > first,
            has_previous=after is not None,
        )

    @classmethod
    def from_domain(
        cls, summary: LotSummary, scope: LotScope, repository: ProvenanceRepository
    ) -> LotTrace:
        return cls(
            batch=summary.batch,
            gtin=summary.gtin,
            lot=summary.lot,
            product_name=summary.product_name,
            unit_count=summary.units,
            first_commissioned_at=summary.first_commissioned_at,
            last_commissioned_at=summary.last_commissioned_at,
            status_counts=[
                StatusCount(status=CodeStatus.of(s), units=n) for s, n in summary.statuses
            ],
            transformed_into=[LotOutput.from_domain(o) for o in summary.outputs],
            summary=summary,
            scope=scope,
            repository=repository,
        )
