"""The one exception of campaign algorithms: input that breaks a precondition."""

from __future__ import annotations

__all__ = ["CampaignInputError"]


class CampaignInputError(ValueError):
    """Input to a campaign algorithm that breaks one of its preconditions."""
