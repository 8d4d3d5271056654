"""Scan-to-win campaigns (扫码营销): what a campaign offers, and what a scan won.

A campaign names the products and regions it covers, a time window, a budget and a prize pool
of levels (quantity, amount, probability of a win per scan, points). It is stored on the
``(:Campaign {id})`` node that referrals also name, with its levels as
``(:PrizeLevel {id = campaign|level})``. A consumer scan it covers gets a risk decision
(``(:RiskDecision)``) and, when allowed, a draw; a win is an ``(:Award {id = campaign|code})``,
so a code wins at most once in a campaign, and the store that sold the unit (and the staff
member who opened it) get a ``(:StoreCredit)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

from graph_model.errors import FieldProblem, InvalidField
from graph_model.times import aware

__all__ = [
    "CAMPAIGN_ID_MAX",
    "MAX_BOOST",
    "AwardStatus",
    "CampaignSpec",
    "PrizeLevelSpec",
    "RiskDecision",
    "ScanOutcome",
    "StoredCampaign",
    "StoredLevel",
    "award_key",
    "check_campaign_spec",
    "covers_region",
]

CAMPAIGN_ID_MAX: Final = 64
_ID_RE: Final = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_GTIN_RE: Final = re.compile(r"\d{8}|\d{12,14}")
_REGION_RE: Final = re.compile(r"[A-Za-z0-9_\-]{1,32}")
MAX_LEVELS: Final = 20
#: The largest personalisation boost a campaign may set (its dearest level's odds at most
#: doubled against its cheapest's for the most valuable consumer).
MAX_BOOST: Final = 1.0


class RiskDecision(StrEnum):
    """What risk control decided for one scan in one campaign: a prize, the smallest prize
    held until released, or none."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


class AwardStatus(StrEnum):
    PAID = "paid"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class PrizeLevelSpec:
    """One level of a prize pool: ``quantity`` prizes of ``amount`` (money), each scan winning
    it with ``probability``; ``points`` go to the winner's membership account."""

    level: str
    quantity: int
    amount: float
    probability: float
    points: int = 0


