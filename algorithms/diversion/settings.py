"""The rules of diversion detection and their thresholds, with documented defaults.

A group of out-of-territory scans (one responsible distributor, one destination region, one
period) becomes a case only when its consumers reach ``min_consumers`` *and* at least one
rule fires:

``volume``
    at least ``volume_units`` distinct units surfaced there;
``siblings``
    at least ``sibling_units`` of them share a case or pallet with another unit surfaced
    there: goods arrived by the case, not one bottle in a traveller's bag;
``repetition``
    at least ``repeat_consumers`` consumers scanned on at least ``repeat_days`` different days.

So one tourist scanning one bottle far from home (one consumer, one unit) is never a case,
and neither is one person scanning the bottles they carried to a banquet (one consumer).

Counts alone cry wolf at scale: a distributor selling a million units has thousands of
customers travelling, and dozens of them scan in Beijing every month. So a group is raised
only when its consumers are also more than travellers explain (``background_p``): the
expected number is what the distributor's other out-of-territory consumers, spread over
regions as the other distributors' are, would put there (the independence model of the
distributor × region table, without the group itself and without groups already raised,
each region's share smoothed by one traveller over all regions of the tree and never below
an even spread over them), and the chance
of seeing at least the group's consumers under a Poisson law of that mean must be at most
``background_p``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Final

from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.periods import PeriodKind

__all__ = ["DEFAULT_SETTINGS", "DiversionSettings", "Rule"]


class Rule(StrEnum):
    """A rule that raises a diversion case."""

    VOLUME = "volume"
    SIBLINGS = "siblings"
    REPETITION = "repetition"


@dataclass(frozen=True, slots=True)
class DiversionSettings:
    """Thresholds of the case rules, the period and the severity scale.

    Parameters
    ----------
    period
        Cases are counted per calendar ``"month"`` (default) or ISO ``"week"``.
    utc_offset_hours
        The local time periods follow; 8 (China Standard Time) by default.
    min_consumers
        Distinct scanners a group needs before any rule may raise it (2).
    volume_units
        Units of the ``volume`` rule (10).
    sibling_units
        Units sharing a case or pallet, of the ``siblings`` rule (3).
    repeat_consumers, repeat_days
        Consumers and distinct days of the ``repetition`` rule (3 and 3).
    background_p
        Largest chance that travellers alone put the group's consumers there (1e-6: four
        travellers of one distributor meeting in one of 400 cities by chance stays below it
        when that distributor has about 20 travellers a month).
    full_units, full_consumers, full_sibling_units, full_km
        Where each term of the severity score saturates (200 units, 30 consumers, 48 units,
        1,500 km); terms grow with the logarithm of counts and linearly with distance.
    weight_units, weight_consumers, weight_siblings, weight_distance
        The terms' weights in the score (0.35, 0.2, 0.25, 0.2; they must sum to 1).
    high, medium
        Score from which a case is HIGH (0.6) or MEDIUM (0.35); below, LOW.
    """

    period: PeriodKind = "month"
    utc_offset_hours: float = 8.0
    min_consumers: int = 2
    volume_units: int = 10
    sibling_units: int = 3
    repeat_consumers: int = 3
    repeat_days: int = 3
    background_p: float = 1e-6
    full_units: int = 200
    full_consumers: int = 30
    full_sibling_units: int = 48
    full_km: float = 1500.0
    weight_units: float = 0.35
    weight_consumers: float = 0.2
    weight_siblings: float = 0.25
    weight_distance: float = 0.2
    high: float = 0.6
    medium: float = 0.35

    def __post_init__(self) -> None:
        if self.period not in ("month", "week"):
            raise DiversionInputError(
                "settings.period", f"must be 'month' or 'week', got {self.period!r}"
            )
        if not -14 <= self.utc_offset_hours <= 14:
            raise DiversionInputError(
                "settings.utc_offset_hours",
                f"must lie within [-14, 14], got {self.utc_offset_hours}",
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith(("min_", "volume_", "sibling_", "repeat_", "full_")) and not (
                value >= 1
            ):
                raise DiversionInputError(f"settings.{f.name}", f"must be at least 1, got {value}")
            if f.name.startswith("weight_") and not value >= 0:
                raise DiversionInputError(f"settings.{f.name}", f"must be >= 0, got {value}")
        if not 0 < self.background_p <= 1:
            raise DiversionInputError(
                "settings.background_p", f"must lie within (0, 1], got {self.background_p}"
            )
        total = self.weight_units + self.weight_consumers + self.weight_siblings
        total += self.weight_distance
        if abs(total - 1.0) > 1e-9:
            raise DiversionInputError("settings.weight_*", f"must sum to 1, got {total}")
        if not 0 < self.medium <= self.high <= 1:
            raise DiversionInputError(
                "settings.high", f"need 0 < medium <= high <= 1, got {self.medium}, {self.high}"
            )

    @property
    def offset_seconds(self) -> int:
        """``utc_offset_hours`` in seconds."""
        return round(self.utc_offset_hours * 3600)


DEFAULT_SETTINGS: Final = DiversionSettings()
