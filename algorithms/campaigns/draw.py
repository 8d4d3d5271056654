"""The prize draw of one scan.

Each level has a probability of a win per scan; the levels' probabilities add up to at most 1
and the rest is the chance of no prize. A single uniform number picks a level on the
cumulative probabilities, so an exhausted level does not raise the odds of the others: a scan
that falls on it wins nothing. Whether the prize can still be paid is decided again where it
is written (a conditional decrement of the pool and the budget in one transaction); the draw
only avoids asking for what is known to be gone.

Personalised odds (千人千面, :func:`personalise`) tilt a consumer's chances toward the
campaign's better levels by its value score, bounded by the campaign's ``max_boost`` and with
the chance of winning anything unchanged, so the pool and the budget are spent at the same pace
and only the mix of levels moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from algorithms.campaigns.errors import CampaignInputError

__all__ = ["Level", "draw", "personalise", "smallest_level"]


#: The largest tilt a campaign may give its best level (its odds at most doubled against the
#: cheapest's at ``1``).
MAX_BOOST = 1.0


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


def personalise(levels: Sequence[Level], value: float, max_boost: float) -> list[Level]:
    """``levels`` with the odds of a consumer of ``value`` (0..1) tilted toward the better
    (dearer) levels.

    Each level's probability is multiplied by ``1 + max_boost * value * r``, ``r`` its rank by
    amount from 0 (the cheapest) to 1 (the dearest), then all are scaled back to the original
    total: the chance of a prize stays the same, the dearest level's share grows at most
    ``1 + max_boost`` times against the cheapest's. ``max_boost = 0`` or ``value = 0`` leaves
    the odds as they are.

    Examples
    --------
    >>> pool = [Level("A", 0.1, 50.0, 5), Level("B", 0.4, 5.0, 50)]
    >>> [round(lv.probability, 4) for lv in personalise(pool, 1.0, 1.0)]
    [0.1667, 0.3333]
    >>> personalise(pool, 0.3, 0.0) == pool
    True
    """
    if not 0 <= value <= 1:
        raise CampaignInputError(f"value must be in [0, 1], got {value}")
    if not 0 <= max_boost <= MAX_BOOST:
        raise CampaignInputError(f"max_boost must be in [0, {MAX_BOOST}], got {max_boost}")
    boost = max_boost * value
    amounts = sorted({lv.amount for lv in levels})
    if boost == 0 or len(amounts) < 2:
        return list(levels)
    rank = {a: i / (len(amounts) - 1) for i, a in enumerate(amounts)}
    weights = [lv.probability * (1 + boost * rank[lv.amount]) for lv in levels]
    total, tilted = sum(lv.probability for lv in levels), sum(weights)
    if tilted == 0:
        return list(levels)
    return [
        Level(lv.name, w * total / tilted, lv.amount, lv.remaining)
        for lv, w in zip(levels, weights, strict=True)
    ]
