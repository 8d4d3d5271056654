"""The behavioural signals that tell a farm from a household, and their settings.

Each signal is a value in [0, 1] with the :class:`Reason` that explains it. Counts up to what
a household reaches (:attr:`RingSettings.family_size`) are no evidence, so a family on one
device, joining one evening, scanning at home, scores 0 on every count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from algorithms.referral.accounts import Account
from algorithms.referral.errors import ReferralInputError

__all__ = [
    "Measured",
    "Reason",
    "RingSettings",
    "Shared",
    "SignalKind",
    "account_burst",
    "one_place",
    "one_shot",
    "shared_identity",
]

SignalKind = Literal["shared_identity", "account_burst", "one_shot", "one_place"]


@dataclass(frozen=True, slots=True)
class RingSettings:
    """Thresholds and weights of :func:`~algorithms.referral.rings.detect_rings`.

    The defaults hold ring members found at precision and recall of at least 0.9 with under
    1 % of organic members flagged on the demo world's planted farms
    (``loaders.demo.referrals``).
    """

    family_size: int = 4
    """Members a household reaches on one attribute, one place, or joining one evening;
    counts up to it are no evidence."""
    full_size: int = 10
    """Members on one attribute (or at one place) that make that signal full."""
    burst_window: timedelta = timedelta(hours=2)
    """Accounts made on one attribute within this window count as one burst."""
    burst_full: int = 8
    """Accounts in one burst that make the burst signal full (it starts above 2)."""
    claim_window: timedelta = timedelta(days=2)
    """A referee's only scan this soon after being referred is a claim."""
    one_shot_full: int = 6
    """One-shot referees that make the one-shot signal full (it starts above 2)."""
    merge_links: int = 2
    """Identity groups joined by this many referrals or more are one candidate group."""
    max_attribute_accounts: int = 500
    """An attribute shared by more accounts (a shop's tablet, a company's switchboard)
    links nobody: it says nothing of who runs the accounts."""
    weights: tuple[tuple[SignalKind, float], ...] = (
        ("shared_identity", 0.5),
        ("account_burst", 0.6),
        ("one_shot", 0.7),
        ("one_place", 0.4),
    )
    """How much each signal counts in the noisy-or score."""
    threshold: float = 0.5
    """Groups scoring at least this are rings."""

    def __post_init__(self) -> None:
        if not 1 <= self.family_size < self.full_size:
            raise ReferralInputError(
                "family_size", f"must be at least 1 and below full_size, got {self.family_size}"
            )
        if self.burst_full <= 2 or self.one_shot_full <= 2:
            raise ReferralInputError("burst_full", "burst_full and one_shot_full must exceed 2")
        if self.burst_window <= timedelta(0) or self.claim_window <= timedelta(0):
            raise ReferralInputError("burst_window", "windows must be positive")
        if not 0 < self.threshold <= 1:
            raise ReferralInputError("threshold", f"must be in (0, 1], got {self.threshold}")
        for kind, weight in self.weights:
            if not 0 <= weight <= 1:
                raise ReferralInputError("weights", f"{kind} must be in [0, 1], got {weight}")


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: what was seen, in words, and the attributes it rests on
    (``"device:<id>"``, ``"phone:<number>"``, ``"payout:<account>"``)."""

    kind: SignalKind
    detail: str
    attributes: tuple[str, ...] = ()


def _beyond(count: int, low: int, full: int) -> float:
    """0 up to ``low``, rising linearly to 1 at ``full``."""
    return min(1.0, max(0.0, (count - low) / (full - low)))


Measured = tuple[SignalKind, float, Reason]
"""A signal's kind, its value in [0, 1] and the reason that explains it."""

Shared = Mapping[str, Sequence[Account]]
"""Attribute id (``"device:<id>"``, ...) -> the group's accounts that hold it."""


def shared_identity(shared: Shared, settings: RingSettings) -> Measured:
    """Most accounts on one attribute, beyond a household's ``family_size``."""
    attribute, holders = max(shared.items(), key=lambda kv: (len(kv[1]), kv[0]))
    value = _beyond(len(holders), settings.family_size, settings.full_size)
    return (
        "shared_identity",
        value,
        Reason("shared_identity", f"{len(holders)} accounts use {attribute}", (attribute,)),
    )


def account_burst(shared: Shared, settings: RingSettings) -> Measured:
    """Most accounts made on one attribute within ``burst_window``, beyond 2.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 3, 20, tzinfo=timezone.utc)
    >>> made = [Account(f"a{k}", t + timedelta(minutes=10 * k)) for k in range(6)]
    >>> kind, value, reason = account_burst({"device:d1": made}, RingSettings())
    >>> value, reason.detail
    (0.6666666666666666, '6 accounts made on device:d1 within 50 minutes')
    """
    best, best_attribute, best_span = 0, "", timedelta(0)
    for attribute, holders in sorted(shared.items()):
        made = sorted(a.created_at for a in holders if a.created_at is not None)
        first = 0
        for last, t in enumerate(made):
            while t - made[first] > settings.burst_window:
                first += 1
            if last - first + 1 > best:
                best, best_attribute, best_span = last - first + 1, attribute, t - made[first]
    value = _beyond(best, 2, settings.burst_full)
    minutes = round(best_span.total_seconds() / 60)
    return (
        "account_burst",
        value,
        Reason(
            "account_burst",
            f"{best} accounts made on {best_attribute} within {minutes} minutes",
            (best_attribute,) if best_attribute else (),
        ),
    )


def one_shot(
    accounts: Sequence[Account], referred_at: Mapping[str, datetime], settings: RingSettings
) -> Measured:
    """Referees whose only scan came within ``claim_window`` of being referred: their share
    of the referees, times how far their number passes 2."""
    referees = [a for a in accounts if a.id in referred_at]
    claims = sum(
        1
        for a in referees
        if len(a.scans) == 1
        and timedelta(0) <= a.scans[0].at - referred_at[a.id] <= settings.claim_window
    )
    share = claims / len(referees) if referees else 0.0
    value = share * _beyond(claims, 2, settings.one_shot_full)
    hours = round(settings.claim_window.total_seconds() / 3600)
    return (
        "one_shot",
        value,
        Reason(
            "one_shot",
            f"{claims} of {len(referees)} referees scanned once, within {hours} h of being"
            " referred, and never again",
        ),
    )


def one_place(accounts: Sequence[Account], settings: RingSettings) -> Measured:
    """Most accounts whose usual place (where most of their scans are) is one place, beyond
    a household's ``family_size``."""
    usual = Counter(
        Counter(s.location for s in a.scans if s.location is not None).most_common(1)[0][0]
        for a in accounts
        if any(s.location is not None for s in a.scans)
    )
    place, count = usual.most_common(1)[0] if usual else ("", 0)
    value = _beyond(count, settings.family_size, settings.full_size)
    return (
        "one_place",
        value,
        Reason("one_place", f"{count} accounts scan mostly at {place or 'no known place'}"),
    )
