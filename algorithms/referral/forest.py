"""The referrals of one campaign as a checked forest of cascades, in arrays.

Each consumer is referred at most once per campaign, nobody refers themselves and no chain of
referrals comes back to where it started, so a campaign's referrals form a forest: every
cascade is a tree hanging from a consumer nobody referred. :class:`ReferralForest` checks
those preconditions once and lays the forest out so that every measure after it is a pass
over arrays: members are numbered, and a depth-first preorder keeps each member's subtree
(the cascade they started) in one contiguous run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from algorithms.referral.errors import ReferralInputError

__all__ = ["Referral", "ReferralForest"]

Referral = tuple[str, str, datetime]
"""One referral: ``(referrer, referee, at)``, ``at`` timezone-aware."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def _frozen(values: Any, dtype: type) -> Any:
    array: NDArray[Any] = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True, eq=False)
class ReferralForest:
    """The cascades of one campaign, checked to be a forest and laid out in arrays.

    Build one with :meth:`from_edges` or :meth:`from_graph`. Members are numbered ``0 …
    n-1``; every array below is indexed by that number.

    Attributes
    ----------
    ids : tuple of str
        Consumer id of each member.
    parent : int array
        The member's referrer, ``-1`` for the root of a cascade.
    joined : float array
        When the referral that brought the member in was made (POSIX seconds); NaN for roots.
    order : int array
        Members in depth-first preorder: a member's subtree is
        ``order[position[v] : position[v] + size[v]]``.
    position : int array
        Where each member stands in ``order``.
    size : int array
        Members of the subtree the member started, the member included.
    depth : int array
        Referrals from the root of the member's cascade down to the member.
    direct : int array
        How many consumers the member referred.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    >>> forest = ReferralForest.from_edges([("a", "b", at), ("b", "c", at)], members=["d"])
    >>> len(forest), forest.referrals, [forest.ids[r] for r in forest.roots]
    (4, 2, ['a', 'd'])
    >>> int(forest.size[forest.index("a")]), int(forest.depth[forest.index("c")])
    (3, 2)
    """

    ids: tuple[str, ...]
    parent: IntArray
    joined: FloatArray
    order: IntArray
    position: IntArray
    size: IntArray
    depth: IntArray
    direct: IntArray
    _index: Mapping[str, int] = field(repr=False)

    @classmethod
    def from_edges(
        cls,
        edges: Iterable[Referral],
        *,
        members: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> ReferralForest:
        """The forest of ``edges``, with ``members`` nobody referred and who referred nobody.

        Parameters
        ----------
        edges
            ``(referrer, referee, at)`` of one campaign, in any order.
        members
            Further members of the campaign (consumers who took part without referring or
            being referred); ids already in ``edges`` are ignored.
        start, end
            Keep only referrals made at ``start <= at < end``. A member referred before
            ``start`` who refers others inside the window becomes the root of a cascade.

        Raises
        ------
        ReferralInputError
            On a self-referral, a consumer referred twice, referrals closing a cycle, or a
            time without an offset.
        """
        for name, bound in (("start", start), ("end", end)):
            if bound is not None and bound.utcoffset() is None:
                raise ReferralInputError(name, f"must be timezone-aware, got {bound.isoformat()}")
        index: dict[str, int] = {}
        ids: list[str] = []
        parent: list[int] = []
        joined: list[float] = []
        for referrer, referee, at in edges:
            if at.utcoffset() is None:
                raise ReferralInputError(
                    "at",
                    f"referral {referrer!r} -> {referee!r} at {at.isoformat()} has no offset",
                    (referrer, referee),
                )
            if (start is not None and at < start) or (end is not None and at >= end):
                continue
            if referrer == referee:
                raise ReferralInputError(
                    "edges", f"consumer {referrer!r} refers itself", (referrer,)
                )
            a = index.get(referrer)
            if a is None:
                a = index[referrer] = len(ids)
                ids.append(referrer)
                parent.append(-1)
                joined.append(math.nan)
            b = index.get(referee)
            if b is None:
                b = index[referee] = len(ids)
                ids.append(referee)
                parent.append(a)
                joined.append(at.timestamp())
            elif parent[b] == -1:
                parent[b] = a
                joined[b] = at.timestamp()
            else:
                first = ids[parent[b]]
                raise ReferralInputError(
                    "edges",
                    f"consumer {referee!r} is referred twice (by {first!r} and by {referrer!r});"
                    " a consumer is referred at most once per campaign",
                    (referee, first, referrer),
                )
        for member in members:
            if member not in index:
                index[member] = len(ids)
                ids.append(member)
                parent.append(-1)
                joined.append(math.nan)
        return cls._laid_out(tuple(ids), index, parent, joined)

    @classmethod
    def from_graph(
        cls,
        graph: nx.DiGraph[str],
        *,
        attribute: str = "at",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> ReferralForest:
        """The forest of a directed graph referrer -> referee whose edges carry the time.

        Nodes without edges are members nobody referred and who referred nobody.

        Raises
        ------
        ReferralInputError
            When the graph is undirected or a multigraph, an edge lacks ``attribute``, or
            for any reason :meth:`from_edges` gives.
        """
        if not graph.is_directed() or graph.is_multigraph():
            raise ReferralInputError(
                "graph", f"must be a networkx DiGraph referrer -> referee, got {type(graph)}"
            )
        edges: list[Referral] = []
        for referrer, referee, data in graph.edges(data=True):
            if attribute not in data:
                raise ReferralInputError(
                    "graph",
                    f"referral {referrer!r} -> {referee!r} has no {attribute!r} attribute",
                    (referrer, referee),
                )
            edges.append((referrer, referee, data[attribute]))
        return cls.from_edges(edges, members=graph.nodes, start=start, end=end)

    @classmethod
    def _laid_out(
        cls, ids: tuple[str, ...], index: dict[str, int], parent: list[int], joined: list[float]
    ) -> ReferralForest:
        n = len(ids)
        parents = np.asarray(parent, dtype=np.int64)
        referred = np.flatnonzero(parents >= 0)
        children = referred[np.argsort(parents[referred], kind="stable")].tolist()
        direct = np.bincount(parents[referred], minlength=n)
        first_child = [0, *np.cumsum(direct).tolist()]

        # Iterative depth-first preorder: cascades may be far deeper than Python's recursion.
        order: list[int] = []
        stack = np.flatnonzero(parents < 0)[::-1].tolist()
        while stack:
            v = stack.pop()
            order.append(v)
            begin, stop = first_child[v], first_child[v + 1]
            if begin != stop:
                stack.extend(children[begin:stop])
        if len(order) < n:
            raise ReferralInputError(
                "edges", f"referrals close a cycle: {_cycle(ids, parent, set(order))}"
            )

        size = [1] * n
        for v in reversed(order):
            p = parent[v]
            if p >= 0:
                size[p] += size[v]
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n, dtype=np.int64)
        position.setflags(write=False)
        return cls(
            ids=ids,
            parent=_frozen(parents, np.int64),
            joined=_frozen(joined, np.float64),
            order=_frozen(order, np.int64),
            position=position,
            size=_frozen(size, np.int64),
            depth=_frozen(_depths(parents), np.int64),
            direct=_frozen(direct, np.int64),
            _index=index,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, consumer: str) -> int | None:
        """The member number of ``consumer``, ``None`` when it is not a member."""
        return self._index.get(consumer)

    @property
    def roots(self) -> IntArray:
        """The roots of the cascades, in preorder (each cascade's run starts at its root)."""
        roots: IntArray = self.order[self.parent[self.order] < 0]
        return roots

    @property
    def referrals(self) -> int:
        """How many referrals the forest holds (members minus cascades)."""
        return len(self.ids) - int(np.count_nonzero(self.parent < 0))

    def subtree(self, member: int) -> IntArray:
        """The members of the cascade ``member`` started, ``member`` first, in preorder."""
        begin = int(self.position[member])
        run: IntArray = self.order[begin : begin + int(self.size[member])]
        return run


def _depths(parents: IntArray) -> IntArray:
    """Referrals from each member's root, by pointer doubling: O(n log depth) in numpy.

    After round ``k`` a member's ``jump`` is its ancestor ``2**k`` levels up (or ``-1`` past
    the root) and ``depth`` counts the levels below that ancestor. Only for forests: on a
    cycle it would never end.
    """
    depth = (parents >= 0).astype(np.int64)
    jump = parents.copy()
    climbing = np.flatnonzero(jump >= 0)
    while climbing.size:
        up = jump[climbing]
        # Both right-hand sides are read before either assignment: one doubling step.
        depth[climbing] += depth[up]
        jump[climbing] = jump[up]
        climbing = climbing[jump[climbing] >= 0]
    return depth


def _cycle(ids: tuple[str, ...], parent: list[int], reached: set[int]) -> str:
    """One cycle among the members no root reaches, written ``a -> b -> a``."""
    v = next(i for i in range(len(ids)) if i not in reached)
    seen: dict[int, int] = {}
    path: list[int] = []
    while v not in seen:
        seen[v] = len(path)
        path.append(v)
        v = parent[v]
    # The chain of referrers is walked backwards; print it in the direction referrals go.
    loop = [*path[seen[v] :], v][::-1]
    return " -> ".join(repr(ids[i]) for i in loop)
