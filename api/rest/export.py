"""``GET /export/provenance?code=…|lot=…&format=csv|xlsx|jsonld``: the regulator export.

The response is the file itself, with the digest over the exported events' hashes in
``X-Yima-Digest`` and the number of events altered since capture in
``X-Yima-Altered-Events``. Bad input is an RFC 7807 problem naming the parameter.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from api.rest.problems import problem
from graph_model.export import ExportSubjectNotFound
from loaders.export_files import ExportFormat, render
from services.export import ProvenanceExporter

__all__ = ["provenance_export", "refuse_parameters"]

_ALLOWED = frozenset({"code", "lot", "format"})


def refuse_parameters(params: QueryParams, allowed: frozenset[str]) -> Response | None:
    """The problem with the query's parameters: one not among ``allowed``, or one given twice;
    ``None`` when there is none."""
    for name in params:
        if name not in allowed:
            return problem(400, f"{name}: unknown parameter", parameter=name)
    for name in allowed:
        if len(params.getlist(name)) > 1:
            return problem(400, f"{name}: given more than once", parameter=name)
    return None


def provenance_export(request: Request) -> Response:
    """The export of one code or one lot in one format (default JSON-LD).

    A plain function: Starlette runs it in its thread pool, so the database reads do not
    block the event loop.
    """
    params = request.query_params
    refused = refuse_parameters(params, _ALLOWED)
    if refused is not None:
        return refused
    requested = params.get("format", ExportFormat.JSONLD.value)
    try:
        file_format = ExportFormat(requested)
    except ValueError:
        return problem(400, "format: must be csv, xlsx or jsonld", parameter="format")
    services = request.app.state.services
    exporter = ProvenanceExporter(services.db)
    try:
        export = exporter.export(code=params.get("code"), lot=params.get("lot"))
    except ExportSubjectNotFound as exc:
        return problem(404, str(exc), parameter=exc.argument)
    filename = f"{export.subject.file_stem}.{file_format.value}"
    headers = {
        "X-Yima-Digest": export.digest,
        "X-Yima-Altered-Events": str(len(export.altered)),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
    }
    return Response(render(export, file_format), media_type=file_format.media_type, headers=headers)
