"""Validation of EPCIS 2.0 documents and their conversion into EpcisEvent values."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_model.errors import YimaError
from graph_model.events import BizTransaction, EpcisEvent, PartyRef, Quantity
from loaders.epcis.document import (
    EpcisValidationError,
    EventProblem,
    iter_document_events,
    parse_document,
    parse_event,
)
from loaders.epcis.hash import document_hashes

CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"example": "https://ns.example.com/epcis/"},
]
SHARED = Path(
    os.environ.get("YIMA_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
VECTORS = SHARED / "data" / "epcis-hash-vectors"

Event = dict[str, Any]


def _object_event(**fields: Any) -> Event:
    event: Event = {
        "type": "ObjectEvent",
        "eventTime": "2024-03-01T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:6901234.012345.1001", "urn:epc:id:sgtin:6901234.012345.1002"],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
    }
    event.update(fields)
    return event


@pytest.fixture
def make_document() -> Callable[..., dict[str, Any]]:
    def make(*events: Event, query: bool = False) -> dict[str, Any]:
        body: dict[str, Any]
        if query:
            body = {
                "queryResults": {
                    "queryName": "SimpleEventQuery",
                    "resultsBody": {"eventList": list(events)},
                }
            }
        else:
            body = {"eventList": list(events)}
        return {
            "@context": CONTEXT,
            "type": "EPCISQueryDocument" if query else "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2024-03-01T00:00:00Z",
            "epcisBody": body,
        }

    return make


def _problems(excinfo: pytest.ExceptionInfo[EpcisValidationError]) -> list[EventProblem]:
    return list(excinfo.value.event_problems)


# ------------------------------------------------------------------ each event type


def test_object_event(make_document: Callable[..., dict[str, Any]]) -> None:
    raw = _object_event(
        ilmd={"example:bestBefore": "2025-01-01"},
        sourceList=[{"type": "owning_party", "source": "urn:epc:id:pgln:6901234.00000"}],
        destinationList=[
            {
                "type": "urn:epcglobal:cbv:sdt:location",
                "destination": "urn:epc:id:sgln:6901234.00002.0",
            }
        ],
        bizTransactionList=[
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000002:77"}
        ],
        **{"example:line": "L1"},
    )
    [event] = parse_document(make_document(raw))
    assert isinstance(event, EpcisEvent)
    assert event.type == "ObjectEvent"
    assert event.action == "ADD"
    assert event.event_time == datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
    assert event.event_time.tzinfo is UTC
    assert event.event_time_zone_offset == "+08:00"
    assert (event.biz_step, event.disposition) == ("commissioning", "active")
    assert event.read_point == "urn:epc:id:sgln:6901234.00001.0"
    assert event.epcs == tuple(raw["epcList"])
    assert event.sources == (PartyRef("owning_party", "urn:epc:id:pgln:6901234.00000"),)
    assert event.destinations == (PartyRef("location", "urn:epc:id:sgln:6901234.00002.0"),)
    assert event.biz_transactions == (
        BizTransaction("po", "urn:epcglobal:cbv:bt:6901234000002:77"),
    )
    assert event.ilmd == {"example:bestBefore": "2025-01-01"}
    assert event.raw["example:line"] == "L1"
    assert event.event_id == event.hash
    assert event.hash.startswith("ni:///sha-256;") and event.hash.endswith("?ver=CBV2.0")
    assert event.error_declaration is None


def test_aggregation_event(make_document: Callable[..., dict[str, Any]]) -> None:
    raw = {
        "type": "AggregationEvent",
        "eventTime": "2024-03-01T09:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "parentID": "urn:epc:id:sscc:6901234.0000000001",
        "childEPCs": ["urn:epc:id:sgtin:6901234.012345.1001"],
        "childQuantityList": [
            {"epcClass": "urn:epc:class:lgtin:6901234.012345.L1", "quantity": 12, "uom": "KGM"}
        ],
        "action": "ADD",
        "bizStep": "https://ref.gs1.org/cbv/BizStep-packing",
    }
    [event] = parse_document(make_document(raw))
    assert event.parent_id == "urn:epc:id:sscc:6901234.0000000001"
    assert event.epcs == ("urn:epc:id:sgtin:6901234.012345.1001",)
    assert event.quantities == (Quantity("urn:epc:class:lgtin:6901234.012345.L1", 12.0, "KGM"),)
    assert event.biz_step == "packing"
    assert event.all_ids == (
        "urn:epc:id:sscc:6901234.0000000001",
        "urn:epc:id:sgtin:6901234.012345.1001",
    )


def test_transaction_event(make_document: Callable[..., dict[str, Any]]) -> None:
    raw = {
        "type": "TransactionEvent",
        "eventTime": "2024-03-01T09:00:00-06:00",
        "eventTimeZoneOffset": "-06:00",
        "parentID": "urn:epc:id:sscc:6901234.0000000001",
        "epcList": ["urn:epc:id:sgtin:6901234.012345.1001"],
        "action": "ADD",
        "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
        "disposition": "urn:epcglobal:cbv:disp:in_transit",
        "bizTransactionList": [
            {"type": "inv", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000002:9"}
        ],
    }
    [event] = parse_document(make_document(raw, query=True))
    assert (event.biz_step, event.disposition) == ("shipping", "in_transit")
    assert event.parent_id is not None
    assert event.event_time == datetime(2024, 3, 1, 15, 0, tzinfo=UTC)


def test_transformation_event_from_reference_vector() -> None:
    doc = json.loads((VECTORS / "epcisDocWithXMLstartTagAndErrorDeclaration.jsonld").read_text())
    [event] = parse_document(doc)
    assert event.type == "TransformationEvent"
    assert event.action is None
    assert event.event_id == "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"
    assert event.hash == document_hashes(doc)[0]
    assert event.input_epcs == ("urn:epc:id:sgtin:4012345.011111.987",)
    assert event.output_epcs == ("urn:epc:id:sgtin:4012345.033333.AGHFG",)
    assert event.epcs == event.input_epcs + event.output_epcs
    assert Quantity("urn:epc:idpat:sgtin:4012345.044444.*", 452.0, "KGM") in event.quantities
    assert event.error_declaration is not None
    assert event.error_declaration["reason"] == "incorrect_data"
    assert event.is_error_correction


def test_association_event(make_document: Callable[..., dict[str, Any]]) -> None:
    raw = {
        "type": "AssociationEvent",
        "eventTime": "2024-03-01T09:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:grai:6901234.00001.7",
        "childEPCs": ["urn:epc:id:giai:6901234.SENSOR1"],
        "action": "OBSERVE",
        "bizStep": "assembling",
        "sensorElementList": [
            {"sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL"}]}
        ],
    }
    [event] = parse_document(make_document(raw))
    assert event.type == "AssociationEvent"
    assert event.raw["sensorElementList"] == raw["sensorElementList"]


@pytest.mark.parametrize("name", sorted(p.stem for p in VECTORS.glob("*.jsonld")))
def test_reference_documents_parse_and_hash_alike(name: str) -> None:
    doc = json.loads((VECTORS / f"{name}.jsonld").read_text())
    events = parse_document(doc)
    assert [e.hash for e in events] == document_hashes(doc)


def test_persistent_disposition_and_certification_are_kept(
    make_document: Callable[..., dict[str, Any]],
) -> None:
    raw = _object_event(
        action="OBSERVE",
        persistentDisposition={"set": ["recalled"]},
        certificationInfo="https://cert.example.org/ABC",
    )
    [event] = parse_document(make_document(raw))
    assert event.raw["persistentDisposition"] == {"set": ["recalled"]}
    assert event.raw["certificationInfo"] == "https://cert.example.org/ABC"


def test_parse_event_alone_and_streaming(make_document: Callable[..., dict[str, Any]]) -> None:
    single = parse_event(_object_event(), context=CONTEXT)
    streamed = list(
        iter_document_events(make_document(_object_event(), _object_event(action="OBSERVE")))
    )
    assert streamed[0] == single
    assert streamed[1].action == "OBSERVE"


def test_event_is_immutable() -> None:
    event = parse_event(_object_event())
    with pytest.raises(AttributeError):
        event.action = "DELETE"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.raw["action"] = "DELETE"  # type: ignore[index]
    assert hash(event) == hash(parse_event(_object_event()))


# ------------------------------------------------------------------ error cases


def test_missing_timezone_offset_names_index_id_and_field(
    make_document: Callable[..., dict[str, Any]],
) -> None:
    bad = _object_event(eventTime="2024-03-01T08:00:00", eventID="ni:///sha-256;abc?ver=CBV2.0")
    doc = make_document(_object_event(), _object_event(), _object_event(), bad)
    with pytest.raises(
        EpcisValidationError,
        match=re.escape(
            "eventList[3] (eventID ni:///sha-256;abc?ver=CBV2.0): "
            "eventTime: missing timezone offset"
        ),
    ) as excinfo:
        parse_document(doc)
    [problem] = _problems(excinfo)
    assert problem == EventProblem(
        3, "ni:///sha-256;abc?ver=CBV2.0", "eventTime", "missing timezone offset"
    )
    assert isinstance(excinfo.value, YimaError)


def test_every_problem_of_every_event_is_reported(
    make_document: Callable[..., dict[str, Any]],
) -> None:
    events = [
        _object_event(action=None),
        {
            "type": "AggregationEvent",
            "eventTime": "2024-03-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "ADD",
            "childEPCs": ["urn:epc:id:sgtin:6901234.012345.1"],
        },
        {
            "type": "TransformationEvent",
            "eventTime": "2024-03-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "ADD",
            "inputEPCList": ["urn:epc:id:sgtin:6901234.012345.1"],
        },
        _object_event(epcList=["urn:epc:id:sgtin:6901234.012345.1", "not an epc"]),
        _object_event(eventTimeZoneOffset="8:00"),
        _object_event(action="MOVE", eventID="urn:uuid:5"),
        _object_event(epcLsit=["urn:epc:id:sgtin:6901234.012345.1"]),
        _object_event(action="OBSERVE", ilmd={"example:lot": "L1"}),
        {
            "type": "TransactionEvent",
            "eventTime": "2024-03-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "ADD",
            "epcList": ["urn:epc:id:sgtin:6901234.012345.1"],
        },
        _object_event(childEPCs=["urn:epc:id:sgtin:6901234.012345.1"]),
        {
            "type": "ShippingEvent",
            "eventTime": "2024-03-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00",
        },
    ]
    with pytest.raises(EpcisValidationError, match=r"problems in EPCIS input") as excinfo:
        parse_document(make_document(*events))
    found = {(p.index, p.field) for p in _problems(excinfo)}
    assert {
        (0, "action"),
        (1, "parentID"),
        (2, "action"),
        (3, "epcList[1]"),
        (4, "eventTimeZoneOffset"),
        (5, "action"),
        (6, "epcLsit"),
        (7, "ilmd"),
        (8, "bizTransactionList"),
        (9, "childEPCs"),
        (10, "type"),
    } <= found
    by_index = {p.index: p for p in _problems(excinfo)}
    assert by_index[5].event_id == "urn:uuid:5"
    assert "TransformationEvent has no action" in str(excinfo.value)
    assert "'not an epc' is not an EPC URI" in str(excinfo.value)


def test_aggregation_observe_needs_no_parent(make_document: Callable[..., dict[str, Any]]) -> None:
    raw = {
        "type": "AggregationEvent",
        "eventTime": "2024-03-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "childEPCs": ["urn:epc:id:sgtin:6901234.012345.1"],
    }
    assert parse_document(make_document(raw))[0].parent_id is None


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"eventTime": None}, "eventTime", "required field is missing"),
        ({"eventTime": "yesterday"}, "eventTime", "not an ISO 8601 date-time"),
        ({"readPoint": {"id": ""}}, "readPoint.id", "at least 1 character"),
        (
            {"quantityList": [{"quantity": 3}]},
            "quantityList[0].epcClass",
            "required field is missing",
        ),
        (
            {"sourceList": [{"type": "owning_party"}]},
            "sourceList[0].source",
            "required field is missing",
        ),
        (
            {"errorDeclaration": {"declarationTime": "2024-03-01T08:00:00"}},
            "errorDeclaration.declarationTime",
            "missing timezone offset",
        ),
        (
            {
                "quantityList": [
                    {"epcClass": "urn:epc:class:lgtin:6901234.012345.L1", "quantity": "3"}
                ]
            },
            "quantityList[0].quantity",
            "valid",
        ),
    ],
)
def test_field_problems(change: dict[str, Any], field: str, reason: str) -> None:
    raw = _object_event(**{k: v for k, v in change.items() if v is not None})
    for key, value in change.items():
        if value is None:
            del raw[key]
    with pytest.raises(EpcisValidationError, match=re.escape(field)) as excinfo:
        parse_event(raw, index=7)
    assert any(p.field == field and reason in p.reason and p.index == 7 for p in _problems(excinfo))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "EPCISDoc"}, "type"),
        ({"schemaVersion": "1.2"}, "schemaVersion"),
        ({"creationDate": "2024-03-01T00:00:00"}, "creationDate"),
        ({"epcisBody": {}}, "epcisBody.eventList"),
        ({"@context": 5}, "@context"),
    ],
)
def test_envelope_problems(
    make_document: Callable[..., dict[str, Any]], change: dict[str, Any], field: str
) -> None:
    doc = make_document(_object_event())
    doc.update(change)
    with pytest.raises(EpcisValidationError, match=r"document: ") as excinfo:
        parse_document(doc)
    assert any(p.index == -1 and p.field.startswith(field) for p in _problems(excinfo))


def test_query_document_without_results_body(make_document: Callable[..., dict[str, Any]]) -> None:
    doc = make_document(_object_event(), query=True)
    del doc["epcisBody"]["queryResults"]["resultsBody"]
    with pytest.raises(EpcisValidationError, match=re.escape("resultsBody.eventList")):
        parse_document(doc)


def test_streaming_stops_at_the_first_bad_event(
    make_document: Callable[..., dict[str, Any]],
) -> None:
    doc = make_document(_object_event(), _object_event(action=None))
    stream = iter_document_events(doc)
    assert next(stream).action == "ADD"
    with pytest.raises(EpcisValidationError, match=r"eventList\[1\]"):
        next(stream)


def test_nothing_is_returned_from_a_partly_bad_document(
    make_document: Callable[..., dict[str, Any]],
) -> None:
    with pytest.raises(EpcisValidationError):
        parse_document(make_document(_object_event(), _object_event(action=None)))


# ------------------------------------------------------------------ properties

_KEYS = st.sampled_from(["example:a", "example:b", "https://ns.example.com/epcis/c"])


@settings(max_examples=50, deadline=None)
@given(
    serials=st.lists(st.integers(0, 10**12), min_size=1, max_size=50, unique=True),
    extensions=st.dictionaries(_KEYS, st.text(min_size=1, max_size=8), max_size=3),
    data=st.data(),
)
def test_id_and_hash_survive_reordering(
    serials: list[int], extensions: dict[str, str], data: st.DataObject
) -> None:
    epcs = [f"urn:epc:id:sgtin:6901234.012345.{n}" for n in serials]
    raw = _object_event(epcList=epcs, **extensions)
    keys = data.draw(st.permutations(list(raw)))
    reordered = {k: copy.deepcopy(raw[k]) for k in keys}
    reordered["epcList"] = data.draw(st.permutations(epcs))
    first, second = parse_event(raw, context=CONTEXT), parse_event(reordered, context=CONTEXT)
    assert first.hash == second.hash
    assert set(second.epcs) == set(epcs)


@settings(max_examples=50, deadline=None)
@given(
    st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != s or " " in s or ":" not in s)
)
def test_malformed_epcs_are_rejected(junk: str) -> None:
    with pytest.raises(EpcisValidationError, match=r"epcList\[0\]"):
        parse_event(_object_event(epcList=[junk]))
