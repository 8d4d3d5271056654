"""``diversionCases``, ``diversionPath`` and ``diversionFlows``: the cases detection stored,
one unit's leak path, and one product's flows (:mod:`services.diversion`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any, Final

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import aware, check_time
from api.graphql.types.connection import Connection, offset_after, offset_page
from api.graphql.types.diversion_case import DiversionCase, DiversionSeverity
from api.graphql.types.diversion_flows import DiversionFlows
from api.graphql.types.diversion_path import DiversionPathResult, resolve_path
from api.graphql.types.problem import Problem
from graph_model.diversion import CaseFilter, CaseLevel
from graph_model.errors import InvalidField, InvalidIdentifier
from graph_model.identifiers.gs1 import normalize_gtin

__all__ = ["check_window", "diversion_cases", "diversion_flows", "diversion_path"]

MAX_CASES_PAGE: Final = 200
_FUTURE: Final = timedelta(days=366)

DiversionCasesResult = Annotated[
    Connection[DiversionCase] | Problem, strawberry.union("DiversionCasesResult")
]
DiversionFlowsResult = Annotated[DiversionFlows | Problem, strawberry.union("DiversionFlowsResult")]


def check_window(period_from: datetime | None, period_to: datetime | None) -> Problem | None:
    for name, moment in (("from", period_from), ("to", period_to)):
        if moment is not None:
            problem = check_time(name, moment, future=_FUTURE)
            if problem is not None:
                return problem
    if period_from is not None and period_to is not None and aware(period_to) <= aware(period_from):
        return Problem.at("to", "must be later than from")
    return None


async def diversion_cases(
    info: Info[Context, Any],
    first: int = 20,
    after: str | None = None,
    distributor: str | None = None,
    region: str | None = None,
    period_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
    period_to: Annotated[datetime | None, strawberry.argument(name="to")] = None,
    min_severity: DiversionSeverity = CaseLevel.LOW,  # type: ignore[valid-type]
) -> DiversionCasesResult:
    """Stored diversion cases, most severe first; of one distributor, in one region (or a
    region within it), seen in [from, to), of at least a severity."""
    if not 0 <= first <= MAX_CASES_PAGE:
        return Problem.at("first", f"must be between 0 and {MAX_CASES_PAGE}, got {first}")
    problem = check_window(period_from, period_to)
    if problem is not None:
        return problem
    try:
        offset = offset_after(after)
    except InvalidField as exc:
        return Problem.of(exc)
    where = CaseFilter(
        distributor=distributor,
        region=region,
        seen_from=None if period_from is None else aware(period_from),
        seen_to=None if period_to is None else aware(period_to),
        min_level=CaseLevel(min_severity),
    )
    page = await asyncio.to_thread(
        info.context.services.diversion.cases, where, first=first, offset=offset
    )
    nodes = [DiversionCase.from_domain(c) for c in page.cases]
    return offset_page(nodes, offset=offset, total=page.total)


async def diversion_path(info: Info[Context, Any], code: str) -> DiversionPathResult:
    """One unit's custody path: each step in or out of the authorized channel, and the leak
    hop where it left (an off-contract shipment, or stock that vanished from a dealer's
    records and surfaced elsewhere)."""
    return await resolve_path(info, code)


async def diversion_flows(
    info: Info[Context, Any],
    gtin: str,
    period_from: Annotated[datetime, strawberry.argument(name="from")],
    period_to: Annotated[datetime, strawberry.argument(name="to")],
) -> DiversionFlowsResult:
    """Flows of one product: units moved between regions, where units ended against where
    they were sent, and velocity plant -> store -> consumer (days)."""
    problem = check_window(period_from, period_to)
    if problem is not None:
        return problem
    try:
        canonical = normalize_gtin(gtin)
    except InvalidIdentifier as exc:
        return Problem.at("gtin", exc.reason)
    report = await asyncio.to_thread(
        info.context.services.diversion.flows, canonical, aware(period_from), aware(period_to)
    )
    return DiversionFlows.from_domain(report)
