"""Spread measures against their closed forms and against brute force on random forests."""

from __future__ import annotations

import doctest
import itertools
import random
from datetime import UTC, date, datetime, timedelta, timezone
from types import ModuleType

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import algorithms.referral.errors
import algorithms.referral.forest
import algorithms.referral.spread
from algorithms.referral import (
    Distribution,
    ReferralForest,
    ReferralInputError,
    campaign_spread,
    cascade_spread,
)
from loaders.demo.referrals import consumer_ids, referral_world

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 9, tzinfo=CST)


def star(n: int) -> list[tuple[str, str, datetime]]:
    return [("hub", f"r{i}", T0) for i in range(1, n)]


def path(n: int) -> list[tuple[str, str, datetime]]:
    return [(f"p{i}", f"p{i + 1}", T0) for i in range(n - 1)]


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[tuple[str, str, datetime]], list[str]]:
    """Random forests: member ``i`` is a root or referred by an earlier member; shuffled
    labels and edge order, so neither numbering nor input order helps the code under test."""
    n = draw(st.integers(1, 40))
    rng = random.Random(draw(st.integers(0, 2**32)))
    root_share = draw(st.sampled_from([0.0, 0.1, 0.4]))
    chainy = draw(st.sampled_from([0.0, 0.5, 0.9]))
    labels = [f"c{k}" for k in rng.sample(range(10 * n), n)]
    edges = []
    for i in range(1, n):
        if rng.random() < root_share:
            continue
        p = i - 1 if rng.random() < chainy else rng.randrange(i)
        edges.append((labels[p], labels[i], T0 + timedelta(hours=rng.randrange(200))))
    rng.shuffle(edges)
    return edges, labels


def brute_force(edges: list[tuple[str, str, datetime]], members: list[str], root: str):
    """Size, depth, breadth, virality and reach of ``root``'s cascade by networkx search."""
    graph = nx.DiGraph()
    graph.add_nodes_from(members)
    graph.add_edges_from((a, b) for a, b, _ in edges)
    cascade = [root, *nx.descendants(graph, root)]
    tree = graph.subgraph(cascade).to_undirected()
    n = len(cascade)
    distances = dict(nx.all_pairs_shortest_path_length(tree))
    total = sum(distances[u][v] for u, v in itertools.combinations(cascade, 2))
    virality = 0.0 if n == 1 else 2 * total / (n * (n - 1))
    levels = nx.single_source_shortest_path_length(graph, root)
    depth = max(levels.values())
    breadth = tuple(sum(1 for d in levels.values() if d == k) for k in range(depth + 1))
    reach = {v: len(nx.descendants(graph, v)) for v in cascade}
    return n, depth, breadth, virality, reach


