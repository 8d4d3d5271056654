"""The supply report's charts: stock by tier per SKU, the distribution rate of each SKU in
each province, weekly demand with the forecast ahead, and stock by days of life left; one PNG
(matplotlib) and one self-contained HTML page (the same charts as inline SVG, with the tables
behind them; no script, no network).

Province and product names are Chinese: the first installed CJK font is used
(:mod:`algorithms.report_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from algorithms.report_page import grid_figure, write_page, write_png
from algorithms.supply.distribution import Rate
from algorithms.supply.errors import SupplyInputError
from algorithms.supply.forecast import Backtest, Forecast
from algorithms.supply.freshness import LotStock
from algorithms.supply.inventory import Rollup

__all__ = ["SupplyCharts", "draw_report_png", "report_html"]

_TIERS = ("plant", "national", "provincial", "city", "store", "other")


@dataclass(frozen=True, slots=True)
class SupplyCharts:
    """What the report draws; ``names`` maps GTINs and province codes to names."""

    title: str
    by_tier: Sequence[Rollup]
    rates: Sequence[Rate]
    forecasts: Sequence[Forecast]
    backtest: Backtest | None
    lots: Sequence[LotStock]
    names: Mapping[str, str] = field(default_factory=dict)
    tables: Mapping[str, Sequence[Sequence[object]]] = field(default_factory=dict)


def _name(charts: SupplyCharts, key: str) -> str:
    return charts.names.get(key, key)


def _stock(ax: Axes, c: SupplyCharts) -> None:
    gtins = sorted({r.gtin for r in c.by_tier})
    bottom = np.zeros(len(gtins))
    for tier in _TIERS:
        values = np.array(
            [sum(r.on_hand for r in c.by_tier if r.key == tier and r.gtin == g) for g in gtins],
            dtype=float,
        )
        if values.any():
            ax.barh([_name(c, g) for g in gtins], values, left=bottom, label=tier)
            bottom += values
    ax.set_title("Stock on hand by tier")
    ax.legend(fontsize=7)


def _rates(ax: Axes, c: SupplyCharts) -> None:
    gtins = sorted({r.gtin for r in c.rates})
    provinces = sorted({r.province for r in c.rates})
    grid = np.zeros((len(gtins), len(provinces)))
    for r in c.rates:
        grid[gtins.index(r.gtin), provinces.index(r.province)] = r.rate
    image = ax.imshow(grid, vmin=0, vmax=1, cmap="YlGn", aspect="auto")
    ax.set_yticks(range(len(gtins)), [_name(c, g) for g in gtins], fontsize=7)
    ax.set_xticks(
        range(len(provinces)),
        [_name(c, p) for p in provinces],
        fontsize=7,
        rotation=60,
        ha="right",
    )
    ax.figure.colorbar(image, ax=ax, fraction=0.04)
    ax.set_title("Distribution rate (铺货率)")


def _forecast(ax: Axes, c: SupplyCharts) -> None:
    totals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for f in c.forecasts:
        h, w = np.array(f.history), np.array(f.weeks)
        if f.gtin in totals:
            h0, w0 = totals[f.gtin]
            h, w = h0 + h, w0 + w
        totals[f.gtin] = (h, w)
    for gtin, (h, w) in sorted(totals.items()):
        line = ax.plot(range(len(h)), h, label=_name(c, gtin))[0]
        ax.plot(
            range(len(h) - 1, len(h) + len(w)),
            [h[-1], *w],
            linestyle="--",
            color=line.get_color(),
        )
    title = "Weekly demand and forecast (计划)"
    if c.backtest is not None:
        title += (
            f"\nWAPE model {c.backtest.model_wape:.2f}, baseline {c.backtest.baseline_wape:.2f}"
        )
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("week")
    ax.legend(fontsize=6)


def _freshness(ax: Axes, c: SupplyCharts) -> None:
    left = [s.days_left for s in c.lots if s.days_left is not None]
    weights = [s.units for s in c.lots if s.days_left is not None]
    if left:
        ax.hist(left, bins=20, weights=weights, color="#4c72b0")
    ax.set_title("Stock by days of life left (保鲜度)")
    ax.set_xlabel("days left")


def _figure(c: SupplyCharts) -> Figure:
    panels = (_stock, _rates, _forecast, _freshness)
    return grid_figure(c.title, (14, 10), [partial(draw, c=c) for draw in panels])


def draw_report_png(charts: SupplyCharts, path: str | Path) -> Path:
    """Write the four charts as one PNG."""
    if not charts.by_tier and not charts.rates:
        raise SupplyInputError("charts", "nothing to draw")
    return write_png(lambda: _figure(charts), path)


def report_html(charts: SupplyCharts, path: str | Path) -> Path:
    """Write the charts as inline SVG and the tables below them as one HTML page."""
    if not charts.by_tier and not charts.rates:
        raise SupplyInputError("charts", "nothing to draw")
    return write_page(charts.title, lambda: _figure(charts), charts.tables, path)
