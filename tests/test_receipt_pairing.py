"""A receipt quoting no despatch advice ends the shipment captured after it.

Capture plans receipt pairing only when a batch has such receipts or its shipments carried
goods a stored receipt also carried (``RECEIPTS_NEAR``); a shipment arriving after its
receipt must still be paired, and a shipment no receipt concerns leaves pairing alone.
"""

from __future__ import annotations

from datetime import datetime

import neo4j

from graph_model.database import Database
from graph_model.repositories.provenance import ProvenanceRepository
from services.capture import CaptureService
from tests.standard_epcis import StandardWorld


def _ends(driver: neo4j.Driver, receipt: str) -> list[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Receipt {id: $id})-[:ENDS]->(s:Shipment) RETURN s.id AS id", id=receipt
    )
    return [r["id"] for r in records]


def test_a_shipment_captured_after_its_receipt_is_ended_by_it(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    w = StandardWorld(ns)
    plant, store = w.org("plant", 10), w.org("store", 40)
    w.commission(plant)
    shipped = w.ship(w.units, plant, store, naming="pgln", desadv=w.desadv(1))
    received = w.receive(w.units, plant, store, naming="pgln", desadv=None)
    capture = CaptureService(db)
    others = [e for e in w.events if e is not shipped and e is not received]
    assert not capture.capture_document(w.document(others)).problems
    assert not capture.capture_document(w.document([received])).problems
    assert _ends(driver, received["eventID"]) == []
    assert not capture.capture_document(w.document([shipped])).problems

    assert len(_ends(driver, received["eventID"])) == 1
    custody = ProvenanceRepository(db).trace([w.units[0]])[w.units[0]].custody
    assert custody[-1].received_at == datetime.fromisoformat(received["eventTime"])
    assert not custody[-1].in_transit


def test_a_shipment_no_receipt_concerns_stays_unreceived(db: Database, ns: str) -> None:
    w = StandardWorld(ns)
    plant, store = w.org("plant", 10), w.org("store", 40)
    w.commission(plant)
    w.ship(w.units, plant, store, naming="pgln", desadv=w.desadv(1))
    assert not CaptureService(db).capture_document(w.document()).problems
    custody = ProvenanceRepository(db).trace([w.units[0]])[w.units[0]].custody
    assert custody[-1].received_at is None
    assert custody[-1].in_transit
