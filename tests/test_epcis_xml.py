"""EPCIS 2.0 and 1.2 XML: read as the same events as JSON-LD (same CBV 2.0 hashes whatever the
prefixes, element order and time-zone notation), refused with line and reason when malformed,
captured over REST with the capture error behaviour, and answered as XML by the query
interface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from loaders.epcis.hash import document_hashes, iter_document_event_objects
from loaders.epcis.xml import XmlDocumentError, events_to_xml, read_xml_document
from tests.shared import EPCIS_VECTORS
from tests.test_rest_epcis import wait_for

VECTORS = sorted(
    p
    for p in EPCIS_VECTORS.glob("*.jsonld")
    # Document-level ignoreFields are a JSON-LD repository extension with no XML binding.
    if p.with_suffix(".hashes").exists() and "IgnoreFields" not in p.name
)


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_every_shared_vector_rendered_as_xml_hashes_as_published(path: Path) -> None:
    doc = json.loads(path.read_text())
    expected = path.with_suffix(".hashes").read_text().split()
    xml = events_to_xml(list(iter_document_event_objects(doc)), doc.get("@context"))
    assert document_hashes(read_xml_document(xml)) == expected


JSON_DOC: dict[str, Any] = {
    "@context": [
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        {"example": "https://ns.example.com/epcis/"},
    ],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-01-01T00:00:00Z",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "eventID": "urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a1",
                "eventTime": "2026-01-05T08:30:00.000+08:00",
                "eventTimeZoneOffset": "+08:00",
                "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1"},
                "bizLocation": {"id": "urn:epc:id:sgln:0614141.07346.0"},
                "ilmd": {"cbvmda:lotNumber": "LOT9"},
                "example:temperature": {"example:reading": "4.5", "example:unit": "CEL"},
            },
            {
                "type": "ObjectEvent",
                "eventID": "urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a2",
                "eventTime": "2026-01-06T09:00:00+08:00",
                "eventTimeZoneOffset": "+08:00",
                "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "bizTransactionList": [{"type": "desadv", "bizTransaction": "urn:x:desadv:1"}],
                "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00001"}],
                "destinationList": [
                    {"type": "owning_party", "destination": "urn:epc:id:pgln:0614141.00002"},
                    {"type": "location", "destination": "urn:epc:id:sgln:0614141.00002.0"},
                ],
            },
            {
                "type": "TransformationEvent",
                "eventID": "urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a3",
                "eventTime": "2026-01-07T10:00:00+08:00",
                "eventTimeZoneOffset": "+08:00",
                "inputEPCList": ["urn:epc:id:sgtin:0614141.107346.2017"],
                "outputEPCList": ["urn:epc:id:sgtin:0614141.107347.1"],
                "outputQuantityList": [
                    {"epcClass": "urn:epc:class:lgtin:0614141.107348.B1", "quantity": 2.5,
                     "uom": "KGM"}
                ],
                "bizStep": "transforming",
            },
        ]
    },
}  # fmt: skip

# The same events: other prefixes, other element order, times in UTC.
XML_2_0 = b"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ns.example.com/epcis/"
    xmlns:mda="urn:epcglobal:cbv:mda" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
  <EPCISBody>
    <EventList>
      <ObjectEvent>
        <eventTime>2026-01-05T00:30:00Z</eventTime>
        <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
        <eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a1</eventID>
        <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
        <action>ADD</action>
        <bizStep>https://ref.gs1.org/cbv/BizStep-commissioning</bizStep>
        <disposition>urn:epcglobal:cbv:disp:active</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.07346.1</id></readPoint>
        <bizLocation><id>urn:epc:id:sgln:0614141.07346.0</id></bizLocation>
        <ilmd><mda:lotNumber>LOT9</mda:lotNumber></ilmd>
        <ex:temperature><ex:unit>CEL</ex:unit><ex:reading>4.5</ex:reading></ex:temperature>
      </ObjectEvent>
      <ObjectEvent>
        <eventTime>2026-01-06T01:00:00.000Z</eventTime>
        <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
        <eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a2</eventID>
        <epcList><epc>https://id.gs1.org/01/10614141073464/21/2017</epc></epcList>
        <action>OBSERVE</action>
        <bizStep>shipping</bizStep>
        <disposition>in_transit</disposition>
        <bizTransactionList>
          <bizTransaction type="desadv">urn:x:desadv:1</bizTransaction>
        </bizTransactionList>
        <sourceList><source type="owning_party">urn:epc:id:pgln:0614141.00001</source></sourceList>
        <destinationList>
          <destination type="location">urn:epc:id:sgln:0614141.00002.0</destination>
          <destination type="owning_party">urn:epc:id:pgln:0614141.00002</destination>
        </destinationList>
      </ObjectEvent>
      <TransformationEvent>
        <eventTime>2026-01-07T02:00:00Z</eventTime>
        <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
        <eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a3</eventID>
        <inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList>
        <outputEPCList><epc>urn:epc:id:sgtin:0614141.107347.1</epc></outputEPCList>
        <outputQuantityList>
          <quantityElement><epcClass>urn:epc:class:lgtin:0614141.107348.B1</epcClass>
            <quantity>2.50</quantity><uom>KGM</uom></quantityElement>
        </outputQuantityList>
        <bizStep>transforming</bizStep>
      </TransformationEvent>
    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>
"""

