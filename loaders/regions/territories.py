"""A brand's own sales territories, read from GeoJSON polygons.

A territory file is a GeoJSON ``FeatureCollection`` (or one ``Feature``) whose features have
a ``Polygon`` or ``MultiPolygon`` geometry in WGS 84 longitude / latitude and the properties
``code`` (the territory's key), ``name`` and optionally ``parent_code`` (an adcode or another
territory). Each becomes a :class:`~graph_model.master.Region` of level ``custom`` whose
``lat`` / ``lon`` is a point inside the polygon.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape

from graph_model.errors import InvalidField
from graph_model.master import Region

__all__ = ["load_territories"]


def _features(doc: Any, source: str) -> list[Any]:
    if not isinstance(doc, Mapping):
        raise InvalidField(f"{source}", f"a GeoJSON object was expected, got {type(doc).__name__}")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InvalidField(f"{source}", "features must be a list")
        return features
    if kind == "Feature":
        return [doc]
    raise InvalidField(f"{source}", f"type must be FeatureCollection or Feature, got {kind!r}")


def _territory(feature: Any, where: str) -> Region:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise InvalidField(f"{where}", "type must be Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        raise InvalidField(f"{where}", "properties must be an object")
    code, name, parent = props.get("code"), props.get("name"), props.get("parent_code")
    if not isinstance(code, str | int) or not str(code).strip():
        raise InvalidField(f"{where}", "properties.code is required (the territory's key)")
    if not isinstance(name, str) or not name.strip():
        raise InvalidField(f"{where} ({code})", "properties.name is required")
    if parent is not None and not isinstance(parent, str | int):
        raise InvalidField(f"{where} ({code})", "properties.parent_code must be a string")
    geometry = feature.get("geometry")
    if not isinstance(geometry, Mapping) or geometry.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        got = geometry.get("type") if isinstance(geometry, Mapping) else geometry
        raise InvalidField(
            f"{where} ({code})", f"geometry must be a Polygon or MultiPolygon, got {got!r}"
        )
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, GEOSException) as exc:
        raise InvalidField(
            f"{where} ({code})",
            "geometry is malformed: coordinates must be rings of [longitude, latitude] pairs",
        ) from exc
    if geom.is_empty:
        raise InvalidField(f"{where} ({code})", "geometry is empty")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise InvalidField(f"{where} ({code})", f"geometry is not a valid polygon: {reason}")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or not (
        -180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90
    ):
        raise InvalidField(
            f"{where} ({code})",
            f"coordinates must be longitude, latitude in WGS 84 (bounds {geom.bounds})",
        )
    inside = geom.representative_point()
    try:
        return Region.custom(
            str(code).strip(),
            name.strip(),
            round(inside.y, 6),
            round(inside.x, 6),
            json.dumps(geometry, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
            None if parent is None else str(parent),
        )
    except InvalidField as exc:
        raise InvalidField(f"{where}", f"{exc}") from exc


def load_territories(geojson: str | Path | Mapping[str, Any]) -> list[Region]:
    """Custom territories from a GeoJSON file, a GeoJSON text or a parsed GeoJSON object.

    Raises
    ------
    InvalidField
        When the file cannot be read or parsed, a feature lacks ``code`` / ``name``, a geometry
        is not a valid (Multi)Polygon in longitude / latitude, or two features share a code.

    Examples
    --------
    >>> square = {"type": "Polygon", "coordinates": [[[113, 22], [114, 22], [114, 23], [113, 22]]]}
    >>> props = {"code": "S1", "name": "华南一区"}
    >>> feature = {"type": "Feature", "geometry": square, "properties": props}
    >>> [(t.code, t.level) for t in load_territories(feature)]
    [('S1', 'custom')]
    """
    if isinstance(geojson, Mapping):
        source, doc = "territories", geojson
    else:
        text, source = _read(geojson)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidField(f"{source}", f"not valid JSON: {exc}") from exc
    regions: list[Region] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(_features(doc, source)):
        where = f"{source}: feature {i}"
        region = _territory(feature, where)
        if region.code in seen:
            raise InvalidField(
                f"{where}", f"code {region.code} is already used by feature {seen[region.code]}"
            )
        seen[region.code] = i
        regions.append(region)
    return regions


def _read(geojson: str | Path) -> tuple[str, str]:
    if isinstance(geojson, str) and geojson.lstrip().startswith("{"):
        return geojson, "territories"
    path = Path(geojson)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise InvalidField(f"{path}", f"cannot read territory file: {exc.strerror}") from exc
