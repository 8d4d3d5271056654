"""``yima campaign``: load scan-to-win campaigns from a file, list them, release held prizes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
def report(
    campaign: Annotated[str, typer.Argument(help="The campaign's id.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Also write campaign.png (charts) and campaign.html into this folder."),
    ] = None,
) -> None:
    """What the campaign's scans say: reach, repeat scanners, new and returning, scan rates,
    prizes, provinces, which prize drives repeat scans, consumer segments (RFM), and
    recommendations in English and Chinese."""
    from services.campaign_analytics import CampaignAnalyticsService
    from services.campaign_report import report_lines, write_report

    db = open_database()
    try:
        found = CampaignAnalyticsService(db).analytics(campaign)
    except NotFound as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    for line in report_lines(found):
        typer.echo(line)
    if out is not None:
        files = write_report(found, out)
        typer.echo(f"wrote {files.png} and {files.html}")


@app.command("profile")
def profile(
    consumer: Annotated[str, typer.Argument(help="The consumer's id.")],
    campaign: Annotated[
        str | None, typer.Option(help="Its window is the period (default: the last 30 days).")
    ] = None,
) -> None:
    """A consumer's profile from their scans: RFM segment, home region, preferred products,
    active hours, new or returning."""
    from services.campaign_analytics import CampaignAnalyticsService

    db = open_database()
    try:
        v = CampaignAnalyticsService(db).consumer_profile(consumer, campaign)
    except NotFound as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    p = v.profile
    hours = list(p.active_hours)
    typer.echo(
        f"{p.consumer}: {p.segment}, {p.scans} scans of {p.units} units on {p.days} days, "
        f"last {p.recency_days:.1f} days before {v.as_of:%Y-%m-%d %H:%M} UTC, "
        f"{'new' if p.new_in_period else 'returning'} since {v.period_start:%Y-%m-%d}"
    )
    home = v.home_region_name or p.home_region or "-"
    typer.echo(f"home region {home} ({v.home_province or '-'})")
    typer.echo("products " + ", ".join(f"{g} ({n})" for g, n in p.preferred_products))
    typer.echo(
        f"most active at {hours.index(max(hours)):02d}:00, prizes {p.prizes} ({p.prize_value:,.2f})"
    )


@app.command("scan-rates")
def scan_rates(
    days: Annotated[float, typer.Option(help="Scans of the last DAYS count.")] = 30.0,
    product: Annotated[
        list[str] | None, typer.Option(help="A GTIN (repeat for more; default: every product).")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(help="A region code the destinations lie within (repeat; default: all)."),
    ] = None,
) -> None:
    """Scan rate (扫码率): units the brand's plants shipped and those consumers scanned in the
    last DAYS, in total, by province and by product."""
    from services.campaign_analytics import CampaignAnalyticsService

    if days <= 0:
        raise _fail("--days must be positive")
    now = datetime.now(UTC)
    db = open_database()
    try:
        rates = CampaignAnalyticsService(db).scan_rates(
            product or None, region or [], now - timedelta(days=days), now
        )
    finally:
        db.close()
    for title, rows in (("all", [rates.total]), ("province", rates.by_province),
                        ("product", rates.by_product)):  # fmt: skip
        for r in rows:
            rate = "-" if r.rate is None else f"{r.rate:.1%}"
            typer.echo(f"{title} {r.key}: {r.scanned:,} of {r.shipped:,} shipped, {rate}")


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


@app.command("train-risk")
def train_risk(
    days: Annotated[float, typer.Option(help="Decided scans of the last DAYS.")] = 90.0,
    limit: Annotated[int, typer.Option(help="At most this many, the latest first.")] = 200_000,
    campaign: Annotated[
        str | None, typer.Option(help="Only this campaign's scans (default: every campaign).")
    ] = None,
    name: Annotated[str, typer.Option(help="The model's name.")] = "anomaly",
) -> None:
    """Fit the anomaly model of risk control on past scans' features and store it in the
    graph, where every API process picks it up within 30 s."""
    from services.campaign_models import train_anomaly_model

    db = open_database()
    try:
        done = train_anomaly_model(
            db, datetime.now(UTC), name=name, days=days, limit=limit, campaign=campaign
        )
    except InvalidField as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    typer.echo(f"{done.name}: {done.samples:,} scans, {done.detail}")


@app.command("train-value")
def train_value(
    days: Annotated[float, typer.Option(help="Consumers' scans of the last DAYS.")] = 365.0,
    horizon: Annotated[
        float, typer.Option(help="A repurchase is a scan within HORIZON days of the cut-off.")
    ] = 30.0,
    region: Annotated[
        str | None, typer.Option(help="Only scans in this region (default: everywhere).")
    ] = None,
    name: Annotated[str, typer.Option(help="The model's name.")] = "value",
) -> None:
    """Fit the consumer value model (predicted repurchase from recency, frequency and tenure)
    that personalised odds use, and store it in the graph."""
    from services.campaign_models import train_value_model

    db = open_database()
    try:
        done = train_value_model(
            db, datetime.now(UTC), name=name, days=days, horizon_days=horizon, region=region
        )
    except InvalidField as exc:
        raise _fail(str(exc)) from None
    finally:
        db.close()
    typer.echo(f"{done.name}: {done.samples:,} consumers, {done.detail}")
