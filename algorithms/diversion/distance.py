"""How far a region lies from a distributor's territory, from region centroids.

The territory is represented by the centroids of every region within its grants (a province
grant by its cities' seats as well as its own), and the distance is the geodesic from the
destination's centroid to the nearest of them. The haversine formula picks the nearest few;
geopy's geodesic (Karney's algorithm on WGS 84) measures those exactly.

References
----------
C.F.F. Karney, "Algorithms for geodesics", Journal of Geodesy 87, 2013,
doi:10.1007/s00190-012-0578-z.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from geopy.distance import geodesic
from numpy.typing import NDArray

from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.regions import RegionTree
from algorithms.diversion.territory import Territory
from algorithms.layout.distances import haversine_km

__all__ = ["Centroids"]

_EXACT_NEAREST: Final = 3  # haversine and geodesic differ by < 0.5 %: the 3 nearest suffice


@dataclass(frozen=True, slots=True, eq=False)
class Centroids:
    """Region centroids (seats of government, points inside custom polygons), indexed for
    territory distances. Build with :meth:`of`.

    Examples
    --------
    >>> tree = RegionTree.from_parents({"44": None, "4403": "44", "4401": "44", "1101": None})
    >>> seats = {"4403": (22.54, 114.06), "4401": (23.13, 113.26), "1101": (39.90, 116.41)}
    >>> centroids = Centroids.of(seats, tree)
    >>> round(centroids.distance_km(Territory.of("d", ["44"]), "1101"))
    1883
    >>> centroids.distance_km(Territory.of("d", ["44"]), "4403")
    0.0
    """

    codes: tuple[str, ...]
    points: NDArray[np.float64]
    tree: RegionTree
    cover: Mapping[str, list[int]]
    position: Mapping[str, int]

    @classmethod
    def of(cls, centroids: Mapping[str, tuple[float, float]], tree: RegionTree) -> Centroids:
        """Index ``centroids`` (region code -> (lat, lon) in degrees) over ``tree``.

        Raises
        ------
        DiversionInputError
            On a region missing from ``tree`` or a coordinate outside the globe.
        """
        codes = tuple(centroids)
        unknown = [c for c in codes if c not in tree]
        if unknown:
            raise DiversionInputError("centroids", f"regions {unknown[:5]} are not in the tree")
        points = np.array([centroids[c] for c in codes], dtype=np.float64).reshape(-1, 2)
        bad = ~np.isfinite(points).all(axis=1) | (np.abs(points[:, 0]) > 90)
        bad |= np.abs(points[:, 1]) > 180
        if bad.any():
            code = codes[int(np.argmax(bad))]
            raise DiversionInputError(
                "centroids", f"{code}: (lat, lon) must lie on the globe, got {centroids[code]}"
            )
        return cls(
            codes, points, tree, tree.cover_index(codes), {c: i for i, c in enumerate(codes)}
        )

    def distance_km(self, territory: Territory, region: str) -> float | None:
        """Geodesic km from ``region``'s centroid to the nearest centroid within
        ``territory``'s grants; 0 inside; None when either side has no centroid."""
        if region not in self.tree:
            raise DiversionInputError("region", f"{region!r} is not in the region tree")
        inside = sorted({i for g in territory.grants for i in self.cover.get(g.region_code, [])})
        at = self.position.get(region)
        if at is None or not inside:
            return None
        if at in inside or any(self.tree.within(region, g.region_code) for g in territory.grants):
            return 0.0
        here = self.points[at]
        candidates = self.points[inside]
        rough = haversine_km(here[None, :], candidates)[0]
        nearest = np.argsort(rough)[:_EXACT_NEAREST]
        return min(float(geodesic(tuple(here), tuple(candidates[j])).km) for j in nearest)
