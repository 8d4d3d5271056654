"""Consumer profiles from behaviour only: an RFM segment, the home region (where a consumer
scans most), preferred products, active hours, and new or returning in the period.

RFM as measured here, at a moment ``as_of``:

- recency: days since the consumer's last scan;
- frequency: days with a scan (a day of several scans is one visit);
- monetary: units scanned (distinct codes: what the consumer bought), with the prize value
  won kept beside it.

Segments, decided in this order by the thresholds of :class:`RfmSettings`:

==============  ====================================================================
``lost``        no scan for more than ``lost_days``
``champions``   scans on ``repeat_days`` or more days, the last within ``recent_days``,
                and ``champion_units`` or more units
``loyal``       scans on ``repeat_days`` or more days, the last within ``recent_days``
``at_risk``     scans on ``repeat_days`` or more days, none within ``recent_days``
``new``         a first scan ever within ``recent_days`` (and fewer repeat days)
``occasional``  everyone else: one day of scans, neither recent newcomers nor lost
==============  ====================================================================

Reference: A. M. Hughes, *Strategic Database Marketing* (1994), the RFM model; fixed,
stated thresholds are used instead of quintiles so a segment means the same in every
campaign.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from algorithms.campaigns.errors import CampaignInputError

__all__ = [
    "ConsumerProfile",
    "ProfileScan",
    "RfmSettings",
    "Segment",
    "SegmentFigures",
    "hour_counts",
    "profile",
    "segment_figures",
    "segments",
]

_DAY = 86_400.0
_HOUR = 3_600.0


class Segment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    AT_RISK = "at_risk"
    NEW = "new"
    OCCASIONAL = "occasional"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class RfmSettings:
    recent_days: float = 7.0
    lost_days: float = 30.0
    repeat_days: int = 2
    champion_units: int = 4
    #: Hours are read on the clock of this UTC offset (China: +8).
    utc_offset_hours: float = 8.0

    def __post_init__(self) -> None:
        if not 0 < self.recent_days < self.lost_days:
            raise CampaignInputError("need 0 < recent_days < lost_days")
        if self.repeat_days < 2 or self.champion_units < 1:
            raise CampaignInputError("need repeat_days >= 2 and champion_units >= 1")


def segments(
    recency_days: npt.ArrayLike,
    days: npt.ArrayLike,
    units: npt.ArrayLike,
    first_seen_days: npt.ArrayLike,
    settings: RfmSettings | None = None,
) -> list[Segment]:
    """The segment of each consumer from arrays of recency (days since the last scan), days
    with a scan, units, and days since the first scan ever.

    >>> [str(s) for s in segments([1, 1, 10, 40, 2, 12], [3, 2, 3, 5, 1, 1], [5, 2, 3, 9, 1, 1],
    ...                           [9, 9, 20, 90, 2, 12])]
    ['champions', 'loyal', 'at_risk', 'lost', 'new', 'occasional']
    """
    s = settings or RfmSettings()
    r = np.asarray(recency_days, dtype=float)
    d = np.asarray(days, dtype=float)
    u = np.asarray(units, dtype=float)
    first = np.asarray(first_seen_days, dtype=float)
    if not r.shape == d.shape == u.shape == first.shape:
        raise CampaignInputError("recency, days, units and first-seen must have one length")
    recent = r <= s.recent_days
    repeat = d >= s.repeat_days
    choices = [
        (r > s.lost_days, Segment.LOST),
        (repeat & recent & (u >= s.champion_units), Segment.CHAMPIONS),
        (repeat & recent, Segment.LOYAL),
        (repeat, Segment.AT_RISK),
        (first <= s.recent_days, Segment.NEW),
    ]
    picked = np.select([c for c, _ in choices], np.arange(len(choices)), default=len(choices))
    names = [seg for _, seg in choices] + [Segment.OCCASIONAL]
    return [names[i] for i in picked.tolist()]


@dataclass(frozen=True, slots=True)
class SegmentFigures:
    segment: Segment
    consumers: int
    scans: int
    units: int
    prize_value: float


def segment_figures(
    labels: Sequence[Segment],
    scans: Sequence[int],
    units: Sequence[int],
    prize_value: Sequence[float],
) -> tuple[SegmentFigures, ...]:
    """Consumers, scans, units and prize value per segment, in the order of :class:`Segment`
    (segments nobody is in are left out)."""
    out = []
    for seg in Segment:
        picked = [i for i, x in enumerate(labels) if x is seg]
        if picked:
            out.append(
                SegmentFigures(
                    seg,
                    len(picked),
                    sum(scans[i] for i in picked),
                    sum(units[i] for i in picked),
                    round(sum(prize_value[i] for i in picked), 2),
                )
            )
    return tuple(out)


def hour_counts(ats: Sequence[float], utc_offset_hours: float = 8.0) -> tuple[int, ...]:
    """Scans per hour of day (24 counts) of epoch seconds ``ats`` on the clock of the offset.

    >>> hour_counts([0.0, 3600.0, 86400.0])[8:10]
    (2, 1)
    """
    hours = [0] * 24
    for at in ats:
        hours[int((at + utc_offset_hours * _HOUR) // _HOUR) % 24] += 1
    return tuple(hours)


@dataclass(frozen=True, slots=True)
class ProfileScan:
    """One scan of a consumer: epoch seconds, region (prefecture) code, unit, product and the
    prize value it won."""

    at: float
    region: str | None
    code: str
    gtin: str | None
    prize: float = 0.0


@dataclass(frozen=True, slots=True)
class ConsumerProfile:
    consumer: str
    scans: int
    units: int
    days: int
    first_at: float
    last_at: float
    recency_days: float
    segment: Segment
    #: The region scanned in most (ties: the latest of them).
    home_region: str | None
    #: GTINs by scans, most first (at most five).
    preferred_products: tuple[tuple[str, int], ...]
    #: Scans per hour of day (24 counts) on the settings' clock.
    active_hours: tuple[int, ...]
    prizes: int
    prize_value: float
    #: Whether the first scan ever falls in the period asked about.
    new_in_period: bool


def profile(
    consumer: str,
    scans: Sequence[ProfileScan],
    as_of: float,
    period_start: float,
    earlier_first: float | None = None,
    settings: RfmSettings | None = None,
) -> ConsumerProfile:
    """The profile of ``consumer`` from their scans in the period (epoch seconds from
    ``period_start`` to ``as_of``); ``earlier_first`` is their first scan before the period,
    if any.

    >>> p = profile("a", [ProfileScan(0.0, "320100", "u1", "g1", 8.8),
    ...                   ProfileScan(86400.0 * 2, "320100", "u2", "g1")], 86400.0 * 3, 0.0)
    >>> p.segment, p.home_region, p.days, p.preferred_products, p.new_in_period
    (<Segment.LOYAL: 'loyal'>, '320100', 2, (('g1', 2),), True)
    >>> p.active_hours[8]
    2
    """
    if not scans:
        raise CampaignInputError(f"consumer {consumer!r} has no scans to profile")
    s = settings or RfmSettings()
    ordered = sorted(scans, key=lambda x: x.at)
    first, last = ordered[0].at, ordered[-1].at
    first_ever = first if earlier_first is None else min(first, earlier_first)
    days = len({int(x.at // _DAY) for x in ordered})
    units = len({x.code for x in ordered})
    regions = Counter(x.region for x in ordered if x.region is not None)
    home = None
    if regions:
        top = max(regions.values())
        home = next(x.region for x in reversed(ordered) if x.region and regions[x.region] == top)
    products = Counter(x.gtin for x in ordered if x.gtin is not None)
    hours = hour_counts([x.at for x in ordered], s.utc_offset_hours)
    recency = (as_of - last) / _DAY
    (label,) = segments([recency], [days], [units], [(as_of - first_ever) / _DAY], s)
    won = [x.prize for x in ordered if x.prize > 0]
    return ConsumerProfile(
        consumer=consumer,
        scans=len(ordered),
        units=units,
        days=days,
        first_at=first,
        last_at=last,
        recency_days=recency,
        segment=label,
        home_region=home,
        preferred_products=tuple(sorted(products.items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
        active_hours=hours,
        prizes=len(won),
        prize_value=round(float(sum(won)), 2),
        new_in_period=first_ever >= period_start,
    )
