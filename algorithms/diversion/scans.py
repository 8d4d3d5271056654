"""Scan rows, the input of diversion detection, held as columns.

A graph read returns one row per scan: who scanned which unit, when and where, which
distributor answers for the unit, and which case and pallet the unit travelled in.
:class:`ScanTable` keeps those rows as columns (Python sequences for text, numpy arrays for
times and coordinates) so that a million of them cost columns, not a million objects;
:class:`ScanRow` is the one-row form for callers and tests that have few.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from algorithms.diversion.errors import DiversionInputError

__all__ = ["ScanRow", "ScanTable", "factorize"]

IntArray = NDArray[np.int32]
FloatArray = NDArray[np.float64]
K = TypeVar("K", bound=Hashable)
_COLUMNS = (
    "codes", "gtins", "at", "regions", "actors", "distributors", "cases", "pallets", "lat", "lon",
)  # fmt: skip


def factorize(values: Iterable[K | None]) -> tuple[IntArray, list[K]]:
    """Small integers for ``values`` (-1 for None) and the distinct values in first-seen order.

    >>> codes, uniques = factorize(["b", "a", None, "b"])
    >>> codes.tolist(), uniques
    ([0, 1, -1, 0], ['b', 'a'])
    """
    index: dict[K | None, int] = {None: -1}
    # A new value gets the number of distinct values seen so far: len(index) - 1 (None's slot).
    setdefault = index.setdefault
    codes = np.fromiter((setdefault(v, len(index) - 1) for v in values), dtype=np.int32)
    uniques = [k for k in index if k is not None]
    return codes, uniques


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One scan of one unit.

    Parameters
    ----------
    scan_id
        The scan's key (its event id), quoted as evidence.
    code
        The unit scanned (its canonical EPC).
    gtin
        The unit's product.
    at
        When, timezone-aware.
    region_code
        Where: the region its GPS point was located in, else the region the scanner declared;
        None when neither is known.
    actor
        Who scanned: a consumer id, or a store's party id.
    distributor_id
        The distributor that answers for the unit: the last distributor that recorded
        receiving it, else the one whose territory it was shipped into; None if neither.
    case_id, pallet_id
        The case and pallet the unit was packed in, if any.
    lat, lon
        The GPS point, if any.
    """

    scan_id: str
    code: str
    gtin: str
    at: datetime
    region_code: str | None
    actor: str
    distributor_id: str | None
    case_id: str | None = None
    pallet_id: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ScanTable:
    """Scan rows as columns of equal length; ``at`` holds UTC epoch seconds (int64) and
    ``lat`` / ``lon`` NaN where a scan has no GPS point.

    Build one with :meth:`from_rows` or :meth:`from_columns`.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> row = ScanRow("s1", "u1", "g", datetime(2025, 4, 1, tzinfo=UTC), "440300", "c1", "d1")
    >>> table = ScanTable.from_rows([row])
    >>> len(table), int(table.at[0]), table.row(0) == row
    (1, 1743465600, True)
    """

    scan_ids: Sequence[str]
    codes: Sequence[str]
    gtins: Sequence[str]
    at: NDArray[np.int64]
    regions: Sequence[str | None]
    actors: Sequence[str]
    distributors: Sequence[str | None]
    cases: Sequence[str | None]
    pallets: Sequence[str | None]
    lat: FloatArray
    lon: FloatArray

    def __post_init__(self) -> None:
        n = len(self.scan_ids)
        for name in _COLUMNS:
            got = len(getattr(self, name))
            if got != n:
                raise DiversionInputError(
                    f"scans.{name}", f"must have one entry per scan ({n}), got {got}"
                )
        if not isinstance(self.at, np.ndarray) or self.at.dtype != np.int64 or self.at.ndim != 1:
            raise DiversionInputError("scans.at", "must be a 1-D int64 array of epoch seconds")
        for name, bound in (("lat", 90.0), ("lon", 180.0)):
            values: FloatArray = getattr(self, name)
            if values.dtype != np.float64 or values.ndim != 1:
                raise DiversionInputError(f"scans.{name}", "must be a 1-D float64 array")
            if (np.abs(values) > bound).any() or np.isinf(values).any():
                first = int(np.argmax((np.abs(values) > bound) | np.isinf(values)))
                raise DiversionInputError(
                    f"scans.{name}",
                    f"must lie within [-{bound:g}, {bound:g}] or be NaN, got {values[first]} "
                    f"(scan {self.scan_ids[first]!r})",
                )

    @classmethod
    def from_columns(
        cls,
        *,
        scan_ids: Sequence[str],
        codes: Sequence[str],
        gtins: Sequence[str],
        at: ArrayLike,
        regions: Sequence[str | None],
        actors: Sequence[str],
        distributors: Sequence[str | None],
        cases: Sequence[str | None] | None = None,
        pallets: Sequence[str | None] | None = None,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
    ) -> ScanTable:
        """A table from columns as a graph read returns them; ``at`` in epoch seconds (or
        ``datetime64``), absent packages and coordinates filled with None / NaN."""
        n = len(scan_ids)
        times = np.asarray(at)
        if np.issubdtype(times.dtype, np.datetime64):
            times = times.astype("datetime64[s]").astype(np.int64)
        elif times.size and not np.issubdtype(times.dtype, np.integer):
            raise DiversionInputError(
                "scans.at", f"must be epoch seconds or datetime64, got dtype {times.dtype}"
            )
        nothing: list[str | None] = [None] * n
        return cls(
            scan_ids,
            codes,
            gtins,
            times.astype(np.int64),
            regions,
            actors,
            distributors,
            nothing if cases is None else cases,
            nothing if pallets is None else pallets,
            _coordinates(lat, n),
            _coordinates(lon, n),
        )

    @classmethod
    def from_rows(cls, rows: Iterable[ScanRow]) -> ScanTable:
        """A table of ``rows``; every ``at`` must be timezone-aware."""
        rows = list(rows)
        for row in rows:
            if row.at.tzinfo is None:
                raise DiversionInputError(
                    "scans.at", f"must be timezone-aware, got {row.at} (scan {row.scan_id!r})"
                )
        return cls.from_columns(
            scan_ids=[r.scan_id for r in rows],
            codes=[r.code for r in rows],
            gtins=[r.gtin for r in rows],
            at=np.array([int(r.at.timestamp()) for r in rows], dtype=np.int64),
            regions=[r.region_code for r in rows],
            actors=[r.actor for r in rows],
            distributors=[r.distributor_id for r in rows],
            cases=[r.case_id for r in rows],
            pallets=[r.pallet_id for r in rows],
            lat=[np.nan if r.lat is None else r.lat for r in rows],
            lon=[np.nan if r.lon is None else r.lon for r in rows],
        )

    def __len__(self) -> int:
        return len(self.scan_ids)

    def row(self, i: int) -> ScanRow:
        """Row ``i`` as a :class:`ScanRow` (times in UTC)."""
        lat, lon = float(self.lat[i]), float(self.lon[i])
        return ScanRow(
            self.scan_ids[i],
            self.codes[i],
            self.gtins[i],
            datetime.fromtimestamp(int(self.at[i]), UTC),
            self.regions[i],
            self.actors[i],
            self.distributors[i],
            self.cases[i],
            self.pallets[i],
            None if np.isnan(lat) else lat,
            None if np.isnan(lon) else lon,
        )


def _coordinates(values: ArrayLike | None, n: int) -> FloatArray:
    if values is None:
        return np.full(n, np.nan)
    array: FloatArray = np.asarray(values, dtype=np.float64)
    return array
