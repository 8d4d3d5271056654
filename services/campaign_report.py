"""The campaign report (``yima campaign report``): the figures of
:class:`services.campaign_analytics.CampaignAnalytics` as lines of text, and with a folder
as charts (PNG) and one HTML page with the recommendations and the tables behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from algorithms.campaigns.pictures import CampaignCharts, campaign_html, campaign_png
from algorithms.campaigns.scan_rates import ScanRate
from services.campaign_analytics import CampaignAnalytics

__all__ = ["CampaignReportFiles", "report_lines", "report_tables", "write_report"]


@dataclass(frozen=True, slots=True)
class CampaignReportFiles:
    png: Path
    html: Path


def _rate(r: ScanRate) -> str:
    return "-" if r.rate is None else f"{r.rate:.1%}"


def report_tables(a: CampaignAnalytics) -> dict[str, list[Sequence[object]]]:
    """The report's tables, each a header row and its rows."""
    s = a.summary
    return {
        "Figures": [
            ["figure", "value"],
            ["scans", s.scans],
            ["people who scanned", s.scanners],
            ["repeat scanners (2+ days)", s.repeat_scanners],
            ["days with a scan a person", f"{s.repeat_days:.2f}"],
            ["scans a person", f"{s.scans_per_person:.2f}"],
            ["new in the campaign", a.new_scanners],
            ["returning", a.returning_scanners],
            ["prizes paid", s.prizes_paid],
            ["prize spend", f"{s.prize_spend:,.2f}"],
            ["scan rate", _rate(a.scan_rates.total)],
        ],
        "Scan rate by province": [["province", "shipped", "scanned", "rate"]]
        + [[r.key, r.shipped, r.scanned, _rate(r)] for r in a.scan_rates.by_province],
        "Scan rate by product": [["GTIN", "shipped", "scanned", "rate"]]
        + [[r.key, r.shipped, r.scanned, _rate(r)] for r in a.scan_rates.by_product],
        "Provinces": [
            ["province", "scans", "people", "repeat scanners", "prize spend", "repeat per 1,000"]
        ]
        + [
            [
                p.province,
                p.scans,
                p.scanners,
                p.repeat_scanners,
                f"{p.prize_spend:,.2f}",
                "-" if p.repeat_per_thousand is None else f"{p.repeat_per_thousand:.1f}",
            ]
            for p in s.provinces
        ],
        "Prizes": [["level", "winners", "scans after winning, each", "scanned again later"]]
        + [
            [r.level, r.winners, f"{r.scans_after_per_winner:.2f}", f"{r.repeat_rate:.0%}"]
            for r in s.repeat_by_prize
        ],
        f"Scans by hour of day (UTC{a.utc_offset_hours:+g})": [["hour", "scans"]]
        + [[f"{h:02d}", n] for h, n in enumerate(a.active_hours)],
        "Segments (RFM)": [["segment", "consumers", "scans", "units", "prize spend"]]
        + [
            [str(f.segment), f.consumers, f.scans, f.units, f"{f.prize_value:,.2f}"]
            for f in a.segments
        ],
    }


def report_lines(a: CampaignAnalytics) -> list[str]:
    """The report as lines of text: every table, then the recommendations in English and
    Chinese."""
    out = [f"{a.campaign.id}: {a.campaign.name}, as of {a.as_of:%Y-%m-%d %H:%M} UTC"]
    for title, (head, *rows) in report_tables(a).items():
        out.append(f"{title}:")
        if title == "Figures":
            out.extend(f"  {name}: {value}" for name, value in rows)
            continue
        out.append("  " + " | ".join(str(h) for h in head))
        out.extend("  " + " | ".join(str(v) for v in row) for row in rows)
    out.append("Recommendations / 建议:")
    for x in a.advice:
        out.extend((f"- {x.en}", f"  {x.zh}"))
    return out


def write_report(a: CampaignAnalytics, out: str | Path) -> CampaignReportFiles:
    """Write ``out/campaign.png`` and ``out/campaign.html``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    charts = CampaignCharts(
        title=f"{a.campaign.name} ({a.campaign.id}) as of {a.as_of:%Y-%m-%d %H:%M} UTC",
        summary=a.summary,
        rates=a.scan_rates,
        segments=a.segments,
        hours=a.active_hours,
        clock=f"UTC{a.utc_offset_hours:+g}",
        notes=[line for x in a.advice for line in (x.en, x.zh)],
        tables=report_tables(a),
    )
    return CampaignReportFiles(
        campaign_png(charts, folder / "campaign.png"),
        campaign_html(charts, folder / "campaign.html"),
    )
