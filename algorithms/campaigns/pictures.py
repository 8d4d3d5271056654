"""The campaign report's charts: scan rate by province, repeat scanners per 1,000 of prize
spend by province, the repeat rate after winning each prize level, scanners by RFM segment
and scans by hour of day; one PNG and one self-contained HTML page with the recommendations
and the tables behind the charts (:mod:`algorithms.report_page`). Province names are
Chinese."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from algorithms.campaigns.advice import MIN_SPEND_SHARE
from algorithms.campaigns.analytics import CampaignSummary
from algorithms.campaigns.profiles import SegmentFigures
from algorithms.campaigns.scan_rates import ScanRates
from algorithms.report_page import grid_figure, write_page, write_png

__all__ = ["CampaignCharts", "campaign_html", "campaign_png"]


@dataclass(frozen=True, slots=True)
class CampaignCharts:
    title: str
    summary: CampaignSummary
    rates: ScanRates
    segments: Sequence[SegmentFigures]
    #: Scans per hour of day (24 counts) and the clock they are on.
    hours: Sequence[int] = ()
    clock: str = "UTC+8"
    notes: Sequence[str] = ()
    tables: Mapping[str, Sequence[Sequence[object]]] = field(default_factory=dict)


def _empty(ax: Axes, title: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _scan_rates(ax: Axes, c: CampaignCharts) -> None:
    title = "Scan rate by province (scanned ÷ shipped)"
    rows = [r for r in c.rates.by_province if r.rate is not None]
    if not rows:
        _empty(ax, title)
        return
    ax.barh([r.key for r in rows], [100 * (r.rate or 0.0) for r in rows], color="#2b8cbe")
    if c.rates.total.rate is not None:
        ax.axvline(100 * c.rates.total.rate, color="#555", ls="--", lw=1, label="overall")
        ax.legend(fontsize=7)
    ax.set_xlabel("%")
    ax.set_title(title)


def _spend(ax: Axes, c: CampaignCharts) -> None:
    title = "Repeat scanners per 1,000 of prize spend"
    rows = [p for p in c.summary.provinces if p.repeat_per_thousand is not None]
    if not rows:
        _empty(ax, title)
        return
    floor = MIN_SPEND_SHARE * c.summary.prize_spend
    ax.barh(
        [p.province for p in rows],
        [p.repeat_per_thousand or 0.0 for p in rows],
        color=["#41ab5d" if p.prize_spend >= floor else "#bdbdbd" for p in rows],
    )
    ax.set_title(f"{title}\n(grey: under {MIN_SPEND_SHARE:.0%} of the spend, not ranked)")


def _prizes(ax: Axes, c: CampaignCharts) -> None:
    title = "Winners who scanned again on a later day, by prize"
    rows = c.summary.repeat_by_prize
    if not rows:
        _empty(ax, title)
        return
    ax.bar([r.level for r in rows], [100 * r.repeat_rate for r in rows], color="#fe9929")
    for i, r in enumerate(rows):
        ax.text(
            i, 100 * r.repeat_rate, f"{r.winners} winners", ha="center", va="bottom", fontsize=7
        )
    ax.set_ylabel("%")
    ax.set_title(title)


def _segments(ax: Axes, c: CampaignCharts) -> None:
    title = "Scanners by RFM segment"
    if not c.segments:
        _empty(ax, title)
        return
    ax.bar([str(f.segment) for f in c.segments], [f.consumers for f in c.segments], color="#807dba")
    ax.set_title(title)


def _hours(ax: Axes, c: CampaignCharts) -> None:
    title = f"Scans by hour of day ({c.clock})"
    if not any(c.hours):
        _empty(ax, title)
        return
    ax.bar(range(len(c.hours)), list(c.hours), color="#6baed6")
    ax.set_xticks(range(0, 24, 3))
    ax.set_title(title)


def _figure(c: CampaignCharts) -> Figure:
    panels = (_scan_rates, _spend, _prizes, _segments, _hours)
    return grid_figure(c.title, (13, 13), [partial(draw, c=c) for draw in panels])


def campaign_png(charts: CampaignCharts, path: str | Path) -> Path:
    """The charts as one PNG (a chart without data says so)."""
    return write_png(lambda: _figure(charts), path)


def campaign_html(charts: CampaignCharts, path: str | Path) -> Path:
    """The charts, the recommendations and the tables as one HTML page."""
    return write_page(charts.title, lambda: _figure(charts), charts.tables, path, charts.notes)
