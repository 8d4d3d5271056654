"""The supply report (``yima supply report``): inventory, distribution, freshness and the
demand forecast of a channel drawn as charts (PNG) and one HTML page with their tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from algorithms.supply import ForecastSettings, SupplyInputError
from algorithms.supply.pictures import SupplyCharts, draw_report_png, report_html
from graph_model.errors import InvalidField
from services.supply import ForecastReport, SupplyService

__all__ = ["SupplyReport", "write_report"]


@dataclass(frozen=True, slots=True)
class SupplyReport:
    png: Path
    html: Path
    on_hand: int
    units_at_risk: int
    forecast: ForecastReport | None


def write_report(
    service: SupplyService,
    at: datetime,
    out: str | Path,
    *,
    channel: str | None = None,
    window_days: int = 28,
    horizon_days: int = 30,
    shelf_life_days: int | None = None,
    settings: ForecastSettings | None = None,
) -> SupplyReport:
    """Measure the channel at ``at`` (distribution over the ``window_days`` before it) and
    write ``out/supply.png`` and ``out/supply.html``. A history too short to forecast leaves
    the forecast out rather than failing the report."""
    inventory = service.inventory(at, channel)
    fresh = service.freshness(at, horizon_days, shelf_life_days, channel)
    spread = service.distribution(at - timedelta(days=window_days), at, channel)
    try:
        planned: ForecastReport | None = service.demand_forecast(at, settings, channel)
    except InvalidField:
        planned = None
    gtins = {b.gtin for b in inventory.balances}
    provinces = {r.province for r in spread.rates} | {r.key for r in inventory.by_province}
    names = service.repository.names(gtins, provinces)
    tables: dict[str, list[Sequence[object]]] = {
        "Stock by province": [["province", "SKU", "nodes", "on hand"]]
        + [
            [names.get(r.key, r.key), names.get(r.gtin, r.gtin), r.nodes, r.on_hand]
            for r in inventory.by_province
        ],
        "Distribution rate": [["SKU", "province", "target stores", "stocked", "rate"]]
        + [
            [
                names.get(r.gtin, r.gtin),
                names.get(r.province, r.province),
                r.targets,
                r.stocked,
                f"{r.rate:.1%}",
            ]
            for r in spread.rates
        ],
        "Arrival": [["SKU", "shipped", "reached a store", "scanned by a consumer"]]
        + [
            [names.get(a.gtin, a.gtin), a.shipped, f"{a.store_rate:.1%}", f"{a.consumer_rate:.1%}"]
            for a in spread.arrival
        ],
        "Stock differences": [["party", "SKU", "at", "declared", "computed", "difference"]]
        + [
            [
                d.party,
                names.get(d.gtin, d.gtin),
                d.at.isoformat(),
                d.declared,
                d.computed,
                d.difference,
            ]
            for d in inventory.differences
        ],
    }
    if planned is not None:
        tables["Allocation"] = [["SKU", "province", "demand ahead", "stock", "allocate"]] + [
            [
                names.get(s.gtin, s.gtin),
                names.get(s.province, s.province),
                round(s.demand, 1),
                s.stock,
                round(s.allocate, 1),
            ]
            for s in planned.suggestions
        ]
    charts = SupplyCharts(
        title=f"Supply report at {at.isoformat()}" + (f" — channel {channel}" if channel else ""),
        by_tier=inventory.by_tier,
        rates=spread.rates,
        forecasts=planned.forecasts if planned else [],
        backtest=planned.backtest if planned else None,
        lots=fresh.lots,
        names=names,
        tables=tables,
    )
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        png = draw_report_png(charts, folder / "supply.png")
        page = report_html(charts, folder / "supply.html")
    except SupplyInputError as exc:
        raise InvalidField("at", "the channel has no stock or stores to report on") from exc
    return SupplyReport(
        png, page, sum(b.on_hand for b in inventory.balances), fresh.units_at_risk, planned
    )
