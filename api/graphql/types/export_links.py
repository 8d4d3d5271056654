"""Where the files of a regulator export are downloaded from."""

from __future__ import annotations

from urllib.parse import urlencode

import strawberry

from graph_model.export import ExportSubject

__all__ = ["ExportLinks"]


@strawberry.type(description="Paths (on this server) of the export's files, one per format.")
class ExportLinks:
    csv: str = strawberry.field(description="The sortable spreadsheet as CSV.")
    xlsx: str = strawberry.field(description="The sortable spreadsheet as an XLSX workbook.")
    jsonld: str = strawberry.field(description="The EPCIS 2.0 JSON-LD document of the events.")
    report_html: str = strawberry.field(
        description="The regulator report as one HTML page: chain of custody, map, events "
        "with their hashes, the digest and how to verify it."
    )
    report_pdf: str = strawberry.field(description="The same regulator report as a PDF.")

    @classmethod
    def for_subject(cls, subject: ExportSubject) -> ExportLinks:
        def link(file_format: str, path: str = "/export/provenance") -> str:
            query = urlencode({subject.kind: subject.key, "format": file_format})
            return f"{path}?{query}"

        return cls(
            csv=link("csv"),
            xlsx=link("xlsx"),
            jsonld=link("jsonld"),
            report_html=link("html", "/export/report"),
            report_pdf=link("pdf", "/export/report"),
        )
