"""``code(id, at)``: backward trace of one unit, from any form of its code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.dataloaders import provenance_loaders
from api.graphql.queries.arguments import aware, check_time, parse_code
from api.graphql.queries.paging import check_selection, selects
from api.graphql.types.errors import UnknownCode
from api.graphql.types.problem import Problem
from api.graphql.types.trace import CodeTrace

__all__ = ["CodeResult", "code"]

CodeResult = Annotated[CodeTrace | UnknownCode | Problem, strawberry.union("CodeResult")]


async def code(
    info: Info[Context, Any],
    id: Annotated[
        str,
        strawberry.argument(
            description="The unit's code in any form: Digital Link, EPC URN, (01)…(21)…, "
            "brand or drug code."
        ),
    ],
    at: Annotated[
        datetime | None,
        strawberry.argument(description="When to read the container chain; default now."),
    ] = None,
) -> CodeResult:
    """Product, lot, plant, containers, custody, scans and events of one unit."""
    unit = parse_code("id", id)
    if isinstance(unit, Problem):
        return unit
    moment = datetime.now(UTC) if at is None else aware(at)
    if at is not None and (problem := check_time("at", at, future=timedelta(days=366))):
        return problem
    if (problem := check_selection(info)) is not None:
        return problem
    loaders = provenance_loaders(info.context)
    loader = loaders.trace_raw if selects(info, "events", "raw") else loaders.trace
    found = await loader.load(unit.epc)
    if found is None:
        return UnknownCode(
            code=unit.epc, message=f"unknown code: {unit.epc} was never commissioned"
        )
    return CodeTrace.from_domain(found, moment)
