"""Regions of China from cpca's adcode table, custom territories and point lookups."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from graph_model.errors import InvalidField
from loaders.regions import (
    RegionIndex,
    china_regions,
    load_territories,
    region_of_point,
)


def _square(lon: float, lat: float, size: float) -> dict[str, object]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(code: str, geometry: object, name: str = "区") -> dict[str, object]:
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}


def _collection(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_every_province_level_division_is_there() -> None:
    provinces = [r for r in china_regions() if r.level == "province"]
    assert len(provinces) == 34
    assert {"110000", "440000", "650000", "810000", "820000", "710000"} <= {
        p.code for p in provinces
    }


def test_every_prefecture_has_a_province_parent_and_real_coordinates() -> None:
    regions = {r.code: r for r in china_regions()}
    prefectures = [r for r in regions.values() if r.level == "prefecture"]
    assert len(prefectures) > 330
    for p in prefectures:
        assert p.parent_code is not None
        assert regions[p.parent_code].level == "province"
        assert p.code[:2] == p.parent_code[:2]
        assert 3 <= p.lat <= 54 and 73 <= p.lon <= 136, p


def test_every_province_has_a_prefecture() -> None:
    regions = china_regions()
    parents = {r.parent_code for r in regions if r.level == "prefecture"}
    assert parents == {r.code for r in regions if r.level == "province"}


@pytest.mark.parametrize(
    ("code", "name"),
    [("440300", "深圳市"), ("330100", "杭州市"), ("110100", "北京市"), ("500100", "重庆市")],
)
def test_known_prefectures(code: str, name: str) -> None:
    assert {r.code: r.name for r in china_regions()}[code] == name


def test_codes_are_unique_and_cached() -> None:
    regions = china_regions()
    assert len({r.code for r in regions}) == len(regions)
    assert china_regions() is regions


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [(22.54, 114.06, "440300"), (31.23, 121.47, "310100"), (30.27, 120.15, "330100")],
)
def test_point_maps_to_nearest_prefecture(lat: float, lon: float, code: str) -> None:
    assert region_of_point(lat, lon).code == code


def test_many_points_are_located_at_once_as_one_by_one_and_as_brute_force() -> None:
    index = RegionIndex(china_regions())
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(20, 50, 60), rng.uniform(90, 130, 60)
    at_once = index.nearest_prefectures(lats, lons)
    seats = index.prefectures
    for lat, lon, found in zip(lats, lons, at_once, strict=True):
        assert index.nearest_prefecture(lat, lon) is seats[found]
        brute = min(seats, key=lambda r: index.distance_km(r, lat, lon))
        # Haversine on the sphere and geodesic on the ellipsoid may rank near-ties apart (by
        # at most half a per cent).
        assert index.distance_km(seats[found], lat, lon) <= 1.005 * index.distance_km(
            brute, lat, lon
        )


def test_custom_territory_wins_and_smallest_first() -> None:
    territories = load_territories(
        _collection(
            _feature("BIG", _square(113.0, 22.0, 2.0)), _feature("SMALL", _square(114.0, 22.4, 0.3))
        )
    )
    assert region_of_point(22.5, 114.1, territories).code == "SMALL"
    assert region_of_point(22.1, 113.1, territories).code == "BIG"
    assert region_of_point(31.23, 121.47, territories).code == "310100"
    index = RegionIndex([*china_regions(), *territories])
    assert index.locate(22.5, 114.1).code == "SMALL"


def test_territory_point_lies_inside(tmp_path: Path) -> None:
    path = tmp_path / "t.geojson"
    ring = [[113, 22], [115, 22], [115, 24], [114, 23], [113, 24], [113, 22]]
    path.write_text(
        json.dumps(_collection(_feature("V", {"type": "Polygon", "coordinates": [ring]}))),
        encoding="utf-8",
    )
    (territory,) = load_territories(path)
    assert territory.level == "custom" and territory.polygon_geojson is not None
    assert region_of_point(territory.lat, territory.lon, [territory]).code == "V"


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"type": "Point"}, "FeatureCollection or Feature"),
        (_collection(_feature("A", {"type": "Point", "coordinates": [1, 2]})), "Polygon"),
        (_collection({"type": "Feature", "geometry": _square(1, 1, 1)}), "properties.code"),
        (
            _collection(
                {"type": "Feature", "geometry": _square(1, 1, 1), "properties": {"code": "A"}}
            ),
            "properties.name",
        ),
        (
            _collection(
                _feature(
                    "BOW",
                    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                )
            ),
            "not a valid polygon",
        ),
        (_collection(_feature("F", _square(200, 22, 1))), "longitude, latitude"),
        (
            _collection(_feature("D", _square(1, 1, 1)), _feature("D", _square(3, 3, 1))),
            "feature 1: code D is already used by feature 0",
        ),
    ],
)
def test_bad_territories_are_rejected(doc: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidField, match=match):
        load_territories(doc)


def test_unreadable_files_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidField, match="cannot read"):
        load_territories(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidField, match=r"bad\.geojson: not valid JSON"):
        load_territories(bad)


def test_out_of_range_point_is_rejected() -> None:
    with pytest.raises(ValueError, match="lat must be"):
        region_of_point(91.0, 0.0)
