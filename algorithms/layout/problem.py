"""The channel-layout problem: stores, candidate sites, costs, demands and capacities.

One value type covers the four models a planner asks for:

========  ==========  ===========  =========================================
kind      ``p``       capacities   model
========  ==========  ===========  =========================================
``pmed``  given       none         p-median
``uncap`` ``None``    none         uncapacitated facility location
``cpmp``  given       given        capacitated p-median (single-sourcing)
``cap``   ``None``    given        capacitated facility location (single-sourcing)
========  ==========  ===========  =========================================

Any of them may keep some sites open (``must_open``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from algorithms.layout.errors import LayoutInputError

__all__ = ["LayoutKind", "LayoutProblem"]

LayoutKind = Literal["pmed", "uncap", "cpmp", "cap"]

FloatArray = NDArray[np.float64]


def _vector(name: str, values: ArrayLike, length: int, what: str) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1 or array.shape[0] != length:
        raise LayoutInputError(
            name, f"must be a 1-D array with one entry per {what} ({length}), got {array.shape}"
        )
    _check_finite_nonnegative(name, array)
    array.setflags(write=False)
    return array


def _check_finite_nonnegative(name: str, array: FloatArray) -> None:
    if np.isnan(array).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(array))[0])
        raise LayoutInputError(name, f"contains NaN (first at index {where})")
    if np.isinf(array).any():
        where = tuple(int(i) for i in np.argwhere(np.isinf(array))[0])
        raise LayoutInputError(name, f"contains an infinite value (first at index {where})")
    if (array < 0).any():
        where = tuple(int(i) for i in np.argwhere(array < 0)[0])
        raise LayoutInputError(name, f"contains a negative value (first at index {where})")


@dataclass(frozen=True, slots=True, eq=False)
class LayoutProblem:
    """A layout instance: which sites to open and which store each open site serves.

    Parameters
    ----------
    cost : array of shape (n_stores, n_sites)
        ``cost[i, j]`` is the cost of serving the whole demand of store ``i`` from site
        ``j`` (already weighted by demand when that is what the planner means).
    demand : array of shape (n_stores,)
        Demand of each store; it only matters against ``capacity``.
    fixed_cost : array of shape (n_sites,)
        Cost of opening each site.
    capacity : array of shape (n_sites,) or None
        Capacity of each site; ``None`` for uncapacitated models. With capacities every
        store is served by exactly one site (single-sourcing).
    p : int or None
        Number of sites to open; ``None`` lets the solver choose.
    must_open : tuple of int
        Sites that must stay open.
    name : str
        Label used in reports.

    Raises
    ------
    LayoutInputError
        When the arrays have the wrong shape, hold NaN, infinite or negative values, ``p`` is
        out of range, or the capacities cannot serve the demand.

    Examples
    --------
    >>> problem = LayoutProblem.create([[0, 4], [3, 0], [5, 1]], p=1)
    >>> problem.kind, problem.n_stores, problem.n_sites
    ('pmed', 3, 2)
    """

    cost: FloatArray
    demand: FloatArray
    fixed_cost: FloatArray
    capacity: FloatArray | None = None
    p: int | None = None
    must_open: tuple[int, ...] = ()
    name: str = field(default="")

    def __post_init__(self) -> None:
        cost = np.array(self.cost, dtype=np.float64)
        if cost.ndim != 2 or cost.shape[0] == 0 or cost.shape[1] == 0:
            raise LayoutInputError(
                "cost", f"must be a non-empty 2-D array (stores × sites), got shape {cost.shape}"
            )
        _check_finite_nonnegative("cost", cost)
        cost.setflags(write=False)
        n_stores, n_sites = cost.shape
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "demand", _vector("demand", self.demand, n_stores, "store"))
        object.__setattr__(
            self, "fixed_cost", _vector("fixed_cost", self.fixed_cost, n_sites, "site")
        )
        if self.capacity is not None:
            object.__setattr__(
                self, "capacity", _vector("capacity", self.capacity, n_sites, "site")
            )
        self._check_sites(n_sites)
        if self.capacity is not None:
            self._check_capacity(self.capacity)

    def _check_sites(self, n_sites: int) -> None:
        must_open = tuple(int(j) for j in self.must_open)
        object.__setattr__(self, "must_open", tuple(sorted(must_open)))
        for j in must_open:
            if not 0 <= j < n_sites:
                raise LayoutInputError("must_open", f"site {j} is not in 0..{n_sites - 1}")
        if len(set(must_open)) != len(must_open):
            raise LayoutInputError("must_open", f"lists a site twice: {sorted(must_open)}")
        if self.p is None:
            return
        if isinstance(self.p, bool) or not isinstance(self.p, int | np.integer):
            raise LayoutInputError("p", f"must be an integer, got {self.p!r}")
        object.__setattr__(self, "p", int(self.p))
        if self.p < 1:
            raise LayoutInputError("p", f"must be at least 1, got {self.p}")
        if self.p > n_sites:
            raise LayoutInputError(
                "p", f"asks for {self.p} sites but there are only {n_sites} candidate sites"
            )
        if len(must_open) > self.p:
            raise LayoutInputError(
                "must_open", f"keeps {len(must_open)} sites open but p is only {self.p}"
            )

    def _check_capacity(self, capacity: FloatArray) -> None:
        too_big = np.flatnonzero(self.demand > capacity.max())
        if too_big.size:
            i = int(too_big[0])
            raise LayoutInputError(
                "capacity",
                f"store {i} has demand {self.demand[i]:g}, more than every site's capacity "
                f"(largest {capacity.max():g}); single-sourcing cannot serve it",
            )
        total = float(self.demand.sum())
        best = self.max_capacity()
        if best < total:
            what = "all sites" if self.p is None else f"the {self.p} largest admissible sites"
            raise LayoutInputError(
                "capacity",
                f"total capacity of {what} is {best:g}, less than the total demand {total:g}",
            )

    def max_capacity(self) -> float:
        """Largest total capacity any admissible set of open sites can offer.

        Returns ``inf`` for uncapacitated problems.
        """
        if self.capacity is None:
            return float("inf")
        if self.p is None:
            return float(self.capacity.sum())
        kept = list(self.must_open)
        others = np.delete(self.capacity, kept)
        extra = np.sort(others)[::-1][: self.p - len(kept)]
        return float(self.capacity[kept].sum() + extra.sum())

    @classmethod
    def create(
        cls,
        cost: ArrayLike,
        *,
        demand: ArrayLike | None = None,
        fixed_cost: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        p: int | None = None,
        must_open: Sequence[int] = (),
        name: str = "",
    ) -> LayoutProblem:
        """Build a problem with unit demands and zero fixed costs unless given.

        Examples
        --------
        >>> LayoutProblem.create([[1, 2]], fixed_cost=[5, 1]).kind
        'uncap'
        """
        matrix = np.array(cost, dtype=np.float64)
        if matrix.ndim != 2:
            raise LayoutInputError("cost", f"must be a 2-D array, got shape {matrix.shape}")
        n_stores, n_sites = matrix.shape
        return cls(
            cost=matrix,
            demand=np.ones(n_stores) if demand is None else np.asarray(demand, dtype=np.float64),
            fixed_cost=(
                np.zeros(n_sites) if fixed_cost is None else np.asarray(fixed_cost, np.float64)
            ),
            capacity=None if capacity is None else np.asarray(capacity, dtype=np.float64),
            p=p,
            must_open=tuple(must_open),
            name=name,
        )

    @classmethod
    def p_median(
        cls,
        distance: ArrayLike,
        p: int,
        *,
        demand: ArrayLike | None = None,
        capacity: ArrayLike | None = None,
        must_open: Sequence[int] = (),
        name: str = "",
    ) -> LayoutProblem:
        """Build a (capacitated) p-median problem where every point is a store and a site.

        ``distance`` must be square; the cost of serving store ``i`` from site ``j`` is
        ``demand[i] * distance[i, j]``.

        Examples
        --------
        >>> LayoutProblem.p_median([[0, 2], [2, 0]], p=1, demand=[1, 3]).cost.tolist()
        [[0.0, 2.0], [6.0, 0.0]]
        """
        matrix = np.array(distance, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise LayoutInputError(
                "distance",
                f"must be a square matrix (every point is a store and a site), "
                f"got shape {matrix.shape}",
            )
        n = matrix.shape[0]
        weights = np.ones(n) if demand is None else np.asarray(demand, dtype=np.float64)
        weights = _vector("demand", weights, n, "point")
        _check_finite_nonnegative("distance", matrix)
        return cls.create(
            matrix * weights[:, None],
            demand=weights,
            capacity=capacity,
            p=p,
            must_open=must_open,
            name=name,
        )

    def with_p(self, p: int | None) -> LayoutProblem:
        """The same problem with another number of sites to open (checked again).

        Examples
        --------
        >>> LayoutProblem.create([[0, 1], [1, 0]], p=1).with_p(2).p
        2
        """
        return replace(self, p=p)

    @property
    def n_stores(self) -> int:
        """Number of stores (rows of ``cost``)."""
        return int(self.cost.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of candidate sites (columns of ``cost``)."""
        return int(self.cost.shape[1])

    @property
    def kind(self) -> LayoutKind:
        """Which of the four models this is (see the module docstring)."""
        if self.capacity is None:
            return "pmed" if self.p is not None else "uncap"
        return "cpmp" if self.p is not None else "cap"

    @property
    def integral_costs(self) -> bool:
        """Whether every cost is an integer, so a strictly better plan costs at least 1 less.

        Examples
        --------
        >>> LayoutProblem.create([[0, 1.5]], p=1).integral_costs
        False
        """
        values = np.concatenate([self.cost.ravel(), self.fixed_cost])
        return bool(np.all(values == np.round(values)))

    def total_cost(self, open_sites: ArrayLike, assignment: ArrayLike) -> float:
        """Fixed cost of ``open_sites`` plus the cost of ``assignment`` (store → site)."""
        sites = np.asarray(open_sites, dtype=np.intp)
        assign = np.asarray(assignment, dtype=np.intp)
        return float(
            self.fixed_cost[sites].sum() + self.cost[np.arange(self.n_stores), assign].sum()
        )
