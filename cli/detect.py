"""``yima detect``: bulk analyses over the graph (diversion, referral rings, store fraud)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cli.database import open_database
from cli.referral import referral_rings
from cli.store_fraud import store_fraud
from graph_model.errors import InvalidField

__all__ = ["app"]

app = typer.Typer(help="Bulk detection over the graph.", no_args_is_help=True)
app.command("referral-rings")(referral_rings)
app.command("store-fraud")(store_fraud)


@app.command("diversion")
def diversion(
    period_from: Annotated[
        datetime | None,
        typer.Option("--from", help="Scans from this time (UTC unless an offset is given)."),
    ] = None,
    period_to: Annotated[
        datetime | None, typer.Option("--to", help="Scans before this time.")
    ] = None,
) -> None:
    """Classify every scan of the window against its dealer's territory and store the
    diversion cases (窜货); running it again over the same window leaves the same cases."""
    from graph_model.diversion import CaseFilter
    from graph_model.times import aware
    from services.diversion import DiversionService

    db = open_database()
    try:
        service = DiversionService(db)
        start = None if period_from is None else aware(period_from)
        end = None if period_to is None else aware(period_to)
        report = service.detect(start, end)
        ids = set(report.case_ids)
        page = service.cases(CaseFilter(seen_from=report.start, seen_to=report.end), first=200)
    except InvalidField as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        db.close()
    classes = ", ".join(f"{k} {v:,}" for k, v in report.classes.items() if v)
    typer.echo(f"window: {report.start.isoformat()} .. {report.end.isoformat()}")
    typer.echo(f"scans: {report.scans:,} ({classes or 'none'}) in {report.seconds:.1f} s")
    typer.echo(f"cases: {len(report.case_ids)}")
    for case in (c for c in page.cases if c.id in ids):
        typer.echo(
            f"  {case.severity.value:6} {case.id}  {case.distributor_name or case.distributor_id}"
            f" -> {case.region_name or case.region_code} ({case.period}): {case.units} units, "
            f"{case.consumers} consumers, rule {case.rule}"
        )