# EPCIS 1.2: extension wrappers, eventID in baseExtension, TransformationEvent in an extension.
XML_1_2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:example="https://ns.example.com/epcis/"
    xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="1.2" creationDate="2026-01-01T00:00:00Z">
  <EPCISBody>
    <EventList>
      <ObjectEvent>
        <eventTime>2026-01-05T08:30:00+08:00</eventTime>
        <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
        <baseExtension><eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a1</eventID></baseExtension>
        <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
        <action>ADD</action>
        <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
        <disposition>urn:epcglobal:cbv:disp:active</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.07346.1</id></readPoint>
        <bizLocation><id>urn:epc:id:sgln:0614141.07346.0</id></bizLocation>
        <extension><ilmd><cbvmda:lotNumber>LOT9</cbvmda:lotNumber></ilmd></extension>
        <example:temperature><example:reading>4.5</example:reading><example:unit>CEL</example:unit></example:temperature>
      </ObjectEvent>
      <ObjectEvent>
        <eventTime>2026-01-06T09:00:00+08:00</eventTime>
        <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
        <baseExtension><eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a2</eventID></baseExtension>
        <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
        <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>
        <bizTransactionList>
          <bizTransaction type="urn:epcglobal:cbv:btt:desadv">urn:x:desadv:1</bizTransaction>
        </bizTransactionList>
        <extension>
          <sourceList><source type="urn:epcglobal:cbv:sdt:owning_party"
            >urn:epc:id:pgln:0614141.00001</source></sourceList>
          <destinationList>
            <destination type="urn:epcglobal:cbv:sdt:owning_party"
              >urn:epc:id:pgln:0614141.00002</destination>
            <destination type="urn:epcglobal:cbv:sdt:location"
              >urn:epc:id:sgln:0614141.00002.0</destination>
          </destinationList>
        </extension>
      </ObjectEvent>
      <extension>
        <TransformationEvent>
          <eventTime>2026-01-07T10:00:00+08:00</eventTime>
          <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
          <baseExtension><eventID>urn:uuid:6d8d5f4e-7a1b-4c1e-9b0a-0000000000a3</eventID></baseExtension>
          <inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList>
          <outputEPCList><epc>urn:epc:id:sgtin:0614141.107347.1</epc></outputEPCList>
          <outputQuantityList>
            <quantityElement><epcClass>urn:epc:class:lgtin:0614141.107348.B1</epcClass>
              <quantity>2.5</quantity><uom>KGM</uom></quantityElement>
          </outputQuantityList>
          <bizStep>urn:epcglobal:cbv:bizstep:transforming</bizStep>
        </TransformationEvent>
      </extension>
    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>
