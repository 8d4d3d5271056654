"""Referral spread (裂变): how a campaign's cascades grew, and the rings that fake them.

:class:`ReferralForest` checks one campaign's referrals (a forest: each consumer referred at
most once, no self-referral, no cycle) and lays them out for :func:`cascade_spread` and
:func:`campaign_spread`.
"""

from algorithms.referral.errors import ReferralInputError
from algorithms.referral.forest import Referral, ReferralForest
from algorithms.referral.spread import (
    CampaignSpread,
    CascadeSpread,
    Distribution,
    Spreader,
    campaign_spread,
    cascade_spread,
)

__all__ = [
    "CampaignSpread",
    "CascadeSpread",
    "Distribution",
    "Referral",
    "ReferralForest",
    "ReferralInputError",
    "Spreader",
    "campaign_spread",
    "cascade_spread",
]
