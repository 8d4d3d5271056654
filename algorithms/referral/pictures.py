"""Pictures of cascades: trees drawn top-down, members coloured by depth (each tree on its
own scale, dark at the root), ring members
outlined in red; a PNG (matplotlib) and a self-contained HTML page (inline SVG, no script,
no network).

Layout: a member's leaves take consecutive columns in preorder and a parent stands above the
middle of its children (a simple tidy tree, Reingold & Tilford 1981 without the packing), so
a broadcast is wide and shallow and a chain narrow and deep.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from numpy.typing import NDArray

from algorithms.referral.errors import ReferralInputError
from algorithms.referral.forest import ReferralForest

__all__ = ["TreeDrawing", "cascades_html", "draw_cascades_png", "tree_layout"]

_RING = "#d62728"


@dataclass(frozen=True, slots=True)
class TreeDrawing:
    """One cascade laid out: member ids, (x, y) per member (y = depth), parent index
    (``-1`` for the root) and which members are in a ring."""

    root: str
    ids: tuple[str, ...]
    xy: NDArray[np.float64]
    parent: NDArray[np.int64]
    depth: NDArray[np.int64]
    ringed: NDArray[np.bool_]


def tree_layout(
    forest: ReferralForest, root: str, ring_members: Collection[str] = ()
) -> TreeDrawing:
    """The cascade ``root`` started, laid out top-down.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 3, 3, tzinfo=timezone.utc)
    >>> f = ReferralForest.from_edges([("a", "b", at), ("a", "c", at)])
    >>> t = tree_layout(f, "a")
    >>> t.xy.tolist()
    [[0.5, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    v = forest.index(root)
    if v is None:
        raise ReferralInputError("root", f"{root!r} is no member of the forest")
    members = forest.subtree(v)
    local = {int(m): k for k, m in enumerate(members)}
    parent = np.array(
        [-1 if k == 0 else local[int(forest.parent[m])] for k, m in enumerate(members)],
        dtype=np.int64,
    )
    depth = (forest.depth[members] - forest.depth[v]).astype(np.int64)
    x = np.full(len(members), np.nan)
    leaves = forest.size[members] == 1
    x[leaves] = np.arange(int(leaves.sum()), dtype=np.float64)
    # Preorder reversed visits children before parents: each parent takes the middle of the
    # span of its children.
    low = np.full(len(members), np.inf)
    high = np.full(len(members), -np.inf)
    for k in range(len(members) - 1, -1, -1):
        if np.isnan(x[k]):
            x[k] = (low[k] + high[k]) / 2
        p = parent[k]
        if p >= 0:
            low[p] = min(low[p], x[k])
            high[p] = max(high[p], x[k])
    ids = tuple(forest.ids[int(m)] for m in members)
    ringed = np.array([i in ring_members for i in ids], dtype=np.bool_)
    xy = np.column_stack([x, depth.astype(np.float64)])
    return TreeDrawing(root, ids, xy, parent, depth, ringed)


def _colours(depth: NDArray[np.int64], deepest: int) -> list[str]:
    cmap = colormaps["viridis"]
    return [to_hex(cmap(d / max(1, deepest))) for d in depth.tolist()]


def draw_cascades_png(trees: Sequence[TreeDrawing], path: str | Path, title: str = "") -> Path:
    """Draw ``trees`` side by side into a PNG at ``path``."""
    if not trees:
        raise ReferralInputError("trees", "nothing to draw")
    fig = Figure(figsize=(4.5 * len(trees), 5.5), dpi=110)
    axes = fig.subplots(1, len(trees), squeeze=False)[0]
    for ax, t in zip(axes, trees, strict=True):
        segments = [(t.xy[k], t.xy[p]) for k, p in enumerate(t.parent.tolist()) if p >= 0]
        for (x0, y0), (x1, y1) in segments:
            ax.plot([x0, x1], [y0, y1], color="#999999", linewidth=0.6, zorder=1)
        size = max(6.0, 300.0 / np.sqrt(len(t.ids)))
        ax.scatter(
            t.xy[:, 0], t.xy[:, 1], s=size, c=_colours(t.depth, int(t.depth.max())), zorder=2,
            edgecolors=[_RING if r else "none" for r in t.ringed.tolist()], linewidths=1.5,
        )  # fmt: skip
        ax.invert_yaxis()
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xticks([])
        ax.set_ylabel("depth")
        ringed = int(t.ringed.sum())
        ax.set_title(
            f"{t.root}\nsize {len(t.ids)}, depth {int(t.depth.max())}"
            + (f", {ringed} in rings" if ringed else ""),
            fontsize=8,
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out)
    return out


def _svg(t: TreeDrawing, width: int = 420, height: int = 420) -> str:
    span_x = max(1.0, float(np.nanmax(t.xy[:, 0])))
    span_y = max(1.0, float(t.depth.max()))

    def pos(k: int) -> tuple[float, float]:
        return (
            20 + (width - 40) * float(t.xy[k, 0]) / span_x,
            30 + (height - 50) * float(t.xy[k, 1]) / span_y,
        )

    colours = _colours(t.depth, int(t.depth.max()))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for k, p in enumerate(t.parent.tolist()):
        if p >= 0:
            (x0, y0), (x1, y1) = pos(k), pos(p)
            parts.append(
                f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                'stroke="#999" stroke-width="0.6"/>'
            )
    r = max(1.5, 8 / np.sqrt(max(1.0, len(t.ids) / 10)))
    for k, cid in enumerate(t.ids):
        x, y = pos(k)
        ring = f' stroke="{_RING}" stroke-width="2"' if t.ringed[k] else ""
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colours[k]}"{ring}>'
            f"<title>{html.escape(cid)} (depth {int(t.depth[k])})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def cascades_html(trees: Sequence[TreeDrawing], path: str | Path, title: str = "") -> Path:
    """Write ``trees`` as one HTML page of inline SVG; hovering a member names it."""
    if not trees:
        raise ReferralInputError("trees", "nothing to draw")
    figures = "".join(
        f"<figure><figcaption>{html.escape(t.root)}: size {len(t.ids)}, depth "
        f"{int(t.depth.max())}, {int(t.ringed.sum())} in rings</figcaption>"
        f"{_svg(t)}</figure>"
        for t in trees
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title or 'cascades')}</title>"
        "<style>body{font-family:sans-serif}figure{display:inline-block;margin:8px;"
        "border:1px solid #ddd}figcaption{font-size:12px;padding:4px}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Colour: depth within each tree (dark = root). "
        f"Red outline: member of a referral ring.</p>{figures}</body></html>"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
