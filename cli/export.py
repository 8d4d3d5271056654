"""``yima export``: hand a regulator the provenance of a code or a lot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.database import open_database
from graph_model.errors import InvalidField, YimaError
from graph_model.export import ExportSubjectNotFound

__all__ = ["app", "provenance"]

app = typer.Typer(help="Export records for regulators.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("provenance")
def provenance(
    code: Annotated[
        str | None,
        typer.Argument(help="The unit's code in any form: Digital Link, EPC URN, (01)…(21)…"),
    ] = None,
    lot: Annotated[
        str | None,
        typer.Option(help="A lot instead of a code: GTIN|LOT, an LGTIN URN or a Digital Link"),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the files into")] = Path("."),
) -> None:
    """Write the sortable spreadsheet (CSV, XLSX) and the EPCIS JSON-LD document of every
    event of CODE (or of every unit of --lot) into --out, and print the digest over them.

    Exits 2 on a malformed argument, 1 on an unknown code or lot, and 4 when an event was
    altered in the database since capture (the files are still written, the event marked)."""
    from loaders.export_files import write_files
    from services.export import ProvenanceExporter

    if (code is None) == (lot is None):
        console.print("[red]error:[/red] give either CODE or --lot LOT")
        raise typer.Exit(code=2)
    db = open_database(console)
    try:
        export = ProvenanceExporter(db).export(code=code, lot=lot)
    except InvalidField as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    except ExportSubjectNotFound as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    except YimaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    finally:
        db.close()
    for path in write_files(export, out):
        console.print(f"wrote {path}")
    console.print(f"{len(export.events)} events, {len(export.rows)} rows")
    if export.altered:
        console.print(
            f"[red]altered since capture:[/red] {len(export.altered)} event(s): "
            + ", ".join(export.altered)
        )
    typer.echo(export.digest)
    if export.altered:
        raise typer.Exit(code=4)
