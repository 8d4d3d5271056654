"""Which region a point lies in: a custom territory that contains it, else the nearest
prefecture seat."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

import numpy as np
import shapely
from geopy.distance import geodesic
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from sklearn.neighbors import BallTree

from graph_model.master import Region
from loaders.regions.china import china_regions

__all__ = ["RegionIndex", "region_of_point"]


class RegionIndex:
    """Point-in-region lookups over prefectures and custom territories.

    Custom territories win over prefectures, the smallest containing territory first; a
    point outside every territory maps to the prefecture whose seat is nearest along the
    great circle, found in a scikit-learn ball tree under the haversine metric (a million
    points are located in one vectorised query, :meth:`nearest_prefectures`). (Seats are a
    coarse stand-in for borders: near a border a point may map to
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
        self._seats = (
            BallTree(np.radians([[r.lat, r.lon] for r in self._prefectures]), metric="haversine")
            if self._prefectures
            else None
        )

    def territory_of(self, lat: float, lon: float) -> Region | None:
        """The smallest custom territory containing the point, if any."""
        point = shapely.Point(lon, lat)
        for region, geom in zip(self._customs, self._shapes, strict=True):
            if geom.contains(point) or geom.touches(point):
                return region
        return None

    def nearest_prefecture(self, lat: float, lon: float) -> Region:
        """The prefecture whose seat is nearest to the point along the great circle."""
        return self._prefectures[int(self.nearest_prefectures([lat], [lon])[0])]

    def nearest_prefectures(self, lats: ArrayLike, lons: ArrayLike) -> NDArray[np.intp]:
        """Indexes into :attr:`prefectures` of the seat nearest to each point."""
        if self._seats is None:
            raise LookupError("no custom territory contains the points and no prefectures")
        points = np.radians(np.column_stack([np.asarray(lats, float), np.asarray(lons, float)]))
        return np.asarray(self._seats.query(points, k=1, return_distance=False)[:, 0])

    @property
    def prefectures(self) -> list[Region]:
        """The indexed prefectures, in the order :meth:`nearest_prefectures` numbers them."""
        return self._prefectures

    def locate(self, lat: float, lon: float) -> Region:
        """The region of the point: its custom territory, else its nearest prefecture."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"point ({lat}, {lon}): lat must be in [-90, 90], lon in [-180, 180]")
        return self.territory_of(lat, lon) or self.nearest_prefecture(lat, lon)

    def distance_km(self, a: Region, lat: float, lon: float) -> float:
        """Geodesic distance from region ``a``'s seat to the point, in km."""
        return float(geodesic((a.lat, a.lon), (lat, lon)).km)


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
