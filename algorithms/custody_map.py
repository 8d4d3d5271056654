"""A map of where goods went: the parties that held them, the moves between them and where
they were scanned, over the province and city boundaries of :mod:`algorithms.basemap`.

Pure drawing on plain values; the regulator report draws a code's or a lot's chain of custody
with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from algorithms.basemap import cjk_family, draw_basemap

__all__ = ["Hop", "Stop", "draw_custody_map"]

_COLOURS = {"plant": "#2e7d32", "distributor": "#1565c0", "store": "#ef6c00", "leak": "#c62828"}


@dataclass(frozen=True, slots=True)
class Stop:
    """A party on the map: its (Chinese) name, where it is, what kind of party it is
    (``plant``, ``distributor``, ``store``; ``leak`` for a party outside the channel)."""

    name: str
    lat: float
    lon: float
    kind: str = "party"


@dataclass(frozen=True, slots=True)
class Hop:
    """Goods moved from stop ``origin`` to stop ``destination`` (indexes); ``units`` of them."""

    origin: int
    destination: int
    units: int = 1


def draw_custody_map(
    stops: Sequence[Stop],
    hops: Sequence[Hop],
    scans: Sequence[tuple[float, float]] = (),
    *,
    title: str = "",
) -> Figure:
    """Draw stops (coloured by kind and named), hops as arrows whose width grows with units,
    and scans as small dots, on a view fitted to all of them.

    Raises
    ------
    ValueError
        When there is nothing to place, or a hop names a stop that does not exist.

    Examples
    --------
    >>> figure = draw_custody_map(
    ...     [Stop("上海工厂", 31.2, 121.5, "plant"), Stop("南京经销商", 32.0, 118.8)],
    ...     [Hop(0, 1, 24)],
    ... )
    >>> len(figure.axes)
    1
    """
    if not stops and not scans:
        raise ValueError("nothing to draw: no stop and no scan has a place")
    for hop in hops:
        if not (0 <= hop.origin < len(stops) and 0 <= hop.destination < len(stops)):
            raise ValueError(f"hop {hop} names a stop outside 0..{len(stops) - 1}")
    points = np.array([(s.lat, s.lon) for s in stops] + list(scans), dtype=np.float64)
    (south, west), (north, east) = points.min(axis=0), points.max(axis=0)
    pad = 0.15 * max(north - south, east - west, 1.0)
    south, north, west, east = south - pad, north + pad, west - pad, east + pad
    scale = max(float(np.cos(np.radians((south + north) / 2))), 0.1)
    family = cjk_family()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": fonts}):
        figure = Figure(figsize=(7.5, 6.5), dpi=110, layout="constrained")
        ax = figure.subplots()
        draw_basemap(ax, west, south, east, north, x_scale=scale)
        if scans:
            xy = np.array(scans, dtype=np.float64)
            ax.scatter(xy[:, 1] * scale, xy[:, 0], s=6, color="#7b1fa2", alpha=0.5, zorder=2,
                       label="scans")  # fmt: skip
        top = max((h.units for h in hops), default=1)
        for hop in hops:
            a, b = stops[hop.origin], stops[hop.destination]
            if (a.lat, a.lon) == (b.lat, b.lon):
                continue
            ax.annotate(
                "", xy=(b.lon * scale, b.lat), xytext=(a.lon * scale, a.lat),
                arrowprops={"arrowstyle": "-|>", "lw": 1.0 + 3 * hop.units / top,
                            "color": "#c62828", "alpha": 0.7, "shrinkA": 5, "shrinkB": 5,
                            "connectionstyle": "arc3,rad=0.12"},
                zorder=3,
            )  # fmt: skip
        for stop in stops:
            ax.scatter([stop.lon * scale], [stop.lat], s=60, zorder=4, edgecolors="black",
                       color=_COLOURS.get(stop.kind, "#546e7a"))  # fmt: skip
            ax.annotate(
                stop.name, (stop.lon * scale, stop.lat), textcoords="offset points",
                xytext=(6, 6), fontsize=8, zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )  # fmt: skip
        ax.set_xlim(west * scale, east * scale)
        ax.set_ylim(south, north)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(title, fontsize=11)
    return figure
