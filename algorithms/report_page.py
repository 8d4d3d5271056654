"""What every report with charts shares: the chart style (the first installed CJK font, so
Chinese names draw; text kept as text in SVG), a PNG of a figure, and one self-contained HTML
page (the figure as inline SVG, paragraphs and tables below it; no script, no network)."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from algorithms.basemap import cjk_family

__all__ = ["chart_style", "grid_figure", "html_table", "write_page", "write_png"]

Tables = Mapping[str, Sequence[Sequence[object]]]


@contextmanager
def chart_style() -> Iterator[None]:
    """matplotlib settings for a report's figures: build and save them inside."""
    family = cjk_family()
    with matplotlib.rc_context(
        {
            "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
            "svg.fonttype": "none",
        }
    ):
        yield


def grid_figure(
    title: str, size: tuple[float, float], panels: Sequence[Callable[[Axes], None]]
) -> Figure:
    """A figure of two columns of panels, each drawn by one of ``panels``, titled ``title``."""
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.subplots((len(panels) + 1) // 2, 2, squeeze=False)
    for i, draw in enumerate(panels):
        draw(axes[i // 2][i % 2])
    for j in range(len(panels), axes.size):
        axes[j // 2][j % 2].set_axis_off()
    figure.suptitle(title)
    return figure


def write_png(figure: Callable[[], Figure], path: str | Path, dpi: int = 110) -> Path:
    """The figure ``figure()`` builds, written as a PNG at ``path``."""
    out = Path(path)
    with chart_style():
        figure().savefig(out, dpi=dpi)
    return out


def html_table(title: str, rows: Sequence[Sequence[object]]) -> str:
    """A titled HTML table of ``rows`` (the first is the header); empty without rows.

    >>> html_table("t", [["a"], [1]])
    '<h2>t</h2><table><tr><th>a</th></tr><tr><td>1</td></tr></table>'
    """
    if not rows:
        return ""
    head, *body = rows
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    lines = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in body
    )
    return f"<h2>{html.escape(title)}</h2><table><tr>{cells}</tr>{lines}</table>"


def write_page(
    title: str,
    figure: Callable[[], Figure],
    tables: Tables,
    path: str | Path,
    paragraphs: Sequence[str] = (),
) -> Path:
    """One HTML page at ``path``: the title, ``figure()`` as inline SVG, the paragraphs as a
    list, then the tables."""
    buffer = io.StringIO()
    with chart_style():
        figure().savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    notes = "".join(f"<li>{html.escape(p)}</li>" for p in paragraphs)
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
        "padding:2px 6px}svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{svg}"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "".join(html_table(t, rows) for t, rows in tables.items())
        + "</body></html>"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
