"""``GET /export/report?code=…|lot=…&format=html|pdf``: the regulator report.

The response is the report itself (HTML by default), with the digest over the reported
events' hashes in ``X-Yima-Digest`` and the number of events altered since capture in
``X-Yima-Altered-Events``, as the export's files carry them. Bad input is an RFC 7807 problem
naming the parameter.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from api.rest.export import refuse_parameters
from api.rest.problems import problem
from graph_model.export import ExportSubjectNotFound
from services.report import ReportService
from services.report_files import ReportFormat, file_name, render_report

__all__ = ["provenance_report"]

_ALLOWED = frozenset({"code", "lot", "format"})


def provenance_report(request: Request) -> Response:
    """The report of one code or one lot as HTML or PDF.

    A plain function: Starlette runs it in its thread pool, so reading the graph and drawing
    the map do not block the event loop.
    """
    params = request.query_params
    refused = refuse_parameters(params, _ALLOWED)
    if refused is not None:
        return refused
    try:
        file_format = ReportFormat(params.get("format", ReportFormat.HTML.value))
    except ValueError:
        return problem(400, "format: must be html or pdf", parameter="format")
    services = request.app.state.services
    try:
        report = ReportService(services.db).report(code=params.get("code"), lot=params.get("lot"))
    except ExportSubjectNotFound as exc:
        return problem(404, str(exc), parameter=exc.argument)
    disposition = "inline" if file_format is ReportFormat.HTML else "attachment"
    headers = {
        "X-Yima-Digest": report.export.digest,
        "X-Yima-Altered-Events": str(len(report.export.altered)),
        "Content-Disposition": (
            f"{disposition}; filename*=UTF-8''{quote(file_name(report, file_format))}"
        ),
    }
    return Response(
        render_report(report, file_format), media_type=file_format.media_type, headers=headers
    )
