"""``yima diversion``: diversion flows of a product, as a picture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.database import open_database
from graph_model.errors import InvalidField, InvalidIdentifier

__all__ = ["app"]

app = typer.Typer(help="Diversion (窜货): flows of goods between regions.", no_args_is_help=True)


@app.command("flows")
def flows(
    gtin: Annotated[str, typer.Option("--gtin", help="The product (GTIN-8 to GTIN-14).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for flows.png and flows.html.")],
    period_from: Annotated[
        datetime | None, typer.Option("--from", help="Window start (default: a year ago).")
    ] = None,
    period_to: Annotated[
        datetime | None, typer.Option("--to", help="Window end (default: now).")
    ] = None,
) -> None:
    """Draw where units of --gtin went (flows between regions), where they ended against
    where they were sent, and how fast (days plant -> store -> consumer)."""
    from algorithms.diversion.pictures import draw_flows, flows_html
    from graph_model.identifiers.gs1 import normalize_gtin
    from graph_model.times import aware
    from services.diversion import DiversionService

    end = datetime.now(UTC) if period_to is None else aware(period_to)
    start = end - timedelta(days=365) if period_from is None else aware(period_from)
    try:
        product = normalize_gtin(gtin)
    except InvalidIdentifier as exc:
        typer.echo(f"error: --gtin: {exc.reason}", err=True)
        raise typer.Exit(code=2) from None
    db = open_database()
    try:
        report = DiversionService(db).flows(product, start, end)
    except InvalidField as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        db.close()
    out.mkdir(parents=True, exist_ok=True)
    title = f"{product} · {start.date().isoformat()} .. {end.date().isoformat()}"
    png = draw_flows(out / "flows.png", report.moved, report.ended, report.places, title=title)
    html = flows_html(
        out / "flows.html", report.moved, report.ended, report.velocity, report.places,
        title=title,
    )  # fmt: skip
    moved = sum(f.units for f in report.moved if f.crossed)
    typer.echo(f"flows: {len(report.moved)} region pairs, {moved:,} units crossed regions")
    typer.echo(f"ended elsewhere than sent: {sum(f.units for f in report.ended if f.crossed):,}")
    typer.echo(f"picture: {png}")
    typer.echo(f"page: {html}")


@app.command("path")
def path(
    code: Annotated[str, typer.Argument(help="The unit's EPC URN.")],
    out: Annotated[Path, typer.Option("--out", help="The PNG file to write.")] = Path("path.png"),
) -> None:
    """Draw one unit's diversion path on a map: who held it, where it left the channel (in
    red), where it was scanned."""
    from services.path_map import draw_diversion_path

    db = open_database()
    try:
        figure = draw_diversion_path(db, code)
    except InvalidField as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        db.close()
    if figure is None:
        typer.echo(f"error: code: {code} is unknown or has no place to draw", err=True)
        raise typer.Exit(code=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    typer.echo(f"wrote {out}")
