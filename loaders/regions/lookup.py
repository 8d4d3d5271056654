"""Which region a point lies in: a custom territory that contains it, else the nearest
prefecture seat."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

import numpy as np
import shapely
from shapely.geometry import shape

from graph_model.master import Region
from loaders.regions.china import china_regions

__all__ = ["RegionIndex", "region_of_point"]

_EARTH_RADIUS_KM = 6371.0088


class RegionIndex:
    """Point-in-region lookups over prefectures and custom territories.

    Custom territories win over prefectures, the smallest containing territory first; a
    point outside every territory maps to the prefecture whose seat is nearest along the
    great circle. (Seats are a coarse stand-in for borders: near a border a point may map to
    the neighbour, which is why brands that care draw their own territories.)

    Parameters
    ----------
    regions
        Regions to index; provinces are ignored (every point lies in some prefecture).
    """

    def __init__(self, regions: Iterable[Region]) -> None:
        regions = list(regions)
        self._prefectures = [r for r in regions if r.level == "prefecture"]
        customs = [r for r in regions if r.level == "custom" and r.polygon_geojson]
        shapes = [shape(json.loads(r.polygon_geojson or "")) for r in customs]
        order = sorted(range(len(customs)), key=lambda i: (shapes[i].area, customs[i].code))
        self._customs = [customs[i] for i in order]
        self._shapes = [shapes[i] for i in order]
        for geom in self._shapes:
            shapely.prepare(geom)
        if not self._prefectures and not self._customs:
            raise ValueError("regions: at least one prefecture or custom territory is needed")
        self._lat = np.radians([r.lat for r in self._prefectures])
        self._lon = np.radians([r.lon for r in self._prefectures])

    def territory_of(self, lat: float, lon: float) -> Region | None:
        """The smallest custom territory containing the point, if any."""
        point = shapely.Point(lon, lat)
        for region, geom in zip(self._customs, self._shapes, strict=True):
            if geom.contains(point) or geom.touches(point):
                return region
        return None

    def nearest_prefecture(self, lat: float, lon: float) -> Region:
        """The prefecture whose seat is nearest to the point (haversine distance)."""
        if not self._prefectures:
            raise LookupError(f"no custom territory contains ({lat}, {lon}) and no prefectures")
        phi, lam = np.radians(lat), np.radians(lon)
        a = (
            np.sin((self._lat - phi) / 2) ** 2
            + np.cos(phi) * np.cos(self._lat) * np.sin((self._lon - lam) / 2) ** 2
        )
        return self._prefectures[int(np.argmin(a))]

    def locate(self, lat: float, lon: float) -> Region:
        """The region of the point: its custom territory, else its nearest prefecture."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"point ({lat}, {lon}): lat must be in [-90, 90], lon in [-180, 180]")
        return self.territory_of(lat, lon) or self.nearest_prefecture(lat, lon)

    def distance_km(self, a: Region, lat: float, lon: float) -> float:
        """Great-circle distance from region ``a``'s seat to the point, in km."""
        phi1, phi2 = np.radians(a.lat), np.radians(lat)
        h = (
            np.sin((phi2 - phi1) / 2) ** 2
            + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon - a.lon) / 2) ** 2
        )
        return float(2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)))


@functools.cache
def _china_index() -> RegionIndex:
    return RegionIndex(china_regions())


def region_of_point(lat: float, lon: float, territories: Iterable[Region] = ()) -> Region:
    """The region a point lies in: the smallest of ``territories`` containing it, else the
    prefecture of China whose seat is nearest.

    For many lookups against the same territories build one :class:`RegionIndex`.

    Examples
    --------
    >>> region_of_point(22.54, 114.06).name      # Futian, Shenzhen
    '深圳市'
    """
    customs = [t for t in territories if t.level == "custom"]
    if customs:
        found = RegionIndex(customs).territory_of(lat, lon)
        if found is not None:
            return found
    return _china_index().locate(lat, lon)
