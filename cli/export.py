"""``yima export``: hand a regulator the provenance of a code or a lot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from cli.database import open_database
from graph_model.database import Database
from graph_model.errors import InvalidField, YimaError
from graph_model.export import ProvenanceExport

__all__ = ["app", "provenance", "report"]

app = typer.Typer(help="Export records for regulators.", no_args_is_help=True)
console = Console(stderr=True)

T = TypeVar("T")
CodeArgument = Annotated[
    str | None,
    typer.Argument(help="The unit's code in any form: Digital Link, EPC URN, (01)…(21)…"),
]
LotOption = Annotated[
    str | None,
    typer.Option(help="A lot instead of a code: GTIN|LOT, an LGTIN URN or a Digital Link"),
]


def _read(code: str | None, lot: str | None, read: Callable[[Database], T]) -> T:
    """Run ``read`` on the database, each failure an exit: 2 for a malformed or missing
    argument, 1 for an unknown code or lot or a database that cannot answer."""
    if (code is None) == (lot is None):
        console.print("[red]error:[/red] give either CODE or --lot LOT")
        raise typer.Exit(code=2)
    db = open_database(console)
    try:
        return read(db)
    except InvalidField as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    except YimaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    finally:
        db.close()


def _finish(export: ProvenanceExport) -> None:
    """Name the altered events, print the digest, exit 4 when an event was altered."""
    if export.altered:
        console.print(
            f"[red]altered since capture:[/red] {len(export.altered)} event(s): "
            + ", ".join(export.altered)
        )
    typer.echo(export.digest)
    if export.altered:
        raise typer.Exit(code=4)


@app.command("provenance")
def provenance(
    code: CodeArgument = None,
    lot: LotOption = None,
    out: Annotated[Path, typer.Option(help="Folder to write the files into")] = Path("."),
) -> None:
    """Write the sortable spreadsheet (CSV, XLSX) and the EPCIS JSON-LD document of every
    event of CODE (or of every unit of --lot) into --out, and print the digest over them.

    Exits 2 on a malformed argument, 1 on an unknown code or lot, and 4 when an event was
    altered in the database since capture (the files are still written, the event marked)."""
    from loaders.export_files import write_files
    from services.export import ProvenanceExporter

    export = _read(code, lot, lambda db: ProvenanceExporter(db).export(code=code, lot=lot))
    for path in write_files(export, out):
        console.print(f"wrote {path}")
    console.print(f"{len(export.events)} events, {len(export.rows)} rows")
    _finish(export)


@app.command("report")
def report(
    code: CodeArgument = None,
    lot: LotOption = None,
    out: Annotated[Path, typer.Option(help="Folder to write the report into")] = Path("."),
    file_format: Annotated[
        list[str] | None,
        typer.Option("--format", help="html or pdf; give it twice for both (default: both)"),
    ] = None,
) -> None:
    """Write the regulator report of CODE (or of --lot) as HTML and PDF into --out: chain of
    custody, a map, every event with its hash, the digest and how to verify it; print the
    digest.

    Exits 2 on a malformed argument, 1 on an unknown code or lot, and 4 when an event was
    altered in the database since capture (the report is still written, the event marked)."""
    from services.report import ReportService
    from services.report_files import ReportFormat, file_name, render_report

    try:
        formats = [ReportFormat(f) for f in (file_format or ["html", "pdf"])]
    except ValueError as exc:
        console.print("[red]error:[/red] --format must be html or pdf")
        raise typer.Exit(code=2) from exc
    found = _read(code, lot, lambda db: ReportService(db).report(code=code, lot=lot))
    out.mkdir(parents=True, exist_ok=True)
    for chosen in dict.fromkeys(formats):
        path = out / file_name(found, chosen)
        path.write_bytes(render_report(found, chosen))
        console.print(f"wrote {path}")
    console.print(f"{len(found.export.events)} events, {len(found.custody)} holders")
    _finish(found.export)
