"""How serious a diversion case is: a score in [0, 1] and a level.

The score is a weighted sum of four saturating terms: units (how much stock leaked),
consumers (how far it spread), packaging siblings (whether it moved by the case) and the
distance from the territory (how far it went). Counts enter by their logarithm, so the
hundredth unit adds less than the tenth; distance enters linearly up to ``full_km``.
"""

from __future__ import annotations

import math
from enum import StrEnum

from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.settings import DEFAULT_SETTINGS, DiversionSettings

__all__ = ["Severity", "severity_level", "severity_score"]


class Severity(StrEnum):
    """A case's level, for sorting work queues."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _saturating(count: int, full: int) -> float:
    return min(1.0, math.log1p(count) / math.log1p(full))


def severity_score(
    units: int,
    consumers: int,
    sibling_units: int,
    distance_km: float | None,
    settings: DiversionSettings = DEFAULT_SETTINGS,
) -> float:
    """The severity score of a case with these figures; an unknown distance counts as 0.

    Examples
    --------
    >>> small = severity_score(10, 2, 0, 100.0)
    >>> large = severity_score(120, 40, 60, 1200.0)
    >>> round(small, 3), round(large, 3), severity_level(small).name, severity_level(large).name
    (0.236, 0.927, 'LOW', 'HIGH')
    """
    if min(units, consumers, sibling_units) < 0 or (distance_km is not None and distance_km < 0):
        raise DiversionInputError(
            "case", f"figures must not be negative, got {units}, {consumers}, {sibling_units}"
        )
    s = settings
    km = 0.0 if distance_km is None else min(1.0, distance_km / s.full_km)
    return (
        s.weight_units * _saturating(units, s.full_units)
        + s.weight_consumers * _saturating(consumers, s.full_consumers)
        + s.weight_siblings * _saturating(sibling_units, s.full_sibling_units)
        + s.weight_distance * km
    )


def severity_level(score: float, settings: DiversionSettings = DEFAULT_SETTINGS) -> Severity:
    """The level of ``score``: HIGH from ``settings.high``, MEDIUM from ``settings.medium``."""
    if score >= settings.high:
        return Severity.HIGH
    if score >= settings.medium:
        return Severity.MEDIUM
    return Severity.LOW
