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


@app.command("report")
def report(campaign: Annotated[str, typer.Argument(help="The campaign's id.")]) -> None:
    """What the campaign's scans say: reach, repeat scanners, prizes, provinces, which prize
    drives repeat scans, and recommendations."""
    from services.campaigns import CampaignService

    db = open_database()
    try:
        s = CampaignService(db).analytics(campaign)
    except NotFound as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    typer.echo(
        f"scans {s.scans:,}, people {s.scanners:,}, repeat scanners {s.repeat_scanners:,}, "
        f"days a person {s.repeat_days:.2f}, scans a person {s.scans_per_person:.2f}"
    )
    typer.echo(f"prizes paid {s.prizes_paid:,}, {s.prize_spend:,.2f}")
    for p in s.provinces:
        rate = "-" if p.repeat_per_thousand is None else f"{p.repeat_per_thousand:.1f}"
        typer.echo(
            f"  {p.province}: {p.scans:,} scans, {p.scanners:,} people, {p.repeat_scanners:,} "
            f"repeat, spend {p.prize_spend:,.2f}, repeat per 1,000 {rate}"
        )
    for level, winners, after in s.repeat_by_prize:
        typer.echo(f"  prize {level}: {winners} winners, {after:.2f} scans after winning each")
    for line in s.recommendations:
        typer.echo(f"- {line}")


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
