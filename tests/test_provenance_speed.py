"""What keeps a trace and a first capture quick: plans made at start, times read as integers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, LiteralString

import neo4j
import pytest

from graph_model.database import Database
from graph_model.provenance import native_time
from graph_model.repositories import events as ev
from graph_model.repositories.provenance import ProvenanceRepository, _us
from services.capture import CaptureService
from tests.factories import Chain


def test_every_statement_a_capture_runs_is_planned_at_start(
    db: Database, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = {statement for statement, _ in ev.PLANNED}
    ran: list[LiteralString] = []
    run = ev._run

    def spy(tx: neo4j.ManagedTransaction, statement: LiteralString, **params: Any) -> Any:
        ran.append(statement)
        return run(tx, statement, **params)

    monkeypatch.setattr(ev, "_run", spy)
    chain = Chain(ns)
    CaptureService(db).capture_document(chain.document())
    assert ran, "the capture ran no projection statement"
    assert [s for s in ran if s not in planned] == []


def test_planning_runs_nothing(db: Database) -> None:
    before = db.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    assert ev.EventRepository(db).plan_statements() == len(ev.PLANNED)
    ProvenanceRepository(db).plan_reads()
    assert db.read("MATCH (n) RETURN count(n) AS n")[0]["n"] >= before  # others write too
    assert db.read("MATCH (e:Event {id: 'no such event'}) RETURN count(e) AS n")[0]["n"] == 0


def test_trace_times_are_the_stored_instants(db: Database, ns: str) -> None:
    chain = Chain(ns)
    CaptureService(db).capture_document(chain.document())
    trace = ProvenanceRepository(db).trace([chain.units[0]])[chain.units[0]]
    stored = {
        r["id"]: r["t"].to_native()
        for r in db.read(
            "MATCH (e:Event) WHERE e.id IN $ids RETURN e.id AS id, e.eventTime AS t",
            ids=[e.id for e in trace.events],
        )
    }
    assert trace.events
    for event in trace.events:
        assert event.event_time == stored[event.id]
        assert event.event_time.utcoffset() is not None
    assert trace.commissioned_at is not None
    assert trace.commissioned_at == min(stored.values())
    assert {leg.id for leg in trace.legs} == {chain.shipment}


@pytest.mark.parametrize(
    ("micros", "expected"),
    [
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_767_225_600_000_001, datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)),
        (-1, datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),
    ],
)
def test_native_time_reads_microseconds_since_the_epoch(micros: int, expected: datetime) -> None:
    assert native_time(micros) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1969-12-31T23:59:59.25Z",
        "1969-12-31T23:59:58.75Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00:00.000001Z",
        "1970-01-01T08:00:00.5+08:00",
        "2026-03-01T10:15:30.123456Z",
        "1900-06-01T12:00:00.999999Z",
    ],
)
def test_times_travel_as_microseconds_whole(db: Database, text: str) -> None:
    # Cypher's epochSeconds rounds towards zero; the instant must come back exactly either way.
    query = "WITH datetime($t) AS t RETURN t AS t, " + _us("t") + " AS us"
    record = db.read(query, t=text)[0]
    assert native_time(record["us"]) == record["t"].to_native()


PAGED = """
query ($id: String!, $n: Int) { code(id: $id) { __typename
  ... on Problem { path }
  ... on CodeTrace { custody(first: $n) { totalCount } } } }
"""


def test_page_sizes_are_read_from_each_request_of_one_query_text(client: Any, ns: str) -> None:
    unknown = f"urn:epc:id:sgtin:6901234.012345.{ns}none"
    for n, answer in (
        (5, "UnknownCode"),
        (10**6, "Problem"),
        (5, "UnknownCode"),
        (None, "UnknownCode"),
    ):
        body = client.post("/graphql", json={"query": PAGED, "variables": {"id": unknown, "n": n}})
        assert body.json()["data"]["code"]["__typename"] == answer, n
