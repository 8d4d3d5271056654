"""Capture into the real graph: projection, de-duplication, rollback / proceed, rebuild."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph_model.database import Database
from graph_model.projection import wire_time
from graph_model.repositories.events import EventRepository
from loaders.epcis.document import EpcisValidationError
from services.capture import (
    CaptureBehaviour,
    CaptureLimitExceeded,
    CaptureService,
)
from services.rebuild import rebuild_around
from tests.factories import DISTRIBUTOR, PLANT, Chain, document


@pytest.fixture
def service(db: Database, driver: neo4j.Driver) -> CaptureService:
    return CaptureService(db)


def count(driver: neo4j.Driver, query: str, **params: Any) -> int:
    records, _, _ = driver.execute_query(query, params)
    return int(records[0][0])


def test_capture_projects_the_life_of_a_unit(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    chain = Chain(ns)
    result = service.capture_document(chain.document())
    assert len(result.captured) == 9 and not result.duplicates and not result.problems
    assert result.units == 48

    records, _, _ = driver.execute_query(
        """
        MATCH (c:Code {id: $unit})-[:IN_BATCH]->(b:Batch)-[:OF]->(p:Product)
        MATCH (b)-[m:MADE_AT]->(plant:Plant)
        RETURN c.status AS status, b.lot AS lot, p.gtin AS gtin, plant.id AS plant, m.line AS line
        """,
        unit=chain.units[0],
    )
    assert records[0].data() == {
        "status": "sold", "lot": chain.lot, "gtin": "06901234123456", "plant": PLANT,
        "line": "urn:epc:id:sgln:6901234.00001.1",
    }  # fmt: skip
    # The first case was unpacked at event 7: its units' membership is closed, the second's open.
    open_first = count(
        driver,
        "MATCH (:Code)-[m:PACKED_IN]->(:Package {id: $case}) WHERE m.until IS NULL RETURN count(m)",
        case=chain.cases[0],
    )
    open_second = count(
        driver,
        "MATCH (:Code)-[m:PACKED_IN]->(:Package {id: $case}) WHERE m.until IS NULL RETURN count(m)",
        case=chain.cases[1],
    )
    assert (open_first, open_second) == (0, 24)
    records, _, _ = driver.execute_query(
        """
        MATCH (s:Shipment {id: $id})-[:FROM]->(f), (s)-[:TO]->(t), (s)-[:CARRIES]->(p)
        RETURN f.id AS f, t.id AS t, p.id AS p, s.shippedAt IS NOT NULL AND
               s.receivedAt IS NOT NULL AS both
        """,
        id=chain.shipment,
    )
    assert records[0].data() == {"f": PLANT, "t": DISTRIBUTOR, "p": chain.pallet, "both": True}
    assert (
        count(driver, "MATCH (:Scan)-[:OF]->(c:Code {id: $u}) RETURN count(*)", u=chain.units[0])
        == 1
    )
    assert (
        count(
            driver,
            "MATCH (e:Event)-[:CONCERNS]->(c:Code {id: $u}) RETURN count(e)",
            u=chain.units[0],
        )
        == 4
    )  # commissioning, packing, selling, scan


def test_capturing_the_same_document_twice_changes_nothing(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    chain = Chain(ns)
    service.capture_document(chain.document())
    before = snapshot(driver, chain)
    again = service.capture_document(chain.document())
    assert again.captured == () and len(again.duplicates) == 9
    assert snapshot(driver, chain) == before


def test_an_event_without_id_is_known_by_its_hash(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    event = Chain(ns).events()[0]
    del event["eventID"]
    first = service.capture_document(document([event]))
    second = service.capture_document(document([copy.deepcopy(event)]))
    assert first.captured[0].startswith("ni:///sha-256;")
    assert second.duplicates == first.captured


def test_rollback_rejects_the_whole_document_and_names_the_bad_event(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    events = Chain(ns).events()
    events[3]["eventTime"] = "2026-01-01T10:00:00"  # no time zone
    result = service.capture_document(document(events))
    assert result.rejected and result.captured == ()
    [problem] = result.problems
    assert (problem.index, problem.event_id, problem.field) == (
        3,
        events[3]["eventID"],
        "eventTime",
    )
    ids = [e["eventID"] for e in events]
    assert count(driver, "MATCH (e:Event) WHERE e.id IN $ids RETURN count(e)", ids=ids) == 0
    assert count(driver, "MATCH (c:Code) WHERE c.id STARTS WITH $p RETURN count(c)",
                 p=f"urn:epc:id:sgtin:6901234.012345.{ns}") == 0  # fmt: skip


def test_proceed_captures_the_valid_events_and_reports_the_rest(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    events = Chain(ns).events()
    events[8]["action"] = "SOMETIMES"
    result = service.capture_document(document(events), CaptureBehaviour.PROCEED)
    assert len(result.captured) == 8
    assert [(p.index, p.field) for p in result.problems] == [(8, "action")]


def test_document_envelope_errors_and_capture_limit(service: CaptureService, ns: str) -> None:
    with pytest.raises(EpcisValidationError, match="type"):
        service.capture_document({"type": "Nonsense", "epcisBody": {"eventList": []}})
    with pytest.raises(CaptureLimitExceeded, match="capture limit of 3"):
        service.capture_document(Chain(ns).document(), limit=3)


def test_rebuild_replays_the_events_into_an_equal_graph(
    db: Database, driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    chain, other = Chain(ns), Chain("t" + uuid.uuid4().hex[:10])
    service.capture_document(chain.document())
    service.capture_document(other.document())
    before = snapshot(driver, chain)
    assert before["nodes"] and before["rels"]
    untouched = element_ids(driver, other)
    # Rebuilding around one unit replays the whole chain it belongs to: its case, its pallet,
    # the shipments that carried them and the other units packed with it.
    assert rebuild_around(db, [chain.units[0]]) == 9
    assert snapshot(driver, chain) == before
    assert element_ids(driver, other) == untouched


def element_ids(driver: neo4j.Driver, chain: Chain) -> list[str]:
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE (n:Code OR n:Package) AND n.id IN $ids "
        "OPTIONAL MATCH (n)-[r]-() RETURN collect(elementId(n)) + collect(elementId(r)) AS ids",
        ids=[*chain.units, *chain.cases, chain.pallet],
    )
    return sorted(records[0]["ids"])


def test_replay_pages_keep_every_event_that_shares_a_page_boundary_time(
    db: Database, driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    # Ten events at one instant of their own, earlier than the demo's, read four at a time: a
    # page ends inside the tie, and the next page must start right after it.
    events = Chain(ns).events()
    instant = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=int(ns[-6:], 16))
    for event in events:
        event["eventTime"] = instant.isoformat()
    service.capture_document(document(events))
    ids = {e["eventID"] for e in events}
    seen: list[str] = []
    for page in EventRepository(db).iter_event_json(page=4):
        seen += [event_id for event_id, _ in page]
        if ids <= set(seen):
            break
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))


def snapshot(driver: neo4j.Driver, chain: Chain) -> dict[str, list[Any]]:
    """Every projected node and relationship around the chain's units and packages, as data."""
    ids = [*chain.units, *chain.cases, chain.pallet]
    records, _, _ = driver.execute_query(
        """
        MATCH (n) WHERE (n:Code OR n:Package) AND n.id IN $ids
        OPTIONAL MATCH (n)-[r]-(m)
        WITH n, r, m ORDER BY n.id
        RETURN collect(DISTINCT [labels(n), properties(n)]) AS nodes,
               collect(DISTINCT [type(r), properties(r), startNode(r).id, endNode(r).id,
                                 labels(m), m.id]) AS rels
        """,
        ids=ids,
    )
    nodes = sorted(repr(x) for x in records[0]["nodes"])
    rels = sorted(repr(x) for x in records[0]["rels"] if x[0] is not None)
    return {"nodes": nodes, "rels": rels}


