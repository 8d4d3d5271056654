"""The OR-Library parsers: formats, traps (repeated edges, rounding down), and kinds."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.layout import LayoutInputError
from loaders.orlib import detect_kind, known_optima, load_orlib, parse_cpmp, parse_pmed, parse_uncap
from tests.shared import OR_LIBRARY


def test_pmed_repeated_edge_takes_last_cost_and_uses_shortest_paths():
    problem = parse_pmed("4 5 2\n1 2 1\n2 3 1\n1 3 5\n1 2 7\n4 3 2\n")
    # 1-2 now costs 7, so 1 reaches 2 through 3 (5 + 1).
    assert problem.cost[0].tolist() == [0.0, 6.0, 5.0, 7.0]
    assert problem.p == 2 and problem.kind == "pmed"
    assert np.allclose(problem.cost, problem.cost.T)


def test_pmed_last_cost_wins_even_when_larger():
    problem = parse_pmed("2 2 1\n1 2 3\n2 1 8\n")
    assert problem.cost[0, 1] == 8.0


def test_pmed_rejects_disconnected_graph_and_bad_vertex():
    with pytest.raises(LayoutInputError, match="not connected"):
        parse_pmed("3 1 1\n1 2 3\n")
    with pytest.raises(LayoutInputError, match=r"outside 1\.\.2"):
        parse_pmed("2 1 1\n1 3 3\n")


def test_uncap_costs_may_wrap_lines():
    problem = parse_uncap("3 1\n0 1.5\n0 2\n0 3\n7\n1 2\n3\n")
    assert problem.cost.tolist() == [[1.0, 2.0, 3.0]]
    assert problem.demand.tolist() == [7.0]
    assert problem.p is None and problem.capacity is None


def test_cpmp_rounds_euclidean_distance_down():
    problem = parse_cpmp("1 0\n2 1 10\n1 0 0 3\n2 1 1.9 4\n")
    assert problem.cost[0, 1] == 2.0  # sqrt(1 + 3.61) = 2.147
    assert problem.capacity.tolist() == [10.0, 10.0]
    assert problem.kind == "cpmp"


def test_truncated_file_is_rejected():
    with pytest.raises(LayoutInputError, match="ends early"):
        parse_uncap("2 2\n0 1\n0 1\n5 1\n")
    with pytest.raises(LayoutInputError, match="not a number"):
        parse_pmed("2 1 x\n")


def test_detect_kind_from_content(tmp_path):
    (tmp_path / "a.txt").write_text("1 0\n2 1 10\n1 0 0 3\n2 1 1 4\n")
    (tmp_path / "b.txt").write_text("3 2 1\n1 2 1\n2 3 1\n")
    (tmp_path / "c.txt").write_text("2 1\n0 1\n0 2\n1\n3 4\n")
    assert [detect_kind(tmp_path / f"{n}.txt") for n in "abc"] == ["cpmp", "pmed", "uncap"]


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize(
    ("path", "kind", "shape", "p", "optimum"),
    [
        ("pmed/pmed1.txt", "pmed", (100, 100), 5, 5819.0),
        ("pmed/pmed20.txt", "pmed", (400, 400), 133, 1789.0),
        ("uncap/cap131.txt", "uncap", (50, 50), None, 793439.562),
        ("cpmp/pmedcap1_01.txt", "cpmp", (50, 50), 5, 713.0),
    ],
)
def test_shared_instances_load(path, kind, shape, p, optimum):
    instance = load_orlib(OR_LIBRARY / path)
    assert instance.kind == kind
    assert instance.problem.cost.shape == shape
    assert instance.problem.p == p
    assert instance.optimum == optimum


@pytest.mark.usefixtures("shared_dir")
def test_known_optima_cover_every_instance():
    for folder in ("pmed", "uncap", "cpmp"):
        optima = known_optima(OR_LIBRARY / folder)
        names = {p.stem for p in (OR_LIBRARY / folder).glob("*.txt") if not p.stem.endswith("opt")}
        assert names and names <= set(optima)
