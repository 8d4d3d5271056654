"""A map picture of a layout: today's assignment beside the proposed one.

Pure drawing on plain coordinates: stores as dots sized by demand, sites as triangles, a line
from each store to the site serving it, over the province and city boundaries of
:mod:`algorithms.basemap` with their Chinese names. The axes' aspect stretches latitude by
the inverse cosine of the mean latitude, so distances look right at the latitudes drawn (an
equirectangular view, fine for a country-sized picture).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from algorithms.basemap import cjk_family, draw_basemap
from algorithms.layout.errors import LayoutInputError

__all__ = ["draw_layout_map"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def _points(name: str, values: ArrayLike) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise LayoutInputError(
            name, f"must be a non-empty (n, 2) array of (lat, lon), got {array.shape}"
        )
    if not np.isfinite(array).all():
        raise LayoutInputError(name, "contains NaN or infinite coordinates")
    return array


def _assignment(name: str, values: Sequence[int], n: int, m: int) -> IntArray:
    array = np.asarray(values, dtype=np.intp)
    if array.shape != (n,):
        raise LayoutInputError(name, f"needs one site per store ({n}), got {array.shape}")
    if n and (array.min() < 0 or array.max() >= m):
        raise LayoutInputError(name, f"sites must be in 0..{m - 1}")
    return array


def _panel(
    ax: Axes,
    stores: FloatArray,
    sites: FloatArray,
    assignment: IntArray,
    sizes: FloatArray,
    labels: Sequence[str],
    palette: Sequence[str],
    title: str,
    aspect: float,
) -> None:
    used = np.unique(assignment)
    colour = {int(j): palette[int(j)] for j in used}
    colours = [colour[int(j)] for j in assignment]
    segments = np.stack([stores[:, ::-1], sites[assignment][:, ::-1]], axis=1)
    ax.add_collection(LineCollection(list(segments), colors=colours, linewidths=0.6, alpha=0.5))
    ax.scatter(stores[:, 1], stores[:, 0], s=sizes, c=colours, alpha=0.8, linewidths=0, zorder=2)
    ax.scatter(
        sites[used, 1], sites[used, 0], s=140, marker="^", c=[colour[int(j)] for j in used],
        edgecolors="black", linewidths=1.0, zorder=3,
    )  # fmt: skip
    for k, j in enumerate(used):
        # Alternate the label side so that sites close together stay readable.
        ax.annotate(
            labels[int(j)], (sites[j, 1], sites[j, 0]), xytext=(8, 8 - 20 * (k % 2)),
            textcoords="offset points", fontsize=8, zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.7},
        )  # fmt: skip
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(aspect, adjustable="box")
    ax.grid(True, linewidth=0.3, alpha=0.5)


def draw_layout_map(
    path: str | Path,
    stores: ArrayLike,
    sites: ArrayLike,
    assignment: Sequence[int],
    *,
    current_assignment: Sequence[int] | None = None,
    demand: ArrayLike | None = None,
    site_labels: Sequence[str] | None = None,
    titles: tuple[str, str] = ("today", "proposal"),
    suptitle: str = "",
) -> Path:
    """Draw the proposal (and today's layout beside it) to a PNG file.

    Parameters
    ----------
    path : str or Path
        Where to write the PNG.
    stores : array of shape (n, 2)
        Store (lat, lon) in degrees.
    sites : array of shape (m, 2)
        Candidate site (lat, lon) in degrees.
    assignment : sequence of int
        Site serving each store in the proposal.
    current_assignment : sequence of int, optional
        Site serving each store today; drawn as a left-hand panel.
    demand : array of shape (n,), optional
        Store demands; dot areas grow with them.
    site_labels : sequence of str, optional
        Label of each site (its Chinese name reads best); default: the site's index.
    titles : (str, str)
        Titles of the today and proposal panels.
    suptitle : str
        Title above both.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    LayoutInputError
        On malformed coordinates or assignments.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "map.png"
    >>> draw_layout_map(out, [(31.2, 121.5), (32.0, 118.8)], [(31.3, 121.4)], [0, 0]).exists()
    True
    """
    store_xy = _points("stores", stores)
    site_xy = _points("sites", sites)
    n, m = store_xy.shape[0], site_xy.shape[0]
    proposal = _assignment("assignment", assignment, n, m)
    today = (
        None
        if current_assignment is None
        else _assignment("current_assignment", current_assignment, n, m)
    )
    weights = np.ones(n) if demand is None else np.asarray(demand, dtype=np.float64)
    if weights.shape != (n,) or not np.isfinite(weights).all() or (weights < 0).any():
        raise LayoutInputError("demand", f"must be {n} finite non-negative values")
    top = float(weights.max()) or 1.0
    sizes = 8 + 80 * np.sqrt(weights / top)
    labels = list(site_labels) if site_labels is not None else [str(j) for j in range(m)]
    if len(labels) != m:
        raise LayoutInputError("site_labels", f"needs one label per site ({m})")
    aspect = 1.0 / max(np.cos(np.radians(float(store_xy[:, 0].mean()))), 0.1)
    # One colour per site in both panels, so a site keeps its colour from today to the plan.
    order = np.unique(np.concatenate([proposal] if today is None else [today, proposal]))
    palette = ["#999999"] * m
    for k, j in enumerate(order):
        palette[int(j)] = _PALETTE[k % len(_PALETTE)]
    panels = 1 if today is None else 2
    # The same square window in both panels: widen the narrower side so the true aspect
    # fills the panel instead of leaving it mostly blank.
    shown = np.concatenate([store_xy, site_xy[order]])
    (south, west), (north, east) = shown.min(axis=0), shown.max(axis=0)
    half = 0.55 * max(north - south, (east - west) / aspect, 0.2)
    middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
    family = cjk_family()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": fonts}):
        figure = Figure(figsize=(7.0 * panels, 6.5), dpi=110, layout="constrained")
        axes = figure.subplots(1, panels, squeeze=False)[0]
        for ax in axes:
            draw_basemap(
                ax, middle_lon - half * aspect, middle_lat - half,
                middle_lon + half * aspect, middle_lat + half,
            )  # fmt: skip
        if today is not None:
            _panel(axes[0], store_xy, site_xy, today, sizes, labels, palette, titles[0], aspect)
        _panel(axes[-1], store_xy, site_xy, proposal, sizes, labels, palette, titles[1], aspect)
        for ax in axes:
            ax.set_ylim(middle_lat - half, middle_lat + half)
            ax.set_xlim(middle_lon - half * aspect, middle_lon + half * aspect)
        if suptitle:
            figure.suptitle(suptitle, fontsize=12)
        out = Path(path)
        figure.savefig(out, format="png")
    return out
