"""The regulator report as files: one self-contained HTML page and a PDF.

Both carry the same parts: the subject, the chain of custody table, the custody map (over
province and city boundaries, names in Chinese), every event with its hash and whether it
still matches, the digest over the hashes, and how to verify the digest. The HTML embeds the
map as SVG with glyphs drawn as paths, so it loads nothing and shows the names anywhere; the
PDF (fpdf2) embeds the installed CJK font (:func:`algorithms.basemap.cjk_font_file`).
"""

from __future__ import annotations

import html
import io
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

import matplotlib
from matplotlib.figure import Figure

from algorithms.basemap import cjk_font_file
from algorithms.custody_map import Hop, Stop, draw_custody_map
from graph_model.export import DIGEST_METHOD
from services.report import ProvenanceReport

__all__ = [
    "VERIFY_STEPS",
    "ReportFormat",
    "file_name",
    "render_report",
    "report_html",
    "report_pdf",
]


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "text/html; charset=utf-8" if self is ReportFormat.HTML else "application/pdf"


VERIFY_STEPS: Final = (
    "Get the events as an EPCIS 2.0 JSON-LD document: yima export provenance (or "
    "GET /export/provenance?format=jsonld) for the same code or lot.",
    "Recompute each event's CBV 2.0 hash (GS1 CBV 2.0 section 8.9) from the document's "
    "epcisBody.eventList and compare it with the hash listed below for the same event.",
    "Sort the listed hashes (plain code-point order of the ni:///sha-256;… strings), join them "
    "with a line feed (no trailing one) and take SHA-256 of the UTF-8 bytes.",
    "ni:///sha-256;<64 lowercase hex> of that must equal the digest above. Any changed, added "
    "or missing event changes it.",
)
_VERIFY_SNIPPET: Final = """import hashlib
hashes = [line.strip() for line in open("hashes.txt") if line.strip()]
text = "\\n".join(sorted(hashes))
print("ni:///sha-256;" + hashlib.sha256(text.encode("utf-8")).hexdigest())"""
_FONT_FILE_FALLBACK: Final = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _map(report: ProvenanceReport) -> Figure | None:
    stops: list[Stop] = []
    index: dict[str, int] = {}
    for row in report.custody:
        place = report.places.get(row.party_id)
        if place is None or place.lat is None or place.lon is None:
            continue
        index[row.party_id] = len(stops)
        stops.append(Stop(row.label, place.lat, place.lon, row.kind))
    hops = [Hop(index[a], index[b], n) for a, b, n in report.hops if a in index and b in index]
    if not stops and not report.scans:
        return None
    return draw_custody_map(stops, hops, report.scans, title="chain of custody · 流向")


def _summary(report: ProvenanceReport) -> list[tuple[str, str]]:
    export = report.export
    statuses = ", ".join(f"{status} {n}" for status, n in report.statuses.items())
    return [
        ("subject", f"{export.subject.kind} {export.subject.key}"),
        ("product", f"{report.product or ''} (GTIN {report.gtin or '?'})"),
        ("lots", ", ".join(report.lots)),
        ("units", f"{report.units} ({statuses})"),
        ("events", str(len(export.events))),
        ("generated", _when(export.generated_at)),
        ("digest", export.digest),
    ]


def _custody_rows(report: ProvenanceReport) -> list[list[str]]:
    return [
        [str(n), row.label, row.kind, _when(row.received_at),
         _when(row.shipped_at) or ("in transit" if row.in_transit else ""),
         str(row.units), row.inbound or "", row.outbound or ""]
        for n, row in enumerate(report.custody, start=1)
    ]  # fmt: skip


_CUSTODY_HEAD: Final = (
    "#", "holder 持有方", "kind", "received 收货", "shipped 发货", "units", "in", "out",
)  # fmt: skip


