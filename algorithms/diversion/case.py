"""A diversion case: one responsible distributor's units surfacing in one foreign region in
one period, with the figures, rules and reasons that raised it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from algorithms.diversion.periods import Period
from algorithms.diversion.settings import Rule
from algorithms.diversion.severity import Severity

__all__ = ["DiversionCase"]


@dataclass(frozen=True, slots=True)
class DiversionCase:
    """A raised diversion case.

    Parameters
    ----------
    id
        Stable: :func:`~algorithms.diversion.ids.case_id` of distributor, region and period.
    distributor_id, region_code, period
        The responsible distributor, the destination region, the calendar period.
    units, scans, consumers
        Distinct units, scans and distinct scanners outside the territory.
    sibling_units
        Units sharing a case or pallet with another unit that surfaced in the same region.
    days
        Distinct local days with scans.
    expected_consumers
        How many consumers travellers alone would explain there (see
        :mod:`algorithms.diversion.settings`).
    distance_km
        From the destination region's centroid to the nearest centroid within the territory
        (geodesic, WGS 84); None without centroids.
    first_seen, last_seen
        The first and last scan (UTC).
    gtins
        The products involved.
    rules
        The rules that fired, in the order of :class:`~algorithms.diversion.settings.Rule`.
    score, severity
        See :mod:`algorithms.diversion.severity`.
    reasons
        Plain-language reasons, the first a summary, then one per fired rule naming it.
    codes, scan_ids
        The units and the scans, sorted: the evidence to open.
    """

    id: str
    distributor_id: str
    region_code: str
    period: Period
    units: int
    scans: int
    consumers: int
    sibling_units: int
    days: int
    expected_consumers: float
    distance_km: float | None
    first_seen: datetime
    last_seen: datetime
    gtins: tuple[str, ...]
    rules: tuple[Rule, ...]
    score: float
    severity: Severity
    reasons: tuple[str, ...]
    codes: tuple[str, ...]
    scan_ids: tuple[str, ...]
