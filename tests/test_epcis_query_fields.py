"""Query parameters answered from the event document, on events whose answer is known:
business transactions, sources and destinations, EPC classes, quantities, ILMD and extension
fields (EQ_ / GT_ / GE_ / LT_ / LE_, INNER_, EXISTS_), error declarations, persistent
dispositions, transformation ids, and orderBy / orderDirection with paging."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from services.capture import CaptureService
from tests.factories import document

EX = "http://ns.example.com/epcis/"
CONTEXT: list[Any] = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex": EX}]


class Fields:
    """Five events of one test, each field chosen so every query's answer is known."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.po = f"urn:epcglobal:cbv:bt:0614141000005:PO-{ns}"
        self.desadv = f"urn:epcglobal:cbv:bt:0614141000005:DA-{ns}"
        self.maker = f"urn:epc:id:pgln:0614141.{ns}1"
        self.buyer = f"urn:epc:id:pgln:0614141.{ns}2"
        self.lot = f"urn:epc:class:lgtin:4012345.012345.L{ns}"
        self.other_lot = f"urn:epc:class:lgtin:4012345.099999.M{ns}"
        self.gdti = f"urn:epc:id:gdti:0614141.00001.{ns}"
        self.ids = [f"urn:uuid:00000000-0000-4000-8001-{ns[-10:]}{n:02d}" for n in range(5)]

    def event(self, n: int, **fields: Any) -> dict[str, Any]:
        return {
            "type": "ObjectEvent",
            "eventTime": f"2026-02-0{n + 1}T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00",
            "eventID": self.ids[n],
            **fields,
        }

    def events(self) -> list[dict[str, Any]]:
        return [
            self.event(
                0, action="ADD", bizStep="commissioning",
                quantityList=[{"epcClass": self.lot, "quantity": 200, "uom": "KGM"}],
                ilmd={"cbvmda:bestBeforeDate": "2026-08-01", "ex:origin": "CN",
                      "ex:harvest": {"ex:field": "F7"}},
                **{"ex:temperature": 4.5, "ex:sensor": {"ex:grade": "A", "ex:lux": 300}},
            ),
            self.event(
                1, action="OBSERVE", bizStep="shipping",
                quantityList=[{"epcClass": self.lot, "quantity": 50, "uom": "KGM"}],
                bizTransactionList=[
                    {"type": "po", "bizTransaction": self.po},
                    {"type": "urn:epcglobal:cbv:btt:desadv", "bizTransaction": self.desadv},
                ],
                sourceList=[{"type": "owning_party", "source": self.maker}],
                destinationList=[{"type": "owning_party", "destination": self.buyer}],
                **{"ex:temperature": 8, "ex:note": "late"},
            ),
            self.event(
                2, type="TransformationEvent", bizStep="transforming",
                transformationID=self.gdti,
                inputQuantityList=[{"epcClass": self.lot, "quantity": 10, "uom": "KGM"}],
                outputQuantityList=[{"epcClass": self.other_lot, "quantity": 5, "uom": "KGM"}],
                **{"ex:temperature": -2},
            ),
            self.event(
                3, action="OBSERVE", bizStep="receiving",
                quantityList=[{"epcClass": self.other_lot, "quantity": 5}],
                bizTransactionList=[{"type": "desadv", "bizTransaction": self.desadv}],
                persistentDisposition={"set": ["completeness_verified"]},
                errorDeclaration={
                    "declarationTime": "2026-02-06T00:00:00Z", "reason": "incorrect_data",
                    "correctiveEventIDs": [self.ids[4]],
                },
            ),
            self.event(
                4, action="OBSERVE", bizStep="receiving",
                quantityList=[{"epcClass": self.other_lot, "quantity": 4}],
            ),
        ]  # fmt: skip

    def document(self, events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {**document(events or self.events()), "@context": CONTEXT}


@pytest.fixture
def fields(db: Database, ns: str) -> Fields:
    world = Fields(ns)
    CaptureService(db).capture_document(world.document())
    return world


def answer(client: TestClient, world: Fields, **params: Any) -> list[int]:
    """Which of the world's events a query returns, in the order returned."""
    response = client.get("/events", params={"EQ_eventID": ",".join(world.ids), **params})
    assert response.status_code == 200, response.text
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [world.ids.index(e["eventID"]) for e in events]


def test_business_transactions_sources_destinations(client: TestClient, fields: Fields) -> None:
    assert answer(client, fields, EQ_bizTransaction_po=fields.po) == [1]
    # A type is one type whatever its notation, in the event and in the parameter.
    assert answer(client, fields, EQ_bizTransaction_desadv=fields.desadv) == [1, 3]
    assert answer(
        client, fields, **{"EQ_bizTransaction_urn:epcglobal:cbv:btt:desadv": fields.desadv}
    ) == [1, 3]
    assert answer(client, fields, EQ_bizTransaction_inv=fields.desadv) == []
    assert answer(client, fields, EQ_bizTransaction_po=fields.desadv) == []
    assert answer(client, fields, EQ_source_owning_party=fields.maker) == [1]
    assert answer(client, fields, EQ_source_owning_party=fields.buyer) == []
    assert answer(client, fields, EQ_destination_owning_party=f"x,{fields.buyer}") == [1]
    assert answer(client, fields, EQ_destination_possessing_party=fields.buyer) == []


def test_epc_classes_and_quantities(client: TestClient, fields: Fields) -> None:
    assert answer(client, fields, MATCH_epcClass=fields.lot) == [0, 1]
    assert answer(client, fields, MATCH_anyEPCClass=fields.lot) == [0, 1, 2]
    assert answer(client, fields, MATCH_inputEPCClass=fields.lot) == [2]
    assert answer(client, fields, MATCH_outputEPCClass=fields.other_lot) == [2]
    assert answer(client, fields, MATCH_epcClass="urn:epc:idpat:sgtin:4012345.099999.*") == [3, 4]
    assert answer(client, fields, EQ_quantity="5") == [2, 3]
    assert answer(client, fields, GT_quantity="50") == [0]
    assert answer(client, fields, GE_quantity="50") == [0, 1]
    assert answer(client, fields, LT_quantity="5") == [4]
    assert answer(client, fields, LE_quantity="5") == [2, 3, 4]
    assert answer(client, fields, MATCH_epcClass=fields.lot, LT_quantity="100") == [1]


def test_extension_and_ilmd_fields(client: TestClient, fields: Fields) -> None:
    temperature = EX + "#temperature"  # namespace URI # local name, as the standard names it
    assert answer(client, fields, **{"EQ_" + temperature: "8"}) == [1]
    assert answer(client, fields, **{"GT_" + temperature: "4.5"}) == [1]
    assert answer(client, fields, **{"GE_" + temperature: "4.5"}) == [0, 1]
    assert answer(client, fields, **{"LT_ex:temperature": "0"}) == [2]
    assert answer(client, fields, **{"LE_ex:temperature": "4.5"}) == [0, 2]
    assert answer(client, fields, **{"EQ_ex:note": "late,early"}) == [1]
    assert answer(client, fields, **{"EQ_ex:grade": "A"}) == []  # nested: only with INNER_
    assert answer(client, fields, **{"EQ_INNER_ex:grade": "A"}) == [0]
    assert answer(client, fields, **{"GT_INNER_" + EX + "#lux": "299"}) == [0]
    assert answer(client, fields, **{"EQ_ILMD_ex:origin": "CN"}) == [0]
    assert answer(client, fields, **{"EQ_ILMD_ex:origin": "FR"}) == []
    assert answer(client, fields, **{"EQ_INNER_ILMD_ex:field": "F7"}) == [0]
    best_before = "urn:epcglobal:cbv:mda#bestBeforeDate"
    assert answer(client, fields, **{"EQ_ILMD_" + best_before: "2026-08-01"}) == [0]
    assert answer(client, fields, **{"GE_ILMD_cbvmda:bestBeforeDate": "2026-07-01T00:00Z"}) == [0]
    assert answer(client, fields, **{"LT_ILMD_cbvmda:bestBeforeDate": "2026-07-01T00:00Z"}) == []
    assert answer(client, fields, **{"EXISTS_ex:note": ""}) == [1]
    assert answer(client, fields, **{"EXISTS_" + temperature: ""}) == [0, 1, 2]
    assert answer(client, fields, **{"EXISTS_ILMD_ex:origin": ""}) == [0]
    assert answer(client, fields, **{"EXISTS_INNER_ex:lux": ""}) == [0]


def test_error_declarations_and_other_fields(
    client: TestClient, db: Database, fields: Fields
) -> None:
    assert answer(client, fields, EXISTS_errorDeclaration="") == [3]
    assert answer(client, fields, EQ_errorReason="incorrect_data") == [3]
    assert answer(client, fields, EQ_errorReason="urn:epcglobal:cbv:er:incorrect_data") == [3]
    assert answer(client, fields, EQ_errorReason="did_not_occur") == []
    assert answer(client, fields, EQ_correctiveEventID=fields.ids[4]) == [3]
    assert answer(client, fields, GE_errorDeclarationTime="2026-02-06T00:00:00Z") == [3]
    assert answer(client, fields, LT_errorDeclarationTime="2026-02-06T00:00:00Z") == []
    assert answer(client, fields, EQ_persistentDisposition_set="completeness_verified") == [3]
    assert answer(client, fields, EQ_persistentDisposition_unset="completeness_verified") == []
    assert answer(client, fields, EQ_transformationID=fields.gdti) == [2]
    # An error declared later about a stored event answers for that event.
    declared = {
        **fields.events()[1],
        "errorDeclaration": {"declarationTime": "2026-03-01T00:00:00Z", "reason": "did_not_occur"},
    }
    CaptureService(db).capture_document(fields.document([declared]))
    assert answer(client, fields, EXISTS_errorDeclaration="") == [1, 3]
    assert answer(client, fields, EQ_errorReason="did_not_occur") == [1]
    assert answer(client, fields, EQ_errorReason="did_not_occur", EQ_bizStep="shipping") == [1]


def test_order_by_and_direction(client: TestClient, fields: Fields) -> None:
    assert answer(client, fields) == [0, 1, 2, 3, 4]
    assert answer(client, fields, orderBy="eventTime") == [4, 3, 2, 1, 0]  # DESC by default
    assert answer(client, fields, orderBy="eventTime", orderDirection="ASC") == [0, 1, 2, 3, 4]
    assert answer(client, fields, orderBy="recordTime", orderDirection="ASC") == [0, 1, 2, 3, 4]
    by_temperature = answer(client, fields, orderBy="ex:temperature", orderDirection="ASC")
    assert by_temperature == [2, 0, 1, 3, 4]  # events without the field come last
    assert answer(client, fields, orderBy=EX + "#temperature") == [1, 0, 2, 3, 4]
    for order, direction in [("eventTime", "DESC"), ("recordTime", "DESC"), ("ex:temperature",
                                                                             "ASC")]:  # fmt: skip
        seen: list[int] = []
        params: dict[str, Any] = {
            "EQ_eventID": ",".join(fields.ids), "orderBy": order, "orderDirection": direction,
            "perPage": "2",
        }  # fmt: skip
        while True:
            response = client.get("/events", params=params)
            assert response.status_code == 200, response.text
            events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            seen += [fields.ids.index(e["eventID"]) for e in events]
            token = response.headers.get("GS1-Next-Page-Token")
            if token is None:
                break
            params["nextPageToken"] = token
        full = answer(client, fields, orderBy=order, orderDirection=direction)
        assert seen == full and len(seen) == 5, (order, seen)
    # Paging with a document check reads in chunks yet keeps the order.
    assert answer(client, fields, EQ_quantity="5", orderBy="eventTime") == [3, 2]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"EQ_quantity": "many"}, "EQ_quantity"),
        ({"GT_ex:temperature": "warm"}, "GT_ex:temperature"),
        ({"EQ_ILMD_origin": "CN"}, "EQ_ILMD_origin"),
        ({"EQ_ILMD_#origin": "CN"}, "EQ_ILMD_#origin"),
        ({"EQ_bizTransaction_": "x"}, "EQ_bizTransaction_"),
        ({"EQ_bizTransaction_po": ""}, "EQ_bizTransaction_po"),
        ({"MATCH_epcClass": ""}, "MATCH_epcClass"),
        ({"EQ_errorReason": ""}, "EQ_errorReason"),
        ({"GE_errorDeclarationTime": "soon"}, "GE_errorDeclarationTime"),
        ({"orderBy": "colour"}, "orderBy"),
        ({"orderBy": "eventTime", "orderDirection": "UP"}, "orderDirection"),
        ({"orderDirection": "ASC"}, "orderDirection"),
        ({"WD_bizLocation": "urn:epc:id:sgln:0614141.00001.0"}, "WD_bizLocation"),
        ({"EXISTS_colour": ""}, "EXISTS_colour"),
    ],
)
def test_bad_parameters_are_named(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/events", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["parameter"] == parameter
    if parameter.startswith("WD_"):
        assert "not supported" in body["detail"]


def test_a_token_belongs_to_its_order(client: TestClient, fields: Fields) -> None:
    first = client.get(
        "/events", params={"EQ_eventID": ",".join(fields.ids), "perPage": "2"}
    ).headers["GS1-Next-Page-Token"]
    response = client.get(
        "/events", params={"EQ_eventID": ",".join(fields.ids), "orderBy": "recordTime",
                           "nextPageToken": first},
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["parameter"] == "nextPageToken"
