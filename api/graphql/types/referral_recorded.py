"""What ``recordReferral`` answers: the referral recorded, or refused with its reason."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_model.referral import RecordedReferral
from graph_model.referral import RefusalReason as RefusalReasonValue

__all__ = ["ReferralRecorded", "ReferralRefused", "RefusalReason"]

RefusalReason = strawberry.enum(
    RefusalReasonValue,
    name="RefusalReason",
    description="Why a referral was not recorded: SELF_REFERRAL, CYCLE (the referee already "
    "brought the referrer in), ALREADY_REFERRED (somebody else referred the referee in this "
    "campaign).",
)


@strawberry.type(description="The referral is stored (or was already: DUPLICATE).")
class ReferralRecorded:
    referrer_id: str
    referee_id: str
    campaign: str
    at: datetime
    duplicate: bool = strawberry.field(
        description="True when this referrer had referred this referee in this campaign before."
    )


@strawberry.type(
    description="The referral breaks the campaign's forest; it is kept as evidence "
    "(a RefusedReferral node linked to both consumers)."
)
class ReferralRefused:
    refusal: RefusalReason = strawberry.field(  # type: ignore[valid-type]
        description="Why it was refused (named so as not to clash with Problem.reason)."
    )
    evidence_id: str
    referrer_id: str
    referee_id: str
    campaign: str


def answer(done: RecordedReferral) -> ReferralRecorded | ReferralRefused:
    r = done.referral
    if done.refused is not None:
        return ReferralRefused(
            refusal=done.refused,
            evidence_id=done.evidence_id or "",
            referrer_id=r.referrer,
            referee_id=r.referee,
            campaign=r.campaign,
        )
    return ReferralRecorded(
        referrer_id=r.referrer,
        referee_id=r.referee,
        campaign=r.campaign,
        at=r.at,
        duplicate=done.duplicate,
    )
