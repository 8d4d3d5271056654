"""Builders of EPCIS documents for tests: a small, complete life of two cases of units."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    {"yima": "https://ns.yima.dev/epcis/"},
]
PLANT = "urn:epc:id:sgln:6901234.00001.0"
LINE = "urn:epc:id:sgln:6901234.00001.1"
DISTRIBUTOR = "urn:epc:id:sgln:6901234.00002.0"
STORE = "urn:epc:id:sgln:6901234.00003.0"


def post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The ``data`` of a GraphQL request that must succeed without errors."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-10T00:00:00Z",
        "epcisBody": {"eventList": events},
    }


class Chain:
    """Ids and events of one small supply chain, unique to the test's ``ns``."""

    def __init__(self, ns: str, units: int = 48) -> None:
        self.ns = ns
        digits = "".join(str(ord(c) % 10) for c in ns)[:8]
        self.units = [f"urn:epc:id:sgtin:6901234.012345.{ns}u{i}" for i in range(units)]
        self.cases = [f"urn:epc:id:sscc:6901234.1{digits}{i}" for i in range(2)]
        self.pallet = f"urn:epc:id:sscc:6901234.2{digits}9"
        self.lot = f"L{ns}"
        self.shipment = f"urn:yima:desadv:{ns}"

    def event(self, n: int, **fields: Any) -> dict[str, Any]:
        base = {
            "type": "ObjectEvent",
            "eventTime": f"2026-01-0{1 + n // 10}T{n % 10:02d}:00:00+08:00",
            "eventTimeZoneOffset": "+08:00",
            "eventID": f"urn:uuid:00000000-0000-4000-8000-{self.ns[-10:]}{n:02d}",
        }
        base.update(fields)
        return base

    def events(self) -> list[dict[str, Any]]:
        half = len(self.units) // 2
        parties = {
            "sourceList": [{"type": "owning_party", "source": PLANT}],
            "destinationList": [{"type": "owning_party", "destination": DISTRIBUTOR}],
            "bizTransactionList": [{"type": "desadv", "bizTransaction": self.shipment}],
        }
        return [
            self.event(
                1, action="ADD", bizStep="commissioning", disposition="active",
                epcList=self.units, readPoint={"id": LINE}, bizLocation={"id": PLANT},
                ilmd={"cbvmda:lotNumber": self.lot},
            ),
            self.event(
                2, type="AggregationEvent", action="ADD", bizStep="packing",
                parentID=self.cases[0], childEPCs=self.units[:half],
            ),
            self.event(
                3, type="AggregationEvent", action="ADD", bizStep="packing",
                parentID=self.cases[1], childEPCs=self.units[half:],
            ),
            self.event(
                4, type="AggregationEvent", action="ADD", bizStep="packing",
                parentID=self.pallet, childEPCs=self.cases,
            ),
            self.event(
                5, action="OBSERVE", bizStep="shipping", disposition="in_transit",
                epcList=[self.pallet], bizLocation={"id": PLANT}, **parties,
            ),
            self.event(
                6, action="OBSERVE", bizStep="receiving", disposition="in_progress",
                epcList=[self.pallet], bizLocation={"id": DISTRIBUTOR}, **parties,
            ),
            self.event(
                7, type="AggregationEvent", action="DELETE", bizStep="unpacking",
                parentID=self.cases[0], childEPCs=[],
            ),
            self.event(
                8, action="OBSERVE", bizStep="retail_selling", disposition="retail_sold",
                epcList=self.units[:3], bizLocation={"id": STORE},
            ),
            self.event(
                9, action="OBSERVE", bizStep="https://ns.yima.dev/bizstep/scan",
                epcList=self.units[:1],
                **{
                    "yima:scanKind": "consumer", "yima:actor": f"urn:yima:consumer:{self.ns}",
                    "yima:clientScanId": self.ns, "yima:lat": 31.2, "yima:lon": 121.4,
                    "yima:region": "310100",
                },
            ),
        ]  # fmt: skip

    def document(self) -> dict[str, Any]:
        return document(self.events())
