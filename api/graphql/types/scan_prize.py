"""What the campaigns did with a consumer's scan: the risk decision and the prize."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_model.campaigns import AwardStatus, RiskDecision, ScanOutcome

__all__ = ["ScanCampaign", "ScanPrize", "ScanRisk"]

RiskDecisionChoice = strawberry.enum(
    RiskDecision,
    name="RiskDecision",
    description="ALLOW: the scan draws; REVIEW: at most the smallest prize, held until "
    "released; DENY: no prize.",
)


@strawberry.enum(description="A paid prize, or one held until review releases it.")
class PrizeStatus(Enum):
    PAID = "paid"
    HELD = "held"


@strawberry.type(description="A prize won by a scan.")
class ScanPrize:
    campaign: str
    award_id: str
    level: str
    amount: float
    points: int
    status: PrizeStatus
    credited: list[str] = strawberry.field(
        description="The store and staff member credited for the sale (BC联动)."
    )


@strawberry.type(description="Risk control's decision on a scan, with every reason.")
class ScanRisk:
    decision: RiskDecisionChoice  # type: ignore[valid-type]
    reasons: list[str]
    score: float
    anomaly: float | None = strawberry.field(
        default=None,
        description="The anomaly model's score of the scan (an isolation forest's, in (0, 1]: "
        "about 0.5 ordinary, near 1 isolated); null while no model is trained.",
    )


@strawberry.type(description="What one campaign did with the scan.")
class ScanCampaign:
    campaign: str
    risk: ScanRisk
    prize: ScanPrize | None
    value_score: float | None = strawberry.field(
        default=None,
        description="The consumer's value score (predicted chance of a repurchase) that "
        "personalised odds use; null without a value model or a past scan.",
    )

    @classmethod
    def from_domain(cls, o: ScanOutcome) -> ScanCampaign:
        return cls(campaign=o.campaign, risk=risk_of(o), prize=prize_of(o), value_score=o.value)


def risk_of(o: ScanOutcome) -> ScanRisk:
    return ScanRisk(decision=o.decision, reasons=list(o.reasons), score=o.score, anomaly=o.anomaly)


def prize_of(o: ScanOutcome) -> ScanPrize | None:
    if o.level is None or o.award_id is None:
        return None
    return ScanPrize(
        campaign=o.campaign,
        award_id=o.award_id,
        level=o.level,
        amount=o.amount or 0.0,
        points=o.points or 0,
        status=PrizeStatus(o.status.value if o.status else AwardStatus.PAID.value),
        credited=list(o.credited),
    )
