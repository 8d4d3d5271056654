"""Verification: the verdict rules with known answers, the facts read from the real server, and
the GraphQL ``verify`` field."""

from __future__ import annotations

from datetime import UTC, datetime

import neo4j
import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.provenance import ScanFacts, VerifyFacts
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.verdict import VerdictLevel, VerdictRules, judge, province_of
from services.capture import CaptureService
from tests.factories import Chain

MADE = datetime(2026, 1, 1, tzinfo=UTC)


def facts(
    *,
    issued: bool = True,
    status: str | None = "sold",
    consumer: int = 0,
    regions: tuple[str, ...] = (),
    total: int | None = None,
) -> VerifyFacts:
    scans = ScanFacts(
        total=consumer if total is None else total,
        consumer=consumer,
        regions=tuple((r, 1) for r in regions),
        consumer_regions=regions,
        first_at=MADE if consumer or total else None,
        first_region=regions[0] if regions else None,
        first_region_name=None,
        first_kind="consumer" if consumer else None,
        last_at=None,
    )
    return VerifyFacts(
        "urn:yima:code:K7Q29XWM4HBT3NPR",
        issued,
        status if issued else None,
        MADE if issued else None,
        MADE if issued else None,
        None,
        None,
        "L1",
        scans,
    )


@pytest.mark.parametrize(
    ("given", "level", "summary"),
    [
        (facts(), VerdictLevel.GENUINE, "genuine, first scan"),
        (facts(status="active"), VerdictLevel.GENUINE, "genuine, first scan"),
        (facts(issued=False), VerdictLevel.COUNTERFEIT, "never commissioned — likely counterfeit"),
        (
            facts(status="recalled"),
            VerdictLevel.WITHDRAWN,
            "recalled — do not use; contact the brand",
        ),
        (
            facts(status="decommissioned"),
            VerdictLevel.SUSPECT,
            "decommissioned code — likely copied",
        ),
        (facts(status="consumed"), VerdictLevel.CAUTION, "genuine, first scan"),
        (
            facts(consumer=1, regions=("310115",)),
            VerdictLevel.CAUTION,
            "genuine, scanned 1 time before",
        ),
        (
            facts(consumer=7, regions=("310115", "440300", "510100")),
            VerdictLevel.SUSPECT,
            "scanned 7 times in 3 provinces — likely copied code",
        ),
        (
            facts(consumer=3, regions=("310115", "440300", "510100")),
            VerdictLevel.SUSPECT,
            "scanned 3 times in 3 provinces — likely copied code",
        ),
        (
            facts(consumer=2, regions=("310115", "310101")),
            VerdictLevel.CAUTION,
            "genuine, scanned 2 times before",
        ),
        (facts(total=4), VerdictLevel.GENUINE, "genuine, first scan"),  # store scans only
    ],
)  # fmt: skip
def test_verdicts(given: VerifyFacts, level: VerdictLevel, summary: str) -> None:
    verdict = judge(given)
    assert (verdict.level, verdict.summary) == (level, summary)
    assert verdict.reasons


def test_unsold_unit_says_so_among_the_reasons() -> None:
    assert "not recorded as sold yet" in judge(facts(status="active")).reasons


def test_counterfeit_reasons_name_the_code_and_earlier_scans() -> None:
    reasons = judge(facts(issued=False, consumer=2, regions=("310115",))).reasons
    assert reasons[0].startswith("urn:yima:code:K7Q29XWM4HBT3NPR was never commissioned")
    assert reasons[1].startswith("scanned 2 times before")


def test_rules_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="copied_provinces at least 2, got 5 and 1"):
        VerdictRules(copied_provinces=1)
    assert judge(facts(consumer=2, regions=("310115",)), VerdictRules(copied_scans=2)).level == (
        VerdictLevel.SUSPECT
    )


@pytest.mark.parametrize(
    ("region", "province"),
    [("310115", "310000"), ("110000", "110000"), ("31011", None), ("bay-area", None), (None, None)],
)
def test_province_of(region: str | None, province: str | None) -> None:
    assert province_of(region) == province


# -- on the real server ----------------------------------------------------------------------


@pytest.fixture
def chain(db: Database, driver: neo4j.Driver, ns: str) -> Chain:
    made = Chain(ns, units=4)
    assert not CaptureService(db).capture_document(made.document()).problems
    return made


def test_verify_facts_count_scans_and_name_the_first(
    db: Database, driver: neo4j.Driver, chain: Chain
) -> None:
    repo = ProvenanceRepository(db)
    got = repo.verify_facts([chain.units[0], chain.units[1]])
    scanned, quiet = got[chain.units[0]], got[chain.units[1]]
    assert scanned.issued and scanned.status == "sold" and scanned.lot == chain.lot
    assert (scanned.scans.total, scanned.scans.consumer) == (1, 1)
    assert scanned.scans.first_region == "310100" and scanned.scans.consumer_regions == ("310100",)
    assert quiet.scans.total == 0 and quiet.status == "sold"
    event = f"urn:uuid:00000000-0000-4000-8000-{chain.ns[-10:]}09"
    excluded = repo.verify_facts([chain.units[0]], exclude_events=[event])[chain.units[0]]
    assert excluded.scans.total == 0


VERIFY = """
query ($code: String!) {
  verify(code: $code) {
    __typename
    ... on Verification {
      code issued status scanCount consumerScanCount firstScanAt firstScanRegion
      verdict { level summary reasons }
    }
    ... on Problem { path reason }
  }
}
"""


def _verify(client: TestClient, code: str) -> dict[str, object]:
    response = client.post("/graphql", json={"query": VERIFY, "variables": {"code": code}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, object] = body["data"]["verify"]
    return result


def test_verify_over_graphql_reads_any_form_of_the_code(client: TestClient, chain: Chain) -> None:
    serial = chain.units[0].rsplit(".", 1)[1]
    result = _verify(client, f"https://id.yima.dev/01/06901234123456/21/{serial}")
    assert result["__typename"] == "Verification"
    assert result["code"] == chain.units[0] and result["status"] == "SOLD"
    assert result["scanCount"] == 1 and result["firstScanRegion"] == "310100"
    assert result["verdict"] == {
        "level": "CAUTION",
        "summary": "genuine, scanned 1 time before",
        "reasons": result["verdict"]["reasons"],  # type: ignore[index]
    }


def test_verify_of_a_code_never_issued(client: TestClient, ns: str) -> None:
    result = _verify(client, f"urn:epc:id:sgtin:6901234.012345.{ns}")
    assert result["issued"] is False and result["status"] == "UNKNOWN"
    assert result["verdict"]["summary"] == "never commissioned — likely counterfeit"  # type: ignore[index]


@pytest.mark.parametrize(
    "code", ["hello", "(01)06901234123457(21)1", "urn:epc:id:sscc:6901234.0000000001", ""]
)
def test_verify_of_a_malformed_code_is_a_typed_error(client: TestClient, code: str) -> None:
    result = _verify(client, code)
    assert result["__typename"] == "Problem" and result["path"] == "code"
    assert result["reason"]
