"""Store-to-site cost matrices from coordinates (or from a supplied distance matrix).

All pairs are first measured with the vectorised haversine formula on a sphere of the
mean Earth radius (error up to about 0.5 % against the WGS-84 ellipsoid). The pairs that
decide assignments — each store's ``exact_nearest`` closest sites — are then measured with
geopy's geodesic distance (Karney's algorithm on WGS-84), which costs ~80 µs per pair and
would be too slow for every pair of a large instance.

References
----------
C.F.F. Karney, "Algorithms for geodesics", Journal of Geodesy 87, 2013,
doi:10.1007/s00190-012-0578-z.
R.W. Sinnott, "Virtues of the haversine", Sky and Telescope 68(2), 1984.
"""

from __future__ import annotations

import numpy as np
from geopy.distance import geodesic
from numpy.typing import ArrayLike, NDArray

from algorithms.layout.errors import LayoutInputError

__all__ = ["EARTH_RADIUS_KM", "geodesic_cost_matrix", "haversine_km"]

FloatArray = NDArray[np.float64]

#: Mean Earth radius (IUGG), in km.
EARTH_RADIUS_KM = 6371.0088


def _coordinates(name: str, points: ArrayLike) -> FloatArray:
    array = np.array(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise LayoutInputError(
            name, f"must be a non-empty (n, 2) array of (lat, lon), got {array.shape}"
        )
    if not np.isfinite(array).all():
        raise LayoutInputError(name, "contains NaN or infinite coordinates")
    if (np.abs(array[:, 0]) > 90).any():
        raise LayoutInputError(name, "has a latitude outside [-90, 90]")
    if (np.abs(array[:, 1]) > 180).any():
        raise LayoutInputError(name, "has a longitude outside [-180, 180]")
    return array


def haversine_km(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Great-circle distances (km) between every point of ``a`` and every point of ``b``.

    Examples
    --------
    >>> round(float(haversine_km([(0, 0)], [(0, 1)])[0, 0]), 2)
    111.2
    """
    p = np.radians(_coordinates("a", a))
    q = np.radians(_coordinates("b", b))
    dlat = q[None, :, 0] - p[:, None, 0]
    dlon = q[None, :, 1] - p[:, None, 1]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(p[:, None, 0]) * np.cos(q[None, :, 0]) * np.sin(dlon / 2) ** 2
    )
    km: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return km


def geodesic_cost_matrix(
    stores: ArrayLike | None = None,
    sites: ArrayLike | None = None,
    *,
    demand: ArrayLike | None = None,
    distance: ArrayLike | None = None,
    exact_nearest: int = 5,
) -> FloatArray:
    """Demand-weighted cost matrix ``demand[i] * km(store i, site j)``.

    Parameters
    ----------
    stores : array of shape (n, 2)
        Store (lat, lon) in degrees; not needed when ``distance`` is given.
    sites : array of shape (m, 2), optional
        Candidate site (lat, lon); defaults to the stores themselves.
    demand : array of shape (n,), optional
        Store demands; unit demand by default.
    distance : array of shape (n, m), optional
        A distance matrix to use instead of coordinates (road distances, say).
    exact_nearest : int
        For each store, how many of its nearest sites are re-measured geodesically; 0 keeps
        haversine everywhere.

    Raises
    ------
    LayoutInputError
        On malformed coordinates, demands or distance matrix.

    Examples
    --------
    >>> shanghai, beijing = (31.2304, 121.4737), (39.9042, 116.4074)
    >>> cost = geodesic_cost_matrix([shanghai, beijing], demand=[2, 1])
    >>> round(float(cost[0, 1]), 1), round(float(cost[1, 0]), 1)
    (2131.7, 1065.8)
    """
    if distance is not None:
        km = np.array(distance, dtype=np.float64)
        if km.ndim != 2 or 0 in km.shape:
            raise LayoutInputError("distance", f"must be a non-empty 2-D matrix, got {km.shape}")
        if not np.isfinite(km).all() or (km < 0).any():
            raise LayoutInputError("distance", "must hold finite non-negative values")
    else:
        if stores is None:
            raise LayoutInputError("stores", "coordinates are needed when no distance is given")
        store_xy = _coordinates("stores", stores)
        site_xy = store_xy if sites is None else _coordinates("sites", sites)
        km = haversine_km(store_xy, site_xy)
        if exact_nearest < 0:
            raise LayoutInputError("exact_nearest", f"must be >= 0, got {exact_nearest}")
        count = min(exact_nearest, km.shape[1])
        if count:
            nearest = np.argpartition(km, count - 1, axis=1)[:, :count]
            for i, row in enumerate(nearest):
                for j in row:
                    km[i, j] = geodesic(tuple(store_xy[i]), tuple(site_xy[j])).km
    n = km.shape[0]
    weights = np.ones(n) if demand is None else np.array(demand, dtype=np.float64)
    if weights.shape != (n,):
        raise LayoutInputError(
            "demand", f"must have one entry per store ({n}), got {weights.shape}"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise LayoutInputError("demand", "must hold finite non-negative values")
    return km * weights[:, None]
