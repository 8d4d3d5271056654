"""What the brand learns from a campaign, measured on a small campaign world loaded under its
own ids and replayed through the scan path: every count expected here is taken from the
world's own scans, cases and shipments, or from the awards the graph holds."""

from __future__ import annotations

import doctest
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

import algorithms.campaigns.advice
import algorithms.campaigns.analytics
import algorithms.campaigns.profiles
import algorithms.campaigns.scan_rates
import algorithms.report_page
from algorithms.campaigns.advice import advise
from algorithms.campaigns.analytics import CampaignScan, summarise
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.profiles import RfmSettings, Segment, segments
from algorithms.campaigns.scan_rates import ShippedLine
from graph_model.database import Database
from loaders.demo.campaigns import CASE_SIZE, CampaignWorld, campaign_world
from loaders.regions.china import china_regions
from loaders.regions.lookup import region_of_point
from services.campaign_analytics import CampaignAnalyticsService
from services.campaign_world import load_campaign_world, replay_scans
from services.campaigns import CampaignService
from tests.factories import post

ANALYTICS = """
query ($id: ID!) {
  campaignAnalytics(id: $id) {
    __typename
    ... on CampaignAnalytics {
      scans scanners repeatScanners newScanners returningScanners prizesPaid prizeSpend
      scanRates { total { key shipped scanned rate }
                  byProvince { key shipped scanned rate } byProduct { key shipped scanned } }
      provinces { province scans scanners repeatScanners prizeSpend }
      repeatByPrize { level winners repeatRate }
      segments { segment consumers scans units prizeSpend } activeHours
      recommendations recommendationsZh
    }
    ... on Problem { path reason }
  }
}
"""

PROFILE = """
query ($id: ID!, $campaign: ID) {
  consumerProfile(id: $id, campaign: $campaign) {
    __typename
    ... on ConsumerProfile {
      id scans units days segment homeRegion homeRegionName homeProvince newInPeriod
      preferredProducts { gtin scans } activeHours peakHour prizes prizeValue
    }
    ... on Problem { path reason }
  }
}
"""

RATES = """
query ($from: DateTime!, $to: DateTime!, $products: [String!]) {
  scanRates(from: $from, to: $to, products: $products) {
    __typename
    ... on ScanRates { total { shipped scanned } byProvince { key shipped scanned } }
    ... on Problem { path reason }
  }
}
"""


@pytest.fixture(scope="session")
def loaded_world(db: Database) -> Iterator[CampaignWorld]:
    """A campaign world of 30 consumers (and its planted fraud), loaded and replayed."""
    world = campaign_world(23, "t" + uuid.uuid4().hex[:10], consumers=30)
    service = CampaignService(db)
    load_campaign_world(db, world, service)
    replay_scans(db, world, service)
    yield world


_PROVINCES = {r.code: r for r in china_regions()}


def _province_of(region: str) -> str:
    r = _PROVINCES[region]
    return _PROVINCES[r.parent_code].name if r.parent_code else r.name


