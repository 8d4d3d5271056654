"""``provenanceExport(code, lot)``: the regulator export of one code or one lot."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.errors import UnknownCode, UnknownLot
from api.graphql.types.export import ProvenanceExport
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField
from graph_model.export import ExportSubjectNotFound
from services.export import ProvenanceExporter

__all__ = ["ProvenanceExportResult", "provenance_export"]

ProvenanceExportResult = Annotated[
    ProvenanceExport | UnknownCode | UnknownLot | Problem,
    strawberry.union("ProvenanceExportResult"),
]


async def provenance_export(
    info: Info[Context, Any],
    code: Annotated[
        str | None,
        strawberry.argument(description="A unit's code in any form; give this or `lot`."),
    ] = None,
    lot: Annotated[
        str | None,
        strawberry.argument(
            description="`GTIN|LOT`, an LGTIN URN or a Digital Link with "
            "/01/…/10/…, or a lot number only one product uses; give this or `code`."
        ),
    ] = None,
) -> ProvenanceExportResult:
    """Every tracking event of a code or a lot, for a regulator: digest, files, document."""
    services = info.context.services
    exporter = ProvenanceExporter(services.db)
    try:
        export = await asyncio.to_thread(exporter.export, code=code, lot=lot)
    except InvalidField as exc:
        return Problem.of(exc)
    except ExportSubjectNotFound as exc:
        if exc.argument == "code":
            return UnknownCode(code=exc.value, message=str(exc.reason))
        return UnknownLot(lot=exc.value, message=str(exc.reason))
    return ProvenanceExport.from_domain(export)
