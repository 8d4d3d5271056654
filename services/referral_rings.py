"""Referral rings: find self-referral farms in the graph and store them for investigators.

A run reads the referrals of one campaign (or of every campaign), what the graph knows of the
consumers they name (devices they use or scanned with, phones, payout accounts, when their
account was made, their scans), runs :func:`algorithms.referral.detect_rings` and replaces
the rings stored for the same scope. It runs as a ``referral_rings`` job
(``Application.submit_referral_rings``) or directly (``yima detect referral-rings``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from algorithms.referral import (
    Account,
    ReferralInputError,
    Ring,
    RingSettings,
    Scan,
    detect_rings,
    location_cell,
)
from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound
from graph_model.referral import ConsumerFacts, RingReason, StoredRing, check_campaign, ring_key
from graph_model.repositories.referral_rings import ReferralRingRepository, RingPage
from graph_model.repositories.referrals import ReferralEdge, ReferralRepository
from services.referral import input_error

__all__ = [
    "MAX_RING_PAGE",
    "RingRun",
    "account_of",
    "detect_referral_rings",
    "referral_ring_page",
    "stored_ring",
]

#: Largest page of ``referralRings``.
MAX_RING_PAGE = 100

#: Side of the squares scans are grouped into for "one place" (a building, a shop floor).
PLACE_METRES = 150.0


@dataclass(frozen=True, slots=True)
class RingRun:
    """What a detection run found and stored."""

    campaign: str | None
    referrals: int
    consumers: int
    rings: tuple[StoredRing, ...]

    @property
    def members(self) -> int:
        return sum(len(r.members) for r in self.rings)

    def detail(self) -> dict[str, object]:
        return {
            "campaign": self.campaign,
            "referrals": self.referrals,
            "consumers": self.consumers,
            "rings": len(self.rings),
            "members": self.members,
        }


def account_of(facts: ConsumerFacts) -> Account:
    """The detector's view of a consumer: scans placed in squares of ``PLACE_METRES``."""
    return Account(
        facts.id,
        facts.created_at,
        devices=facts.devices,
        phones=facts.phones,
        payouts=facts.payouts,
        scans=tuple(
            Scan(at, None if lat is None or lon is None else location_cell(lat, lon, PLACE_METRES))
            for at, lat, lon in facts.scans
        ),
    )


def stored_ring(campaign: str | None, ring: Ring) -> StoredRing:
    """The ring as stored: its id names the scope, its evidence the shared attributes."""
    return StoredRing(
        id=ring_key(campaign, ring.members),
        score=ring.score,
        campaign=campaign,
        members=ring.members,
        reasons=tuple(RingReason(r.kind, r.detail) for r in ring.reasons),
        evidence=ring.attributes,
    )


def _edges(repository: ReferralRepository, campaign: str | None) -> list[ReferralEdge]:
    if campaign is not None:
        return repository.edges(campaign)
    edges: list[ReferralEdge] = []
    for name in repository.campaigns():
        edges.extend(repository.edges(name))
    return edges


def detect_referral_rings(
    db: Database,
    campaign: str | None = None,
    *,
    settings: RingSettings | None = None,
    progress: Callable[[float], None] | None = None,
) -> RingRun:
    """Find the referral rings of ``campaign`` (``None``: every campaign) and store them in
    place of the ones found before for the same scope.

    Raises
    ------
    InvalidField
        When the campaign name cannot be used.
    """
    if campaign is not None:
        campaign = check_campaign("campaign", campaign)
    report = progress or (lambda share: None)
    edges = _edges(ReferralRepository(db), campaign)
    report(0.2)
    ids = {a for a, _, _ in edges} | {b for _, b, _ in edges}
    repository = ReferralRingRepository(db)
    accounts = [account_of(f) for f in repository.facts(ids)]
    report(0.6)
    try:
        rings = detect_rings(edges, accounts, settings)
    except ReferralInputError as exc:
        raise input_error(exc, "campaign") from None
    report(0.9)
    stored = tuple(stored_ring(campaign, r) for r in rings)
    repository.replace(campaign, stored)
    return RingRun(campaign, len(edges), len(ids), stored)


def referral_ring_page(
    db: Database,
    *,
    min_score: float = 0.0,
    campaign: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> RingPage:
    """Stored rings scoring at least ``min_score``, strongest first; ``campaign`` keeps
    those found in it (``*``: those found over every campaign); ``after`` is the id of the
    last ring of the page before.

    Raises
    ------
    InvalidField
        When a bound or the ring ``after`` names cannot be used.
    """
    if not 0.0 <= min_score <= 1.0:
        raise InvalidField("minScore", f"must be between 0 and 1, got {min_score}")
    if not 0 <= first <= MAX_RING_PAGE:
        raise InvalidField("first", f"must be between 0 and {MAX_RING_PAGE}, got {first}")
    if campaign is not None and campaign != "*":
        campaign = check_campaign("campaign", campaign)
    repository = ReferralRingRepository(db)
    position = None
    if after is not None:
        try:
            ring = repository.get(after)
        except NotFound:
            raise InvalidField("after", "is not a cursor of this list") from None
        position = (ring.score, ring.id)
    return repository.page(min_score=min_score, campaign=campaign, first=first, after=position)
