"""The prize draw of one scan.

Each level has a probability of a win per scan; the levels' probabilities add up to at most 1
and the rest is the chance of no prize. A single uniform number picks a level on the
cumulative probabilities, so an exhausted level does not raise the odds of the others: a scan
that falls on it wins nothing. Whether the prize can still be paid is decided again where it
is written (a conditional decrement of the pool and the budget in one transaction); the draw
only avoids asking for what is known to be gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from algorithms.campaigns.errors import CampaignInputError

__all__ = ["Level", "draw", "smallest_level"]


@dataclass(frozen=True, slots=True)
class Level:
    """A prize level as the draw sees it."""

    name: str
    probability: float
    amount: float
    remaining: int


def _check(levels: Sequence[Level], u: float) -> None:
    if not 0 <= u < 1:
        raise CampaignInputError(f"u must be in [0, 1), got {u}")
    if any(not 0 <= lv.probability <= 1 for lv in levels):
        raise CampaignInputError("every probability must be in [0, 1]")
    if sum(lv.probability for lv in levels) > 1 + 1e-9:
        raise CampaignInputError("probabilities add up to more than 1")


def draw(levels: Sequence[Level], budget_left: float, u: float) -> int | None:
    """Index of the level a scan wins with the uniform number ``u``, or ``None``.

    Parameters
    ----------
    levels
        The campaign's levels in their order; probabilities add up to at most 1.
    budget_left
        What the campaign may still spend; a level costing more wins nothing.
    u
        A uniform number in [0, 1).

    Examples
    --------
    >>> pool = [Level("A", 0.1, 50.0, 1), Level("B", 0.4, 5.0, 10)]
    >>> draw(pool, 100.0, 0.05), draw(pool, 100.0, 0.3), draw(pool, 100.0, 0.7)
    (0, 1, None)
    >>> draw([Level("A", 0.1, 50.0, 0)], 100.0, 0.05) is None
    True
    """
    _check(levels, u)
    edge = 0.0
    for i, lv in enumerate(levels):
        edge += lv.probability
        if u < edge:
            return i if lv.remaining > 0 and lv.amount <= budget_left else None
    return None


def smallest_level(levels: Sequence[Level], budget_left: float) -> int | None:
    """Index of the cheapest level still available within ``budget_left`` (the first of
    equal ones), or ``None``: what a scan under review wins instead of its draw.

    >>> smallest_level([Level("A", 0.1, 50.0, 1), Level("B", 0.4, 5.0, 0),
    ...                 Level("C", 0.2, 8.0, 3)], 100.0)
    2
    """
    best: int | None = None
    for i, lv in enumerate(levels):
        if lv.remaining <= 0 or lv.amount > budget_left:
            continue
        if best is None or lv.amount < levels[best].amount:
            best = i
    return best
