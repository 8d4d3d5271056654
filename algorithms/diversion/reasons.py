"""The plain-language reasons of a diversion case: a summary, then one line per fired rule
that names the rule, the figure and the threshold it passed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta, timezone

from algorithms.diversion.case import DiversionCase
from algorithms.diversion.settings import DEFAULT_SETTINGS, DiversionSettings, Rule

__all__ = ["case_reasons"]


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def case_reasons(
    case: DiversionCase,
    settings: DiversionSettings = DEFAULT_SETTINGS,
    names: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """The reasons of ``case``; ``names`` (party or region key -> name) makes them readable.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from algorithms.diversion.periods import period_of
    >>> from algorithms.diversion.severity import Severity
    >>> at = datetime(2025, 4, 2, tzinfo=UTC)
    >>> case = DiversionCase("id", "d1", "440300", period_of(663, "month", 8 * 3600), 12, 14, 9,
    ...     6, 5, 0.02, 812.4, at, at, ("g",), (Rule.VOLUME,), 0.5, Severity.MEDIUM, (), (), ())
    >>> for line in case_reasons(case, names={"440300": "深圳市"}):
    ...     print(line)
    12 units of d1's stock were scanned 14 times by 9 consumers in 深圳市 (440300), 812 km from its territory, between 2025-04-02 and 2025-04-02 (period 2025-04).
    volume: 12 units surfaced outside the territory (rule: at least 10 units, from at least 2 consumers).
    background: travellers alone would explain about 0.02 of the 9 consumers.
    """  # noqa: E501
    named = names or {}

    def name(key: str) -> str:
        return f"{named[key]} ({key})" if key in named else key

    tz = timezone(timedelta(seconds=settings.offset_seconds))
    first = case.first_seen.astimezone(tz).date().isoformat()
    last = case.last_seen.astimezone(tz).date().isoformat()
    far = "" if case.distance_km is None else f", {case.distance_km:.0f} km from its territory"
    lines = [
        f"{_n(case.units, 'unit')} of {name(case.distributor_id)}'s stock were scanned "
        f"{_n(case.scans, 'time')} by {_n(case.consumers, 'consumer')} in "
        f"{name(case.region_code)}{far}, between {first} and {last} "
        f"(period {case.period.label})."
    ]
    s = settings
    for rule in case.rules:
        if rule is Rule.VOLUME:
            lines.append(
                f"volume: {_n(case.units, 'unit')} surfaced outside the territory (rule: at "
                f"least {s.volume_units} units, from at least {s.min_consumers} consumers)."
            )
        elif rule is Rule.SIBLINGS:
            lines.append(
                f"siblings: {_n(case.sibling_units, 'unit')} share a case or pallet with another "
                f"unit that surfaced here (rule: at least {s.sibling_units}): the goods came by "
                "the case, not one bottle at a time."
            )
        else:
            lines.append(
                f"repetition: {_n(case.consumers, 'consumer')} scanned on "
                f"{_n(case.days, 'day')} (rule: at least {s.repeat_consumers} consumers on "
                f"{s.repeat_days} days): it keeps happening."
            )
    lines.append(
        f"background: travellers alone would explain about {case.expected_consumers:.2g} of "
        f"the {_n(case.consumers, 'consumer')}."
    )
    return tuple(lines)