def report_html(report: ProvenanceReport) -> str:
    """The report as one self-contained HTML page."""
    esc = html.escape
    figure = _map(report)
    svg = ""
    if figure is not None:
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            figure.savefig(buffer, format="svg")
        svg = buffer.getvalue()
        svg = svg[svg.index("<svg") :]
    summary = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _summary(report))
    head = "".join(f"<th>{esc(h)}</th>" for h in _CUSTODY_HEAD)
    custody = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
        for row in _custody_rows(report)
    )
    events = "".join(
        f"<tr><td>{esc(_when(e.event_time))}</td><td>{esc(e.type)} {esc(e.action or '')}</td>"
        f"<td>{esc(e.biz_step or '')}</td><td>{esc(report.party_name(e.biz_location))}</td>"
        f"<td><code>{esc(e.id)}</code></td><td><code>{esc(e.listed_hash)}</code></td>"
        f"<td>{'ALTERED' if e.altered else 'ok'}</td></tr>"
        for e in report.export.events
    )
    altered = ""
    if report.export.altered:
        altered = (
            f"<p class=warn>{len(report.export.altered)} event(s) were changed in the database "
            "after capture: their stored JSON no longer hashes to the hash stored at capture "
            "(marked ALTERED).</p>"
        )
    steps = "".join(f"<li>{esc(s)}</li>" for s in VERIFY_STEPS)
    title = esc(report.title)
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:2px 8px;
text-align:left;vertical-align:top}}code{{font-size:85%;word-break:break-all}}
svg{{max-width:100%;height:auto}}.warn{{color:#b71c1c;font-weight:bold}}</style>
</head><body>
<h1>{title}</h1>
<table>{summary}</table>
{altered}
<h2>Chain of custody · 监管链</h2>
<table><tr>{head}</tr>{custody}</table>
<h2>Map · 地图</h2>
{svg}
<h2>Events and their hashes · 事件与哈希</h2>
<table><tr><th>time</th><th>event</th><th>business step</th><th>location</th><th>event id</th>
<th>hash (CBV 2.0)</th><th>check</th></tr>{events}</table>
<h2>Digest · 摘要</h2>
<p><code>{esc(report.export.digest)}</code></p>
<p>{esc(DIGEST_METHOD)}.</p>
<h2>How to verify the digest · 如何验证</h2>
<ol>{steps}</ol>
<pre>{esc(_VERIFY_SNIPPET)}</pre>
</body></html>
"""


def report_pdf(report: ProvenanceReport) -> bytes:
    """The report as a PDF (A4), with the installed CJK font embedded."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)
    font = cjk_font_file() or _FONT_FILE_FALLBACK
    pdf.add_font("report", "", str(font))
    pdf.set_title(report.title)
    pdf.set_creator("yima")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, height: float = 4.6) -> None:
        pdf.set_font("report", size=size)
        pdf.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(text: str) -> None:
        pdf.ln(2)
        line(text, size=13, height=7)

    line(report.title, size=15, height=8)
    for key, value in _summary(report):
        line(f"{key}: {value}")
    if report.export.altered:
        line(f"ALTERED since capture: {', '.join(report.export.altered)}")

    heading("Chain of custody · 监管链")
    pdf.set_font("report", size=7.5)
    widths = (6, 46, 18, 26, 26, 10, 27, 27)
    # Headings in the same face: the CJK font has one weight, and parsing it twice costs seconds.
    plain = FontFace(emphasis="")
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=4, headings_style=plain
    ) as table:
        table.row(list(_CUSTODY_HEAD))
        for cells in _custody_rows(report):
            table.row(cells)

    figure = _map(report)
    if figure is not None:
        heading("Map · 地图")
        picture = io.BytesIO()
        figure.savefig(picture, format="png", dpi=130)
        picture.seek(0)
        pdf.image(picture, w=min(width, 150))

    heading("Events and their hashes · 事件与哈希")
    for n, event in enumerate(report.export.events, start=1):
        place = report.party_name(event.biz_location)
        line(
            f"{n}. {_when(event.event_time)}  {event.type} {event.action or ''}  "
            f"{event.biz_step or ''}  {place}",
            size=8, height=4,
        )  # fmt: skip
        line(f"   event {event.id}", size=7, height=3.6)
        line(f"   hash {event.listed_hash}  {'ALTERED' if event.altered else 'ok'}", 7, 3.6)

    heading("Digest · 摘要")
    line(report.export.digest, size=8)
    line(DIGEST_METHOD + ".", size=8)
    heading("How to verify the digest · 如何验证")
    for n, step in enumerate(VERIFY_STEPS, start=1):
        line(f"{n}. {step}", size=8)
    line(_VERIFY_SNIPPET, size=7.5, height=3.8)
    return bytes(pdf.output())


def render_report(report: ProvenanceReport, file_format: ReportFormat) -> bytes:
    """The report as the bytes of one file."""
    if file_format is ReportFormat.PDF:
        return report_pdf(report)
    return report_html(report).encode("utf-8")


def file_name(report: ProvenanceReport, file_format: ReportFormat) -> str:
    return f"{report.export.subject.file_stem.replace('provenance-', 'report-', 1)}.{file_format}"
