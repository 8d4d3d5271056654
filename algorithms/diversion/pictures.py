"""Pictures of goods flows: a flow map (arrows between region seats, width by units) beside
where units ended against where they were sent, as PNG and as one self-contained HTML page.

Region names are Chinese, so the picture needs a CJK font: the first installed of
:data:`~algorithms.basemap.CJK_FAMILIES` is used (fonts-noto-cjk or fonts-wqy-zenhei on
Debian). The flow map is drawn over province and city boundaries (:mod:`algorithms.basemap`). The
HTML page embeds the picture as SVG with glyphs drawn as paths, so it shows the names on any
machine, and loads nothing from the network.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from algorithms.basemap import CJK_FAMILIES, cjk_family, draw_basemap
from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.flows import Flow, Velocity

__all__ = ["CJK_FAMILIES", "cjk_family", "draw_flows", "flows_html"]

Places = Mapping[str, tuple[str, float, float]]


def _label(code: str, places: Places) -> str:
    place = places.get(code)
    return place[0] if place else code


def _figure(moved: Sequence[Flow], ended: Sequence[Flow], places: Places, title: str) -> Figure:
    family = cjk_family()
    families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    figure = Figure(figsize=(13, 6.5), layout="constrained")
    with matplotlib.rc_context({"font.family": families}):
        left, right = figure.subplots(1, 2, width_ratios=(1.3, 1))
        crossed = [f for f in moved if f.crossed and f.origin in places and f.destination in places]
        codes = sorted({f.origin for f in crossed} | {f.destination for f in crossed})
        mean = float(np.mean([places[c][1] for c in codes])) if codes else 0.0
        scale = float(np.cos(np.radians(mean)))
        top = max((f.units for f in crossed), default=1)
        for f in sorted(crossed, key=lambda f: f.units):
            (_, y0, x0), (_, y1, x1) = places[f.origin], places[f.destination]
            left.annotate(
                "", xy=(x1 * scale, y1), xytext=(x0 * scale, y0),
                arrowprops={"arrowstyle": "-|>", "lw": 0.6 + 5 * f.units / top,
                            "color": "#d62728", "alpha": 0.55, "shrinkA": 4, "shrinkB": 4,
                            "connectionstyle": "arc3,rad=0.15"},
            )  # fmt: skip
        for c in codes:
            name, y, x = places[c]
            left.scatter([x * scale], [y], s=30, color="#1f77b4", zorder=3)
            left.annotate(name, (x * scale, y), textcoords="offset points", xytext=(4, 4),
                          fontsize=8, zorder=4)  # fmt: skip
        if codes:
            lats = [places[c][1] for c in codes]
            lons = [places[c][2] for c in codes]
            pad = 0.15 * max(max(lats) - min(lats), max(lons) - min(lons), 2.0)
            west, east = min(lons) - pad, max(lons) + pad
            south, north = min(lats) - pad, max(lats) + pad
            draw_basemap(left, west, south, east, north, x_scale=scale)
            left.set_xlim(west * scale, east * scale)
            left.set_ylim(south, north)
        left.set_title("units moved between regions (流向)", fontsize=11)
        left.set_xlabel("longitude (scaled)")
        left.set_ylabel("latitude")
        left.set_aspect("equal", adjustable="box")
        sent: dict[str, int] = {}
        got: dict[str, int] = {}
        for f in ended:
            sent[f.origin] = sent.get(f.origin, 0) + f.units
            got[f.destination] = got.get(f.destination, 0) + f.units
        rows = sorted(set(sent) | set(got), key=lambda c: -(sent.get(c, 0) + got.get(c, 0)))[:15]
        ys = np.arange(len(rows))
        right.barh(ys - 0.2, [sent.get(c, 0) for c in rows], 0.4, label="sent (last receiver)")
        right.barh(ys + 0.2, [got.get(c, 0) for c in rows], 0.4, label="ended (first scan)")
        right.set_yticks(ys, [_label(c, places) for c in rows], fontsize=8)
        right.invert_yaxis()
        right.set_title("where units ended against where they were sent", fontsize=11)
        right.legend(fontsize=8)
        figure.suptitle(title, fontsize=12)
    return figure


def _check(moved: Sequence[Flow], ended: Sequence[Flow]) -> None:
    for name, flows in (("moved", moved), ("ended", ended)):
        if any(f.units < 0 for f in flows):
            raise DiversionInputError(name, "units must not be negative")


def draw_flows(
    path: Path, moved: Sequence[Flow], ended: Sequence[Flow], places: Places, *, title: str = ""
) -> Path:
    """Draw the flow map and the sent/ended comparison to ``path`` (PNG).

    Parameters
    ----------
    moved
        Units moved between regions (:func:`~algorithms.diversion.flows.region_flows` of
        transfers); only flows that crossed regions are drawn.
    ended
        Where units ended (destination) against where they were sent (origin).
    places
        Region code -> (name, lat, lon).
    """
    _check(moved, ended)
    figure = _figure(moved, ended, places, title)
    figure.savefig(path, dpi=110)
    return path


def flows_html(
    path: Path,
    moved: Sequence[Flow],
    ended: Sequence[Flow],
    speed: Sequence[Velocity],
    places: Places,
    *,
    title: str = "",
) -> Path:
    """Write one self-contained HTML page: the picture as inline SVG and the tables of flows
    and velocity."""
    _check(moved, ended)
    figure = _figure(moved, ended, places, title)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]

    def rows(flows: Sequence[Flow]) -> str:
        return "".join(
            f"<tr><td>{html.escape(f.period)}</td><td>{html.escape(_label(f.origin, places))}</td>"
            f"<td>{html.escape(_label(f.destination, places))}</td><td>{f.units}</td></tr>"
            for f in flows
            if f.crossed
        )

    def leg(days: float | None) -> str:
        return "–" if days is None else f"{days:g}"

    velocity = "".join(
        f"<tr><td>{html.escape(v.period)}</td><td>{v.units}</td>"
        f"<td>{leg(v.plant_to_store.median_days)}</td>"
        f"<td>{leg(v.store_to_consumer.median_days)}</td>"
        f"<td>{leg(v.plant_to_consumer.median_days)}</td></tr>"
        for v in speed
    )
    head = "<tr><th>period</th><th>from</th><th>to</th><th>units</th></tr>"
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:2px 8px}}svg{{max-width:100%;height:auto}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
{svg}
<h2>units moved between regions (流量 · 流向)</h2><table>{head}{rows(moved)}</table>
<h2>ended elsewhere than sent</h2><table>{head}{rows(ended)}</table>
<h2>velocity (流速, median days)</h2><table><tr><th>made in</th><th>units</th>
<th>plant → store</th><th>store → consumer</th><th>plant → consumer</th></tr>{velocity}</table>
</body></html>
"""
    path.write_text(page, "utf-8")
    return path
