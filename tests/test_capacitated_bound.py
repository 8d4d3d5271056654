"""Knapsacks, the capacitated Lagrangian bound and its pair fixing, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from algorithms.layout import LayoutProblem
from algorithms.layout.capacitated_bound import capacitated_bound, fix_pairs, sample_sites
from algorithms.layout.knapsack import knapsack_items, knapsack_table, knapsack_units


def best_subset(profit: np.ndarray, weight: np.ndarray, capacity: float) -> float:
    best = 0.0
    for take in itertools.product([0, 1], repeat=len(profit)):
        chosen = np.array(take, dtype=bool)
        if weight[chosen].sum() <= capacity:
            best = min(best, float(profit[chosen].sum()))
    return best


def brute_force(problem: LayoutProblem) -> tuple[float, tuple[int, ...], tuple[int, ...]]:
    """Optimum of a tiny capacitated problem: cost, open sites, assignment."""
    n, m = problem.n_stores, problem.n_sites
    sizes = [problem.p] if problem.p is not None else range(1, m + 1)
    best: tuple[float, tuple[int, ...], tuple[int, ...]] = (np.inf, (), ())
    for size in sizes:
        for sites in itertools.combinations(range(m), size):
            if not set(problem.must_open) <= set(sites):
                continue
            for assignment in itertools.product(sites, repeat=n):
                load = np.bincount(assignment, weights=problem.demand, minlength=m)
                if (load > problem.capacity).any():
                    continue
                cost = problem.total_cost(sites, assignment)
                if cost < best[0]:
                    best = (cost, sites, assignment)
    return best


def random_problem(
    seed: int, *, p: int | None = 2, n: int = 6, m: int = 4, must_open: tuple[int, ...] = ()
) -> LayoutProblem:
    rng = np.random.default_rng(seed)
    stores = rng.uniform(0, 20, size=(n, 2))
    sites = rng.uniform(0, 20, size=(m, 2))
    cost = np.floor(np.linalg.norm(stores[:, None] - sites[None], axis=2))
    demand = rng.integers(1, 6, size=n).astype(float)
    count = p if p is not None else 3
    capacity = np.full(m, np.ceil(demand.sum() / (0.85 * count)))
    fixed = None if p is not None else rng.integers(0, 15, size=m).astype(float)
    return LayoutProblem.create(
        cost, demand=demand, capacity=capacity, p=p, fixed_cost=fixed, must_open=must_open
    )


@pytest.mark.parametrize("seed", range(6))
def test_knapsack_table_and_items_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    profit = rng.integers(-9, 4, size=(7, 3)).astype(float)
    weight = rng.integers(0, 6, size=7)
    capacity = rng.integers(3, 12, size=3)
    table = knapsack_table(profit, weight, capacity)
    taken = knapsack_items(profit, weight, capacity)
    for j in range(3):
        best = best_subset(profit[:, j], weight, capacity[j])
        assert table[j, capacity[j]] == pytest.approx(best)
        assert profit[taken[:, j], j].sum() == pytest.approx(best)
        assert weight[taken[:, j]].sum() <= capacity[j]


@pytest.mark.parametrize("seed", range(6))
def test_knapsack_units_never_lose_a_set_that_fits(seed):
    rng = np.random.default_rng(seed)
    weight = rng.uniform(0, 30, size=8)
    capacity = rng.uniform(20, 60, size=2)
    units, limits = knapsack_units(weight, capacity, resolution=16)
    assert limits.max() <= 16 + 1
    for take in itertools.product([0, 1], repeat=8):
        chosen = np.array(take, dtype=bool)
        for j in range(2):
            if weight[chosen].sum() <= capacity[j]:
                assert units[chosen].sum() <= limits[j]


@pytest.mark.parametrize(
    ("seed", "p", "must_open"),
    [(0, 2, ()), (1, 2, (3,)), (2, 3, ()), (3, None, ()), (4, None, (1,)), (5, 2, ())],
)
def test_bound_is_below_the_optimum_and_fixing_keeps_it(seed, p, must_open):
    problem = random_problem(seed, p=p, must_open=must_open)
    optimum, sites, assignment = brute_force(problem)
    result = capacitated_bound(problem, optimum + 5)
    assert result.bound <= optimum
    # Against a worse plan, the optimal plan must survive the fixing.
    fixing = fix_pairs(problem, result, optimum + 1)
    assert fixing.allowed[np.arange(problem.n_stores), assignment].all()
    assert not set(fixing.closed) & set(sites)
    assert set(fixing.opened) <= set(sites)
    drawn = sample_sites(problem, result, np.random.default_rng(seed))
    assert set(problem.must_open) <= set(drawn.tolist())
    if p is not None:
        assert len(drawn) == p


def test_bound_meets_the_cost_when_the_relaxation_is_a_plan():
    problem = LayoutProblem.create(
        [[0, 1, 5], [1, 0, 4], [5, 5, 0]], demand=[2, 2, 1], capacity=[3, 3, 3], p=2
    )
    assert capacitated_bound(problem, 4.0).bound == 4.0


def test_bound_needs_capacities():
    with pytest.raises(ValueError, match="capacitated"):
        capacitated_bound(LayoutProblem.create([[0, 1], [1, 0]], p=1), 1.0)