def _expected_rates(world: CampaignWorld) -> dict[str, tuple[int, int]]:
    scanned = {s.code for s in world.scans}
    seat = {d.id: d.region_code for d in world.master.distributors}
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for units, to in world.shipments:
        row = out[_province_of(seat[to])]
        row[0] += len(units)
        row[1] += sum(1 for u in units if u in scanned)
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_analytics_count_what_the_world_scanned_and_shipped(
    client: TestClient, driver: neo4j.Driver, loaded_world: CampaignWorld
) -> None:
    world = loaded_world
    got = post(client, ANALYTICS, id=world.campaign.id)["campaignAnalytics"]
    assert got["__typename"] == "CampaignAnalytics", got
    days: dict[str, set[int]] = defaultdict(set)
    for s in world.scans:
        days[s.actor].add(int(s.at.timestamp() // 86_400))
    assert got["scans"] == len(world.scans)
    assert got["scanners"] == len(days)
    assert got["repeatScanners"] == sum(1 for d in days.values() if len(d) >= 2)
    # The world's consumers never scanned before its campaign.
    assert (got["newScanners"], got["returningScanners"]) == (len(days), 0)

    awards, spend = driver.execute_query(
        "MATCH (a:Award {campaign: $id, status: 'paid'}) "
        "RETURN count(a) AS n, sum(a.amountCents) AS cents",
        id=world.campaign.id,
    ).records[0]
    assert (got["prizesPaid"], got["prizeSpend"]) == (awards, (spend or 0) / 100)
    assert sum(p["scans"] for p in got["provinces"]) == len(world.scans)
    assert round(sum(p["prizeSpend"] for p in got["provinces"]), 2) == got["prizeSpend"]
    assert sum(r["winners"] for r in got["repeatByPrize"]) == len(
        {s.actor for s in world.scans} & set(_winners(driver, world))
    )

    expected = _expected_rates(world)
    rates = got["scanRates"]
    assert {r["key"]: (r["shipped"], r["scanned"]) for r in rates["byProvince"]} == expected
    shipped = CASE_SIZE * len(world.shipments)
    scanned = len({s.code for s in world.scans})
    assert (rates["total"]["shipped"], rates["total"]["scanned"]) == (shipped, scanned)
    assert rates["total"]["rate"] == pytest.approx(scanned / shipped)
    assert rates["byProduct"] == [{"key": world.gtin, "shipped": shipped, "scanned": scanned}]

    hours = Counter((s.at + timedelta(hours=8)).hour for s in world.scans)
    assert got["activeHours"] == [hours[h] for h in range(24)]
    segments = got["segments"]
    assert sum(s["consumers"] for s in segments) == len(days)
    assert sum(s["scans"] for s in segments) == len(world.scans)
    assert {s["segment"] for s in segments} <= {x.name for x in Segment}
    assert len(got["recommendations"]) == len(got["recommendationsZh"]) >= 3
    assert "repeat scanners per 1,000 of prize spend" in got["recommendations"][0]
    assert "每千元奖金" in got["recommendationsZh"][0]


def _winners(driver: neo4j.Driver, world: CampaignWorld) -> list[str]:
    records = driver.execute_query(
        "MATCH (a:Award {campaign: $id, status: 'paid'})-[:TO]->(c:Consumer) "
        "RETURN DISTINCT c.id AS c",
        id=world.campaign.id,
    ).records
    return [r["c"] for r in records]


def test_scan_rates_for_a_window_and_products(
    client: TestClient, loaded_world: CampaignWorld
) -> None:
    world = loaded_world
    window = {
        "from": world.campaign.start.isoformat(),
        "to": datetime.now(UTC).isoformat(),
        "products": [world.gtin],
    }
    got = post(client, RATES, **window)["scanRates"]
    expected = _expected_rates(world)
    assert {r["key"]: (r["shipped"], r["scanned"]) for r in got["byProvince"]} == expected
    # Before the campaign nothing was scanned, though all of it had been shipped.
    before = world.campaign.start - timedelta(hours=2)
    early = post(
        client, RATES, **{**window, "from": (before - timedelta(days=1)).isoformat(),
                          "to": before.isoformat()},
    )["scanRates"]  # fmt: skip
    assert early["total"] == {"shipped": CASE_SIZE * len(world.shipments), "scanned": 0}
    bad = post(client, RATES, **{**window, "to": "1990-01-01T00:00:00Z"})["scanRates"]
    assert (bad["__typename"], bad["path"]) == ("Problem", "to")


def test_a_consumer_profile_is_read_from_their_scans(
    client: TestClient, loaded_world: CampaignWorld
) -> None:
    world = loaded_world
    organic = [s for s in world.scans if s.fraud is None]
    actor, _ = Counter(s.actor for s in organic).most_common(1)[0]
    mine = [s for s in world.scans if s.actor == actor]
    got = post(client, PROFILE, id=actor, campaign=world.campaign.id)["consumerProfile"]
    assert got["__typename"] == "ConsumerProfile", got
    regions = Counter(region_of_point(s.lat, s.lon).code for s in mine)
    hours = Counter((s.at + timedelta(hours=8)).hour for s in mine)
    assert got["scans"] == len(mine)
    assert got["units"] == len({s.code for s in mine})
    assert got["days"] == len({int(s.at.timestamp() // 86_400) for s in mine})
    assert regions[got["homeRegion"]] == max(regions.values())
    assert got["homeRegionName"] == _PROVINCES[got["homeRegion"]].name
    assert got["homeProvince"] == _province_of(got["homeRegion"])
    assert got["preferredProducts"] == [{"gtin": world.gtin, "scans": len(mine)}]
    assert got["activeHours"] == [hours[h] for h in range(24)]
    assert got["newInPeriod"] is True
    assert got["segment"] in {x.name for x in Segment}

    unknown = post(client, PROFILE, id=f"{actor}-nobody")["consumerProfile"]
    assert (unknown["__typename"], unknown["path"]) == ("Problem", "id")
    no_campaign = post(client, PROFILE, id=actor, campaign=f"{actor}-none")["consumerProfile"]
    assert (no_campaign["__typename"], no_campaign["path"]) == ("Problem", "campaign")


def test_segments_follow_the_stated_thresholds(db: Database, loaded_world: CampaignWorld) -> None:
    world = loaded_world
    service = CampaignAnalyticsService(db)
    found = service.analytics(world.campaign.id)
    as_of = found.as_of
    by_actor: dict[str, list[Any]] = defaultdict(list)
    for s in world.scans:
        by_actor[s.actor].append(s)
    expected: Counter[Segment] = Counter()
    st = service.settings
    for scans in by_actor.values():
        last = max(s.at for s in scans)
        recency = (as_of - last).total_seconds() / 86_400
        days = len({int(s.at.timestamp() // 86_400) for s in scans})
        units = len({s.code for s in scans})
        first_age = (as_of - min(s.at for s in scans)).total_seconds() / 86_400
        if recency > st.lost_days:
            expected[Segment.LOST] += 1
        elif days >= st.repeat_days and recency <= st.recent_days:
            champion = units >= st.champion_units
            expected[Segment.CHAMPIONS if champion else Segment.LOYAL] += 1
        elif days >= st.repeat_days:
            expected[Segment.AT_RISK] += 1
        elif first_age <= st.recent_days:
            expected[Segment.NEW] += 1
        else:
            expected[Segment.OCCASIONAL] += 1
    assert {f.segment: f.consumers for f in found.segments} == dict(expected)


def test_an_unknown_campaign_is_a_problem(client: TestClient, ns: str) -> None:
    got = post(client, ANALYTICS, id=f"{ns}-none")["campaignAnalytics"]
    assert (got["__typename"], got["path"]) == ("Problem", "id")


@pytest.mark.parametrize(
    "module",
    [
        algorithms.campaigns.advice,
        algorithms.campaigns.analytics,
        algorithms.campaigns.profiles,
        algorithms.campaigns.scan_rates,
        algorithms.report_page,
    ],
)
def test_doctests(module: Any) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("recency", "days", "units", "first_seen", "expected"),
    [
        (31.0, 9, 9, 90.0, Segment.LOST),
        (7.0, 2, 4, 20.0, Segment.CHAMPIONS),
        (7.0, 2, 3, 20.0, Segment.LOYAL),
        (7.5, 5, 9, 20.0, Segment.AT_RISK),
        (3.0, 1, 1, 7.0, Segment.NEW),
        (3.0, 1, 1, 7.5, Segment.OCCASIONAL),
        (30.0, 1, 1, 30.0, Segment.OCCASIONAL),
    ],
)
def test_segment_thresholds_are_inclusive_as_stated(
    recency: float, days: int, units: int, first_seen: float, expected: Segment
) -> None:
    assert segments([recency], [days], [units], [first_seen]) == [expected]


def test_bad_profile_inputs_are_refused() -> None:
    with pytest.raises(CampaignInputError, match="recent_days < lost_days"):
        RfmSettings(recent_days=40)
    with pytest.raises(CampaignInputError, match="one length"):
        segments([1.0], [1, 2], [1], [1.0])
    with pytest.raises(CampaignInputError, match="scanned units"):
        ShippedLine("江苏省", "06901234000011", 3, 4)


def test_a_province_with_a_sliver_of_the_spend_is_not_ranked() -> None:
    day = 86_400.0
    scans = [CampaignScan(f"a{i}", 0, "江苏省", "second", 10.0) for i in range(10)]
    scans += [CampaignScan(f"a{i}", 2 * day, "江苏省") for i in range(5)]
    scans += [CampaignScan("b", 0, "河北省", "thanks", 0.5), CampaignScan("b", 2 * day, "河北省")]
    advice = advise(summarise(scans))
    # 河北省 has one repeat scanner for 0.50 (2,000 per 1,000) but under 5 % of the spend.
    assert advice[0].en.startswith("江苏省 returns the most repeat scanners per 1,000")
    assert not any(a.en.startswith("河北省") for a in advice)
