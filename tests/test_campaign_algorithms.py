"""Campaign algorithms without a database: the draw, the review substitute, the risk rules,
and the campaign file."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from algorithms.campaigns import (
    CampaignInputError,
    Level,
    RiskFacts,
    RiskSettings,
    count_far,
    decide,
    draw,
    smallest_level,
)
from graph_model.campaigns import CampaignSpec, PrizeLevelSpec, check_campaign_spec
from graph_model.errors import InvalidField
from loaders.campaigns import parse_campaigns, read_campaign_file

POOL = [
    Level("first", 0.01, 88.0, 5),
    Level("second", 0.09, 8.0, 50),
    Level("thanks", 0.4, 0.5, 900),
]


def test_draw_follows_the_probabilities() -> None:
    rng = random.Random(3)
    counts = [0, 0, 0, 0]
    n = 100_000
    for _ in range(n):
        won = draw(POOL, 1e9, rng.random())
        counts[3 if won is None else won] += 1
    for got, want in zip(counts, (0.01, 0.09, 0.4, 0.5), strict=True):
        assert abs(got / n - want) < 0.01


def test_an_exhausted_or_unaffordable_level_wins_nothing_and_lifts_no_other() -> None:
    gone = [Level("first", 0.5, 88.0, 0), Level("second", 0.5, 8.0, 3)]
    assert draw(gone, 100.0, 0.2) is None and draw(gone, 100.0, 0.7) == 1
    assert draw(gone, 5.0, 0.7) is None


@pytest.mark.parametrize(
    ("levels", "u", "match"),
    [
        (POOL, 1.0, "u must be"),
        ([Level("a", 0.7, 1.0, 1), Level("b", 0.6, 1.0, 1)], 0.1, "add up"),
        ([Level("a", -0.1, 1.0, 1)], 0.1, "in \\[0, 1\\]"),
    ],
)
def test_draw_refuses_bad_input(levels: list[Level], u: float, match: str) -> None:
    with pytest.raises(CampaignInputError, match=match):
        draw(levels, 1.0, u)


def test_review_gets_the_cheapest_level_left() -> None:
    assert smallest_level(POOL, 100.0) == 2
    assert smallest_level([Level("a", 0.1, 5.0, 0), Level("b", 0.1, 9.0, 1)], 100.0) == 1
    assert smallest_level([Level("a", 0.1, 5.0, 1)], 4.0) is None


@pytest.mark.parametrize(
    ("facts", "decision", "reason"),
    [
        (RiskFacts(), "allow", None),
        (RiskFacts(code_known=False), "deny", "code unknown to the brand"),
        (RiskFacts(redeemed=True), "deny", "code already redeemed"),
        (RiskFacts(other_scanners=1), "review", "code scanned before by 1 other consumers"),
        (RiskFacts(other_scanners=2), "deny", "code scanned before by 2 other consumers"),
        (RiskFacts(device_accounts=2), "allow", None),
        (RiskFacts(device_accounts=3), "review", "device used by 3 accounts"),
        (RiskFacts(phone_accounts=5), "deny", "phone shared by 5 accounts"),
        (RiskFacts(device_recent=6), "review", "6 scans from the device in 10 min"),
        (RiskFacts(device_recent=15), "deny", "15 scans from the device in 10 min"),
        (RiskFacts(far_siblings=3), "deny", None),
        (RiskFacts(ring_member=True), "review", "member of a referral ring"),
        (RiskFacts(anomaly=0.8), "review", "anomaly score 0.80"),
        (RiskFacts(anomaly=0.5), "allow", None),
    ],
)
def test_each_rule_grades_the_scan(facts: RiskFacts, decision: str, reason: str | None) -> None:
    got = decide(facts)
    assert got.decision == decision
    if reason is not None:
        assert got.reasons[0] == reason
    assert (got.score == 0) == (decision == "allow")


def test_travel_is_judged_by_speed_over_a_real_distance() -> None:
    shanghai, beijing = (31.23, 121.47), (39.9, 116.4)
    fast = RiskFacts(here=(*beijing, 3600.0), previous=(*shanghai, 0.0))
    flown = RiskFacts(here=(*beijing, 3 * 3600.0), previous=(*shanghai, 0.0))
    across_town = RiskFacts(here=(31.3, 121.5, 60.0), previous=(*shanghai, 0.0))
    assert decide(fast).decision == "deny" and decide(fast).reasons[0].startswith("impossible")
    assert decide(flown).decision == "allow"  # 1,067 km in 3 h: a flight
    assert decide(across_town).decision == "allow"  # 8 km in a minute: GPS noise, not travel
    assert decide(fast, RiskSettings(travel_kmh=2000)).decision == "allow"


def test_settings_refuse_deny_below_review() -> None:
    with pytest.raises(CampaignInputError, match="device_accounts"):
        RiskSettings(device_accounts_review=5, device_accounts_deny=3)


def test_far_siblings_are_counted_by_geodesic_distance() -> None:
    assert count_far((31.23, 121.47), [(31.2, 121.4), (39.9, 116.4), (23.1, 113.3)], 200) == 2


def _campaign(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "spring",
        "name": "Spring",
        "start": "2026-03-01T00:00:00+08:00",
        "end": "2026-06-01T00:00:00+08:00",
        "budget": 1000,
        "regions": ["320000"],
        "storeReward": 0.5,
        "levels": [{"level": "first", "quantity": 10, "amount": 8.8, "probability": 0.01}],
    }
    base.update(overrides)
    return base


def test_the_campaign_file_reads_every_shape(tmp_path: Path) -> None:
    path = tmp_path / "campaigns.json"
    path.write_text(json.dumps({"campaigns": [_campaign(), _campaign(id="summer")]}))
    specs = read_campaign_file(path)
    assert [s.id for s in specs] == ["spring", "summer"]
    assert specs[0].store_reward == 0.5 and specs[0].levels[0].amount == 8.8
    assert specs[0].start == datetime(2026, 2, 29 - 1, 16, tzinfo=UTC)
    assert [s.id for s in parse_campaigns(_campaign())] == ["spring"]


def test_the_campaign_file_names_every_problem() -> None:
    with pytest.raises(InvalidField) as caught:
        parse_campaigns(
            [
                _campaign(budget="lots"),
                _campaign(id="b", levels=[{"level": "x", "quantity": 1, "amount": 1,
                                           "probability": 2}]),
                _campaign(id="b"),
            ]
        )  # fmt: skip
    paths = [p.path for p in caught.value.problems]
    assert paths == ["campaigns[0].budget", "campaigns[1].levels[0].probability",
                     "campaigns[1].levels", "campaigns[2].id"]  # fmt: skip


def test_a_spec_is_checked_field_by_field() -> None:
    spec = CampaignSpec(
        id="bad id",
        name="",
        start=datetime(2026, 3, 1),
        end=datetime(2026, 2, 1),
        budget=-1,
        levels=(PrizeLevelSpec("a", 1, -1.0, 0.5), PrizeLevelSpec("a", 1, 1.0, 0.6)),
        products=("12",),
        regions=("中国",),
    )
    with pytest.raises(InvalidField) as caught:
        check_campaign_spec(spec, "input.")
    assert {p.path for p in caught.value.problems} == {
        "input.id", "input.name", "input.end", "input.budget", "input.products[0]",
        "input.regions[0]", "input.levels[0].amount", "input.levels[1].level", "input.levels",
    }  # fmt: skip