@pytest.mark.parametrize(
    "module",
    [algorithms.referral.errors, algorithms.referral.forest, algorithms.referral.spread],
)
def test_doctests(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("n", [2, 3, 5, 10, 101])
def test_star_virality_is_2_n_minus_1_over_n(n: int) -> None:
    spread = cascade_spread(ReferralForest.from_edges(star(n)), "hub")
    assert spread.virality == pytest.approx(2 * (n - 1) / n)
    assert (spread.size, spread.depth, spread.breadth) == (n, 1, (1, n - 1))


@pytest.mark.parametrize("n", [2, 3, 5, 10, 101])
def test_path_virality_is_n_plus_1_over_3(n: int) -> None:
    spread = cascade_spread(ReferralForest.from_edges(path(n)), "p0")
    assert spread.virality == pytest.approx((n + 1) / 3)
    assert (spread.size, spread.depth, spread.breadth) == (n, n - 1, (1,) * n)


def test_a_path_of_a_hundred_thousand_needs_no_recursion() -> None:
    n = 100_000
    spread = cascade_spread(ReferralForest.from_edges(path(n)), "p0")
    assert spread.virality == pytest.approx((n + 1) / 3)
    assert spread.depth == n - 1


@pytest.mark.parametrize(
    "forest",
    [ReferralForest.from_edges(star(4)), ReferralForest.from_edges([], members=["alone"])],
    ids=["not a member", "member who took part alone"],
)
def test_lone_consumer_is_a_cascade_of_one(forest: ReferralForest) -> None:
    spread = cascade_spread(forest, "alone")
    assert (spread.size, spread.depth, spread.breadth, spread.widest_level) == (1, 0, (1,), 0)
    assert (spread.virality, spread.k_factor, spread.growth, spread.top_spreaders) == (
        0.0,
        0.0,
        (),
        (),
    )


@settings(max_examples=150, deadline=None)
@given(forests())
def test_cascade_measures_equal_brute_force(case) -> None:
    edges, members = case
    forest = ReferralForest.from_edges(edges, members=members)
    for root in members:
        n, depth, breadth, virality, reach = brute_force(edges, members, root)
        spread = cascade_spread(forest, root, top=n)
        assert (spread.size, spread.depth, spread.breadth) == (n, depth, breadth)
        assert spread.virality == pytest.approx(virality, rel=1e-12)
        assert spread.widest_level == breadth.index(max(breadth))
        assert {s.consumer: s.reach for s in spread.top_spreaders} == {
            v: r for v, r in reach.items() if r > 0
        }
        assert [s.reach for s in spread.top_spreaders] == sorted(
            (r for r in reach.values() if r > 0), reverse=True
        )
        assert sum(count for _, count in spread.growth) == n - 1


@settings(max_examples=100, deadline=None)
@given(forests())
def test_campaign_measures_equal_brute_force(case) -> None:
    edges, members = case
    forest = ReferralForest.from_edges(edges, members=members)
    spread = campaign_spread(forest, top=3, deep_after=2)
    roots = [m for m in members if all(b != m for _, b, _ in edges)]
    answers = [brute_force(edges, members, r) for r in roots]
    sizes = sorted(a[0] for a in answers)
    assert (spread.members, spread.referrals, spread.cascades) == (
        len(members),
        len(edges),
        len(roots),
    )
    assert spread.size_counts == tuple(
        (size, len(list(group))) for size, group in itertools.groupby(sizes)
    )
    assert spread.depth == max(a[1] for a in answers)
    assert spread.breadth == tuple(
        sum(a[2][k] for a in answers if k < len(a[2])) for k in range(spread.depth + 1)
    )
    viral = [a[3] for a in answers if a[0] >= 2]
    assert spread.virality.count == len(viral)
    assert spread.virality.mean == pytest.approx(sum(viral) / len(viral) if viral else 0.0)
    deep = sum(sum(a[2][3:]) for a in answers)
    assert (spread.deep_members, spread.deep_share) == (deep, deep / len(members))
    assert spread.k_factor == len(edges) / len(members)


def test_top_spreaders_rank_by_reach_then_direct_then_id() -> None:
    edges = [
        ("a", "b", T0),
        ("a", "c", T0),
        ("b", "d", T0),
        ("c", "e", T0),
        ("c", "f", T0),
        ("d", "g", T0),
    ]
    spread = cascade_spread(ReferralForest.from_edges(edges), "a", top=4)
    assert [(s.consumer, s.reach, s.direct, s.depth) for s in spread.top_spreaders] == [
        ("a", 6, 2, 0),
        ("c", 2, 2, 1),
        ("b", 2, 1, 1),
        ("d", 1, 1, 2),
    ]
    assert cascade_spread(ReferralForest.from_edges(edges), "a", top=0).top_spreaders == ()


def test_cascade_of_a_member_further_down_is_the_subtree_they_started() -> None:
    edges = [("a", "b", T0), ("b", "c", T0), ("b", "d", T0), ("d", "e", T0)]
    spread = cascade_spread(ReferralForest.from_edges(edges), "b")
    assert (spread.size, spread.depth, spread.breadth) == (4, 2, (1, 2, 1))
    assert spread.top_spreaders[0].depth == 0


def test_growth_counts_calendar_days_of_the_offset_with_empty_days() -> None:
    late = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)  # 07:30 on the 4th in China
    edges = [("a", "b", late), ("a", "c", late + timedelta(days=2)), ("a", "d", late)]
    forest = ReferralForest.from_edges(edges)
    assert cascade_spread(forest, "a").growth == (
        (date(2025, 3, 3), 2),
        (date(2025, 3, 4), 0),
        (date(2025, 3, 5), 1),
    )
    assert cascade_spread(forest, "a", tz=CST).growth == (
        (date(2025, 3, 4), 2),
        (date(2025, 3, 5), 0),
        (date(2025, 3, 6), 1),
    )


def test_k_factors() -> None:
    spread = cascade_spread(ReferralForest.from_edges(star(5)), "hub")
    assert spread.k_factor == 4 / 5
    assert spread.k_by_level == (4.0,)
    chain = cascade_spread(ReferralForest.from_edges([*path(3), ("p1", "x", T0)]), "p0")
    assert chain.breadth == (1, 1, 2) and chain.k_by_level == (1.0, 2.0)


