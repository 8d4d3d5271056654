"""``commissionCodes``: issue up to 100,000 unit codes of one lot in one request.

Larger runs belong to ``yima codes commission``, which streams its print file; a GraphQL
answer carries the first 1,000 Digital Links only.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField
from graph_model.identifiers.digital_links import DEFAULT_HOST
from services.commission import CommissionOrder, CommissionService

__all__ = [
    "MAX_GRAPHQL_CODES",
    "CommissionCodesInput",
    "CommissionSuccess",
    "commission_codes",
]

MAX_GRAPHQL_CODES: Final = 100_000
MAX_LINKS: Final = 1_000


@strawberry.input(description="What to commission: COUNT new codes of one lot on one line.")
class CommissionCodesInput:
    gtin: str = strawberry.field(description="GTIN-8, -12, -13 or -14 of the product")
    lot: str = strawberry.field(description="Lot (batch) number, AI (10)")
    line: str = strawberry.field(description="Production line id (URI, e.g. an SGLN URN)")
    plant: str = strawberry.field(description="Plant id (URI, e.g. an SGLN URN)")
    count: int = strawberry.field(description=f"Codes to issue, 1 to {MAX_GRAPHQL_CODES:,}")
    host: str = strawberry.field(
        default=DEFAULT_HOST, description="Resolver host of the Digital Links"
    )


@strawberry.type(description="Codes commissioned; their events are captured.")
class CommissionSuccess:
    gtin: str
    lot: str
    count: int = strawberry.field(description="Codes issued by this request")
    issued_before: int = strawberry.field(description="Codes of the GTIN issued before")
    guess_probability: float = strawberry.field(
        description="Chance that one guessed serial of the GTIN is valid, all codes counted"
    )
    collisions: int = strawberry.field(description="Drawn serials replaced as already in use")
    events: int = strawberry.field(description="Commissioning events captured")
    digital_links: list[str] = strawberry.field(
        description=f"The first {MAX_LINKS:,} Digital Links, in issue order"
    )


CommissionCodesResult = Annotated[
    CommissionSuccess | Problem, strawberry.union("CommissionCodesResult")
]


async def commission_codes(
    info: Info[Context, None], input: CommissionCodesInput
) -> CommissionCodesResult:
    """Commission new random codes and return their Digital Links."""
    if input.count > MAX_GRAPHQL_CODES:
        return Problem.at(
            "count",
            f"{input.count} exceeds {MAX_GRAPHQL_CODES:,} codes a request; "
            "use `yima codes commission` for larger runs",
        )
    try:
        order = CommissionOrder.create(
            input.gtin, input.lot, input.line, input.plant, input.count, input.host
        )
        services = info.context.services
        service = CommissionService(services.db)
        # Writing up to 100,000 codes takes seconds: off the event loop.
        result = await asyncio.to_thread(service.commission, order, sample=MAX_LINKS)
    except InvalidField as exc:
        return Problem.of(exc)
    return CommissionSuccess(
        gtin=result.gtin,
        lot=result.lot,
        count=result.count,
        issued_before=result.issued_before,
        guess_probability=result.guess_probability,
        collisions=result.collisions,
        events=result.events,
        digital_links=list(result.sample_links),
    )
