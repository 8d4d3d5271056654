"""Known answers for the layout solvers, every input error, and OR-Library instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from typer.testing import CliRunner

from algorithms.layout import (
    LayoutInputError,
    LayoutPlan,
    LayoutProblem,
    compare,
    geodesic_cost_matrix,
    haversine_km,
    solve_exact,
    solve_heuristic,
)
from algorithms.layout.lagrangian import lagrangian_fixing
from cli.main import app
from loaders.orlib import load_orlib
from tests.shared import OR_LIBRARY

# A line of five towns, 0 — 1 — 2 ——— 3 — 4, every town a store and a candidate site.
LINE = np.abs(np.subtract.outer([0.0, 1.0, 2.0, 10.0, 11.0], [0.0, 1.0, 2.0, 10.0, 11.0]))


def brute_force(problem: LayoutProblem) -> float:
    sizes = [problem.p] if problem.p is not None else range(1, problem.n_sites + 1)
    best = np.inf
    for size in sizes:
        for sites in itertools.combinations(range(problem.n_sites), size):
            if not set(problem.must_open) <= set(sites):
                continue
            cost = problem.fixed_cost[list(sites)].sum() + problem.cost[:, sites].min(axis=1).sum()
            best = min(best, float(cost))
    return best


@pytest.mark.parametrize("solver", [solve_heuristic, solve_exact])
def test_p_median_on_a_line_opens_one_site_per_cluster(solver):
    plan = solver(LayoutProblem.p_median(LINE, 2))
    assert plan.open_sites in ((1, 3), (1, 4))
    assert plan.cost == 3.0


def test_exact_reports_bound_and_zero_gap():
    plan = solve_exact(LayoutProblem.p_median(LINE, 2), time_limit=10)
    assert plan.lower_bound == 3.0 and plan.gap == 0.0 and plan.proven_optimal


def test_heuristic_never_claims_optimality():
    plan = solve_heuristic(LayoutProblem.p_median(LINE, 2))
    assert plan.lower_bound is None and plan.gap is None and not plan.proven_optimal


@pytest.mark.parametrize("solver", [solve_heuristic, solve_exact])
def test_must_open_site_stays_open(solver):
    plan = solver(LayoutProblem.p_median(LINE, 2, must_open=[0]))
    assert 0 in plan.open_sites
    assert plan.cost == 4.0  # sites 0 and 3 (or 4): 1 + 2 + 1


@pytest.mark.parametrize("solver", [solve_heuristic, solve_exact])
def test_facility_location_chooses_how_many_sites(solver):
    problem = LayoutProblem.create(LINE, fixed_cost=[5.0] * 5)
    plan = solver(problem)
    assert len(plan.open_sites) == 2
    assert plan.cost == 13.0 == brute_force(problem)


@pytest.mark.parametrize("solver", [solve_heuristic, solve_exact])
def test_capacity_forces_single_sourcing_split(solver):
    # Three heavy stores near site 0 cannot all be served there: one goes to site 2 (cost 9)
    # beside store 3, which beats opening site 1 (cost 3 each, and store 3 at 9).
    problem = LayoutProblem.create(
        [[0, 3, 9], [1, 3, 9], [1, 3, 9], [9, 9, 0]],
        demand=[2, 2, 2, 1],
        capacity=[4, 4, 4],
        p=2,
    )
    plan = solver(problem)
    loads = np.bincount(plan.assignment, weights=problem.demand, minlength=3)
    assert (loads <= problem.capacity).all()
    assert plan.open_sites == (0, 2) and plan.cost == 10.0


@pytest.mark.parametrize("seed", range(4))
def test_solvers_match_brute_force_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, size=(12, 2))
    distance = np.round(np.linalg.norm(points[:, None] - points[None], axis=2))
    problem = LayoutProblem.p_median(distance, 3, must_open=[int(rng.integers(12))])
    optimum = brute_force(problem)
    exact = solve_exact(problem, time_limit=10)
    assert exact.cost == optimum and exact.proven_optimal
    assert solve_heuristic(problem).cost <= optimum * 1.005


def test_lagrangian_bound_is_valid_and_fixes_sites():
    distance = np.round(np.random.default_rng(7).uniform(1, 50, size=(15, 15)))
    np.fill_diagonal(distance, 0)
    problem = LayoutProblem.p_median(distance, 4)
    optimum = brute_force(problem)
    result = lagrangian_fixing(problem, optimum)
    assert result.bound <= optimum
    assert len(result.closed) + len(result.opened) > 0


def test_compare_counts_savings_reassignments_and_coverage():
    problem = LayoutProblem.p_median(LINE, 2)
    plan = solve_exact(problem, time_limit=10)
    today = [0, 0, 0, 0, 0]
    result = compare(plan, today, problem, radius=1.5)
    assert result.current_cost == 24.0 and result.cost_saved == 21.0
    assert result.stores_reassigned == tuple(i for i in range(5) if plan.assignment[i] != 0)
    assert result.coverage_gaps == ()
    assert result.demand_within_radius == 1.0
    tight = compare(plan, today, problem, radius=0.5)
    # Only the two open towns lie within 0.5 of an open site.
    assert len(tight.coverage_gaps) == 3 and tight.demand_within_radius == pytest.approx(0.4)


def test_plan_evaluate_rejects_overloaded_site():
    problem = LayoutProblem.create([[0, 1], [1, 0]], demand=[2, 2], capacity=[3, 3], p=2)
    with pytest.raises(LayoutInputError, match="over its capacity"):
        LayoutPlan.evaluate(problem, [0, 1], [0, 0], method="manual")


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"cost": [[1, 2], [3, 4]], "p": 3}, "p", "only 2 candidate sites"),
        ({"cost": [[1, 2], [3, 4]], "p": 0}, "p", "at least 1"),
        ({"cost": [[1, -2], [3, 4]], "p": 1}, "cost", "negative"),
        ({"cost": [[1, np.nan], [3, 4]], "p": 1}, "cost", "NaN"),
        ({"cost": [[1, np.inf], [3, 4]], "p": 1}, "cost", "infinite"),
        ({"cost": [1, 2, 3], "p": 1}, "cost", "2-D"),
        ({"cost": [[1, 2]], "demand": [1, 2], "p": 1}, "demand", "one entry per store"),
        ({"cost": [[1, 2]], "demand": [-1], "p": 1}, "demand", "negative"),
        ({"cost": [[1, 2]], "fixed_cost": [1], "p": 1}, "fixed_cost", "one entry per site"),
        ({"cost": [[1, 2]], "p": 1, "must_open": [5]}, "must_open", "not in 0..1"),
        ({"cost": [[1, 2]], "p": 1, "must_open": [0, 1]}, "must_open", "p is only 1"),
        (
            {"cost": [[1, 2], [3, 4]], "demand": [5, 1], "capacity": [4, 4], "p": 2},
            "capacity",
            "store 0 has demand 5, more than every site",
        ),
        (
            {"cost": [[1, 2], [3, 4]], "demand": [3, 3], "capacity": [4, 4], "p": 1},
            "capacity",
            "total capacity of the 1 largest admissible sites is 4, less than the total demand 6",
        ),
        (
            {"cost": [[1, 2], [3, 4]], "demand": [3, 3], "capacity": [2, 3]},
            "capacity",
            "all sites is 5",
        ),
    ],
)
def test_bad_input_names_field_and_reason(kwargs, field, reason):
    cost = kwargs.pop("cost")
    with pytest.raises(LayoutInputError, match=reason) as caught:
        LayoutProblem.create(cost, **kwargs)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_p_median_needs_square_distance():
    with pytest.raises(LayoutInputError, match="square"):
        LayoutProblem.p_median([[0, 1, 2], [1, 0, 3]], 1)


def test_geodesic_cost_matrix_weights_by_demand_and_is_close_to_haversine():
    stores = [(31.2304, 121.4737), (39.9042, 116.4074), (23.1291, 113.2644)]
    cost = geodesic_cost_matrix(stores, demand=[1, 2, 3])
    sphere = haversine_km(stores, stores) * np.array([1, 2, 3])[:, None]
    assert cost[0, 1] == pytest.approx(1065.8, abs=0.5)
    assert np.allclose(cost, sphere, rtol=0.006)
    supplied = geodesic_cost_matrix(distance=[[0, 5], [5, 0]], demand=[2, 1])
    assert supplied.tolist() == [[0, 10], [5, 0]]
    with pytest.raises(LayoutInputError, match="latitude"):
        geodesic_cost_matrix([(91, 0)])
    with pytest.raises(LayoutInputError, match="non-negative"):
        geodesic_cost_matrix(distance=[[0, -1], [1, 0]])


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize(
    ("path", "optimum"),
    [("pmed/pmed1.txt", 5819), ("uncap/cap71.txt", 932615.75), ("cpmp/pmedcap1_01.txt", 713)],
)
def test_orlib_instances_solved_to_proven_optimum(path, optimum):
    instance = load_orlib(OR_LIBRARY / path)
    exact = solve_exact(instance.problem, time_limit=60, heuristic_time=1.0)
    assert exact.cost == pytest.approx(optimum, abs=1e-6) and exact.proven_optimal
    heuristic = solve_heuristic(instance.problem, time_limit=2.0)
    assert heuristic.cost <= optimum * 1.01


@pytest.mark.usefixtures("shared_dir")
def test_cli_prints_cost_last():
    result = CliRunner().invoke(
        app, ["layout", "orlib", str(OR_LIBRARY / "pmed" / "pmed1.txt"), "--method", "exact"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "5819"


@pytest.mark.usefixtures("shared_dir")
def test_cli_rejects_p_beyond_sites():
    result = CliRunner().invoke(
        app, ["layout", "orlib", str(OR_LIBRARY / "pmed" / "pmed1.txt"), "--p", "101"]
    )
    assert result.exit_code == 2
    assert "101" in result.output and "No such command" not in result.output