class _LevelFields(Protocol):
    @property
    def level(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def amount(self) -> float: ...
    @property
    def probability(self) -> float: ...
    @property
    def points(self) -> int: ...


class _PersonalisationFields(Protocol):
    @property
    def max_boost(self) -> float: ...


class _CampaignFields(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def budget(self) -> float: ...
    @property
    def levels(self) -> Sequence[_LevelFields]: ...
    @property
    def products(self) -> Sequence[str]: ...
    @property
    def regions(self) -> Sequence[str]: ...
    @property
    def store_reward(self) -> float: ...
    @property
    def staff_reward(self) -> float: ...
    @property
    def personalisation(self) -> _PersonalisationFields | None: ...


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """A campaign as its owner defines it. Empty ``products`` or ``regions`` cover all; a
    region covers every region within it."""

    id: str
    name: str
    start: datetime
    end: datetime
    budget: float
    levels: tuple[PrizeLevelSpec, ...]
    products: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    #: Credited to the store that sold a winning unit and to the staff member who opened it
    #: (BC联动), from the same budget.
    store_reward: float = 0.0
    staff_reward: float = 0.0
    #: Personalised odds (千人千面): how far a consumer's value score may tilt the draw toward
    #: better levels (0, the default: off; at most :data:`MAX_BOOST`).
    max_boost: float = 0.0

    @classmethod
    def from_fields(cls, given: _CampaignFields) -> CampaignSpec:
        """The spec of anything with a campaign's fields (a GraphQL input, a file's row)."""
        return cls(
            id=given.id,
            name=given.name,
            start=given.start,
            end=given.end,
            budget=given.budget,
            levels=tuple(
                PrizeLevelSpec(lv.level, lv.quantity, lv.amount, lv.probability, lv.points)
                for lv in given.levels
            ),
            products=tuple(given.products),
            regions=tuple(given.regions),
            store_reward=given.store_reward,
            staff_reward=given.staff_reward,
            max_boost=0.0 if given.personalisation is None else given.personalisation.max_boost,
        )


@dataclass(frozen=True, slots=True)
class StoredLevel:
    level: str
    quantity: int
    amount: float
    probability: float
    points: int
    remaining: int


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    """A campaign with what it has spent: ``spent`` (paid and held prizes) never exceeds
    ``budget``, a level's ``remaining`` never goes below zero."""

    id: str
    name: str
    start: datetime
    end: datetime
    budget: float
    spent: float
    awarded: int
    products: tuple[str, ...]
    regions: tuple[str, ...]
    levels: tuple[StoredLevel, ...]
    store_reward: float = 0.0
    staff_reward: float = 0.0
    max_boost: float = 0.0

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def covers_product(self, gtin: str | None) -> bool:
        return not self.products or (gtin is not None and gtin in self.products)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What one campaign did with one scan: the decision, its reasons, and the prize won (or
    held) if any."""

    campaign: str
    decision: RiskDecision
    reasons: tuple[str, ...]
    score: float
    level: str | None = None
    amount: float | None = None
    points: int | None = None
    status: AwardStatus | None = None
    award_id: str | None = None
    credited: tuple[str, ...] = field(default=())
    #: The anomaly model's score of the scan and the consumer's value score, when computed.
    anomaly: float | None = None
    value: float | None = None


def award_key(campaign: str, code: str) -> str:
    """The key of a code's award in a campaign: the uniqueness constraint on it is what lets
    a code win at most once."""
    return f"{campaign}|{code}"


def covers_region(regions: Sequence[str], scan_regions: Iterable[str]) -> bool:
    """Whether a scan in a region (given with every region it lies within) is covered.

    >>> covers_region(("320000",), ["320100", "320000", "CN"])
    True
    >>> covers_region(("320000",), [])
    False
    >>> covers_region((), [])
    True
    """
    if not regions:
        return True
    wanted = set(regions)
    return any(r in wanted for r in scan_regions)


def check_campaign_spec(spec: CampaignSpec, prefix: str = "") -> CampaignSpec:
    """``spec`` with its times made aware, or :class:`InvalidField` naming every bad field."""
    problems: list[FieldProblem] = []

    def bad(path: str, reason: str) -> None:
        problems.append(FieldProblem(prefix + path, reason))

    if not _ID_RE.fullmatch(spec.id):
        bad("id", "must be 1 to 64 letters, digits or . _ : -")
    if not 0 < len(spec.name) <= 200:
        bad("name", "must be 1 to 200 characters")
    start, end = aware(spec.start), aware(spec.end)
    if end <= start:
        bad("end", "must be after start")
    if not spec.budget > 0:
        bad("budget", f"must be positive, got {spec.budget}")
    for name, value in (("storeReward", spec.store_reward), ("staffReward", spec.staff_reward)):
        if not value >= 0:
            bad(name, f"must be 0 or more, got {value}")
    for i, gtin in enumerate(spec.products):
        if not _GTIN_RE.fullmatch(gtin):
            bad(f"products[{i}]", f"{gtin!r} is not a GTIN of 8, 12, 13 or 14 digits")
    for i, region in enumerate(spec.regions):
        if not _REGION_RE.fullmatch(region):
            bad(f"regions[{i}]", "must be 1 to 32 letters, digits, _ or -")
    if not 0 < len(spec.levels) <= MAX_LEVELS:
        bad("levels", f"must list 1 to {MAX_LEVELS} prize levels")
    seen: set[str] = set()
    for i, lv in enumerate(spec.levels):
        at = f"levels[{i}]."
        if not _ID_RE.fullmatch(lv.level):
            bad(at + "level", "must be 1 to 64 letters, digits or . _ : -")
        elif lv.level in seen:
            bad(at + "level", f"{lv.level!r} is listed twice")
        seen.add(lv.level)
        if lv.quantity < 0:
            bad(at + "quantity", f"must be 0 or more, got {lv.quantity}")
        if not lv.amount >= 0:
            bad(at + "amount", f"must be 0 or more, got {lv.amount}")
        if not 0 <= lv.probability <= 1:
            bad(at + "probability", f"must be in [0, 1], got {lv.probability}")
        if lv.points < 0:
            bad(at + "points", f"must be 0 or more, got {lv.points}")
    if sum(lv.probability for lv in spec.levels) > 1 + 1e-9:
        bad("levels", "probabilities add up to more than 1")
    if not 0 <= spec.max_boost <= MAX_BOOST:
        bad("personalisation.maxBoost", f"must be in [0, {MAX_BOOST:g}], got {spec.max_boost}")
    if problems:
        raise InvalidField.of(problems)
    return CampaignSpec(
        id=spec.id,
        name=spec.name,
        start=start,
        end=end,
        budget=float(spec.budget),
        levels=spec.levels,
        products=tuple(dict.fromkeys(spec.products)),
        regions=tuple(dict.fromkeys(spec.regions)),
        store_reward=float(spec.store_reward),
        staff_reward=float(spec.staff_reward),
        max_boost=float(spec.max_boost),
    )
