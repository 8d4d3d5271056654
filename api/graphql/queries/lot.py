"""``lot(id)`` and ``productRecall(gtin, commissionedFrom, commissionedTo)``: forward trace."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.dataloaders import provenance_loaders
from api.graphql.queries.arguments import aware, check_time, invalid
from api.graphql.queries.paging import check_selection
from api.graphql.types.errors import UnknownLot
from api.graphql.types.lot import LotScope, LotTrace
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidIdentifier
from graph_model.identifiers.gs1 import normalize_gtin
from graph_model.provenance import LotRef, parse_lot_reference

__all__ = ["MAX_WINDOW", "LotResult", "RecallResult", "lot", "product_recall"]

MAX_WINDOW = timedelta(days=366)

LotResult = Annotated[LotTrace | UnknownLot | Problem, strawberry.union("LotResult")]
RecallResult = Annotated[LotTrace | Problem, strawberry.union("RecallResult")]


async def lot(
    info: Info[Context, Any],
    id: Annotated[
        str,
        strawberry.argument(
            description="`GTIN|LOT`, a Digital Link with /01/…/10/…, an LGTIN URN, or a lot "
            "number that only one product uses."
        ),
    ],
) -> LotResult:
    """Where every unit of a lot is now and was: the list a recall team works from."""
    try:
        ref = parse_lot_reference(id)
    except InvalidIdentifier as exc:
        return invalid("id", exc.reason)
    if (problem := check_selection(info)) is not None:
        return problem
    repository = provenance_loaders(info.context).repository
    if ref.gtin is None:
        batches = await asyncio.to_thread(repository.batches_of_lot, ref.lot)
        if not batches:
            return UnknownLot(lot=id, message=f"unknown lot: no units of lot {ref.lot!r}")
        if len(batches) > 1:
            return invalid(
                "id",
                f"lot {ref.lot!r} exists for several products ({', '.join(batches)}); "
                "give it as GTIN|LOT",
            )
        gtin, _, number = batches[0].partition("|")
        ref = LotRef(gtin, number)
    summary = await asyncio.to_thread(repository.lot_summary, ref)
    if summary is None:
        return UnknownLot(lot=id, message=f"unknown lot: no units of {ref.batch}")
    return LotTrace.from_domain(summary, LotScope(lot=ref), repository)


async def product_recall(
    info: Info[Context, Any],
    gtin: str,
    commissioned_from: datetime,
    commissioned_to: datetime,
) -> RecallResult:
    """Where every unit of a product commissioned in [from, to) is now and was."""
    try:
        product = normalize_gtin(gtin)
    except InvalidIdentifier as exc:
        return invalid("gtin", exc.reason)
    start, end = aware(commissioned_from), aware(commissioned_to)
    for name, moment in (("commissionedFrom", start), ("commissionedTo", end)):
        if (problem := check_time(name, moment, future=timedelta(days=1))) is not None:
            return problem
    if end <= start:
        return invalid("commissionedTo", "must be later than commissionedFrom")
    if end - start > MAX_WINDOW:
        return invalid("commissionedTo", f"the window spans more than {MAX_WINDOW.days} days")
    if (problem := check_selection(info)) is not None:
        return problem
    repository = provenance_loaders(info.context).repository
    summary = await asyncio.to_thread(repository.window_summary, product, start, end)
    return LotTrace.from_domain(summary, LotScope(window=(product, start, end)), repository)
