"""The plain verdict of a verification: is this code ours, and is this unit likely genuine?

Pure rules on :class:`~graph_model.provenance.VerifyFacts`. A code the brand never commissioned
is likely counterfeit; a genuine code read by consumers in many places, or many times, has
most likely been copied onto fakes (the copies are scanned wherever the fakes are sold);
recalled, decommissioned or stolen units are named as such before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from graph_model.provenance import VerifyFacts

__all__ = ["DEFAULT_RULES", "Verdict", "VerdictLevel", "VerdictRules", "judge", "province_of"]


class VerdictLevel(StrEnum):
    """How far to trust the unit in hand."""

    GENUINE = "genuine"
    CAUTION = "caution"
    SUSPECT = "suspect"
    COUNTERFEIT = "counterfeit"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A level, a one-line summary for the person scanning, and the reasons behind it."""

    level: VerdictLevel
    summary: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerdictRules:
    """Thresholds of the copied-code rule.

    Parameters
    ----------
    copied_scans
        Consumer scans before this one from which a code counts as copied.
    copied_provinces
        Distinct provinces of consumer scans from which a code counts as copied.
    """

    copied_scans: int = 5
    copied_provinces: int = 3

    def __post_init__(self) -> None:
        if self.copied_scans < 1 or self.copied_provinces < 2:
            raise ValueError(
                "copied_scans must be at least 1 and copied_provinces at least 2, got "
                f"{self.copied_scans} and {self.copied_provinces}"
            )


DEFAULT_RULES = VerdictRules()

_WITHDRAWN_STATUS = {
    "recalled": (VerdictLevel.WITHDRAWN, "recalled — do not use; contact the brand"),
    "decommissioned": (VerdictLevel.SUSPECT, "decommissioned code — likely copied"),
    "destroyed": (VerdictLevel.SUSPECT, "code of a destroyed unit — likely copied"),
    "stolen": (VerdictLevel.SUSPECT, "reported stolen"),
}
_CAUTION_STATUS = {
    "consumed": "already consumed",
    "expired": "expired",
    "damaged": "reported damaged",
    "non_sellable": "not for sale",
    "inactive": "not active",
}


def province_of(region: str | None) -> str | None:
    """The province of a six-digit Chinese administrative code; None for other regions.

    >>> province_of("310115"), province_of("440300"), province_of("custom-bay"), province_of(None)
    ('310000', '440000', None, None)
    """
    if region is None or len(region) != 6 or not region.isdigit():
        return None
    return region[:2] + "0000"


def _times(n: int) -> str:
    return "1 time" if n == 1 else f"{n} times"


def _provinces(n: int) -> str:
    return "1 province" if n == 1 else f"{n} provinces"


def judge(facts: VerifyFacts, rules: VerdictRules = DEFAULT_RULES) -> Verdict:
    """The verdict on ``facts`` (which leave out the scan being judged, if any).

    Examples
    --------
    >>> from graph_model.provenance import ScanFacts
    >>> none = ScanFacts(0, 0, (), (), None, None, None, None, None)
    >>> unknown = VerifyFacts("urn:yima:code:X", False, None, None, None, None, None, None, none)
    >>> judge(unknown).summary
    'never commissioned — likely counterfeit'
    >>> from datetime import datetime, UTC
    >>> made = datetime(2026, 1, 1, tzinfo=UTC)
    >>> ours = VerifyFacts("urn:yima:code:X", True, "sold", made, made, None, None, None, none)
    >>> judge(ours).summary
    'genuine, first scan'
    """
    scans = facts.scans
    seen: list[str] = []
    if scans.total:
        place = scans.first_region_name or scans.first_region or "an unknown place"
        first = scans.first_at.isoformat() if scans.first_at else "an unknown time"
        seen.append(f"scanned {_times(scans.total)} before, first at {first} in {place}")

    if not facts.issued:
        return Verdict(
            VerdictLevel.COUNTERFEIT,
            "never commissioned — likely counterfeit",
            (f"{facts.code} was never commissioned by the brand", *seen),
        )

    made = f"commissioned {facts.commissioned_at.isoformat()}" if facts.commissioned_at else ""
    origin = tuple(r for r in (made, f"lot {facts.lot}" if facts.lot else "") if r)
    status = facts.status or "active"
    if status in _WITHDRAWN_STATUS:
        level, summary = _WITHDRAWN_STATUS[status]
        return Verdict(level, summary, (f"status is {status}", *origin, *seen))

    provinces = {p for p in map(province_of, scans.consumer_regions) if p is not None}
    if scans.consumer >= rules.copied_scans or len(provinces) >= rules.copied_provinces:
        summary = (
            f"scanned {_times(scans.consumer)} in {_provinces(len(provinces))} — likely copied code"
        )
        reasons = (
            f"{scans.consumer} consumer scans before this one",
            f"consumer scans in {len(provinces)} provinces: {', '.join(sorted(provinces))}"
            if provinces
            else "consumer scans carry no province",
            *seen,
        )
        return Verdict(VerdictLevel.SUSPECT, summary, reasons)

    notes: list[str] = []
    if status in _CAUTION_STATUS:
        notes.append(f"status is {status}: {_CAUTION_STATUS[status]}")
    elif status == "active":
        notes.append("not recorded as sold yet")

    if scans.consumer == 0:
        level = VerdictLevel.CAUTION if status in _CAUTION_STATUS else VerdictLevel.GENUINE
        return Verdict(level, "genuine, first scan", (*origin, *notes, *seen))
    return Verdict(
        VerdictLevel.CAUTION,
        f"genuine, scanned {_times(scans.consumer)} before",
        (*origin, *notes, *seen),
    )
