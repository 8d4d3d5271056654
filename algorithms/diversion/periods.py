"""Calendar periods of the brand's local time: which month or ISO week each instant falls in.

Cases are counted per period, and a case id hashes its period's label, so periods are fixed
calendar buckets (not windows relative to the analysed range): analysing the same scans
twice, or a range that overlaps an earlier one, gives the same periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from algorithms.diversion.errors import DiversionInputError

__all__ = ["Period", "PeriodKind", "period_index", "period_of"]

PeriodKind = Literal["month", "week"]
_DAY: Final = 86_400
# 1970-01-01 was a Thursday: day d lies in the week (Monday start) number (d + 3) // 7.
_THURSDAY_SHIFT: Final = 3


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar period: its label (``2025-04``, ``2025-W14``) and its bounds in UTC
    (``start`` inclusive, ``end`` exclusive)."""

    label: str
    start: datetime
    end: datetime


def _check(kind: str, offset_seconds: int) -> None:
    if kind not in ("month", "week"):
        raise DiversionInputError("settings.period", f"must be 'month' or 'week', got {kind!r}")
    if abs(offset_seconds) > 14 * 3600:
        raise DiversionInputError(
            "settings.utc_offset_hours", f"must lie within [-14, 14] hours, got {offset_seconds}s"
        )


def period_index(at: NDArray[np.int64], kind: PeriodKind, offset_seconds: int) -> NDArray[np.int64]:
    """The period number of every epoch second in ``at``: months since 1970-01 or weeks since
    the week of 1970-01-01, in local time ``UTC + offset_seconds``.

    >>> at = np.array([1743465600, 1743465600 - 3600], dtype=np.int64)  # 2025-04-01 00:00Z
    >>> period_index(at, "month", 0).tolist(), period_index(at, "month", -7200).tolist()
    ([663, 662], [662, 662])
    """
    _check(kind, offset_seconds)
    local = at + offset_seconds
    if kind == "month":
        months: NDArray[np.int64] = (
            local.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
        )
        return months
    weeks: NDArray[np.int64] = (local // _DAY + _THURSDAY_SHIFT) // 7
    return weeks


def period_of(index: int, kind: PeriodKind, offset_seconds: int) -> Period:
    """The :class:`Period` numbered ``index`` by :func:`period_index`.

    >>> p = period_of(663, "month", 8 * 3600)
    >>> p.label, p.start.isoformat(), p.end.isoformat()
    ('2025-04', '2025-03-31T16:00:00+00:00', '2025-04-30T16:00:00+00:00')
    >>> period_of(2883, "week", 0).label  # the week of Tuesday 2025-04-01
    '2025-W14'
    """
    _check(kind, offset_seconds)
    tz = timezone(timedelta(seconds=offset_seconds))
    if kind == "month":
        year, month = divmod(index, 12)
        start = datetime(1970 + year, month + 1, 1, tzinfo=tz)
        year, month = divmod(index + 1, 12)
        end = datetime(1970 + year, month + 1, 1, tzinfo=tz)
        label = f"{start.year:04d}-{start.month:02d}"
    else:
        monday = date(1970, 1, 1) + timedelta(days=index * 7 - _THURSDAY_SHIFT)
        start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
        end = start + timedelta(days=7)
        iso = monday.isocalendar()
        label = f"{iso.year:04d}-W{iso.week:02d}"
    return Period(label, start.astimezone(UTC), end.astimezone(UTC))
