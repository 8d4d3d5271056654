"""Referrals in the real graph: referrals.csv through `yima master load`, `recordReferral`
(idempotent, refusals kept as evidence, safe under concurrent calls) and `referralSpread`."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph_model.database import Database
from graph_model.master import consumer_urn
from graph_model.referral import RefusalReason
from graph_model.repositories.master_data import MasterDataRepository
from loaders.master_data import MasterDataFileError
from services.master_data import load_master_files
from services.referral import record_referral
from tests.factories import post

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 9, tzinfo=CST)

RECORD = """
mutation ($a: String!, $b: String!, $at: DateTime!, $c: String) {
  recordReferral(referrerId: $a, refereeId: $b, at: $at, campaign: $c) {
    __typename
    ... on ReferralRecorded { referrerId refereeId campaign duplicate }
    ... on ReferralRefused { refusal evidenceId }
    ... on Problem { path reason }
  }
}
"""

SPREAD = """
query ($c: String!, $root: String, $from: DateTime, $to: DateTime) {
  referralSpread(campaign: $c, root: $root, from: $from, to: $to) {
    __typename
    ... on CascadeSpread {
      rootId size depth breadth widestLevel virality kFactor kByLevel
      growth { day members }
      topSpreaders { consumerId reach direct depth }
    }
    ... on CampaignSpread {
      members referrals cascades depth breadth widestLevel kFactor deepMembers deepShare
      sizeCounts { size cascades }
      sizes { count mean maximum }
      viralities { count mean }
      topSpreaders { consumerId reach }
    }
    ... on Problem { path reason }
  }
}
"""


def urn(ns: str, name: str) -> str:
    return consumer_urn(f"{ns}{name}")


def edges(driver: neo4j.Driver, campaign: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (a)-[r:REFERRED]->(b) WHERE r.campaign = $c RETURN a.id AS a, b.id AS b",
        c=campaign,
    )
    return {(r["a"], r["b"]) for r in records}


def refused(driver: neo4j.Driver, campaign: str) -> dict[tuple[str, str], str]:
    records, _, _ = driver.execute_query(
        "MATCH (a)<-[:FROM]-(e:RefusedReferral {campaign: $c})-[:TO]->(b) "
        "RETURN a.id AS a, b.id AS b, e.reason AS reason",
        c=campaign,
    )
    return {(r["a"], r["b"]): r["reason"] for r in records}


# -- referrals.csv -----------------------------------------------------------------------------


def write_referrals(path: Path, rows: list[str]) -> Path:
    path.write_text("referrer_id,referee_id,at,campaign\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_referrals_csv_loads_and_keeps_refusals_as_evidence(
    db: Database, driver: neo4j.Driver, ns: str, tmp_path: Path
) -> None:
    c = f"{ns}-spring"
    files = [
        write_referrals(
            tmp_path / "referrals.csv",
            [
                f"{ns}a,{ns}b,2025-03-03T09:00:00+08:00,{c}",
                f"{ns}a,{ns}c,2025-03-03T10:00:00+08:00,{c}",
                f"{ns}c,{ns}d,2025-03-04T10:00:00+08:00,{c}",
                f"{ns}d,{ns}a,2025-03-05T10:00:00+08:00,{c}",  # closes a cycle
                f"{ns}e,{ns}e,2025-03-05T10:00:00+08:00,{c}",  # refers itself
                f"{ns}e,{ns}b,2025-03-06T10:00:00+08:00,{c}",  # b was referred by a
                f"{ns}x,{ns}b,2025-03-06T10:00:00+08:00,",  # the default campaign
            ],
        )
    ]
    (tmp_path / "consumers.csv").write_text(
        f"id,payout,created_at\n{ns}a,pay-{ns},2025-01-01T00:00:00+08:00\n", "utf-8"
    )
    files.append(tmp_path / "consumers.csv")
    repo = MasterDataRepository(db)
    counts = load_master_files(files, repo, with_china_regions=False)
    assert (counts.referrals, counts.refused_referrals, counts.consumers) == (4, 3, 1)
    a, b, c_, d, e = (urn(ns, x) for x in "abcde")
    assert edges(driver, c) == {(a, b), (a, c_), (c_, d)}
    assert refused(driver, c) == {
        (d, a): "cycle",
        (e, e): "self_referral",
        (e, b): "already_referred",
    }
    assert (urn(ns, "x"), b) in edges(driver, "default")
    assert repo.get_consumer(a).payout == f"pay-{ns}"
    # A second load records nothing twice.
    again = load_master_files(files, repo, with_china_regions=False)
    assert (again.referrals, again.refused_referrals) == (4, 3)
    assert edges(driver, c) == {(a, b), (a, c_), (c_, d)}


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("{ns}a,,2025-03-03T09:00:00+08:00,c", "referrals.csv: row 3: referee_id"),
        ("{ns}a,{ns}b,2025-03-03T09:00:00,c", "referrals.csv: row 3: at"),
        ("{ns}a,{ns}b,yesterday,c", "referrals.csv: row 3: at"),
        ("{ns}a,bad id!,2025-03-03T09:00:00+08:00,c", "referrals.csv: row 3: referee_id"),
    ],
)
def test_bad_referral_rows_are_named_and_nothing_is_written(
    db: Database, driver: neo4j.Driver, ns: str, tmp_path: Path, row: str, where: str
) -> None:
    path = write_referrals(
        tmp_path / "referrals.csv",
        [f"{ns}a,{ns}z,2025-03-03T09:00:00+08:00,{ns}", row.format(ns=ns)],
    )
    with pytest.raises(MasterDataFileError, match=where.replace(".", r"\.")):
        load_master_files([path], MasterDataRepository(db), with_china_regions=False)
    assert edges(driver, ns) == set()


def test_yima_master_load_reads_referrals(
    cli_env: None, driver: neo4j.Driver, ns: str, tmp_path: Path
) -> None:
    path = write_referrals(
        tmp_path / "referrals.csv",
        [
            f"{ns}a,{ns}b,2025-03-03T09:00:00+08:00,{ns}",
            f"{ns}b,{ns}b,2025-03-03T09:00:00+08:00,{ns}",
        ],
    )
    result = CliRunner().invoke(app, ["master", "load", str(path), "--no-china-regions"])
    assert result.exit_code == 0, result.output
    assert "1 referrals, 1 refused referrals" in result.output
    bad = write_referrals(tmp_path / "referrals.csv", [f"{ns}a,,2025-03-03T09:00:00Z,{ns}"])
    result = CliRunner().invoke(app, ["master", "load", str(bad), "--no-china-regions"])
    assert result.exit_code == 1 and "row 2: referee_id" in result.output


# -- recordReferral ----------------------------------------------------------------------------


def test_record_referral_is_idempotent_and_refusals_are_typed(
    client: TestClient, driver: neo4j.Driver, ns: str
) -> None:
    at = T0.isoformat()

    def record(a: str, b: str) -> dict[str, Any]:
        return post(client, RECORD, a=f"{ns}{a}", b=f"{ns}{b}", at=at, c=ns)["recordReferral"]

    first = record("a", "b")
    assert first["__typename"] == "ReferralRecorded" and first["duplicate"] is False
    assert first["referrerId"] == urn(ns, "a") and first["campaign"] == ns
    assert record("a", "b")["duplicate"] is True
    record("b", "c")
    assert record("c", "a") == {
        "__typename": "ReferralRefused",
        "refusal": "CYCLE",
        "evidenceId": record("c", "a")["evidenceId"],
    }
    assert record("d", "d")["refusal"] == "SELF_REFERRAL"
    assert record("d", "b")["refusal"] == "ALREADY_REFERRED"
    assert edges(driver, ns) == {(urn(ns, "a"), urn(ns, "b")), (urn(ns, "b"), urn(ns, "c"))}
    assert set(refused(driver, ns).values()) == {"cycle", "self_referral", "already_referred"}
    # Another campaign is another forest: b may be referred again there.
    other = post(client, RECORD, a=f"{ns}d", b=f"{ns}b", at=at, c=f"{ns}-2")["recordReferral"]
    assert other["__typename"] == "ReferralRecorded"


@pytest.mark.parametrize(
    ("variables", "path"),
    [
        ({"a": "bad id!", "b": "x"}, "referrerId"),
        ({"a": "x", "b": ""}, "refereeId"),
        ({"a": "x", "b": "y", "at": "1999-01-01T00:00:00Z"}, "at"),
        ({"a": "x", "b": "y", "c": " spaced "}, "campaign"),
    ],
)
def test_bad_referral_input_is_a_problem(
    client: TestClient, variables: dict[str, Any], path: str
) -> None:
    answer = post(client, RECORD, **{"at": T0.isoformat(), **variables})["recordReferral"]
    assert answer["__typename"] == "Problem" and answer["path"] == path


def test_concurrent_referrals_of_one_consumer_record_one(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    referee = f"{ns}target"
    with ThreadPoolExecutor(8) as pool:
        done = list(
            pool.map(lambda k: record_referral(db, f"{ns}r{k}", referee, T0, ns), range(16))
        )
    assert sum(d.recorded for d in done) == 1
    assert {d.refused for d in done if not d.recorded} == {RefusalReason.ALREADY_REFERRED}
    assert len(edges(driver, ns)) == 1
    # Two consumers referring each other at once: one of the two closes a cycle.
    with ThreadPoolExecutor(2) as pool:
        pair = list(
            pool.map(
                lambda ab: record_referral(db, ab[0], ab[1], T0, f"{ns}-pair"),
                [(f"{ns}p", f"{ns}q"), (f"{ns}q", f"{ns}p")],
            )
        )
    assert sorted(str(d.refused) for d in pair) == ["None", "cycle"]


# -- referralSpread ----------------------------------------------------------------------------


@pytest.fixture
def tree(db: Database, ns: str) -> str:
    """a -> b, c, d; b -> e; e -> f (days 0, 0, 1, 1, 2), in campaign ``ns``."""
    day = timedelta(days=1)
    for a, b, at in [
        ("a", "b", T0),
        ("a", "c", T0),
        ("a", "d", T0 + day),
        ("b", "e", T0 + day),
        ("e", "f", T0 + 2 * day),
        ("g", "h", T0),
    ]:
        assert record_referral(db, f"{ns}{a}", f"{ns}{b}", at, ns).recorded
    return ns


def test_spread_of_a_known_cascade(client: TestClient, driver: neo4j.Driver, tree: str) -> None:
    ns = tree
    s = post(client, SPREAD, c=ns, root=f"{ns}a")["referralSpread"]
    assert s["__typename"] == "CascadeSpread"
    assert (s["size"], s["depth"], s["breadth"], s["widestLevel"]) == (6, 3, [1, 3, 1, 1], 1)
    # An edge above a subtree of s members lies between s (n - s) pairs; below a: b 3, c 1,
    # d 1, e 2, f 1 -> 9 + 5 + 5 + 8 + 5 = 32.
    assert math.isclose(s["virality"], 2 * 32 / (6 * 5))
    assert math.isclose(s["kFactor"], 5 / 6) and s["kByLevel"] == [3.0, 1 / 3, 1.0]
    assert [g["members"] for g in s["growth"]] == [2, 2, 1]
    assert s["topSpreaders"][0] == {
        "consumerId": urn(ns, "a"),
        "reach": 5,
        "direct": 3,
        "depth": 0,
    }
    records, _, _ = driver.execute_query(
        "MATCH (c:Consumer {id: $id}) RETURN c.spreadSize AS size, c.reach AS reach, "
        "c.virality AS virality",
        id=urn(ns, "a"),
    )
    assert records[0]["size"] == 6 and records[0]["reach"] == 5
    assert math.isclose(records[0]["virality"], s["virality"])


def test_spread_of_a_campaign_and_of_a_window(client: TestClient, tree: str) -> None:
    ns = tree
    s = post(client, SPREAD, c=ns)["referralSpread"]
    assert s["__typename"] == "CampaignSpread"
    assert (s["members"], s["referrals"], s["cascades"]) == (8, 6, 2)
    assert s["sizeCounts"] == [{"size": 2, "cascades": 1}, {"size": 6, "cascades": 1}]
    assert s["deepMembers"] == 1 and math.isclose(s["deepShare"], 1 / 8)
    assert s["viralities"]["count"] == 2
    first_day = post(
        client,
        SPREAD,
        c=ns,
        root=f"{ns}a",
        **{"from": T0.isoformat(), "to": (T0 + timedelta(hours=12)).isoformat()},
    )["referralSpread"]
    assert (first_day["size"], first_day["breadth"]) == (3, [1, 2])


def test_a_lone_consumer_is_a_cascade_of_one(client: TestClient, tree: str) -> None:
    s = post(client, SPREAD, c=tree, root=f"{tree}nobody")["referralSpread"]
    assert (s["size"], s["depth"], s["breadth"], s["virality"]) == (1, 0, [1], 0.0)
    assert s["growth"] == [] and s["topSpreaders"] == []


@pytest.mark.parametrize(
    ("variables", "path"),
    [
        ({"root": "bad id!"}, "root"),
        ({"from": "2025-03-05T00:00:00Z", "to": "2025-03-04T00:00:00Z"}, "to"),
    ],
)
def test_bad_spread_arguments_are_problems(
    client: TestClient, ns: str, variables: dict[str, Any], path: str
) -> None:
    s = post(client, SPREAD, c=ns, **variables)["referralSpread"]
    assert s["__typename"] == "Problem" and s["path"] == path


def test_yima_referral_spread(cli_env: None, tree: str) -> None:
    result = CliRunner().invoke(app, ["referral", "spread", "--campaign", tree])
    assert result.exit_code == 0, result.output
    assert "8 members, 6 referrals, 2 cascades" in result.output
