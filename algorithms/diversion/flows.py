"""Goods flows between regions and the velocity of units through the channel.

:func:`region_flows` counts units per product, period, origin and destination region: fed
with transfers it shows units moved between regions; fed with each unit's region of
destination (where it was sent) and the region of its first consumer scan (where it ended
up) it shows where units ended up against where they were sent. :func:`velocity` gives the
days from plant to store, store to consumer and plant to consumer per product and period of
manufacture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.periods import period_index, period_of
from algorithms.diversion.scans import factorize
from algorithms.diversion.settings import DEFAULT_SETTINGS, DiversionSettings

__all__ = ["Flow", "Leg", "Velocity", "region_flows", "velocity"]

_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Flow:
    """``units`` of product ``gtin`` went from ``origin`` to ``destination`` in ``period``."""

    gtin: str
    period: str
    origin: str
    destination: str
    units: int

    @property
    def crossed(self) -> bool:
        """Whether the units left their origin region."""
        return self.origin != self.destination


@dataclass(frozen=True, slots=True)
class Leg:
    """Days taken on one leg by the ``units`` that completed it (None when none did)."""

    units: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True, slots=True)
class Velocity:
    """How fast units of ``gtin`` made in ``period`` moved through the channel."""

    gtin: str
    period: str
    units: int
    plant_to_store: Leg
    store_to_consumer: Leg
    plant_to_consumer: Leg


def _times(name: str, values: ArrayLike, n: int) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,):
        raise DiversionInputError(name, f"must have one entry per unit ({n}), got {array.shape}")
    if np.isinf(array).any():
        raise DiversionInputError(name, "must hold epoch seconds or NaN, not infinities")
    return array


def region_flows(
    gtins: Sequence[str],
    at: ArrayLike,
    origins: Sequence[str | None],
    destinations: Sequence[str | None],
    *,
    settings: DiversionSettings = DEFAULT_SETTINGS,
) -> list[Flow]:
    """Units per product, period (of ``at``, epoch seconds), origin and destination; one
    row per unit moved, rows with an unknown end left out; sorted by product, period, most
    units first.

    Examples
    --------
    >>> t = 1743465600  # 2025-04-01 00:00 UTC
    >>> flows = region_flows(["g", "g", "g"], [t, t, t], ["4403", "4403", "4403"],
    ...                      ["4403", "1101", "1101"])
    >>> [(f.period, f.origin, f.destination, f.units, f.crossed) for f in flows]
    [('2025-04', '4403', '1101', 2, True), ('2025-04', '4403', '4403', 1, False)]
    """
    n = len(gtins)
    times = _times("at", at, n)
    if len(origins) != n or len(destinations) != n:
        raise DiversionInputError("origins", f"origins and destinations need {n} entries each")
    g, gtin_of = factorize(gtins)
    o, origin_of = factorize(origins)
    d, destination_of = factorize(destinations)
    ok = (g >= 0) & (o >= 0) & (d >= 0) & ~np.isnan(times)
    if not ok.any():
        return []
    offset = settings.offset_seconds
    period = period_index(times[ok].astype(np.int64), settings.period, offset)
    p0 = int(period.min())
    n_o, n_d, n_p = len(origin_of), len(destination_of), int(period.max()) - p0 + 1
    key = ((g[ok].astype(np.int64) * n_p + (period - p0)) * n_o + o[ok]) * n_d + d[ok]
    keys, counts = np.unique(key, return_counts=True)
    flows = []
    for k, units in zip(keys.tolist(), counts.tolist(), strict=True):
        rest, di = divmod(k, n_d)
        rest, oi = divmod(rest, n_o)
        gi, pi = divmod(rest, n_p)
        label = period_of(p0 + pi, settings.period, offset).label
        flows.append(Flow(gtin_of[gi], label, origin_of[oi], destination_of[di], units))
    flows.sort(key=lambda f: (f.gtin, f.period, -f.units, f.origin, f.destination))
    return flows


def _leg(days: NDArray[np.float64]) -> Leg:
    done = days[~np.isnan(days)]
    if not done.size:
        return Leg(0, None, None)
    median, p90 = np.percentile(done, [50, 90])
    return Leg(int(done.size), round(float(median), 2), round(float(p90), 2))


def velocity(
    gtins: Sequence[str],
    made_at: ArrayLike,
    store_at: ArrayLike,
    consumer_at: ArrayLike,
    *,
    settings: DiversionSettings = DEFAULT_SETTINGS,
) -> list[Velocity]:
    """Days plant → store → consumer per product and period of manufacture, one row per unit:
    when it was made, received at a store and first scanned by a consumer (epoch seconds,
    NaN when it has not got there).

    Examples
    --------
    >>> t, day = 1743465600, 86_400
    >>> v = velocity(["g", "g"], [t, t], [t + 3 * day, t + 5 * day], [t + 10 * day, float("nan")])
    >>> v[0].period, v[0].plant_to_store.median_days, v[0].store_to_consumer
    ('2025-04', 4.0, Leg(units=1, median_days=7.0, p90_days=7.0))
    """
    n = len(gtins)
    made = _times("made_at", made_at, n)
    store = _times("store_at", store_at, n)
    consumer = _times("consumer_at", consumer_at, n)
    if np.isnan(made).any():
        raise DiversionInputError("made_at", "every unit needs the time it was made")
    if not n:
        return []
    g, gtin_of = factorize(gtins)
    period = period_index(made.astype(np.int64), settings.period, settings.offset_seconds)
    p0 = int(period.min())
    key = g.astype(np.int64) * (int(period.max()) - p0 + 1) + (period - p0)
    keys, inverse = np.unique(key, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
    span = int(period.max()) - p0 + 1
    out = []
    for j, k in enumerate(keys.tolist()):
        rows = order[bounds[j] : bounds[j + 1]]
        gi, pi = divmod(k, span)
        out.append(
            Velocity(
                gtin_of[gi],
                period_of(p0 + pi, settings.period, settings.offset_seconds).label,
                int(rows.size),
                _leg((store[rows] - made[rows]) / _DAY),
                _leg((consumer[rows] - store[rows]) / _DAY),
                _leg((consumer[rows] - made[rows]) / _DAY),
            )
        )
    return out
