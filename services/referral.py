"""Referral spread (裂变): recording referrals and measuring how a campaign spread.

``record_referral`` stores one referral (GraphQL ``recordReferral``); referrals in bulk come
with the master-data files (``referrals.csv``, :func:`services.master_data.load_master_files`).
``referral_spread`` reads a campaign's referrals, or the cascade below one consumer, and
measures them with :mod:`algorithms.referral`; a measure over a whole campaign or cascade
(no time window) is written back onto the roots as ``spreadSize``, ``reach`` and
``virality``, so Bloom shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from algorithms.referral import (
    CampaignSpread,
    CascadeSpread,
    Distribution,
    ReferralForest,
    ReferralInputError,
    campaign_spread,
    cascade_spread,
    cascade_viralities,
)
from algorithms.referral import Spreader as Spreader
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.referral import (
    RecordedReferral,
    Referral,
    check_campaign,
    consumer_key,
)
from graph_model.repositories.referrals import ReferralRepository, RootSpread
from graph_model.times import check_time

__all__ = [
    "CampaignSpread",
    "CascadeSpread",
    "Distribution",
    "SpreadRequest",
    "Spreader",
    "input_error",
    "record_referral",
    "referral_spread",
]

TOP_MAX = 100


def input_error(exc: ReferralInputError, path: str | None = None) -> InvalidField:
    """The one bad-field exception for an algorithm's refusal of its input."""
    return InvalidField(path or exc.field, exc.reason)


def record_referral(
    db: Database,
    referrer: str,
    referee: str,
    at: datetime,
    campaign: str | None = None,
    *,
    prefix: str = "",
) -> RecordedReferral:
    """Record that ``referrer`` brought ``referee`` into ``campaign`` at ``at``.

    Idempotent by referrer, referee and campaign. A self-referral, a referral that would
    close a cycle and a second referral of a consumer in one campaign are refused with their
    reason and kept as evidence; the answer says which.

    Raises
    ------
    InvalidField
        When an id, the time or the campaign cannot be used; nothing is stored then.
    """
    referral = Referral(
        consumer_key(prefix + "referrerId", referrer),
        consumer_key(prefix + "refereeId", referee),
        check_time(prefix + "at", at, future=timedelta(minutes=10)),
        check_campaign(prefix + "campaign", campaign),
    )
    return ReferralRepository(db).record(referral)


@dataclass(frozen=True, slots=True)
class SpreadRequest:
    """What to measure: a campaign, or the cascade below ``root`` in it, through referrals
    made at ``start <= at < end``."""

    campaign: str
    root: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    top: int = 10


def _checked(request: SpreadRequest) -> SpreadRequest:
    campaign = check_campaign("campaign", request.campaign)
    root = None if request.root is None else consumer_key("root", request.root)
    if request.start is not None and request.end is not None and request.start >= request.end:
        raise InvalidField("to", "must be after from")
    if not 0 <= request.top <= TOP_MAX:
        raise InvalidField("top", f"must be between 0 and {TOP_MAX}, got {request.top}")
    for path, moment in (("from", request.start), ("to", request.end)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidField(path, "needs a time zone offset")
    return SpreadRequest(campaign, root, request.start, request.end, request.top)


def referral_spread(db: Database, request: SpreadRequest) -> CascadeSpread | CampaignSpread:
    """How the campaign (or the cascade below ``root``) spread.

    A consumer who is no member of the campaign is a cascade of size 1. A measure without a
    time window writes ``spreadSize``, ``reach`` and ``virality`` onto each root it measured.

    Raises
    ------
    InvalidField
        When the campaign, the root, the window or ``top`` cannot be used.
    """
    request = _checked(request)
    repository = ReferralRepository(db)
    try:
        if request.root is not None:
            edges = repository.subtree(request.root, request.campaign, request.start, request.end)
            forest = ReferralForest.from_edges(edges, members=[request.root])
            cascade = cascade_spread(forest, request.root, top=request.top)
            whole = request.start is None and request.end is None
            if (
                whole
                and cascade.size > 1
                and not repository.referred(request.root, request.campaign)
            ):
                rooted = RootSpread(request.root, cascade.size, cascade.virality)
                repository.write_spread(request.campaign, [rooted])
            return cascade
        edges = repository.edges(request.campaign, request.start, request.end)
        forest = ReferralForest.from_edges(edges)
        spread = campaign_spread(forest, top=request.top)
    except ReferralInputError as exc:
        raise input_error(exc, "campaign") from None
    if request.start is None and request.end is None:
        roots, sizes, virality = cascade_viralities(forest)
        repository.write_spread(
            request.campaign,
            (
                RootSpread(forest.ids[int(r)], int(s), float(v))
                for r, s, v in zip(roots, sizes, virality, strict=True)
                if s > 1
            ),
        )
    return spread
