"""``yima supply``: inventory, freshness, distribution, sell-through and the demand forecast
of a channel, the stock dealers declare, and a report with charts (PNG and HTML)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.database import open_database
from graph_model.errors import InvalidField

__all__ = ["app"]

app = typer.Typer(
    help="Supply-chain analytics: stock, freshness (保鲜度), distribution (铺货率), "
    "sell-through, demand forecast (计划).",
    no_args_is_help=True,
)

Channel = Annotated[
    str | None,
    typer.Option(help="A party: only it and the parties linked to it by supply contracts."),
]
At = Annotated[str, typer.Option(help="ISO 8601 time with offset (a bare date is 00:00 UTC).")]


def _fail(exc: InvalidField) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


def _time(option: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _fail(InvalidField(option, "must be an ISO 8601 date or time")) from None
    if moment.tzinfo is None:
        if len(text.strip()) != 10:
            raise _fail(InvalidField(option, "needs a UTC offset, e.g. +08:00"))
        moment = moment.replace(tzinfo=UTC)
    return moment


@app.command("load-reports")
def load_reports(file: Annotated[Path, typer.Argument(help="stock_reports.csv")]) -> None:
    """Store the stock dealers declare (columns party_id, gtin, quantity, at) for
    reconciliation in `yima supply inventory` and GraphQL `inventory`."""
    from loaders.stock_reports import read_stock_reports
    from services.supply import SupplyService

    try:
        rows = read_stock_reports(file)
    except InvalidField as exc:
        raise _fail(exc) from None
    db = open_database()
    try:
        saved = SupplyService(db).load_reports(rows)
    finally:
        db.close()
    typer.echo(f"stock reports stored: {saved}")


@app.command("inventory")
def inventory(at: At, channel: Channel = None, top: int = 20) -> None:
    """Stock by province and tier at AT, the TOP node × SKU by stock, and every declared
    stock beside what the codes say."""
    from services.supply import SupplyService

    db = open_database()
    try:
        r = SupplyService(db).inventory(_time("at", at), channel)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    typer.echo(f"stock at {r.at.isoformat()}: {sum(b.on_hand for b in r.balances):,} units")
    for x in r.by_tier:
        typer.echo(f"  tier {x.key:<10} {x.gtin}  {x.on_hand:>9,} units at {x.nodes} nodes")
    for x in r.by_province:
        typer.echo(f"  province {x.key:<8} {x.gtin}  {x.on_hand:>9,} units at {x.nodes} nodes")
    for b in sorted(r.balances, key=lambda b: -b.on_hand)[:top]:
        typer.echo(f"  {b.party} {b.gtin}: {b.on_hand:,}")
    for d in r.differences:
        typer.echo(
            f"  declared {d.party} {d.gtin} at {d.at.isoformat()}: {d.declared:,}, "
            f"codes {d.computed:,}, difference {d.difference:+,}"
        )


@app.command("freshness")
def freshness(
    at: At,
    horizon_days: int = typer.Option(30, help="Units expiring within this many days are at risk."),
    shelf_life_days: int | None = typer.Option(None, help="For lots whose ILMD states no expiry."),
    channel: Channel = None,
    top: int = 20,
) -> None:
    """Units at risk of expiry and FEFO violations at AT."""
    from services.supply import SupplyService

    db = open_database()
    try:
        r = SupplyService(db).freshness(_time("at", at), horizon_days, shelf_life_days, channel)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    total = sum(s.units for s in r.lots)
    typer.echo(
        f"at {r.at.isoformat()}: {total:,} units in {len(r.lots):,} node × lot, "
        f"{r.units_at_risk:,} expire within {r.horizon_days} days; "
        f"{len(r.violations):,} FEFO violations"
    )
    for v in r.violations[:top]:
        typer.echo(
            f"  {v.party} shipped {v.shipped_units} of lot {v.shipped_lot} at "
            f"{v.at.isoformat()} while {v.older_units_left} of {v.older_lot} "
            f"(expires {v.older_expires.date()}) stayed"
        )


@app.command("distribution")
def distribution(
    start: Annotated[str, typer.Option("--from", help="Window start (ISO 8601).")],
    end: Annotated[str, typer.Option("--to", help="Window end, exclusive (ISO 8601).")],
    channel: Channel = None,
) -> None:
    """Distribution rate (铺货率) per SKU × province, SKU breadth, arrival (到达率)."""
    from services.supply import SupplyService

    db = open_database()
    try:
        r = SupplyService(db).distribution(_time("from", start), _time("to", end), channel)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    for x in r.rates:
        typer.echo(f"  {x.gtin} {x.province}: {x.stocked}/{x.targets} stores ({x.rate:.1%})")
    for b in r.breadth:
        typer.echo(
            f"  breadth {b.province}: {b.skus} SKUs over {b.stores} stores, "
            f"{b.mean_skus_per_store:.2f} a store"
        )
    for a in r.arrival:
        typer.echo(
            f"  arrival {a.gtin}: {a.shipped:,} shipped, {a.store_rate:.1%} reached a store, "
            f"{a.consumer_rate:.1%} a consumer"
        )


@app.command("sell-through")
def sell_through(
    at: At,
    window_days: int = typer.Option(28, help="Days of outflow that set the pace."),
    threshold_days: float = typer.Option(60.0, help="Slow when stock lasts longer than this."),
    channel: Channel = None,
    top: int = 20,
) -> None:
    """Days plant → store → consumer, days held per tier, and slow movers at AT."""
    from services.supply import SupplyService

    db = open_database()
    try:
        r = SupplyService(db).sell_through(_time("at", at), window_days, threshold_days, channel)
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    for d in [*r.transit, *r.dwell]:
        typer.echo(f"  {d.key:<16} {d.province:<8} {d.mean_days:7.2f} days over {d.units:,} units")
    for s in r.slow_movers[:top]:
        cover = "no outflow" if s.days_of_cover is None else f"{s.days_of_cover:.0f} days of cover"
        typer.echo(f"  slow: {s.party} {s.gtin}: {s.on_hand:,} on hand, {cover}")


@app.command("forecast")
def forecast(
    end: Annotated[str, typer.Option("--to", help="History ends with the last whole week before.")],
    horizon: int = typer.Option(4, help="Weeks ahead."),
    holdout: int = typer.Option(4, help="Weeks held back to score model and baseline."),
    season: int = typer.Option(52, help="Season length in weeks."),
    channel: Channel = None,
) -> None:
    """Weekly demand per SKU × province ahead, the backtest, allocation and production."""
    from services.supply import ForecastSettings, SupplyService

    db = open_database()
    try:
        r = SupplyService(db).demand_forecast(
            _time("to", end), ForecastSettings(horizon, holdout, season), channel
        )
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    b = r.backtest
    if b.model_wape is None or b.baseline_wape is None:
        typer.echo(f"backtest on {b.weeks} weeks: no demand in them, WAPE undefined")
    else:
        typer.echo(
            f"backtest on {b.weeks} weeks ({b.actual:,.0f} units): WAPE model "
            f"{b.model_wape:.3f}, seasonal-naive (season {b.season_used}) {b.baseline_wape:.3f}"
        )
    for s in r.suggestions:
        typer.echo(
            f"  {s.gtin} {s.province}: demand {s.demand:,.0f}, stock {s.stock:,}, "
            f"allocate {s.allocate:,.0f}"
        )
    for gtin, units in r.production.items():
        typer.echo(f"  produce {gtin}: {units:,.0f}")


@app.command("report")
def report(
    at: At,
    out: Annotated[Path, typer.Option(help="Folder for supply.png and supply.html.")] = Path("."),
    channel: Channel = None,
    window_days: int = typer.Option(28, help="Distribution over the days before AT."),
    shelf_life_days: int | None = typer.Option(None, help="For lots whose ILMD states no expiry."),
) -> None:
    """Charts of stock by tier, distribution rate per SKU × province, demand with its
    forecast, and stock by days of life left: supply.png and supply.html (tables included)."""
    from services.supply import SupplyService
    from services.supply_report import write_report

    db = open_database()
    try:
        r = write_report(
            SupplyService(db),
            _time("at", at),
            out,
            channel=channel,
            window_days=window_days,
            shelf_life_days=shelf_life_days,
        )
    except InvalidField as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    typer.echo(f"stock {r.on_hand:,} units, {r.units_at_risk:,} at risk")
    typer.echo(f"wrote {r.png}")
    typer.echo(f"wrote {r.html}")
