"""``provenanceExport(code, lot)``: the regulator export of one code or one lot."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import invalid
from api.graphql.types.errors import InvalidArgument, UnknownCode, UnknownLot
from api.graphql.types.export import ProvenanceExport
from graph_model.export import ExportArgumentError, ExportSubjectNotFound
from loaders.provenance_export import ProvenanceExporter

__all__ = ["ProvenanceExportResult", "provenance_export"]

ProvenanceExportResult = Annotated[
    ProvenanceExport | UnknownCode | UnknownLot | InvalidArgument,
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
    exporter = ProvenanceExporter(services.driver, services.settings.database)
    try:
        export = await asyncio.to_thread(exporter.export, code=code, lot=lot)
    except ExportArgumentError as exc:
        return invalid(exc.argument, exc.reason)
    except ExportSubjectNotFound as exc:
        if exc.argument == "code":
            return UnknownCode(code=exc.value, message=str(exc.reason))
        return UnknownLot(lot=exc.value, message=str(exc.reason))
    return ProvenanceExport.from_domain(export)
