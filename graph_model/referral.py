"""Referrals (裂变): who brought whom into a campaign, refused referrals and referral rings.

A referral is ``(:Consumer)-[:REFERRED {at, campaign}]->(:Consumer)``. Within one campaign the
referrals form a forest: a consumer is referred at most once, nobody refers themselves and no
chain of referrals comes back to where it started. A referral that would break one of those
rules is refused with a :class:`RefusalReason` and kept as evidence
(``(:RefusedReferral {id, reason, at, campaign})`` linked to both consumers), because a
consumer who keeps trying to refer themselves is itself a sign worth seeing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from graph_model.errors import InvalidField
from graph_model.master import CONSUMER_URN_PREFIX, consumer_urn

__all__ = [
    "CAMPAIGN_MAX",
    "DEFAULT_CAMPAIGN",
    "ConsumerFacts",
    "RecordedReferral",
    "Referral",
    "RefusalReason",
    "RingReason",
    "StoredRing",
    "check_campaign",
    "consumer_key",
    "referral_key",
    "ring_key",
]

#: The campaign of a referral that names none.
DEFAULT_CAMPAIGN: Final = "default"
CAMPAIGN_MAX: Final = 64
_CAMPAIGN_RE: Final = re.compile(r"[^\s](.*[^\s])?")


class RefusalReason(StrEnum):
    """Why a referral was not recorded."""

    SELF_REFERRAL = "self_referral"
    """The referrer and the referee are the same consumer."""
    CYCLE = "cycle"
    """The referee already brought the referrer in, directly or down a chain."""
    ALREADY_REFERRED = "already_referred"
    """Somebody else referred the referee in this campaign before."""


def consumer_key(path: str, text: str) -> str:
    """The consumer key of ``text``: a ``urn:yima:consumer:`` URN as it is, else the brand's
    own id made one; :class:`InvalidField` at ``path`` when it is neither.

    >>> consumer_key("referrerId", "c42")
    'urn:yima:consumer:c42'
    """
    text = text.strip()
    try:
        if text.startswith(CONSUMER_URN_PREFIX):
            return consumer_urn(text[len(CONSUMER_URN_PREFIX) :])
        return consumer_urn(text)
    except InvalidField as exc:
        raise InvalidField(path, exc.reason) from None


def check_campaign(path: str, campaign: str | None) -> str:
    """The campaign name (``default`` when none is given), 1-64 characters without
    surrounding spaces."""
    if campaign is None:
        return DEFAULT_CAMPAIGN
    if not 0 < len(campaign) <= CAMPAIGN_MAX or not _CAMPAIGN_RE.fullmatch(campaign):
        raise InvalidField(
            path, f"must be 1 to {CAMPAIGN_MAX} characters, not starting or ending with a space"
        )
    return campaign


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def referral_key(referrer: str, referee: str, campaign: str) -> str:
    """The id of a refused referral: the same three always give the same one."""
    return "refused-" + _digest(campaign, referrer, referee)


def ring_key(campaign: str | None, members: Sequence[str]) -> str:
    """The id of a referral ring found in ``campaign`` (``None``: every campaign): the same
    members in the same scope always give the same id.

    >>> ring_key("spring", ["b", "a"]) == ring_key("spring", ["a", "b"])
    True
    >>> ring_key("spring", ["a"]) == ring_key(None, ["a"])
    False
    """
    scope = "*" if campaign is None else "campaign:" + campaign
    return "ring-" + _digest(scope, *sorted(members))


@dataclass(frozen=True, slots=True)
class Referral:
    """One referral as given: ``referrer`` brought ``referee`` into ``campaign`` at ``at``."""

    referrer: str
    referee: str
    at: datetime
    campaign: str = DEFAULT_CAMPAIGN

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise InvalidField("at", f"{self.at.isoformat()} needs a time zone offset")

    @property
    def refusal(self) -> RefusalReason | None:
        """The reason that needs no graph to see: a self-referral."""
        return RefusalReason.SELF_REFERRAL if self.referrer == self.referee else None


@dataclass(frozen=True, slots=True)
class RecordedReferral:
    """What became of one referral: recorded now, recorded before (``duplicate``), or
    refused with a reason (and kept as evidence under ``evidence_id``)."""

    referral: Referral
    duplicate: bool = False
    refused: RefusalReason | None = None
    evidence_id: str | None = None

    @property
    def recorded(self) -> bool:
        return self.refused is None


@dataclass(frozen=True, slots=True)
class RingReason:
    """Why a group is a ring: a signal's kind and what was seen."""

    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredRing:
    """A referral ring as stored: ``campaign`` is the scope it was found in (``None``: every
    campaign); ``evidence`` the shared attributes (``device:<id>``, ``phone:<n>``,
    ``payout:<account>``)."""

    id: str
    score: float
    campaign: str | None
    members: tuple[str, ...]
    reasons: tuple[RingReason, ...]
    evidence: tuple[str, ...] = ()
    found_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsumerFacts:
    """What the graph knows of a consumer that ring detection reads: when the account was
    made, the devices (used, or scanned with), phones and payout accounts, and every scan as
    ``(at, lat, lon)``."""

    id: str
    created_at: datetime | None
    devices: tuple[str, ...]
    phones: tuple[str, ...]
    payouts: tuple[str, ...]
    scans: tuple[tuple[datetime, float | None, float | None], ...]
