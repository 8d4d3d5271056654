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

    @classmethod
    def for_subject(cls, subject: ExportSubject) -> ExportLinks:
        def link(file_format: str) -> str:
            query = urlencode({subject.kind: subject.key, "format": file_format})
            return f"/export/provenance?{query}"

        return cls(csv=link("csv"), xlsx=link("xlsx"), jsonld=link("jsonld"))