def test_captured_hashes_honour_the_documents_ignore_fields(
    driver: neo4j.Driver, service: CaptureService, shared_dir: Path
) -> None:
    folder = shared_dir / "data" / "epcis-hash-vectors"
    doc = json.loads((folder / "epcisDocHavingEventWithIgnoreFields.jsonld").read_text())
    expected = (folder / "epcisDocHavingEventWithIgnoreFields.hashes").read_text().split()
    result = service.capture_document(doc, CaptureBehaviour.PROCEED)
    assert not result.problems
    ids = [*result.captured, *result.duplicates]
    records, _, _ = driver.execute_query(
        "UNWIND $ids AS id MATCH (e:Event {id: id}) RETURN e.hash AS hash", ids=ids
    )
    # both events are the same once the ignored fields are left out: one event, one hash
    assert {r["hash"] for r in records} == set(expected)


def test_times_are_stored_as_utc_instants_equal_to_a_datetime_parameter(
    driver: neo4j.Driver, service: CaptureService, ns: str
) -> None:
    # Times travel to the database as text; what is stored must be the very value a query
    # passing a Python datetime compares equal to, fractions of a second included.
    chain = Chain(ns, units=2)
    commission = chain.event(
        1, action="ADD", bizStep="commissioning", disposition="active", epcList=chain.units,
        eventTime="2026-01-01T09:15:30.125+08:00",
    )  # fmt: skip
    sale = chain.event(
        2, action="OBSERVE", bizStep="retail_selling", disposition="retail_sold",
        epcList=chain.units[:1], eventTime="2026-01-02T01:00:00.5-05:00",
        eventTimeZoneOffset="-05:00",
    )  # fmt: skip
    service.capture_document(document([commission, sale]))
    made = datetime(2026, 1, 1, 1, 15, 30, 125000, tzinfo=UTC)
    sold = datetime(2026, 1, 2, 6, 0, 0, 500000, tzinfo=UTC)
    records, _, _ = driver.execute_query(
        """
        MATCH (e:Event {id: $commission}), (c:Code {id: $unit})
        RETURN e.eventTime = $made AS event, c.commissionedAt = $made AS commissioned,
               c.statusAt = $sold AS status, c.status AS state,
               e.eventTime.timezone AS zone
        """,
        commission=commission["eventID"], unit=chain.units[0], made=made, sold=sold,
    )  # fmt: skip
    assert records[0].data() == {
        "event": True, "commissioned": True, "status": True, "state": "sold", "zone": "Z",
    }  # fmt: skip


def test_wire_time_refuses_a_time_without_offset() -> None:
    with pytest.raises(ValueError, match="has no offset"):
        wire_time(datetime(2026, 1, 1, 9, 0))
    assert wire_time(datetime(2026, 1, 1, 9, 0, tzinfo=UTC)) == "2026-01-01T09:00:00+00:00"
