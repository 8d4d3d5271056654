"""Provinces and prefecture-level divisions of China, from ``cpca``'s adcode table.

``cpca`` ships the National Bureau of Statistics division codes (12 digits) with seat
coordinates. yima keys regions by the 6-digit adcode of GB/T 2260. Three special cases:

* municipalities (Beijing, Tianjin, Shanghai, Chongqing) and the SARs / Taiwan have no
  prefecture level; yima gives each one prefecture ``XX0100`` named after it, so that every
  point of the country falls into some prefecture;
* county-level cities administered directly by a province (``XX90YY``, e.g. 济源市, 仙桃市)
  stand in for prefectures there and are kept at level ``prefecture``;
* the grouping rows ``市辖区`` / ``县`` / ``省直辖县级行政区划`` are not regions and are dropped.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Final

from graph_model.master import Region

__all__ = ["china_regions"]

_GROUPING_NAMES: Final = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def _rows() -> list[tuple[str, str, float | None, float | None]]:
    text = resources.files("cpca").joinpath("resources/adcodes.csv").read_text("utf-8")
    rows: list[tuple[str, str, float | None, float | None]] = []
    for row in csv.DictReader(io.StringIO(text)):
        lon = float(row["longitude"]) if row["longitude"] else None
        lat = float(row["latitude"]) if row["latitude"] else None
        rows.append((row["adcode"][:6], row["name"], lat, lon))
    return rows


@functools.cache
def china_regions() -> tuple[Region, ...]:
    """Every province-level and prefecture-level region of China, sorted by code.

    Provinces come first in each province's block: ``110000`` 北京市, ``110100`` 北京市
    (its single prefecture), ``120000`` …

    >>> regions = {r.code: r for r in china_regions()}
    >>> regions["440300"].name, regions["440300"].parent_code, regions["440300"].level
    ('深圳市', '440000', 'prefecture')
    """
    provinces: dict[str, Region] = {}
    prefectures: dict[str, Region] = {}
    rows = _rows()
    for code, name, lat, lon in rows:
        if code.endswith("0000") and lat is not None and lon is not None:
            provinces[code] = Region.province(code, name, lat, lon)
    for code, name, lat, lon in rows:
        if lat is None or lon is None or name in _GROUPING_NAMES or code.endswith("0000"):
            continue
        province_code = code[:2] + "0000"
        if province_code not in provinces:
            continue
        is_prefecture = code.endswith("00")
        is_direct_county = code[2:4] == "90"
        if is_prefecture or is_direct_county:
            prefectures[code] = Region.prefecture(code, name, province_code, lat, lon)
    with_prefecture = {r.parent_code for r in prefectures.values()}
    for province in provinces.values():
        if province.code not in with_prefecture:
            single = province.code[:2] + "0100"
            prefectures[single] = Region.prefecture(
                single, province.name, province.code, province.lat, province.lon
            )
    return tuple(sorted([*provinces.values(), *prefectures.values()], key=lambda r: r.code))
