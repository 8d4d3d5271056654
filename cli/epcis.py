"""``yima epcis``: the CBV 2.0 event hash of a document's events, and capture from a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from loaders.epcis.hash import document_hashes

app = typer.Typer(help="EPCIS 2.0 documents: hash and capture.", no_args_is_help=True)


FileArg = Annotated[Path, typer.Argument(help="EPCISDocument (JSON / JSON-LD)")]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="FILE") from exc


@app.command("hash")
def hash_command(file: FileArg) -> None:
    """Print the canonical event hash (ni:///sha-256;…?ver=CBV2.0) of each event, one a line."""
    for digest in document_hashes(_read(file)):
        typer.echo(digest)


@app.command("capture")
def capture_command(
    file: FileArg,
    proceed: bool = typer.Option(False, help="Capture the valid events even if some are invalid"),
) -> None:
    """Capture a document into the graph (the same path as POST /capture)."""
    from cli.database import open_database
    from services.capture import CaptureBehaviour, CaptureService

    db = open_database()
    try:
        behaviour = CaptureBehaviour.PROCEED if proceed else CaptureBehaviour.ROLLBACK
        result = CaptureService(db).capture_document(_read(file), behaviour)
    finally:
        db.close()
    for problem in result.problems:
        typer.echo(f"rejected: {problem}", err=True)
    typer.echo(f"captured {len(result.captured)}, already stored {len(result.duplicates)}")
    if result.problems and not proceed:
        raise typer.Exit(code=1)
