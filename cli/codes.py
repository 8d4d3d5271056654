"""``yima codes``: issue unit codes and write them out for printing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cli.database import open_database
from graph_model.errors import YimaError
from graph_model.identifiers.digital_links import DEFAULT_HOST
from graph_model.identifiers.serials import GUESS_PROBABILITY_BAR
from services.commission import CommissionOrder, CommissionService, PrintFormat

__all__ = ["app", "commission"]

app = typer.Typer(help="Issue unit codes and write them out for printing.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("commission")
def commission(
    gtin: Annotated[str, typer.Option(help="GTIN-8, -12, -13 or -14 of the product")],
    lot: Annotated[str, typer.Option(help="Lot (batch) number, AI (10)")],
    line: Annotated[str, typer.Option(help="Production line id (URI, e.g. an SGLN URN)")],
    plant: Annotated[str, typer.Option(help="Plant id (URI, e.g. an SGLN URN)")],
    count: Annotated[int, typer.Option(help="Number of codes to issue")],
    out: Annotated[Path, typer.Option(help="Print file to write")],
    print_format: Annotated[
        PrintFormat,
        typer.Option(
            "--format", help="csv: digital_link,gtin,serial,lot,epc; txt: one link per line"
        ),
    ] = PrintFormat.CSV,
    host: Annotated[str, typer.Option(help="Resolver host of the Digital Links")] = DEFAULT_HOST,
) -> None:
    """Commission COUNT new random serials of one lot and write their Digital Links to OUT."""
    try:
        order = CommissionOrder.create(gtin, lot, line, plant, count, host)
    except YimaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    db = open_database(console)
    try:
        service = CommissionService(db)
        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("commissioning", total=order.count)
            result = service.commission(
                order, out, print_format, on_progress=lambda n: progress.advance(task, n)
            )
    except YimaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    finally:
        db.close()
    typer.echo(
        f"commissioned {result.count} codes of {result.gtin} lot {result.lot} "
        f"in {result.events} events ({result.codes_per_second:,.0f} codes/s)"
    )
    typer.echo(
        f"guess probability {result.guess_probability:.3g} "
        f"({result.issued_before + result.count} codes issued for this GTIN; "
        f"must stay below {GUESS_PROBABILITY_BAR:g})"
    )
    if result.collisions or result.retried_chunks:
        typer.echo(
            f"collisions replaced {result.collisions}, chunks retried {result.retried_chunks}"
        )
    typer.echo(f"print file {out} ({result.print_format})")
