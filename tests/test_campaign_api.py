"""Scan-to-win campaigns through GraphQL: saving and reading campaigns, a consumer's scan
drawing a prize, risk control grading scans, held prizes, store credits and points."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.repositories.store_fraud import _STORE_FACTS, store_record_from_record
from services.campaigns import CampaignService
from services.capture import CaptureService
from tests.factories import DISTRIBUTOR, Chain, post

GTIN = "06901234123456"

SAVE = """
mutation ($input: CampaignInput!) {
  saveCampaign(input: $input) {
    __typename
    ... on Campaign { id name budget spent awarded regions
                      levels { level quantity remaining amount probability points } }
    ... on Problem { path reason problems { path reason } }
  }
}
"""

READ = """
query ($id: ID!) {
  campaign(id: $id) {
    __typename
    ... on Campaign { id spent awarded levels { level remaining } }
    ... on Problem { path reason }
  }
  campaigns { id }
}
"""

SCAN = """
mutation ($input: RecordScanInput!) {
  recordScan(input: $input) {
    __typename
    ... on RecordScanSuccess {
      eventId duplicate
      prize { campaign awardId level amount points status credited }
      risk { decision reasons score }
      campaigns { campaign risk { decision } prize { level } }
    }
    ... on Problem { path reason }
  }
}
"""


def campaign_input(ns: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": f"{ns}-spring",
        "name": "Spring scan-to-win",
        "start": (now - timedelta(days=1)).isoformat(),
        "end": (now + timedelta(days=30)).isoformat(),
        "budget": 100.0,
        "products": [GTIN],
        "regions": [f"R{ns}"],
        "levels": [
            {"level": "first", "quantity": 2, "amount": 10.0, "probability": 1.0, "points": 5}
        ],
    }
    base.update(overrides)
    return base


@pytest.fixture
def chain(db: Database, ns: str) -> Chain:
    made = Chain(ns, units=8)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


def save(client: TestClient, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = post(client, SAVE, input=fields)["saveCampaign"]
    return result


def scan(
    client: TestClient, ns: str, unit: str, n: int, actor: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "code": unit,
        "kind": "CONSUMER",
        "clientScanId": f"{ns}-{n}",
        "actor": actor,
        "location": {"lat": 31.23, "lon": 121.47, "region": f"R{ns}"},
    }
    body.update(fields)
    result: dict[str, Any] = post(client, SCAN, input=body)["recordScan"]
    assert result["__typename"] == "RecordScanSuccess", result
    return result


def test_a_campaign_is_saved_read_and_listed(client: TestClient, ns: str) -> None:
    saved = save(client, **campaign_input(ns))
    assert saved["__typename"] == "Campaign"
    assert saved["levels"] == [
        {"level": "first", "quantity": 2, "remaining": 2, "amount": 10.0, "probability": 1.0,
         "points": 5}
    ]  # fmt: skip
    assert (saved["spent"], saved["awarded"], saved["regions"]) == (0.0, 0, [f"R{ns}"])
    data = post(client, READ, id=f"{ns}-spring")
    assert data["campaign"]["id"] == f"{ns}-spring"
    assert f"{ns}-spring" in [k["id"] for k in data["campaigns"]]
    missing = post(client, READ, id=f"{ns}-none")["campaign"]
    assert missing == {"__typename": "Problem", "path": "id", "reason": f"no campaign '{ns}-none'"}


def test_bad_campaigns_are_refused_field_by_field(client: TestClient, ns: str) -> None:
    now = datetime.now(UTC)
    bad = save(
        client,
        **campaign_input(
            ns,
            end=(now - timedelta(days=2)).isoformat(),
            budget=0,
            products=["123"],
            levels=[
                {"level": "a", "quantity": 1, "amount": 1, "probability": 0.7},
                {"level": "a", "quantity": -1, "amount": 1, "probability": 0.6},
            ],
        ),
    )
    assert bad["__typename"] == "Problem"
    paths = {p["path"] for p in bad["problems"]}
    assert {"input.end", "input.budget", "input.products[0]", "input.levels[1].level",
            "input.levels[1].quantity", "input.levels"} <= paths  # fmt: skip
    assert post(client, READ, id=f"{ns}-spring")["campaign"]["__typename"] == "Problem"


def test_a_scan_wins_once_and_the_pool_runs_out(
    client: TestClient, driver: neo4j.Driver, chain: Chain, ns: str
) -> None:
    save(client, **campaign_input(ns))
    first = scan(client, ns, chain.units[2], 1, f"c1-{ns}")
    assert first["risk"] == {"decision": "ALLOW", "reasons": [], "score": 0.0}
    prize = first["prize"]
    assert (prize["level"], prize["amount"], prize["points"], prize["status"]) == (
        "first", 10.0, 5, "PAID",
    )  # fmt: skip
    assert prize["awardId"] == f"{ns}-spring|{chain.units[2]}"

    retry = scan(client, ns, chain.units[2], 1, f"c1-{ns}")
    assert retry["duplicate"] is True and retry["prize"] == prize

    again = scan(client, ns, chain.units[2], 2, f"c2-{ns}")
    assert again["prize"] is None and again["risk"]["decision"] == "DENY"
    assert "code already redeemed" in again["risk"]["reasons"]

    assert scan(client, ns, chain.units[3], 3, f"c3-{ns}")["prize"]["level"] == "first"
    spent = scan(client, ns, chain.units[4], 4, f"c4-{ns}")
    assert spent["prize"] is None and spent["risk"]["decision"] == "ALLOW"

    read = post(client, READ, id=f"{ns}-spring")["campaign"]
    assert (read["spent"], read["awarded"], read["levels"][0]["remaining"]) == (20.0, 2, 0)
    records, _, _ = driver.execute_query(
        "MATCH (d:RiskDecision {campaign: $k}) RETURN d.decision AS decision",
        k=f"{ns}-spring",
    )
    assert sorted(r["decision"] for r in records) == ["allow", "allow", "allow", "deny"]
    records, _, _ = driver.execute_query(
        "MATCH (c:Consumer {id: $c}) RETURN c.points AS p, "
        "[(c)<-[:OF]-(e:PointsEntry)-[:FOR]->(:Award) | e.delta] AS entries",
        c=f"c1-{ns}",
    )
    assert (records[0]["p"], records[0]["entries"]) == (5, [5])


def test_a_scan_outside_the_campaign_draws_nothing(
    client: TestClient, chain: Chain, ns: str
) -> None:
    save(client, **campaign_input(ns))
    elsewhere = scan(
        client, ns, chain.units[2], 1, f"c1-{ns}", location={"lat": 31.2, "lon": 121.4}
    )
    assert (elsewhere["prize"], elsewhere["risk"], elsewhere["campaigns"]) == (None, None, [])


def test_a_device_farm_is_reviewed_then_denied_and_held_prizes_are_released(
    client: TestClient, chain: Chain, ns: str
) -> None:
    levels = [
        {"level": "big", "quantity": 5, "amount": 20.0, "probability": 0.5},
        {"level": "small", "quantity": 5, "amount": 1.0, "probability": 0.5},
    ]
    save(client, **campaign_input(ns, levels=levels))
    decisions = []
    for i in range(5):
        done = scan(client, ns, chain.units[i + 1], i, f"farm{i}-{ns}", device=f"dev-{ns}")
        decisions.append(done["risk"]["decision"])
        if done["risk"]["decision"] == "REVIEW":
            assert done["prize"]["level"] == "small" and done["prize"]["status"] == "HELD"
            held = done["prize"]["awardId"]
    assert decisions == ["ALLOW", "ALLOW", "REVIEW", "REVIEW", "DENY"]
    assert "device used by 5 accounts" in done["risk"]["reasons"]
    assert done["prize"] is None

    release = """mutation ($id: String!) { releaseAward(id: $id) {
        __typename ... on AwardReleased { released } ... on Problem { path } } }"""
    assert post(client, release, id=held)["releaseAward"]["released"] is True
    assert post(client, release, id=held)["releaseAward"]["released"] is False
    assert post(client, release, id=f"{ns}|none")["releaseAward"]["__typename"] == "Problem"


def test_impossible_travel_is_denied(client: TestClient, chain: Chain, ns: str) -> None:
    save(client, **campaign_input(ns))
    now = datetime.now(UTC)
    actor = f"traveller-{ns}"
    scan(client, ns, chain.units[5], 1, actor, at=(now - timedelta(minutes=20)).isoformat())
    beijing = {"lat": 39.9, "lon": 116.4, "region": f"R{ns}"}
    far = scan(client, ns, chain.units[6], 2, actor, location=beijing, at=now.isoformat())
    assert far["risk"]["decision"] == "DENY" and far["prize"] is None
    assert any(r.startswith("impossible travel: 10") for r in far["risk"]["reasons"])


def test_a_win_credits_the_store_that_sold_the_unit_and_the_staff_who_opened_it(
    client: TestClient, db: Database, driver: neo4j.Driver, chain: Chain, ns: str
) -> None:
    store, staff = f"urn:epc:id:sgln:{ns}.0", f"staff-{ns}"
    driver.execute_query(
        "MERGE (s:Party {id: $store}) SET s:Store, s.name = 'test store' "
        "MERGE (f:Staff {id: $staff}) MERGE (f)-[:WORKS_AT]->(s)",
        store=store,
        staff=staff,
    )
    unit = chain.units[7]
    ship = chain.event(
        20, action="OBSERVE", bizStep="shipping", disposition="in_transit", epcList=[unit],
        sourceList=[{"type": "owning_party", "source": DISTRIBUTOR}],
        destinationList=[{"type": "owning_party", "destination": store}],
        bizTransactionList=[{"type": "desadv", "bizTransaction": f"urn:yima:desadv:{ns}-s"}],
    )  # fmt: skip
    assert not CaptureService(db).capture_event(ship).problems
    opened = {"code": unit, "kind": "STAFF", "clientScanId": f"{ns}-open", "actor": staff}
    assert post(client, SCAN, input=opened)["recordScan"]["__typename"] == "RecordScanSuccess"
    save(client, **campaign_input(ns, storeReward=2.0, staffReward=0.5))

    won = scan(client, ns, unit, 1, f"c1-{ns}")
    assert sorted(won["prize"]["credited"]) == sorted([store, staff])
    read = post(client, READ, id=f"{ns}-spring")["campaign"]
    assert read["spent"] == 12.5
    records, _, _ = driver.execute_query(
        "MATCH (cr:StoreCredit)-[:TO]->(t) WHERE cr.campaign = $k "
        "RETURN t.id AS to, cr.role AS role, cr.amountCents AS cents ORDER BY role",
        k=f"{ns}-spring",
    )
    assert [(r["to"], r["role"], r["cents"]) for r in records] == [
        (staff, "staff", 50), (store, "store", 200),
    ]  # fmt: skip
    # Store-fraud detection reads the credits with the rest of the store's behaviour.
    facts = db.read(_STORE_FACTS, after=f"urn:epc:id:sgln:{ns}.", page=1, sample=20)
    assert store_record_from_record(facts[0]).credits == 2


def test_resaving_keeps_what_was_awarded(client: TestClient, chain: Chain, ns: str) -> None:
    save(client, **campaign_input(ns))
    scan(client, ns, chain.units[2], 1, f"c1-{ns}")
    shrunk = save(
        client,
        **campaign_input(
            ns, budget=5.0, levels=[{"level": "x", "quantity": 1, "amount": 1, "probability": 1}]
        ),
    )
    assert shrunk["__typename"] == "Problem"
    assert {p["path"] for p in shrunk["problems"]} == {"input.budget", "input.levels"}
    grown = save(
        client,
        **campaign_input(
            ns,
            levels=[{"level": "first", "quantity": 4, "amount": 10.0, "probability": 1.0}],
        ),
    )
    assert grown["levels"][0]["remaining"] == 3 and grown["spent"] == 10.0


def test_points_are_earned_by_winning_and_never_overspent(
    client: TestClient, db: Database, driver: neo4j.Driver, chain: Chain, ns: str
) -> None:
    levels = [{"level": "first", "quantity": 2, "amount": 1.0, "probability": 1.0, "points": 30}]
    save(client, **campaign_input(ns, levels=levels))
    actor = f"member-{ns}"
    scan(client, ns, chain.units[2], 1, actor)
    scan(client, ns, chain.units[3], 2, actor, at=datetime.now(UTC).isoformat())
    service = CampaignService(db)
    now = datetime.now(UTC)

    def order(n: int) -> bool:
        try:
            service.spend_points(actor, f"{ns}-o{n}", "mug", 10, now)
        except InvalidField:
            return False
        return True

    with ThreadPoolExecutor(max_workers=12) as pool:
        placed = list(pool.map(order, range(12)))
    assert sum(placed) == 6
    service.spend_points(actor, f"{ns}-o{placed.index(True)}", "mug", 10, now)  # a retry
    assert service.repository.balance(actor) == 0

    spend = """mutation ($input: SpendPointsInput!) { spendPoints(input: $input) {
        __typename ... on PointsSpent { balance } ... on Problem { path reason } } }"""
    refused = post(
        client, spend, input={"consumer": actor, "order": f"{ns}-x", "item": "mug", "points": 1}
    )["spendPoints"]
    assert refused == {"__typename": "Problem", "path": "input.points",
                       "reason": "1 asked, 0 in the account"}  # fmt: skip
    records, _, _ = driver.execute_query(
        "MATCH (c:Consumer {id: $c})<-[:OF]-(e:PointsEntry) "
        "RETURN c.points AS points, sum(e.delta) AS total, "
        "       count(CASE WHEN EXISTS { (e)-[:FOR]->(:Award) } OR e.order IS NOT NULL "
        "             THEN 1 END) AS traced, count(e) AS entries, min(e.balance) AS lowest",
        c=actor,
    )
    row = records[0]
    assert (row["points"], row["total"], row["entries"]) == (0, 0, 8)
    assert row["traced"] == 8 and row["lowest"] == 0


ANALYTICS = """
query ($id: ID!) {
  campaignAnalytics(id: $id) {
    __typename
    ... on CampaignAnalytics {
      scans scanners repeatScanners scansPerPerson prizesPaid prizeSpend
      provinces { province scans scanners repeatScanners prizeSpend repeatPerThousand }
      repeatByPrize { level winners scansAfterPerWinner }
      recommendations
    }
    ... on Problem { path reason }
  }
}
"""


def test_analytics_tell_repeat_scanners_prizes_and_provinces(
    client: TestClient, driver: neo4j.Driver, chain: Chain, ns: str
) -> None:
    driver.execute_query(
        "MERGE (p:Region {code: $p}) SET p.level = 'province', p.name = $name "
        "MERGE (r:Region {code: $r}) SET r.level = 'prefecture' MERGE (r)-[:WITHIN]->(p)",
        p=f"P{ns}", r=f"R{ns}", name=f"Prov{ns}",
    )  # fmt: skip
    now = datetime.now(UTC)
    levels = [{"level": "first", "quantity": 1, "amount": 10.0, "probability": 1.0}]
    save(client, **campaign_input(ns, levels=levels, start=(now - timedelta(days=5)).isoformat()))
    early = (now - timedelta(days=3)).isoformat()
    assert scan(client, ns, chain.units[2], 1, f"a-{ns}", at=early)["prize"]["level"] == "first"
    assert scan(client, ns, chain.units[3], 2, f"a-{ns}")["prize"] is None
    scan(client, ns, chain.units[4], 3, f"b-{ns}")

    got = post(client, ANALYTICS, id=f"{ns}-spring")["campaignAnalytics"]
    assert (got["scans"], got["scanners"], got["repeatScanners"], got["scansPerPerson"]) == (
        3, 2, 1, 1.5,
    )  # fmt: skip
    assert (got["prizesPaid"], got["prizeSpend"]) == (1, 10.0)
    assert got["provinces"] == [
        {"province": f"Prov{ns}", "scans": 3, "scanners": 2, "repeatScanners": 1,
         "prizeSpend": 10.0, "repeatPerThousand": 100.0}
    ]  # fmt: skip
    assert got["repeatByPrize"] == [{"level": "first", "winners": 1, "scansAfterPerWinner": 1.0}]
    assert got["recommendations"][0] == (
        f"Prov{ns} returns the most repeat scanners per 1,000 of prize spend (100.0 vs 100.0 "
        "average): raise its budget"
    )
    missing = post(client, ANALYTICS, id=f"{ns}-none")["campaignAnalytics"]
    assert missing["__typename"] == "Problem"
