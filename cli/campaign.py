"""``yima campaign``: load scan-to-win campaigns from a file, list them, release held prizes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.database import open_database
from graph_model.errors import InvalidField, NotFound

__all__ = ["app"]

app = typer.Typer(
    help="Scan-to-win campaigns (扫码营销): prize pools, budgets, risk control.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@app.command("load")
def load(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Campaign file (JSON).")
    ],
) -> None:
    """Create or update every campaign of FILE (nothing is saved unless all are good)."""
    from services.campaigns import CampaignService

    db = open_database()
    try:
        saved = CampaignService(db).load_file(file)
    except InvalidField as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    for k in saved:
        typer.echo(
            f"{k.id}: {k.name}, {len(k.levels)} levels, budget {k.budget:,.2f}, "
            f"spent {k.spent:,.2f}"
        )


@app.command("list")
def list_campaigns() -> None:
    """Every campaign with its window, spend and what is left of each level."""
    from services.campaigns import CampaignService

    db = open_database()
    try:
        found = CampaignService(db).campaigns()
    finally:
        db.close()
    for k in found:
        typer.echo(
            f"{k.id}  {k.start:%Y-%m-%d} .. {k.end:%Y-%m-%d}  spent {k.spent:,.2f} of "
            f"{k.budget:,.2f}, {k.awarded} prizes"
        )
        for lv in k.levels:
            typer.echo(f"  {lv.level}: {lv.remaining} of {lv.quantity} left, {lv.amount:,.2f}")


@app.command("release")
def release(award: Annotated[str, typer.Argument(help="The held award (campaign|code).")]) -> None:
    """Pay a prize held for review."""
    from services.campaigns import CampaignService

    db = open_database()
    try:
        done = CampaignService(db).release(award, datetime.now(UTC))
    except NotFound as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    typer.echo("released" if done else "already paid")
