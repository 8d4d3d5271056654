"""A small hand-built world of diversion, unique to one test module's prefix.

Regions (custom codes under the prefix): province P1 with cities A and B, province P2 with
cities C, D and E. A plant in A; dealer X authorized in A with a contract to store SB in B;
dealer Y authorized in B. One month of 2001-2023 that no other world of the test session has,
so no other world scans in it:

* X ships two cases off contract to store SC in C; six consumers scan 20 of their units in C
  (a case: off-contract shipment);
* Y receives two cases and records nothing more; five consumers scan 15 of the units in D
  (a case: stock that vanished from Y's records);
* one traveller scans one of X's units in E (noise, no case);
* X ships one case to its contracted store SB; six consumers scan 18 units in B (legitimate);
* three consumers scan units at home in A.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_model.database import Database
from graph_model.master import Authorization, Distributor, MasterData, Plant, Region, Store, Supply
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.vocabulary import ScanKind
from services.capture import CaptureService
from services.scans import ScanRequest, scan_event, scan_event_id
from tests.factories import document

CP = "6903"  # company prefix digits; the location reference (8 digits) comes from the prefix
CITIES = {  # code suffix -> (name, province suffix, lat, lon)
    "A": ("甲市", "P1", 31.23, 121.47),
    "B": ("乙市", "P1", 30.27, 120.15),
    "C": ("丙市", "P2", 39.90, 116.40),
    "D": ("丁市", "P2", 23.13, 113.26),
    "E": ("戊市", "P2", 30.57, 104.07),
}


@dataclass
class DiversionWorld:
    ns: str
    start: datetime
    end: datetime
    units: list[str]
    cases: list[str]
    scans: dict[str, list[str]] = field(default_factory=dict)

    def region(self, key: str) -> str:
        return f"{self.ns}{key}"

    def party(self, key: str) -> str:
        number = {"plant": 1, "X": 2, "Y": 3, "SA": 4, "SB": 5, "SC": 6}[key]
        return f"urn:epc:id:sgln:{CP}{self.digits}.{number}.0"

    @property
    def digits(self) -> str:
        return str(int(self.ns[1:], 16) % 10**7).zfill(7)

    def at(self, day: int, hour: int = 10) -> datetime:
        return self.start + timedelta(days=day - 1, hours=hour)

    def box(self, case: int) -> list[str]:
        return self.units[case * 24 : (case + 1) * 24]


# Each world of a test session has a month of its own (2001-2023): several test modules load
# one, and two worlds in one month would count each other's scans in their detection window.
_MONTH_COUNT = 23 * 12
_MONTHS = itertools.count(random.randrange(_MONTH_COUNT))


def new_world() -> DiversionWorld:
    ns = "d" + uuid.uuid4().hex[:10]
    index = next(_MONTHS) % _MONTH_COUNT
    year, month = 2001 + index // 12, index % 12 + 1
    # The month in China Standard Time, where case periods are counted.
    start = datetime(year, month, 1, tzinfo=UTC) - timedelta(hours=8)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC) - timedelta(hours=8)
    units = [f"urn:epc:id:sgtin:6901234.012345.{ns}u{i}" for i in range(6 * 24)]
    digits = str(int(ns[1:], 16) % 10**7).zfill(7)
    cases = [f"urn:epc:id:sscc:6901234.3{digits}{i}" for i in range(6)]
    return DiversionWorld(ns, start, end, units, cases)


def master(w: DiversionWorld) -> MasterData:
    regions = [
        Region.province(w.region("P1"), "华东测试省", 30.5, 120.5),
        Region.province(w.region("P2"), "远方测试省", 30.0, 110.0),
    ]
    regions += [
        Region.prefecture(w.region(k), name, w.region(p), lat, lon)
        for k, (name, p, lat, lon) in CITIES.items()
    ]

    def seat(key: str) -> tuple[float, float]:
        return CITIES[key][2], CITIES[key][3]

    return MasterData(
        regions=tuple(regions),
        plants=(Plant(w.party("plant"), "测试工厂", w.region("A"), *seat("A")),),
        distributors=(
            Distributor(
                w.party("X"),
                "甲经销商",
                2,
                w.region("A"),
                *seat("A"),
                authorized=(Authorization(w.region("A")),),
            ),
            Distributor(
                w.party("Y"),
                "乙经销商",
                2,
                w.region("B"),
                *seat("B"),
                authorized=(Authorization(w.region("B")),),
            ),
        ),
        stores=(
            Store(w.party("SA"), "甲店", w.region("A"), *seat("A")),
            Store(w.party("SB"), "乙店", w.region("B"), *seat("B")),
            Store(w.party("SC"), "丙店", w.region("C"), *seat("C")),
        ),
        supplies=(
            Supply(w.party("plant"), w.party("X")),
            Supply(w.party("plant"), w.party("Y")),
            Supply(w.party("X"), w.party("SA")),
            Supply(w.party("X"), w.party("SB")),
        ),
    )


def _event(w: DiversionWorld, n: int, day: int, **fields: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventTime": w.at(day, 2 + n // 2).isoformat(),
        "eventTimeZoneOffset": "+00:00",
        "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{w.ns}/{n}')}",
    }
    event.update(fields)
    return event


def _ship(
    w: DiversionWorld, n: int, day: int, source: str, to: str, epcs: list[str]
) -> list[dict[str, Any]]:
    parties = {
        "sourceList": [{"type": "owning_party", "source": w.party(source)}],
        "destinationList": [{"type": "owning_party", "destination": w.party(to)}],
        "bizTransactionList": [{"type": "desadv", "bizTransaction": f"urn:yima:desadv:{w.ns}{n}"}],
    }
    return [
        _event(w, n, day, action="OBSERVE", bizStep="shipping", disposition="in_transit",
               epcList=epcs, bizLocation={"id": w.party(source)}, **parties),
        _event(w, n + 1, day + 1, action="OBSERVE", bizStep="receiving",
               disposition="in_progress", epcList=epcs, bizLocation={"id": w.party(to)},
               **parties),
    ]  # fmt: skip


def history(w: DiversionWorld) -> list[dict[str, Any]]:
    plant = w.party("plant")
    line = plant[:-1] + "1"
    pallets = [f"urn:epc:id:sscc:6901234.4{w.digits}{i}" for i in range(2)]
    events = [
        _event(w, 1, 1, action="ADD", bizStep="commissioning", disposition="active",
               epcList=w.units, readPoint={"id": line}, bizLocation={"id": plant},
               ilmd={"cbvmda:lotNumber": f"L{w.ns}"}),
    ]  # fmt: skip
    for i, case in enumerate(w.cases):
        events.append(
            _event(w, 10 + i, 1, type="AggregationEvent", action="ADD", bizStep="packing",
                   parentID=case, childEPCs=w.box(i))
        )  # fmt: skip
    for k, children in enumerate(([0, 1, 2, 5], [3, 4])):
        events.append(
            _event(w, 20 + k, 1, type="AggregationEvent", action="ADD", bizStep="packing",
                   parentID=pallets[k], childEPCs=[w.cases[i] for i in children])
        )  # fmt: skip
    events += _ship(w, 30, 2, "plant", "X", [pallets[0]])
    events += _ship(w, 32, 2, "plant", "Y", [pallets[1]])
    events.append(
        _event(w, 34, 3, type="AggregationEvent", action="DELETE", bizStep="unpacking",
               parentID=pallets[0], childEPCs=[], bizLocation={"id": w.party("X")})
    )  # fmt: skip
    events += _ship(w, 40, 4, "X", "SC", [w.cases[0], w.cases[1]])  # off contract
    events += _ship(w, 42, 4, "X", "SA", [w.cases[2]])
    events += _ship(w, 44, 4, "X", "SB", [w.cases[5]])  # contracted
    return events


def scans(w: DiversionWorld) -> dict[str, list[tuple[str, str, str, int]]]:
    """Scans by kind: (unit, consumer, region key, day)."""

    def spread(units: list[str], consumers: int, region: str, tag: str, day0: int) -> list[Any]:
        return [
            (u, f"urn:yima:consumer:{w.ns}{tag}{i % consumers}", region, day0 + i % 9)
            for i, u in enumerate(units)
        ]

    return {
        "off_contract": spread(w.box(0)[:10] + w.box(1)[:10], 6, "C", "c", 6),
        "vanished": spread(w.box(3)[:8] + w.box(4)[:7], 5, "D", "d", 7),
        "tourist": [(w.box(2)[5], f"urn:yima:consumer:{w.ns}t", "E", 12)],
        "contracted": spread(w.box(5)[:18], 6, "B", "b", 6),
        "home": spread(w.box(2)[:3], 3, "A", "a", 6),
    }


def load(db: Database, w: DiversionWorld) -> None:
    MasterDataRepository(db).save(master(w))
    capture = CaptureService(db)
    result = capture.capture_document(document(history(w)))
    assert not result.problems, result.problems
    events = []
    for kind, rows in scans(w).items():
        w.scans[kind] = []
        for n, (unit, consumer, region, day) in enumerate(rows):
            request = ScanRequest(
                code=unit, kind=ScanKind.CONSUMER, client_scan_id=f"{kind}{n}", actor=consumer,
                region=w.region(region),
            )  # fmt: skip
            event_id = scan_event_id(unit, request.client_scan_id)
            events.append(scan_event(unit, event_id, request, w.at(day, 12)))
            w.scans[kind].append(event_id)
    result = capture.capture_document(document(events))
    assert not result.problems, result.problems
