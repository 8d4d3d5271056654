"""0-1 knapsacks in minimisation form, one per site, as the capacitated Lagrangian needs them.

Site ``j`` may take any set of stores whose weights fit its capacity; taking store ``i``
adds ``profit[i, j]`` (only negative profits are worth taking). :func:`knapsack_table`
solves every site's knapsack at once by dynamic programming over integer capacities,
:func:`knapsack_items` recovers the stores each optimal knapsack takes.
:func:`knapsack_units` turns real weights into integer ones whose knapsacks *relax* the real
ones, so every value computed here is a valid lower bound on the real knapsack's minimum.

References
----------
S. Martello, P. Toth, "Knapsack problems: algorithms and computer implementations", Wiley,
1990 (chapter 2: dynamic programming).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["knapsack_items", "knapsack_table", "knapsack_units"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Largest integer capacity the dynamic programme works with; larger capacities are scaled.
RESOLUTION = 1000


def knapsack_units(
    weight: FloatArray, capacity: FloatArray, resolution: int = RESOLUTION
) -> tuple[IntArray, IntArray]:
    """Integer weights and capacities whose knapsacks relax those of ``weight`` / ``capacity``.

    Integer data up to ``resolution`` is kept as it is. Otherwise, with unit
    ``u = max(capacity) / resolution``, weights are rounded down and capacities up:
    ``Σ d_i ≤ Q`` implies ``Σ ⌊d_i / u⌋ ≤ ⌊Q / u⌋``, so no set that fits is lost.

    Examples
    --------
    >>> w, q = knapsack_units(np.array([3.0, 5.0]), np.array([7.0]))
    >>> w.tolist(), q.tolist()
    ([3, 5], [7])
    >>> w, q = knapsack_units(np.array([0.5, 1.25]), np.array([2.0]), resolution=4)
    >>> w.tolist(), q.tolist()
    ([0, 2], [4])
    """
    top = float(capacity.max()) if capacity.size else 0.0
    integral = bool(np.all(weight == np.round(weight)) and np.all(capacity == np.round(capacity)))
    if integral and top <= resolution:
        return weight.astype(np.intp), capacity.astype(np.intp)
    unit = top / resolution if top > 0 else 1.0
    # Rounding errors must only ever shrink a weight or grow a capacity.
    weights = np.floor(weight / unit * (1 - 1e-12)).astype(np.intp)
    capacities = np.floor(capacity / unit * (1 + 1e-12) + 1e-9).astype(np.intp)
    return np.maximum(weights, 0), capacities


def knapsack_table(profit: FloatArray, weight: IntArray, capacity: IntArray) -> FloatArray:
    """``table[j, w]``: least total profit of stores fitting weight ``w`` at site ``j``.

    Parameters
    ----------
    profit : array of shape (n_stores, n_sites)
        Profit of putting each store in each site's knapsack; positive entries are never
        taken.
    weight : int array of shape (n_stores,)
    capacity : int array of shape (n_sites,)
        Only ``table[j, : capacity[j] + 1]`` is meaningful for site ``j``.

    Examples
    --------
    >>> profit = np.array([[-3.0, -1.0], [-4.0, 2.0], [-2.0, -5.0]])
    >>> table = knapsack_table(profit, np.array([2, 3, 1]), np.array([3, 4]))
    >>> table[0, 3].item(), table[1, 4].item()
    (-5.0, -6.0)
    """
    table, _ = _dynamic_programme(profit, weight, capacity, record=False)
    return table


def knapsack_items(profit: FloatArray, weight: IntArray, capacity: IntArray) -> BoolArray:
    """``taken[i, j]``: whether an optimal knapsack of site ``j`` takes store ``i``.

    Examples
    --------
    >>> profit = np.array([[-3.0], [-4.0], [-2.0]])
    >>> knapsack_items(profit, np.array([2, 3, 1]), np.array([3]))[:, 0].tolist()
    [True, False, True]
    """
    _, taken = _dynamic_programme(profit, weight, capacity, record=True)
    n_stores, n_sites = profit.shape
    chosen = np.zeros((n_stores, n_sites), dtype=bool)
    left = capacity.astype(np.intp).copy()
    sites = np.arange(n_sites)
    for k in range(len(taken) - 1, -1, -1):
        i, bits = taken[k]
        take = bits[sites, left]
        chosen[i] = take
        left -= take * int(weight[i])
    return chosen


def _dynamic_programme(
    profit: FloatArray, weight: IntArray, capacity: IntArray, *, record: bool
) -> tuple[FloatArray, list[tuple[int, BoolArray]]]:
    """Every site's knapsack table, and with ``record`` which store each entry took."""
    n_sites = profit.shape[1]
    top = int(capacity.max()) if n_sites else 0
    table = np.zeros((n_sites, top + 1))
    gain = np.minimum(profit, 0.0)
    taken: list[tuple[int, BoolArray]] = []
    # Few sites: whole-table steps beat gathering the sites where a store is worth taking
    # (a zero gain never changes a table whose entries fall with the weight).
    gather = n_sites > 32 and not record
    for i in np.flatnonzero((gain < 0).any(axis=1)).tolist():
        w = int(weight[i])
        if w > top:
            continue
        sites = np.flatnonzero(gain[i] < 0) if gather else slice(None)
        rows = table[sites]
        candidate = rows[:, : top + 1 - w] + gain[i, sites][:, None]
        better = candidate < rows[:, w:]
        if record:
            bits = np.zeros(rows.shape, dtype=bool)
            bits[:, w:] = better
            taken.append((i, bits))
        rows[:, w:] = np.where(better, candidate, rows[:, w:])
        if gather:
            table[sites] = rows
    return table, taken
