"""Scan-to-win campaigns: the risk decision of one scan and the prize draw.

:func:`decide` grades a scan ``allow``, ``review`` or ``deny`` from :class:`RiskFacts` read
from the graph, by thresholds in :class:`RiskSettings`; :func:`draw` picks a prize level by
the campaign's probabilities, never one that is exhausted or beyond the budget left.
"""

from algorithms.campaigns.analytics import CampaignScan, CampaignSummary, ProvinceFigures, summarise
from algorithms.campaigns.draw import Level, draw, smallest_level
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.risk import Decision, RiskFacts, RiskSettings, count_far, decide

__all__ = [
    "CampaignInputError",
    "CampaignScan",
    "CampaignSummary",
    "Decision",
    "Level",
    "ProvinceFigures",
    "RiskFacts",
    "RiskSettings",
    "count_far",
    "decide",
    "draw",
    "smallest_level",
    "summarise",
]
