"""The regulator report: HTML and PDF of a code's or a lot's provenance (chain of custody, map,
events with hashes, digest and how to verify it), from the service, REST, GraphQL and the CLI,
checked against the provenance answer of the same graph."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as yima_app
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.export import ExportSubjectNotFound
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.settings import DatabaseSettings
from services.report import ProvenanceReport, ReportService
from services.report_files import VERIFY_STEPS, report_html, report_pdf
from tests import diversion_world
from tests.diversion_world import DiversionWorld
from tests.factories import post


@pytest.fixture(scope="module")
def world(db: Database) -> DiversionWorld:
    w = diversion_world.new_world()
    diversion_world.load(db, w)
    return w


@pytest.fixture(scope="module")
def off_contract(world: DiversionWorld) -> str:
    """A unit the plant shipped to dealer X and X to store SC, scanned by a consumer."""
    return world.box(0)[0]


@pytest.fixture(scope="module")
def report(db: Database, off_contract: str) -> ProvenanceReport:
    return ReportService(db).report(code=off_contract)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_report_of_a_code_follows_its_provenance(
    db: Database, report: ProvenanceReport, off_contract: str, world: DiversionWorld
) -> None:
    trace = ProvenanceRepository(db).trace([off_contract])[off_contract]
    assert [r.party_id for r in report.custody] == [s.party.id for s in trace.custody]
    assert [r.label for r in report.custody] == ["测试工厂", "甲经销商", "丙店"]
    assert {e.id for e in report.export.events} == {e.id for e in trace.events}
    assert report.units == 1 and report.lots == (f"L{world.ns}",)
    assert report.hops == (
        (world.party("plant"), world.party("X"), 1), (world.party("X"), world.party("SC"), 1),
    )  # fmt: skip
    assert report.scans and all(p.lat is not None for p in report.places.values())


def test_the_pdf_says_what_the_provenance_answer_says(
    db: Database, report: ProvenanceReport, off_contract: str
) -> None:
    pdf = report_pdf(report)
    reader = PdfReader(io.BytesIO(pdf))
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    trace = ProvenanceRepository(db).trace([off_contract])[off_contract]

    assert _flat(off_contract) in text
    assert _flat(report.export.digest) in text
    names = [_flat(step.party.name or "") for step in trace.custody]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)  # the chain in its order: 测试工厂 → 甲经销商 → 丙店
    for event in trace.events:
        assert _flat(event.hash or "") in text and event.id in text
    assert "Chainofcustody" in text and "Howtoverifythedigest" in text
    assert len(reader.pages[0].images) + len(reader.pages[-1].images) >= 1  # the map


def test_the_html_page_is_self_contained_with_map_events_and_how_to_verify(
    report: ProvenanceReport,
) -> None:
    page = report_html(report)
    assert page.count("<svg") == 1 and "<script" not in page and "http" not in page.split("<svg")[0]
    for name in ("测试工厂", "甲经销商", "丙店"):
        assert name in page
    for event in report.export.events:
        assert event.listed_hash in page
    assert report.export.digest in page
    assert all(html.escape(step) in page for step in VERIFY_STEPS)


def test_the_report_of_a_lot_counts_the_units_each_holder_held(
    db: Database, world: DiversionWorld
) -> None:
    found = ReportService(db).report(lot=f"L{world.ns}")
    by_party = {r.party_id: r.units for r in found.custody}
    assert found.units == len(world.units)
    assert by_party[world.party("plant")] == len(world.units)
    assert by_party[world.party("X")] + by_party[world.party("Y")] == len(world.units)
    assert by_party[world.party("SC")] == 48  # two cases off contract


def test_bad_and_unknown_subjects_are_refused(db: Database) -> None:
    service = ReportService(db)
    with pytest.raises(InvalidField, match="code"):
        service.report(code="not a code!")
    with pytest.raises(InvalidField, match="either a code or a lot"):
        service.report()
    with pytest.raises(ExportSubjectNotFound):
        service.report(code="urn:epc:id:sgtin:6901234.012345.neverthere")


def test_rest_returns_the_pdf_with_the_digest(
    client: TestClient, report: ProvenanceReport, off_contract: str
) -> None:
    response = client.get("/export/report", params={"code": off_contract, "format": "pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-yima-digest"] == report.export.digest
    assert response.content.startswith(b"%PDF")
    bad = client.get("/export/report", params={"code": off_contract, "format": "doc"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "format"
    unknown = client.get("/export/report", params={"code": "urn:epc:id:sgtin:6901234.012345.no"})
    assert unknown.status_code == 404


def test_graphql_links_to_the_report(client: TestClient, off_contract: str) -> None:
    data = post(
        client,
        "query ($c: String) { provenanceExport(code: $c) { ... on ProvenanceExport "
        "{ digest links { reportHtml reportPdf } } } }",
        c=off_contract,
    )["provenanceExport"]
    assert data["links"]["reportPdf"].startswith("/export/report?code=")
    page = client.get(data["links"]["reportHtml"])
    assert page.status_code == 200 and data["digest"] in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_the_cli_writes_the_report_and_prints_the_digest(
    database_settings: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    report: ProvenanceReport,
    off_contract: str,
) -> None:
    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    result = CliRunner().invoke(
        yima_app, ["export", "report", off_contract, "--out", str(tmp_path), "--format", "html"]
    )
    assert result.exit_code == 0, result.output
    assert report.export.digest in result.output
    (page,) = tmp_path.glob("report-code-*.html")
    assert "测试工厂" in page.read_text("utf-8")
    refused = CliRunner().invoke(yima_app, ["export", "report", "not a code!"])
    assert refused.exit_code == 2


def test_a_regulator_key_may_fetch_the_report(
    db: Database, client: TestClient, off_contract: str
) -> None:
    from graph_model.keys import Role
    from services.keys import KeyService

    keys = KeyService(db)
    issued = keys.create("test-regulator-" + off_contract[-10:], Role.REGULATOR)
    try:
        response = client.get(
            "/export/report",
            params={"code": off_contract},
            headers={"Authorization": "Bearer " + issued.secret},
        )
        assert response.status_code == 200, response.text
    finally:
        keys.revoke(issued.key.name)