def test_window_keeps_referrals_made_in_it() -> None:
    edges = [
        ("a", "b", T0),
        ("b", "c", T0 + timedelta(days=1)),
        ("c", "d", T0 + timedelta(days=2)),
    ]
    forest = ReferralForest.from_edges(edges, start=T0 + timedelta(hours=1), end=edges[2][2])
    assert [forest.ids[r] for r in forest.roots] == ["b"]
    assert campaign_spread(forest).members == 2


def test_graph_input_equals_edge_input() -> None:
    edges = [("a", "b", T0), ("b", "c", T0), ("d", "e", T0)]
    graph = nx.DiGraph()
    graph.add_node("alone")
    for a, b, at in edges:
        graph.add_edge(a, b, at=at)
    by_graph = campaign_spread(ReferralForest.from_graph(graph))
    by_edges = campaign_spread(ReferralForest.from_edges(edges, members=["alone"]))
    assert by_graph == by_edges


def test_empty_campaign() -> None:
    spread = campaign_spread(ReferralForest.from_edges([]))
    assert (spread.members, spread.cascades, spread.sizes.count, spread.deep_share) == (
        0,
        0,
        0,
        0.0,
    )


@pytest.mark.parametrize(
    ("edges", "match"),
    [
        ([("a", "a", T0)], r"edges: consumer 'a' refers itself"),
        (
            [("a", "b", T0), ("c", "b", T0)],
            r"consumer 'b' is referred twice \(by 'a' and by 'c'\)",
        ),
        ([("a", "b", T0), ("b", "a", T0)], r"referrals close a cycle: '(a|b)' -> '(a|b)' -> "),
        (
            [("x", "a", T0), ("a", "b", T0), ("b", "c", T0), ("c", "a", T0)],
            r"consumer 'a' is referred twice",
        ),
        (
            [("a", "b", T0), ("b", "c", T0), ("c", "a", T0), ("c", "d", T0)],
            r"cycle: '(a|b|c)' -> '(a|b|c)' -> '(a|b|c)' -> '(a|b|c)'$",
        ),
        ([("a", "b", datetime(2025, 3, 3))], r"at: referral 'a' -> 'b' .* has no offset"),
    ],
    ids=["self", "twice", "two-cycle", "cycle entered from outside", "three-cycle", "naive"],
)
def test_edges_that_are_not_a_forest_are_refused(edges, match: str) -> None:
    with pytest.raises(ReferralInputError, match=match):
        ReferralForest.from_edges(edges)


def test_bad_arguments_are_refused() -> None:
    forest = ReferralForest.from_edges(star(3))
    with pytest.raises(ReferralInputError, match="top: must be 0 or more, got -1"):
        cascade_spread(forest, "hub", top=-1)
    with pytest.raises(ReferralInputError, match="deep_after: must be 0 or more"):
        campaign_spread(forest, deep_after=-1)
    with pytest.raises(ReferralInputError, match="start: must be timezone-aware"):
        ReferralForest.from_edges(star(3), start=datetime(2025, 3, 3))
    with pytest.raises(ReferralInputError, match="graph: must be a networkx DiGraph"):
        ReferralForest.from_graph(nx.Graph())
    graph = nx.DiGraph([("a", "b")])
    with pytest.raises(ReferralInputError, match="'a' -> 'b' has no 'at' attribute"):
        ReferralForest.from_graph(graph)
    with pytest.raises(ReferralInputError, match="values: must be non-negative"):
        Distribution.of([1.0, -2.0])


def test_demo_campaigns_hold_broadcasts_and_chains() -> None:
    world = referral_world(consumer_ids(6_000), seed=5)
    edges = [
        (row["referrer_id"], row["referee_id"], datetime.fromisoformat(row["at"]))
        for row in world.referrals
        if row["campaign"] == "spring-2025"
    ]
    forest = ReferralForest.from_edges(edges)
    big = [
        cascade_spread(forest, forest.ids[root]) for root in forest.roots if forest.size[root] >= 20
    ]
    assert min(s.virality for s in big) < 2.5  # one sharer, many direct referees
    assert max(s.virality for s in big) > 6  # person-to-person chains
    spread = campaign_spread(forest, tz=CST)
    assert spread.sizes.maximum >= 20 and 0 < spread.deep_share < 1
