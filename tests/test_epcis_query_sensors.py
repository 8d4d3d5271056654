"""Sensor-data query parameters (EPCIS 2.0 section 8.2.7.1) on four events whose answer is
known: a cold-chain event with two reports, a warm one with its device in the report, a
laboratory reading, and an event with no sensor data."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from services.capture import CaptureService
from tests.factories import document


class Sensors:
    def __init__(self, ns: str) -> None:
        self.ids = [f"urn:uuid:00000000-0000-4000-8003-{ns[-10:]}{n:02d}" for n in range(4)]
        self.logger = f"urn:epc:id:giai:4000001.{ns}1"
        self.probe = f"urn:epc:id:giai:4000001.{ns}2"

    def event(self, n: int, **fields: Any) -> dict[str, Any]:
        return {
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "transporting",
            "eventTime": f"2026-04-0{n + 1}T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "eventID": self.ids[n], "epcList": [f"urn:epc:id:sscc:4012345.{n}{self.ids[n][-10:]}"],
            **fields,
        }  # fmt: skip

    def events(self) -> list[dict[str, Any]]:
        return [
            self.event(0, sensorElementList=[{
                "sensorMetadata": {
                    "time": "2026-04-01T07:00:00Z", "startTime": "2026-04-01T00:00:00Z",
                    "endTime": "2026-04-01T06:00:00Z", "deviceID": self.logger,
                    "bizRules": "https://example.com/cold-chain", "dataProcessingMethod":
                    "https://example.com/mean-of-10",
                },
                "sensorReport": [
                    {"type": "gs1:Temperature", "value": 4.5, "uom": "CEL",
                     "minValue": 2.0, "maxValue": 7.5, "meanValue": 4.1, "sDev": 0.8},
                    {"type": "gs1:RelativeHumidity", "value": 61, "uom": "A93",
                     "percRank": 50, "percValue": 60},
                ],
            }]),
            self.event(1, sensorElementList=[{
                "sensorReport": [
                    {"type": "https://gs1.org/voc/Temperature", "value": 12.0, "uom": "CEL",
                     "deviceID": self.probe, "time": "2026-04-02T01:00:00Z",
                     "booleanValue": True, "stringValue": "door open"},
                ],
            }]),
            self.event(2, sensorElementList=[{
                "sensorReport": [
                    {"type": "gs1:Count", "microorganism": "https://www.ncbi.nlm.nih.gov/taxonomy/1496",
                     "chemicalSubstance": "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
                     "value": 120, "uom": "H29", "hexBinaryValue": "0A1B",
                     "uriValue": "https://example.com/lab/report/7"},
                ],
            }]),
            self.event(3),
        ]  # fmt: skip


@pytest.fixture
def sensors(db: Database, ns: str) -> Sensors:
    world = Sensors(ns)
    CaptureService(db).capture_document(document(world.events()))
    return world


def answer(client: TestClient, world: Sensors, **params: str) -> list[int]:
    response = client.get("/events", params={"EQ_eventID": ",".join(world.ids), **params})
    assert response.status_code == 200, response.text
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return sorted(world.ids.index(e["eventID"]) for e in events)


def test_sensor_elements_types_devices_and_text_values(
    client: TestClient, sensors: Sensors
) -> None:
    assert answer(client, sensors, EXISTS_sensorElementList="") == [0, 1, 2]
    # A GS1 vocabulary term is one term whether written gs1:X or as its full URI.
    assert answer(client, sensors, EQ_type="gs1:Temperature") == [0, 1]
    assert answer(client, sensors, EQ_type="https://gs1.org/voc/RelativeHumidity") == [0]
    assert answer(client, sensors, EQ_type="gs1:Illuminance") == []
    # The device is named in the metadata of one event and in the report of another.
    assert answer(client, sensors, EQ_deviceID=f"{sensors.logger},{sensors.probe}") == [0, 1]
    assert answer(client, sensors, EQ_deviceID=sensors.probe) == [1]
    assert answer(client, sensors, EQ_bizRules="https://example.com/cold-chain") == [0]
    assert answer(client, sensors, EQ_dataProcessingMethod="https://example.com/mean-of-10") == [0]
    assert answer(
        client, sensors, EQ_microorganism="https://www.ncbi.nlm.nih.gov/taxonomy/1496"
    ) == [2]
    assert answer(
        client,
        sensors,
        EQ_chemicalSubstance="https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
    ) == [2]
    assert answer(client, sensors, EQ_stringValue="door open") == [1]
    assert answer(client, sensors, EQ_booleanValue="true") == [1]
    assert answer(client, sensors, EQ_booleanValue="false") == []
    assert answer(client, sensors, EQ_hexBinaryValue="0a1b") == [2]  # hex in either case
    assert answer(client, sensors, EQ_uriValue="https://example.com/lab/report/7") == [2]


def test_sensor_times_and_measured_values(client: TestClient, sensors: Sensors) -> None:
    assert answer(client, sensors, GE_time="2026-04-01T12:00:00Z") == [1]  # a report's time
    assert answer(client, sensors, LT_time="2026-04-01T12:00:00Z") == [0]  # the metadata's
    assert answer(client, sensors, GE_startTime="2026-04-01T00:00:00Z") == [0]
    assert answer(client, sensors, LT_endTime="2026-04-01T06:00:00Z") == []
    assert answer(client, sensors, GE_value_CEL="8") == [1]
    assert answer(client, sensors, LE_value_CEL="4.5") == [0]
    assert answer(client, sensors, GT_value_CEL="4.5") == [1]
    assert answer(client, sensors, EQ_value_H29="120") == [2]
    assert answer(client, sensors, GE_value_FAH="8") == []  # another unit: no report in it
    assert answer(client, sensors, GT_maxValue_CEL="7") == [0]
    assert answer(client, sensors, LT_minValue_CEL="2") == []
    assert answer(client, sensors, GE_meanValue_CEL="4", LE_sDev_CEL="1") == [0]
    assert answer(client, sensors, GE_percRank="50", EQ_percValue_A93="60") == [0]
    assert answer(client, sensors, EQ_type="gs1:Temperature", GE_value_CEL="10") == [1]


@pytest.mark.parametrize(
    ("parameter", "value", "reason"),
    [
        ("GE_value", "8", "names no unit"),
        ("GE_value_CEL", "warm", "not a number"),
        ("EQ_booleanValue", "yes", "true or false"),
        ("GE_time", "yesterday", ""),
        ("EQ_sensorColour", "red", "unknown query parameter"),
    ],
)
def test_a_bad_sensor_parameter_is_named(
    client: TestClient, parameter: str, value: str, reason: str
) -> None:
    response = client.get("/events", params={parameter: value})
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"] == "epcisException:QueryParameterException"
    assert problem["parameter"] == parameter and reason in problem["detail"]
