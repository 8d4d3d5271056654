"""The files of a regulator export: sortable spreadsheet (CSV, XLSX) and EPCIS JSON-LD.

Each writer returns bytes so the same output goes to a file (``yima export provenance``) or
an HTTP response (``GET /export/provenance``). Times in the spreadsheet are UTC; the CSV is
UTF-8 with a byte-order mark so spreadsheet programs read non-ASCII names correctly.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from graph_model.export import COLUMNS, DIGEST_METHOD, ProvenanceExport, TrackingEventRow

__all__ = [
    "ExportFormat",
    "render",
    "write_csv",
    "write_files",
    "write_jsonld",
    "write_xlsx",
]


class ExportFormat(StrEnum):
    """A file format of the export, named as the file extension."""

    CSV = "csv"
    XLSX = "xlsx"
    JSONLD = "jsonld"

    @property
    def media_type(self) -> str:
        return {
            ExportFormat.CSV: "text/csv; charset=utf-8",
            ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat.JSONLD: "application/ld+json",
        }[self]


def _text(value: str | int | date | datetime) -> str | int:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(rows: tuple[TrackingEventRow, ...]) -> bytes:
    """The sortable spreadsheet as CSV: a header of :data:`COLUMNS`, then one line per row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_text(v) for v in row.cells()])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(value: str | int | date | datetime) -> str | int | date | datetime:
    # Excel has no time zones: UTC times go in as naive values under a "(UTC)" heading.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def write_xlsx(export: ProvenanceExport) -> bytes:
    """The sortable spreadsheet as an XLSX workbook, filters on, plus a sheet on the export."""
    book = Workbook()
    sheet = book.active
    if sheet is None:  # pragma: no cover - a new workbook always has one sheet
        sheet = book.create_sheet()
    sheet.title = "Tracking events"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export.rows:
        sheet.append([_xlsx_cell(v) for v in row.cells()])
    for index, column in enumerate(sheet.columns, start=1):
        if index == COLUMNS.index("Event Time (UTC)") + 1:
            for cell in column[1:]:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif index == COLUMNS.index("Event Date") + 1:
            for cell in column[1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    about = book.create_sheet("Export")
    for pair in (
        ("Subject", f"{export.subject.kind} {export.subject.key}"),
        ("Generated (UTC)", _text(export.generated_at)),
        ("Events", len(export.events)),
        ("Digest", export.digest),
        ("Digest method", DIGEST_METHOD),
        ("Altered events", ", ".join(export.altered) or "none"),
    ):
        about.append(list(pair))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_jsonld(export: ProvenanceExport) -> bytes:
    """The EPCIS 2.0 JSON-LD document of the export's events, UTF-8."""
    return json.dumps(export.document(), ensure_ascii=False, indent=2).encode("utf-8")


def render(export: ProvenanceExport, file_format: ExportFormat) -> bytes:
    """The export in one format."""
    if file_format is ExportFormat.CSV:
        return write_csv(export.rows)
    if file_format is ExportFormat.XLSX:
        return write_xlsx(export)
    return write_jsonld(export)


def write_files(export: ProvenanceExport, folder: Path) -> list[Path]:
    """Write ``<stem>.csv``, ``<stem>.xlsx`` and ``<stem>.jsonld`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for file_format in ExportFormat:
        path = folder / f"{export.subject.file_stem}.{file_format.value}"
        path.write_bytes(render(export, file_format))
        paths.append(path)
    return paths
