"""Personalised odds (千人千面): a consumer value score (predicted repurchase from past scans)
tilts the draw toward better levels for high-value consumers, within the campaign's bound,
and the pool and the budget still hold when scans arrive at once."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j
import pytest
from scipy.stats import fisher_exact
from starlette.testclient import TestClient
from typer.testing import CliRunner

from algorithms.campaigns import Level, draw
from algorithms.campaigns.draw import personalise
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.value import DAY, fit_value, repurchase_examples, rfm_features
from cli.main import app as cli_app
from graph_model.campaigns import RiskDecision
from graph_model.database import Database
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.vocabulary import ScanKind
from services.campaign_models import ModelCache
from services.campaigns import CampaignService, CampaignSettings
from services.capture import CaptureService
from services.scans import ScanRequest, record_scan, scan_event, scan_event_id
from tests.factories import Chain, document, post

SAVE = """
mutation ($input: CampaignInput!) {
  saveCampaign(input: $input) {
    __typename
    ... on Campaign { id personalisation { maxBoost } }
    ... on Problem { path reason }
  }
}
"""
LOYAL, ONCE, REPEATS = 30, 150, 5
SHANGHAI = (31.23, 121.47)


# -- on plain numbers -------------------------------------------------------------------------


POOL = [Level("gold", 0.3, 10.0, 1_000), Level("tin", 0.7, 1.0, 1_000)]


def test_the_tilt_keeps_the_chance_of_a_prize_and_its_bound() -> None:
    for value in (0.0, 0.3, 1.0):
        tilted = personalise(POOL, value, 1.0)
        assert sum(lv.probability for lv in tilted) == pytest.approx(1.0)
    best = personalise(POOL, 1.0, 1.0)
    # The dearest level's odds against the cheapest's grow at most 1 + maxBoost times.
    assert best[0].probability / best[1].probability == pytest.approx(2 * 0.3 / 0.7)
    assert personalise(POOL, 1.0, 0.0) == POOL  # off
    assert personalise([Level("only", 0.5, 1.0, 3)], 1.0, 1.0)[0].probability == 0.5
    with pytest.raises(CampaignInputError, match="max_boost"):
        personalise(POOL, 0.5, 1.5)
    with pytest.raises(CampaignInputError, match="value"):
        personalise(POOL, 1.2, 0.5)


def test_high_value_consumers_draw_the_better_level_more_often() -> None:
    rng = random.Random(3)
    wins: dict[float, Counter[str]] = {}
    for value in (0.05, 0.95):
        levels = personalise(POOL, value, 1.0)
        counts: Counter[str] = Counter()
        for _ in range(20_000):
            i = draw(levels, 1e9, rng.random())
            counts["none" if i is None else levels[i].name] += 1
        wins[value] = counts
    low, high = wins[0.05], wins[0.95]
    assert low["none"] == high["none"] == 0  # every scan still wins something
    _, p = fisher_exact([[high["gold"], high["tin"]], [low["gold"], low["tin"]]])
    assert high["gold"] > low["gold"] and p < 1e-6


def test_the_value_model_ranks_loyal_consumers_above_one_off_ones() -> None:
    histories = {f"loyal{i}": [d * DAY for d in (0, 10, 20, 30, 45, 55)] for i in range(25)}
    histories |= {f"once{i}": [float(i) * DAY] for i in range(25)}
    histories["loyal0"] = histories["loyal0"][:4]  # one loyal consumer did not come back
    histories["once0"].append(50 * DAY)  # and one newcomer did
    rows, labels = repurchase_examples(histories, 40 * DAY, 30)
    model = fit_value(rows, labels)
    loyal = model.score(rfm_features(5, 5, 0.0, 30 * DAY, 40 * DAY))
    once = model.score(rfm_features(1, 1, 2 * DAY, 2 * DAY, 40 * DAY))
    assert loyal > 0.7 > 0.3 > once
    with pytest.raises(CampaignInputError, match="came back"):
        fit_value(rows, [1] * len(rows))


# -- in the graph -----------------------------------------------------------------------------


@pytest.fixture
def value_name(driver: neo4j.Driver, ns: str) -> Iterator[str]:
    name = f"{ns}-value"
    yield name
    driver.execute_query("MATCH (m:CampaignModel {id: $id}) DELETE m", id=name)


def _history(ns: str, now: datetime) -> list[dict[str, Any]]:
    """Scan events of consumers' past: loyal ones scan every ten days or so and most came
    back in the last 30 days; one-off ones scanned once 45 to 75 days ago."""
    events = []
    days: dict[str, list[int]] = {}
    for i in range(LOYAL):
        back = [80, 70, 60, 50, 40] + ([] if i < 3 else [25, 15, 5])
        days[f"loyal{i}-{ns}"] = back
    for j in range(ONCE):
        days[f"once{j}-{ns}"] = [45 + j % 30] + ([10] if j < 8 else [])
    n = 0
    for actor, back in days.items():
        for d in back:
            n += 1
            request = ScanRequest(
                code=f"urn:epc:id:sgtin:6901234.012345.{ns}h{n}", kind=ScanKind.CONSUMER,
                client_scan_id=f"{ns}-h{n}", actor=actor, device=f"dev-{actor}",
                lat=SHANGHAI[0], lon=SHANGHAI[1], region=f"R{ns}",
            )  # fmt: skip
            epc = request.code
            events.append(scan_event(epc, scan_event_id(epc, request.client_scan_id), request,
                                     now - timedelta(days=d)))  # fmt: skip
    return events


def _campaign(ns: str, key: str, region: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": f"{ns}-{key}",
        "name": "personalised",
        "start": (now - timedelta(days=1)).isoformat(),
        "end": (now + timedelta(days=1)).isoformat(),
        "budget": 100_000.0,
        "regions": [region],
        "levels": [
            {"level": "gold", "quantity": 10_000, "amount": 10.0, "probability": 0.3},
            {"level": "tin", "quantity": 10_000, "amount": 1.0, "probability": 0.7},
        ],
        "personalisation": {"maxBoost": 1.0},
    }
    base.update(overrides)
    return base


def test_personalised_odds_favour_high_value_consumers_and_the_budget_holds(
    cli_env: None,
    client: TestClient,
    db: Database,
    driver: neo4j.Driver,
    ns: str,
    value_name: str,
) -> None:
    now = datetime.now(UTC)
    capture = CaptureService(db)
    assert not capture.capture_document(document(_history(ns, now))).problems
    chain = Chain(ns, units=4 + LOYAL * REPEATS + ONCE + 220)
    assert not capture.capture_document(chain.document()).problems
    units = iter(chain.units[4:])

    trained = CliRunner().invoke(
        cli_app,
        ["campaign", "train-value", "--days", "120", "--region", f"R{ns}", "--name", value_name],
    )
    assert trained.exit_code == 0, trained.output
    assert f"{value_name}: {LOYAL + ONCE} consumers" in trained.output
    service = CampaignService(db, CampaignSettings(value_model=value_name), rng=random.Random(7))
    assert service.models.value() is not None

    bad = post(client, SAVE, input=_campaign(ns, "bad", f"R{ns}", personalisation={"maxBoost": 2}))
    assert bad["saveCampaign"] == {
        "__typename": "Problem", "path": "input.personalisation.maxBoost",
        "reason": "must be in [0, 1], got 2.0",
    }  # fmt: skip
    saved = post(client, SAVE, input=_campaign(ns, "tilt", f"R{ns}"))["saveCampaign"]
    assert saved["personalisation"] == {"maxBoost": 1.0}
    service.refresh()

    provenance = ProvenanceRepository(db)

    def scan(actor: str, n: int, region: str, at: datetime | None) -> str | None:
        request = ScanRequest(
            code=next(units), kind=ScanKind.CONSUMER, client_scan_id=f"{ns}-d{region}{n}",
            actor=actor, device=f"dev-{actor}", lat=SHANGHAI[0], lon=SHANGHAI[1],
            region=region, at=at,
        )  # fmt: skip
        (outcome,) = record_scan(request, capture, provenance, None, service).campaigns
        assert outcome.decision is RiskDecision.ALLOW, outcome.reasons
        assert outcome.value is not None  # every consumer here has past scans
        return outcome.level

    start = now - timedelta(hours=2)
    levels: dict[str, Counter[str | None]] = {"loyal": Counter(), "once": Counter()}
    for i in range(LOYAL):
        for k in range(REPEATS):
            at = start + timedelta(seconds=20 * (i * REPEATS + k))
            levels["loyal"][scan(f"loyal{i}-{ns}", i * REPEATS + k, f"R{ns}", at)] += 1
    for j in range(ONCE):
        at = start + timedelta(minutes=60, seconds=10 * j)
        levels["once"][scan(f"once{j}-{ns}", 1_000 + j, f"R{ns}", at)] += 1
    high, low = levels["loyal"], levels["once"]
    assert high[None] == low[None] == 0
    _, p = fisher_exact([[high["gold"], high["tin"]], [low["gold"], low["tin"]]])
    report = f"loyal {dict(high)}, one-off {dict(low)}, p {p:.4f}"
    assert high["gold"] / LOYAL / REPEATS > low["gold"] / ONCE, report
    assert p < 0.05, report
    records, _, _ = driver.execute_query(
        "MATCH (:Campaign {id: $k})<-[:IN]-(d:RiskDecision)-[:ON]->(s:Scan) "
        "RETURN s.actor STARTS WITH 'loyal' AS loyal, avg(d.value) AS value",
        k=f"{ns}-tilt",
    )
    value = {r["loyal"]: r["value"] for r in records}
    assert value[True] > 0.6 > 0.3 > value[False], value

    # The same tilt under 200 scans at once: what the pool lost is what was awarded, once a
    # code, within the budget.
    rush = _campaign(ns, "rush", f"Q{ns}", budget=60.0, levels=[
        {"level": "gold", "quantity": 10, "amount": 5.0, "probability": 0.3},
        {"level": "tin", "quantity": 40, "amount": 1.0, "probability": 0.6},
    ])  # fmt: skip
    assert post(client, SAVE, input=rush)["saveCampaign"]["__typename"] == "Campaign"
    service.refresh()
    actors = [f"loyal{i}-{ns}" for i in range(LOYAL)] + [f"once{j}-{ns}" for j in range(ONCE)]
    actors += [f"new{k}-{ns}" for k in range(200 - len(actors))]
    codes = [next(units) for _ in actors]

    def fire(n: int) -> str | None:
        request = ScanRequest(
            code=codes[n], kind=ScanKind.CONSUMER, client_scan_id=f"{ns}-r{n}", actor=actors[n],
            device=f"rush-{actors[n]}", lat=SHANGHAI[0], lon=SHANGHAI[1], region=f"Q{ns}",
        )  # fmt: skip
        (outcome,) = record_scan(request, capture, provenance, None, service).campaigns
        return outcome.award_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        answered = [a for a in pool.map(fire, range(len(actors))) if a is not None]
    records, _, _ = driver.execute_query(
        "MATCH (k:Campaign {id: $k}) "
        "RETURN k.budgetCents AS budget, k.spentCents AS spent, k.awarded AS awarded, "
        "       COLLECT { MATCH (k)-[:OFFERS]->(l) RETURN l.quantity - l.remaining } AS taken, "
        "       COLLECT { MATCH (a:Award)-[:IN]->(k) RETURN a.id } AS awards, "
        "       COLLECT { MATCH (a:Award)-[:IN]->(k) RETURN a.amountCents } AS amounts",
        k=f"{ns}-rush",
    )
    row = records[0]
    assert sorted(answered) == sorted(row["awards"])
    assert len(row["awards"]) == sum(row["taken"]) == row["awarded"]
    assert len(set(row["awards"])) == len(row["awards"])
    assert row["spent"] == sum(row["amounts"]) <= row["budget"]
    assert row["spent"] > row["budget"] - 500  # the budget, not the luck, stopped it


def test_a_campaign_file_sets_personalisation_and_train_value_runs(
    tmp_path: Path, cli_env: None, db: Database, ns: str, value_name: str
) -> None:
    runner = CliRunner()
    path = tmp_path / "campaigns.json"
    path.write_text(json.dumps(_campaign(ns, "file", f"R{ns}", personalisation={"maxBoost": 0.4})))
    loaded = runner.invoke(cli_app, ["campaign", "load", str(path)])
    assert loaded.exit_code == 0, loaded.output
    assert CampaignService(db).campaign(f"{ns}-file").max_boost == 0.4
    empty = runner.invoke(
        cli_app, ["campaign", "train-value", "--region", f"R{ns}", "--name", value_name]
    )
    assert empty.exit_code == 2 and "at least 20 consumers, got 0" in empty.output
    assert ModelCache(db, value=value_name).value() is None
