"""The web console end to end: a real server, worlds of the module's own in the shared test
database, and Debian's headless Chromium with the network cut off, clicking through a lookup
(typed as a Digital Link and read from a QR photo), a diversion case, a referral ring, a layout
plan reached from the jobs list, and a store-fraud cluster. Screenshots stay in
var/test-artefacts/console."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
import segno
from playwright.sync_api import Page, expect

from graph_model.database import Database
from graph_model.identifiers.units import UnitId
from graph_model.keys import Role
from graph_model.master import consumer_urn
from graph_model.settings import DatabaseSettings
from loaders.demo.referrals import ReferralPolicy, referral_world
from services.diversion import DiversionService
from services.keys import KeyService
from services.referral_world import load_referral_world
from tests import store_fraud_world as fraud_world
from tests.console_browser import ARTEFACTS, Offline, gql, offline_page, served
from tests.diversion_world import DiversionWorld, new_world
from tests.diversion_world import load as load_diversion
from tests.store_fraud_world import RING, FraudWorld
from tests.test_layout_graph import World, make_world

pytestmark = pytest.mark.slow

SHOTS = ARTEFACTS / "console"
WAIT = 120_000  # ms; the fraud detection job shares two cores with everything else

RECORD = """
mutation ($input: RecordScanInput!) {
  recordScan(input: $input) { __typename ... on Problem { path reason } }
}"""
DETECT_RINGS = "mutation ($c: String) { detectReferralRings(campaign: $c) { ... on Job { id } } }"
RINGS = """
query ($c: String) {
  referralRings(campaign: $c, minScore: 0, first: 1) { ... on ReferralRingConnection {
    nodes { id members { id } evidence } } }
}"""
DETECT_FRAUD = "mutation { detectStoreFraud { __typename ... on Job { id } } }"
JOB = "query ($id: ID!) { job(id: $id) { ... on Job { status resultId } } }"
LAYOUT = """
mutation ($input: ChannelLayoutInput!) {
  channelLayout(input: $input) { __typename ... on LayoutJob { id } ... on Problem { path reason } }
}"""
CLUSTERS = """
query ($after: String) {
  storeFraudClusters(first: 100, after: $after, minScore: 0) {
    ... on FraudClusterConnection {
      pageInfo { hasNextPage endCursor } nodes { id stores { id } }
    }
  }
}"""


@pytest.fixture(scope="module")
def base(database_settings: DatabaseSettings) -> Iterator[str]:
    with served(database_settings, SHOTS / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def keys(db: Database) -> Iterator[dict[Role, str]]:
    """Keys for the module: an operator starts the work, an investigator reads the console."""
    service = KeyService(db)
    issued = {
        role: service.create(f"console-{role.value}-{uuid.uuid4().hex[:8]}", role)
        for role in (Role.OPERATOR, Role.INVESTIGATOR)
    }
    yield {role: key.secret for role, key in issued.items()}
    for key in issued.values():
        service.revoke(key.key.name)


@pytest.fixture(scope="module")
def run(base: str, keys: dict[Role, str]) -> Any:
    """GraphQL as the operator."""
    return lambda query, **variables: gql(base, keys[Role.OPERATOR], query, **variables)


@pytest.fixture(scope="module")
def browser(base: str) -> Iterator[tuple[Page, Offline]]:
    with offline_page(base) as opened:
        yield opened


@pytest.fixture
def page(browser: tuple[Page, Offline], base: str, keys: dict[Role, str]) -> Iterator[Page]:
    """The console open with an investigator's key; each test ends with nothing asked of the
    internet and no script error."""
    page, seen = browser
    seen.outside.clear()
    seen.errors.clear()
    page.goto(base + "/")
    page.fill("#api-key", keys[Role.INVESTIGATOR])
    page.dispatch_event("#api-key", "change")
    yield page
    assert seen.outside == [], f"the console reached beyond the server: {seen.outside}"
    assert seen.errors == [], f"errors in the browser: {seen.errors}"


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_job(run: Any, job_id: str, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = run(JOB, id=job_id)["job"]
        if job["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


@pytest.fixture(scope="module")
def fraud(db: Database, run: Any) -> tuple[FraudWorld, str]:
    """A fraud world and the detection job started on it (it runs while the other tests do)."""
    w = FraudWorld("k" + uuid.uuid4().hex[:10])
    fraud_world.load(db, w)
    job = run(DETECT_FRAUD)["detectStoreFraud"]
    assert job["__typename"] == "Job", job
    return w, job["id"]


@pytest.fixture(scope="module")
def diversion(db: Database, run: Any, fraud: tuple[FraudWorld, str]) -> DiversionWorld:
    w = new_world()
    load_diversion(db, w)
    DiversionService(db).detect(w.start, w.end)
    # a consumer's scan in Shanghai with its position, as the phone app sends it
    scan = {"code": w.units[0], "kind": "CONSUMER", "clientScanId": f"{w.ns}-console",
            "location": {"lat": 31.23, "lon": 121.47}}  # fmt: skip
    assert run(RECORD, input=scan)["recordScan"]["__typename"] == "RecordScanSuccess"
    return w


@pytest.fixture(scope="module")
def layout(db: Database, driver: neo4j.Driver, run: Any) -> tuple[World, str]:
    w = make_world(db, driver, "c" + uuid.uuid4().hex[:8])
    started = run(LAYOUT, input={"k": 2, "storeIds": list(w.stores), "mode": "JOB"})
    assert started["channelLayout"]["__typename"] == "LayoutJob", started
    return w, started["channelLayout"]["id"]


def test_a_code_typed_as_a_digital_link_shows_its_provenance(
    page: Page, diversion: DiversionWorld
) -> None:
    w = diversion
    expect(page.locator("h1")).to_have_text("一物一码追溯控制台")
    page.fill("#code-input", UnitId.parse(w.units[0]).digital_link())
    page.click("#lookup-form button[type=submit]")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("赋码", timeout=WAIT)
    expect(timeline).to_contain_text("测试工厂")
    expect(timeline).to_contain_text("甲经销商 → 丙店")
    expect(timeline).to_contain_text("丙市")
    expect(page.locator("#custody-graph")).to_have_attribute(
        "data-nodes", "5"
    )  # plant, 2 holders, 2 scans
    # the lot's recall list: who holds the lot's units
    recall = page.locator("#recall-list")
    expect(recall).to_contain_text(f"L{w.ns}", timeout=WAIT)
    expect(recall).to_contain_text("甲经销商")
    expect(recall).to_contain_text("乙经销商")
    # the map shows the scan that came with a position
    expect(page.locator("#lookup-map")).to_have_attribute("data-points", "1", timeout=WAIT)
    expect(page.locator("#lookup-map canvas").first).to_be_visible(timeout=WAIT)
    shot(page, "lookup-zh")
    page.click("#lang")
    expect(page.locator("h1")).to_have_text("Traceability console")
    expect(page.locator("#timeline")).to_contain_text("Commissioned", timeout=WAIT)
    expect(page.locator("#timeline")).to_contain_text("甲经销商")
    shot(page, "lookup-en")
    page.click("#lang")
    expect(page.locator("h1")).to_have_text("一物一码追溯控制台")


def test_a_code_is_read_from_a_photo_of_its_qr_code(
    page: Page, diversion: DiversionWorld, tmp_path: Path
) -> None:
    link = UnitId.parse(diversion.units[1]).digital_link()
    photo = tmp_path / "label.png"
    segno.make_qr(link, error="m").save(str(photo), scale=8, border=4)
    page.set_input_files("#qr-file", str(photo))
    expect(page.locator("#code-input")).to_have_value(link, timeout=WAIT)
    expect(page.locator("#timeline")).to_contain_text("甲经销商 → 丙店", timeout=WAIT)
    shot(page, "lookup-qr")


def test_a_diversion_case_shows_its_path_and_map(page: Page, diversion: DiversionWorld) -> None:
    page.click("button[data-tab=diversion]")
    page.fill("#case-distributor", diversion.party("X"))
    page.click("#cases-form button[type=submit]")
    rows = page.locator("#diversion-list tbody tr")
    expect(rows).to_have_count(1, timeout=WAIT)
    expect(rows.first).to_contain_text("甲经销商")
    expect(rows.first).to_contain_text("丙市")
    rows.first.click()
    path = page.locator("#case-path")
    expect(path).to_contain_text("测试工厂", timeout=WAIT)
    expect(path).to_contain_text("丙店")
    expect(path).to_contain_text("渠道外")
    expect(page.locator("#case-detail")).to_contain_text("合同外发货")
    expect(page.locator("#case-map canvas").first).to_be_visible(timeout=WAIT)
    shot(page, "diversion-case")


@pytest.fixture(scope="module")
def rings(db: Database, run: Any) -> tuple[str, str]:
    """A campaign with planted referral farms and the ring detection job started on it."""
    ns = "q" + uuid.uuid4().hex[:8]
    campaign = f"{ns}-spring"
    ids = [consumer_urn(f"{ns}c{i:05d}") for i in range(1_500)]
    load_referral_world(
        db, referral_world(ids, seed=5, policy=ReferralPolicy(campaigns=(campaign,)))
    )
    return campaign, run(DETECT_RINGS, c=campaign)["detectReferralRings"]["id"]


def test_a_referral_ring_shows_its_members_and_what_they_share(
    page: Page, run: Any, rings: tuple[str, str]
) -> None:
    campaign, job_id = rings
    assert wait_job(run, job_id, 300)["status"] == "SUCCEEDED"
    [ring] = run(RINGS, c=campaign)["referralRings"]["nodes"]
    page.click("button[data-tab=referral]")
    page.fill("#ring-campaign", campaign)
    page.click("#rings-form button[type=submit]")
    row = page.locator(f'#referral-list tr[data-id="{ring["id"]}"]')
    expect(row).to_contain_text(campaign, timeout=WAIT)
    row.click()
    detail = page.locator("#ring-detail")
    for member in ring["members"][:3]:
        expect(detail).to_contain_text(member["id"], timeout=WAIT)
    expect(page.locator("#ring-reasons li").first).to_be_visible()
    expect(page.locator("#ring-graph canvas").first).to_be_visible(timeout=WAIT)
    nodes = 1 + len(ring["members"]) + len(ring["evidence"])
    expect(page.locator("#ring-graph")).to_have_attribute("data-nodes", str(nodes))
    shot(page, "referral-ring")


def test_jobs_show_progress_and_open_a_layout_plan(
    page: Page, run: Any, layout: tuple[World, str]
) -> None:
    _, job_id = layout
    assert wait_job(run, job_id, 120)["status"] == "SUCCEEDED"
    page.click("button[data-tab=jobs]")
    row = page.locator(f'#jobs-list tr[data-id="{job_id}"]')
    expect(row).to_contain_text("渠道布局", timeout=WAIT)
    expect(row).to_contain_text("已完成")
    expect(row).to_contain_text("100 %")
    shot(page, "jobs")
    row.locator("a").click()
    plan = page.locator("#plan")
    expect(plan).to_be_visible(timeout=WAIT)
    expect(plan).to_contain_text("A Trading")
    expect(plan).to_contain_text("C City")
    expect(page.locator("#plan-map")).to_have_attribute("data-points", "3", timeout=WAIT)
    shot(page, "layout-plan")


def test_a_fraud_cluster_shows_its_stores_and_what_ties_them(
    page: Page, run: Any, fraud: tuple[FraudWorld, str]
) -> None:
    w, job_id = fraud
    assert wait_job(run, job_id, 600)["status"] == "SUCCEEDED"
    ring = {w.party(k) for k in RING}
    cluster_id = _cluster_of(run, ring)
    page.click("button[data-tab=fraud]")
    page.fill("#cluster-region", "310000")
    page.click("#clusters-form button[type=submit]")
    row = page.locator(f'#fraud-list tr[data-id="{cluster_id}"]')
    more = page.locator("#clusters-more")
    expect(page.locator("#fraud-list tbody tr").first).to_be_visible(timeout=WAIT)
    while row.count() == 0 and more.count() == 1:
        more.click()
        page.wait_for_timeout(300)
    row.click()
    detail = page.locator("#cluster-detail")
    for store in sorted(ring):
        expect(detail).to_contain_text(store, timeout=WAIT)
    expect(page.locator("#cluster-reasons")).to_contain_text("共用电话")
    expect(page.locator("#cluster-reasons")).to_contain_text("订货无人扫码")
    graph = page.locator("#evidence-graph")
    expect(graph.locator("canvas").first).to_be_visible(timeout=WAIT)
    assert int(graph.get_attribute("data-nodes") or 0) > len(ring)
    shot(page, "fraud-cluster")


def _cluster_of(run: Any, stores: set[str]) -> str:
    after = None
    while True:
        page = run(CLUSTERS, after=after)["storeFraudClusters"]
        for c in page["nodes"]:
            if stores <= {s["id"] for s in c["stores"]}:
                return str(c["id"])
        if not page["pageInfo"]["hasNextPage"]:
            raise AssertionError("no cluster holds the ring's stores")
        after = page["pageInfo"]["endCursor"]
