"""Risk control's last two signals: bursts of scans from one client address (the address the
server saw, a forwarded one only behind a trusted proxy), and the anomaly score of an
isolation forest trained on past scans, stored in the graph and scored in the scan path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import neo4j
import numpy as np
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from starlette.requests import Request
from starlette.testclient import TestClient
from typer.testing import CliRunner

from algorithms.campaigns import RiskFacts, RiskSettings, decide
from algorithms.campaigns.anomaly import AnomalyModel, fit_anomaly
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.features import ANOMALY_FEATURES, scan_features
from api.security.client_address import client_address, parse_networks
from cli.main import app as cli_app
from graph_model.campaigns import CampaignSpec, PrizeLevelSpec, RiskDecision, ScanOutcome
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.settings import DatabaseSettings
from graph_model.vocabulary import ScanKind
from loaders.demo.campaigns import campaign_world
from services.campaign_models import ModelCache
from services.campaign_world import load_campaign_world, replay_scans
from services.campaigns import CampaignService, CampaignSettings
from services.capture import CaptureService
from services.scans import ScanRequest, record_scan
from tests.factories import Chain

SCAN = """
mutation ($input: RecordScanInput!) {
  recordScan(input: $input) { __typename ... on RecordScanSuccess { eventId } }
}
"""


# -- the model on plain numbers ---------------------------------------------------------------


def test_the_stored_forest_scores_exactly_as_scikit_learn() -> None:
    rng = np.random.default_rng(5)
    usual = rng.normal(0, 1, size=(400, 4))
    model = fit_anomaly(usual.tolist(), ("a", "b", "c", "d"), trees=60, seed=3)
    forest = IsolationForest(n_estimators=60, random_state=3).fit(usual)
    probes = np.vstack([rng.normal(0, 1, size=(40, 4)), rng.normal(6, 1, size=(10, 4))])
    expected = -forest.score_samples(probes)
    again = AnomalyModel.from_params(json.loads(json.dumps(model.to_params())))
    for x, want in zip(probes.tolist(), expected, strict=True):
        assert model.score(x) == pytest.approx(want, abs=1e-12)
        assert again.score(x) == pytest.approx(want, abs=1e-12)
    assert max(expected[:40]) < min(expected[40:])


def test_a_model_needs_enough_history_and_its_own_features() -> None:
    with pytest.raises(CampaignInputError, match="at least 50"):
        fit_anomaly([[0.0, 1.0]] * 10, ("a", "b"))
    model = fit_anomaly([[float(i % 7), float(i % 3)] for i in range(60)], ("a", "b"), trees=5)
    with pytest.raises(CampaignInputError, match="need 2 features"):
        model.score([1.0])
    with pytest.raises(CampaignInputError, match="not the parameters"):
        AnomalyModel.from_params({"trees": []})


def test_address_bursts_and_anomaly_scores_are_graded_by_their_settings() -> None:
    s = RiskSettings(address_review=5, address_deny=9, anomaly_review=0.7, anomaly_deny=0.9)
    assert decide(RiskFacts(address_recent=4), s).decision == "allow"
    review = decide(RiskFacts(address_recent=5), s)
    assert (review.decision, review.reasons) == ("review", ("5 scans from the address in 10 min",))
    assert decide(RiskFacts(address_recent=9), s).decision == "deny"
    assert decide(RiskFacts(anomaly=0.72), s).reasons == ("anomaly score 0.72",)
    assert decide(RiskFacts(anomaly=None), s).decision == "allow"  # no model: no signal
    with pytest.raises(CampaignInputError, match="address"):
        RiskSettings(address_review=10, address_deny=5)
    assert len(scan_features(RiskFacts(), 23.5)) == len(ANOMALY_FEATURES)


def test_a_scan_answers_its_anomaly_and_value_scores() -> None:
    from api.graphql.types.scan_prize import ScanCampaign

    scored = ScanOutcome("k", RiskDecision.ALLOW, (), 0.0, anomaly=0.58, value=0.81)
    answer = ScanCampaign.from_domain(scored)
    assert (answer.risk.anomaly, answer.value_score) == (0.58, 0.81)
    bare = ScanCampaign.from_domain(ScanOutcome("k", RiskDecision.ALLOW, (), 0.0))
    assert (bare.risk.anomaly, bare.value_score) == (None, None)


# -- the client's address ---------------------------------------------------------------------


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.5", None, "", "203.0.113.5"),
        ("203.0.113.5", "1.2.3.4", "", "203.0.113.5"),  # no trusted proxy: the header is ignored
        ("203.0.113.5", "1.2.3.4", "10.0.0.0/8", "203.0.113.5"),  # the peer is no proxy of ours
        ("10.0.0.7", "1.2.3.4", "10.0.0.0/8", "1.2.3.4"),
        ("10.0.0.7", "9.9.9.9, 1.2.3.4, 10.0.0.3", "10.0.0.0/8", "1.2.3.4"),  # spoofed first hop
        ("10.0.0.7", "not-an-ip", "10.0.0.0/8", "10.0.0.7"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
    ],
)
def test_the_client_address_believes_forwarding_only_from_trusted_proxies(
    peer: str, forwarded: str | None, proxies: str, expected: str
) -> None:
    trusted = parse_networks("YIMA_TRUSTED_PROXIES", proxies)
    assert client_address(_request(peer, forwarded), trusted) == expected


def test_a_bad_trusted_proxy_setting_is_refused() -> None:
    with pytest.raises(InvalidField, match="YIMA_TRUSTED_PROXIES"):
        parse_networks("YIMA_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")


@pytest.fixture
def chain(db: Database, ns: str) -> Chain:
    made = Chain(ns, units=16)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


def _campaign(ns: str) -> CampaignSpec:
    now = datetime.now(UTC)
    return CampaignSpec(
        id=f"{ns}-burst",
        name="bursts",
        start=now - timedelta(days=1),
        end=now + timedelta(days=1),
        budget=1_000.0,
        levels=(PrizeLevelSpec("small", 100, 1.0, 0.5),),
        regions=(f"R{ns}",),
    )


def _scan_via(client: TestClient, headers: dict[str, str], body: dict[str, object]) -> str:
    response = client.post(
        "/graphql", headers=headers, json={"query": SCAN, "variables": {"input": body}}
    )
    assert response.status_code == 200, response.text
    done = response.json()["data"]["recordScan"]
    assert done["__typename"] == "RecordScanSuccess", done
    event_id: str = done["eventId"]
    return event_id


def _stored_address(driver: neo4j.Driver, event_id: str) -> str | None:
    records, _, _ = driver.execute_query(
        "MATCH (s:Scan {id: $id}) RETURN s.address AS a", id=event_id
    )
    address: str | None = records[0]["a"]
    return address


def test_record_scan_stores_the_address_the_server_saw(
    database_settings: DatabaseSettings,
    client: TestClient,
    admin_headers: dict[str, str],
    driver: neo4j.Driver,
    chain: Chain,
    ns: str,
) -> None:
    from api.app import create_app
    from api.security.settings import SecuritySettings

    def body(n: int) -> dict[str, object]:
        return {"code": chain.units[n], "kind": "CONSUMER", "clientScanId": f"{ns}-a{n}",
                "actor": f"c{n}-{ns}"}  # fmt: skip

    spoof = {"X-Forwarded-For": "198.51.100.1"}
    direct = _scan_via(client, spoof, body(0))
    assert _stored_address(driver, direct) == "testclient"  # the header is not believed

    security = SecuritySettings(trusted_proxies=parse_networks("proxies", "10.0.0.0/8"))
    behind = create_app(database_settings, security)
    with TestClient(behind, headers=admin_headers, client=("10.1.2.3", 4000)) as proxied:
        forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        done = _scan_via(proxied, forwarded, body(1))
    assert _stored_address(driver, done) == "203.0.113.9"


def test_a_burst_from_one_address_is_reviewed_then_denied(
    db: Database, chain: Chain, ns: str
) -> None:
    settings = CampaignSettings(
        risk=RiskSettings(address_review=3, address_deny=5), anomaly_model=f"{ns}-none"
    )
    service = CampaignService(db, settings)
    service.save(_campaign(ns))
    capture, provenance = CaptureService(db), ProvenanceRepository(db)
    at = datetime.now(UTC) - timedelta(minutes=30)

    def scan(n: int, address: str) -> RiskDecision:
        request = ScanRequest(
            code=chain.units[n + 4], kind=ScanKind.CONSUMER, client_scan_id=f"{ns}-b{n}",
            actor=f"c{n}-{ns}", device=f"d{n}-{ns}", lat=31.23, lon=121.47,
            region=f"R{ns}", at=at + timedelta(minutes=n), address=address,
        )  # fmt: skip
        (outcome,) = record_scan(request, capture, provenance, None, service).campaigns
        return outcome.decision

    number = int(ns[1:7], 16)
    script = f"93.{number % 200 + 20}.{number // 200 % 250}.{number % 250}"
    decisions = [scan(n, script) for n in range(6)]
    assert decisions == ["allow"] * 3 + ["review"] * 2 + ["deny"]
    assert scan(6, "2a00:1450:4001::1") == "allow"  # another address is another count
    # A private or loopback peer is a proxy or the operator's network: never counted.
    assert [scan(n, "10.0.0.9") for n in range(7, 12)] == ["allow"] * 5


# -- the anomaly model on the planted world ---------------------------------------------------


@pytest.fixture
def model_names(driver: neo4j.Driver, ns: str) -> Iterator[tuple[str, str]]:
    names = (f"{ns}-anomaly", f"{ns}-value")
    yield names
    driver.execute_query("MATCH (m:CampaignModel) WHERE m.id IN $ids DELETE m", ids=list(names))


def test_the_anomaly_score_separates_planted_fraud_and_risk_control_stays_sharp(
    cli_env: None, db: Database, driver: neo4j.Driver, ns: str, model_names: tuple[str, str]
) -> None:
    anomaly, value = model_names
    settings = CampaignSettings(anomaly_model=anomaly, value_model=value)
    past = campaign_world(11, ns + "p", consumers=120)
    service = CampaignService(db, settings)
    load_campaign_world(db, past, service)
    replay_scans(db, past, service)
    assert service.models.anomaly() is None  # nothing trained: the signal is absent

    trained = CliRunner().invoke(
        cli_app, ["campaign", "train-risk", "--campaign", past.campaign.id, "--name", anomaly]
    )
    assert trained.exit_code == 0, trained.output
    assert f"{anomaly}: {len(past.scans)} scans, 100 isolation trees" in trained.output
    assert ModelCache(db, anomaly, value).anomaly() is not None

    # A new world scored in the scan path by the model trained on the past one.
    fresh = campaign_world(12, ns + "f", consumers=120)
    scoring = CampaignService(db, settings)
    load_campaign_world(db, fresh, scoring)
    quality = replay_scans(db, fresh, scoring)
    report = "\n".join(quality.lines())
    assert quality.precision >= 0.9, report
    assert quality.recall >= 0.9, report
    assert quality.organic_denied_share <= 0.01, report

    records, _, _ = driver.execute_query(
        "MATCH (:Campaign {id: $k})<-[:IN]-(d:RiskDecision)-[:ON]->(s:Scan) "
        "RETURN s.clientScanId AS id, d.anomaly AS anomaly",
        k=fresh.campaign.id,
    )
    scores = {r["id"]: r["anomaly"] for r in records}
    truth = {s.client_scan_id: s.fraud is not None for s in fresh.scans}
    assert set(scores) == set(truth) and None not in scores.values()
    ids = sorted(truth)
    auc = roc_auc_score([truth[i] for i in ids], [scores[i] for i in ids])
    print(f"AUC {auc:.3f}\n{report}")
    assert auc >= 0.85, f"AUC {auc:.3f}\n{report}"


def test_train_risk_on_the_command_line(
    cli_env: None, db: Database, ns: str, model_names: tuple[str, str]
) -> None:
    runner = CliRunner()
    anomaly, _ = model_names
    empty = runner.invoke(
        cli_app, ["campaign", "train-risk", "--campaign", f"{ns}-none", "--name", anomaly]
    )
    assert empty.exit_code == 2 and "at least 50 past scans, got 0" in empty.output
    assert ModelCache(db, anomaly).anomaly() is None
