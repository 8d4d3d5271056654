"""Referral spread (裂变): how a campaign's cascades grew, and the rings that fake them.

:class:`ReferralForest` checks one campaign's referrals (a forest: each consumer referred at
most once, no self-referral, no cycle) and lays them out for :func:`cascade_spread` and
:func:`campaign_spread`. :func:`detect_rings` finds self-referral farms among
:class:`Account` s linked by referrals.
"""

from algorithms.referral.accounts import Account, Scan, location_cell
from algorithms.referral.errors import ReferralInputError
from algorithms.referral.forest import Referral, ReferralForest
from algorithms.referral.rings import Ring, detect_rings, score_groups
from algorithms.referral.signals import Reason, RingSettings
from algorithms.referral.spread import (
    CampaignSpread,
    CascadeSpread,
    Distribution,
    Spreader,
    campaign_spread,
    cascade_spread,
    cascade_viralities,
)

__all__ = [
    "Account",
    "CampaignSpread",
    "CascadeSpread",
    "Distribution",
    "Reason",
    "Referral",
    "ReferralForest",
    "ReferralInputError",
    "Ring",
    "RingSettings",
    "Scan",
    "Spreader",
    "campaign_spread",
    "cascade_spread",
    "cascade_viralities",
    "detect_rings",
    "location_cell",
    "score_groups",
]