"""


@pytest.mark.parametrize("xml", [XML_2_0, XML_1_2], ids=["2.0", "1.2"])
def test_xml_events_hash_as_the_same_events_in_json(xml: bytes) -> None:
    doc = read_xml_document(xml)
    assert document_hashes(doc) == document_hashes(JSON_DOC)
    events = doc["epcisBody"]["eventList"]
    assert [e["eventID"] for e in events] == [
        e["eventID"] for e in JSON_DOC["epcisBody"]["eventList"]
    ]
    assert events[0]["ilmd"] == {"cbvmda:lotNumber": "LOT9"}


@pytest.mark.parametrize(
    ("xml", "line", "reason"),
    [
        (b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>\n<EPCISBody>", 2,
         "not well-formed"),
        (b"<html/>", 1, "not an EPCIS document"),
        (b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>\n<EPCISBody>\n"
         b"<EventList>\n<ObjectEvent>\n<eventTime>x</eventTime>\n<colour>red</colour>\n"
         b"</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>", 6,
         "<colour> is not an EPCIS event field"),
        (b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'><EPCISBody>\n"
         b"<EventList>\n<SensorEvent/></EventList></EPCISBody></epcis:EPCISDocument>", 3,
         "<SensorEvent> is not an EPCIS event"),
        (b"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><d>&e;</d>", 1, ""),
    ],
)  # fmt: skip
def test_bad_xml_is_refused_with_line_and_reason(xml: bytes, line: int, reason: str) -> None:
    with pytest.raises(XmlDocumentError) as caught:
        read_xml_document(xml)
    assert caught.value.reason.startswith(f"line {line}: ")
    assert reason in caught.value.reason


def _xml_chain(ns: str) -> bytes:
    unique = XML_2_0.replace(b"0000000000a", ns[-10:].encode() + b"a")
    return unique.replace(b"107346.2017", b"107346." + ns.encode()).replace(
        b"/21/2017", b"/21/" + ns.encode()
    )


def test_capture_xml_over_rest_and_query_it_back_as_xml(client: TestClient, ns: str) -> None:
    xml = _xml_chain(ns)
    response = client.post("/capture", content=xml, headers={"Content-Type": "application/xml"})
    assert response.status_code == 202, response.text
    job = wait_for(client, response.headers["Location"])
    assert job["success"] and job["capturedEvents"] == 3, job
    event_id = read_xml_document(xml)["epcisBody"]["eventList"][0]["eventID"]
    as_json = client.get("/events/" + quote(event_id, safe="")).json()
    answer = client.get(
        "/events/" + quote(event_id, safe=""), headers={"Accept": "application/xml"}
    )
    assert answer.headers["content-type"].startswith("application/xml")
    back = read_xml_document(answer.content)
    [event] = back["epcisBody"]["eventList"]
    assert event["eventID"] == event_id
    assert document_hashes(back) == [document_hashes(read_xml_document(xml))[0]]
    assert as_json["ilmd"] == {"cbvmda:lotNumber": "LOT9"}
    epc = f"urn:epc:id:sgtin:0614141.107346.{ns}"
    listed = client.get(
        "/events", params={"MATCH_anyEPC": epc}, headers={"Accept": "application/xml"}
    )
    assert len(read_xml_document(listed.content)["epcisBody"]["eventList"]) == 3


@pytest.mark.parametrize(("behaviour", "captured"), [("rollback", 0), ("proceed", 2)])
def test_capture_error_behaviour_holds_for_xml(
    client: TestClient, ns: str, behaviour: str, captured: int
) -> None:
    xml = _xml_chain(ns).replace(b"2026-01-06T01:00:00.000Z", b"yesterday")
    response = client.post(
        "/capture", content=xml,
        headers={"Content-Type": "text/xml", "GS1-Capture-Error-Behaviour": behaviour},
    )  # fmt: skip
    job = wait_for(client, response.headers["Location"])
    assert job["capturedEvents"] == captured
    assert [(e["index"], e["field"]) for e in job["errors"]] == [(1, "eventTime")]
    first = read_xml_document(xml)["epcisBody"]["eventList"][0]["eventID"]
    found = client.get("/events/" + quote(first, safe="")).status_code
    assert found == (404 if behaviour == "rollback" else 200)


def test_bad_xml_over_rest_names_the_line(client: TestClient) -> None:
    response = client.post(
        "/capture", content=b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>\n<a>",
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "line 2" in response.json()["detail"]
