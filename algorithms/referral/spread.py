"""How a referral campaign spread (裂变): size, depth, breadth, structural virality, growth,
K-factor and the top spreaders of one cascade or of a whole campaign.

Structural virality (Goel, Anderson, Hofman & Watts 2016) is the mean distance between two
members of a cascade tree. It separates broadcasts (one sharer, many direct referees: close
to 2) from person-to-person chains (grows with the length: a path of ``n`` has
``(n + 1) / 3``). An edge whose lower side holds ``s`` of the ``n`` members lies on the path
of the ``s (n - s)`` pairs it separates, so

    ν = 2 / (n (n - 1)) · Σ_edges s (n - s),

exact and linear in ``n`` from the subtree sizes :class:`~algorithms.referral.forest.ReferralForest`
keeps; no all-pairs search.

Reference: S. Goel, A. Anderson, J. Hofman and D. J. Watts, "The Structural Virality of
Online Diffusion", Management Science 62(1):180–196, 2016. doi:10.1287/mnsc.2015.2158
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import UTC, date, timedelta, timezone
from itertools import pairwise
from typing import Final

import numpy as np
from numpy.typing import NDArray

from algorithms.referral.errors import ReferralInputError
from algorithms.referral.forest import IntArray, ReferralForest

__all__ = [
    "CampaignSpread",
    "CascadeSpread",
    "Distribution",
    "Spreader",
    "campaign_spread",
    "cascade_spread",
    "cascade_viralities",
]

_EPOCH: Final = date(1970, 1, 1)
_DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class Spreader:
    """A member and the cascade they started.

    Attributes
    ----------
    consumer : str
        The member.
    reach : int
        Members brought in through them, directly or down a chain (their subtree, themselves
        excluded).
    direct : int
        Members they referred themselves.
    depth : int
        Referrals from the root of the measured cascade down to them.
    """

    consumer: str
    reach: int
    direct: int
    depth: int


@dataclass(frozen=True, slots=True)
class Distribution:
    """A summary of many values: quantiles and a histogram with doubling bins.

    Attributes
    ----------
    count : int
        How many values; every other field is 0 (and ``histogram`` empty) without any.
    mean, median, p90, p99, maximum : float
        Quantiles are linear interpolations between order statistics.
    histogram : tuple of (low, high, count)
        Values in ``[low, high)``: ``[0, 1)``, then ``[1, 2)``, ``[2, 4)``, ``[4, 8)``, … up
        to the bin holding the maximum.

    Examples
    --------
    >>> d = Distribution.of([1, 1, 2, 5])
    >>> d.count, d.mean, d.maximum, d.histogram
    (4, 2.25, 5.0, ((0.0, 1.0, 0), (1.0, 2.0, 2), (2.0, 4.0, 1), (4.0, 8.0, 1)))
    """

    count: int
    mean: float
    median: float
    p90: float
    p99: float
    maximum: float
    histogram: tuple[tuple[float, float, int], ...]

    @classmethod
    def of(cls, values: NDArray[np.float64] | NDArray[np.int64] | list[float]) -> Distribution:
        """The distribution of ``values`` (non-negative)."""
        data = np.asarray(values, dtype=np.float64)
        if data.size == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0, ())
        if data.min() < 0:
            raise ReferralInputError("values", f"must be non-negative, got {data.min()}")
        median, p90, p99 = np.quantile(data, [0.5, 0.9, 0.99]).tolist()
        maximum = float(data.max())
        # Bin 0 is [0, 1); bin k >= 1 is [2**(k-1), 2**k).
        bins = np.zeros(data.size, dtype=np.int64)
        at_least_one = data >= 1
        bins[at_least_one] = np.floor(np.log2(data[at_least_one])).astype(np.int64) + 1
        counts = np.bincount(bins).tolist()
        edges = [0.0, *(2.0**k for k in range(len(counts)))]
        histogram = tuple((edges[k], edges[k + 1], int(c)) for k, c in enumerate(counts))
        return cls(len(data), float(data.mean()), median, p90, p99, maximum, histogram)


@dataclass(frozen=True, slots=True)
class CascadeSpread:
    """How one cascade spread.

    Attributes
    ----------
    root : str
        The member whose cascade it is.
    size : int
        Members, the root counted.
    depth : int
        Referrals from the root down to the deepest member.
    breadth : tuple of int
        Members at each depth: ``breadth[0] == 1`` (the root), ``len(breadth) == depth + 1``.
    widest_level : int
        The depth with the most members (the shallowest of equals).
    virality : float
        Structural virality: the mean distance between two members; 0 for a lone root.
    growth : tuple of (date, int)
        Members brought in each day, every day from the first referral to the last (days
        without any count 0); empty for a lone root.
    k_factor : float
        Members brought in per member, ``(size - 1) / size``.
    k_by_level : tuple of float
        Members brought in per member of each generation: ``breadth[l + 1] / breadth[l]``.
    top_spreaders : tuple of Spreader
        Members with the largest reach (then most direct referees, then id), at most ``top``;
        members who brought nobody in are left out.
    """

    root: str
    size: int
    depth: int
    breadth: tuple[int, ...]
    widest_level: int
    virality: float
    growth: tuple[tuple[date, int], ...]
    k_factor: float
    k_by_level: tuple[float, ...]
    top_spreaders: tuple[Spreader, ...]


@dataclass(frozen=True, slots=True)
class CampaignSpread:
    """How a whole campaign spread: every cascade together, and their distributions.

    Attributes
    ----------
    members : int
        Members of the campaign (the forest's nodes).
    referrals : int
        Referrals (the forest's edges); ``members - cascades``.
    cascades : int
        Cascades, lone members included.
    depth, breadth, widest_level, growth, k_factor, k_by_level, top_spreaders
        As in :class:`CascadeSpread`, over all cascades at once (depth counted from each
        member's own root); ``breadth[0]`` is the number of cascades.
    size_counts : tuple of (size, cascades)
        How many cascades have each size, by size.
    sizes : Distribution
        Cascade sizes, lone members included.
    virality : Distribution
        Structural virality of the cascades that spread (size 2 or more).
    deep_members : int
        Members deeper than ``deep_after`` referrals below their root.
    deep_share : float
        ``deep_members / members``: the share reached through chains longer than
        ``deep_after``.
    """

    members: int
    referrals: int
    cascades: int
    depth: int
    breadth: tuple[int, ...]
    widest_level: int
    growth: tuple[tuple[date, int], ...]
    k_factor: float
    k_by_level: tuple[float, ...]
    top_spreaders: tuple[Spreader, ...]
    size_counts: tuple[tuple[int, int], ...]
    sizes: Distribution
    virality: Distribution
    deep_members: int
    deep_share: float


def cascade_spread(
    forest: ReferralForest, root: str, *, top: int = 10, tz: timezone = UTC
) -> CascadeSpread:
    """How the cascade that ``root`` started spread.

    Parameters
    ----------
    forest
        The campaign's referrals.
    root
        Any consumer: a member nobody referred gives their whole cascade, a member further
        down the subtree they started, a consumer who is not a member the lone cascade of
        size 1 (depth 0, virality 0).
    top
        How many top spreaders to list (0 or more).
    tz
        The fixed offset whose calendar days ``growth`` counts.

    Raises
    ------
    ReferralInputError
        When ``top`` is negative.

    Examples
    --------
    A broadcast (a star of 4) and a chain (a path of 4) of the same size:

    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    >>> star = ReferralForest.from_edges([("a", x, at) for x in "bcd"])
    >>> cascade_spread(star, "a").virality
    1.5
    >>> chain = ReferralForest.from_edges([("a", "b", at), ("b", "c", at), ("c", "d", at)])
    >>> s = cascade_spread(chain, "a")
    >>> s.virality, s.depth, s.breadth, s.top_spreaders[0].reach
    (1.6666666666666667, 3, (1, 1, 1, 1), 3)
    >>> cascade_spread(chain, "nobody").size
    1
    """
    _check_top(top)
    v = forest.index(root)
    if v is None:
        return CascadeSpread(root, 1, 0, (1,), 0, 0.0, (), 0.0, (), ())
    members = forest.subtree(v)
    n = len(members)
    below = forest.size[members[1:]]
    virality = 0.0 if n < 2 else 2 * float(np.sum(below * (n - below))) / (n * (n - 1))
    depths = forest.depth[members] - forest.depth[v]
    breadth = _breadth(depths)
    return CascadeSpread(
        root=root,
        size=n,
        depth=len(breadth) - 1,
        breadth=breadth,
        widest_level=_widest(breadth),
        virality=virality,
        growth=_growth(forest.joined[members[1:]], tz),
        k_factor=(n - 1) / n,
        k_by_level=_k_by_level(breadth),
        top_spreaders=_top_spreaders(forest, members, depths, top),
    )


def campaign_spread(
    forest: ReferralForest, *, top: int = 10, tz: timezone = UTC, deep_after: int = 2
) -> CampaignSpread:
    """How a whole campaign spread, every cascade of ``forest`` together.

    Parameters
    ----------
    forest
        The campaign's referrals (and members who took part alone).
    top
        How many top spreaders to list (0 or more).
    tz
        The fixed offset whose calendar days ``growth`` counts.
    deep_after
        Members deeper than this count as reached through deep chains.

    Raises
    ------
    ReferralInputError
        When ``top`` or ``deep_after`` is negative.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    >>> edges = [("a", "b", at), ("b", "c", at), ("c", "d", at), ("e", "f", at)]
    >>> s = campaign_spread(ReferralForest.from_edges(edges, members=["g"]))
    >>> s.members, s.cascades, s.size_counts, s.breadth, s.deep_members
    (7, 3, ((1, 1), (2, 1), (4, 1)), (3, 2, 1, 1), 1)
    >>> round(s.virality.mean, 4)
    1.3333
    """
    _check_top(top)
    if deep_after < 0:
        raise ReferralInputError("deep_after", f"must be 0 or more, got {deep_after}")
    n = len(forest)
    if n == 0:
        empty = Distribution.of([])
        return CampaignSpread(0, 0, 0, 0, (), 0, (), 0.0, (), (), (), empty, empty, 0, 0.0)
    roots, sizes, viralities = cascade_viralities(forest)
    spread = sizes >= 2
    virality = viralities[spread]
    breadth = _breadth(forest.depth)
    size_values, size_counts = np.unique(sizes, return_counts=True)
    deep_members = int(np.count_nonzero(forest.depth > deep_after))
    return CampaignSpread(
        members=n,
        referrals=forest.referrals,
        cascades=len(roots),
        depth=len(breadth) - 1,
        breadth=breadth,
        widest_level=_widest(breadth),
        growth=_growth(forest.joined, tz),
        k_factor=forest.referrals / n,
        k_by_level=_k_by_level(breadth),
        top_spreaders=_top_spreaders(forest, forest.order, forest.depth[forest.order], top),
        size_counts=tuple(zip(size_values.tolist(), size_counts.tolist(), strict=True)),
        sizes=Distribution.of(sizes),
        virality=Distribution.of(virality),
        deep_members=deep_members,
        deep_share=deep_members / n,
    )


def cascade_viralities(forest: ReferralForest) -> tuple[IntArray, IntArray, NDArray[np.float64]]:
    """Every cascade's root, size and structural virality (0 for a lone member), in one pass.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    >>> forest = ReferralForest.from_edges([("a", x, at) for x in "bcd"], members=["e"])
    >>> roots, sizes, virality = cascade_viralities(forest)
    >>> [forest.ids[r] for r in roots], sizes.tolist(), virality.tolist()
    (['a', 'e'], [4, 1], [1.5, 0.0])
    """
    order = forest.order
    if len(order) == 0:
        empty: IntArray = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float64)
    root_positions = np.flatnonzero(forest.parent[order] < 0)
    roots: IntArray = order[root_positions]
    sizes: IntArray = forest.size[roots]
    # Each cascade is one run of the preorder, so per-cascade sums are reduceat over runs;
    # a root's own term s (n - s) is 0, which lets the runs start at the roots.
    cascade_size = np.repeat(sizes, sizes)
    below = forest.size[order]
    pair_sums = np.add.reduceat(below * (cascade_size - below), root_positions)
    pairs = sizes * (sizes - 1)
    virality = np.zeros(len(sizes), dtype=np.float64)
    np.divide(2 * pair_sums, pairs, out=virality, where=pairs > 0)
    return roots, sizes, virality


def _check_top(top: int) -> None:
    if top < 0:
        raise ReferralInputError("top", f"must be 0 or more, got {top}")


def _breadth(depths: IntArray) -> tuple[int, ...]:
    return tuple(np.bincount(depths).tolist())


def _widest(breadth: tuple[int, ...]) -> int:
    return max(range(len(breadth)), key=lambda level: (breadth[level], -level))


def _k_by_level(breadth: tuple[int, ...]) -> tuple[float, ...]:
    return tuple(b / a for a, b in pairwise(breadth))


def _growth(joined: NDArray[np.float64], tz: timezone) -> tuple[tuple[date, int], ...]:
    """New members per calendar day of ``tz``, zero days included, from POSIX seconds."""
    times = joined[~np.isnan(joined)]
    if times.size == 0:
        return ()
    offset = tz.utcoffset(None).total_seconds()
    days = np.floor((times + offset) / _DAY).astype(np.int64)
    first = int(days.min())
    counts = np.bincount(days - first).tolist()
    return tuple((_EPOCH + timedelta(days=first + k), c) for k, c in enumerate(counts))


def _top_spreaders(
    forest: ReferralForest, members: IntArray, depths: IntArray, top: int
) -> tuple[Spreader, ...]:
    """The ``top`` members of ``members`` by reach, then direct referees, then id."""
    if top == 0:
        return ()
    reach = forest.size[members] - 1
    # Only members reaching as far as the top-th largest reach can be among the top.
    threshold = 1 if len(reach) <= top else max(1, int(np.partition(reach, -top)[-top]))
    candidates = np.flatnonzero(reach >= threshold).tolist()
    best = heapq.nsmallest(
        top,
        candidates,
        key=lambda k: (-int(reach[k]), -int(forest.direct[members[k]]), forest.ids[members[k]]),
    )
    return tuple(
        Spreader(
            consumer=forest.ids[members[k]],
            reach=int(reach[k]),
            direct=int(forest.direct[members[k]]),
            depth=int(depths[k]),
        )
        for k in best
    )
