"""A small hand-built world of store fraud, unique to one test's prefix.

One distributor in Shanghai and fourteen stores:

* a ring of three fake stores (R0-R2) on one phone number: they order, a shipment fulfils
  each order, no consumer ever scans what arrived, and their staff scan caps of units the
  stores never received;
* a chain of four honest stores (C0-C3) under one owner;
* a mall of three honest stores (M0-M2) at one address and one GPS spot;
* a family's two honest shops (F0, F1) sharing a phone;
* two honest independent stores (I0, I1).

Honest stores order every month, consumers scan most of what arrives, waiters scan caps of
units their store received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from graph_model.database import Database
from graph_model.master import (
    Distributor,
    MasterData,
    Order,
    Product,
    Region,
    Staff,
    Store,
)
from graph_model.repositories.master_data import MasterDataRepository
from loaders.regions import china_regions
from services.capture import CaptureService
from tests.factories import document

TZ = timezone(timedelta(hours=8))
START = datetime(2024, 1, 3, 10, tzinfo=TZ)
SCAN = "https://ns.yima.dev/bizstep/scan"
RING = ("R0", "R1", "R2")
CHAIN = ("C0", "C1", "C2", "C3")
MALL = ("M0", "M1", "M2")
FAMILY = ("F0", "F1")
HONEST = CHAIN + MALL + FAMILY + ("I0", "I1")


@dataclass
class FraudWorld:
    ns: str

    @property
    def cp(self) -> str:
        return "8" + str(int(self.ns[1:], 16) % 10**6).zfill(6)  # 7 digits

    def party(self, key: str) -> str:
        keys = ("D", *RING, *HONEST)
        return f"urn:epc:id:sgln:{self.cp}.{keys.index(key) + 1:05d}.0"

    def staff(self, key: str) -> str:
        return f"{self.ns}-{key}-waiter"

    def value(self, what: str) -> str:
        return f"{self.ns}-{what}"

    @property
    def product(self) -> Product:
        return Product.from_parts(self.cp, "00001", "Lager", "Yima")


def _stores(w: FraudWorld) -> list[Store]:
    stores = []
    shift = int(w.ns[1:], 16) % 997 * 0.0004  # each test's world stands somewhere else
    for i, key in enumerate(RING + HONEST):
        lat, lon = 30.8 + shift + 0.01 * i, 121.2 + 0.01 * i
        identity: dict[str, Any] = {
            "phone": w.value(f"tel-{key}"),
            "device": w.value(f"dev-{key}"),
            "address": w.value(f"addr-{key}"),
            "owner": w.value(f"owner-{key}"),
        }
        if key in RING:
            identity["phone"] = w.value("tel-ring")
        if key in CHAIN:
            identity["owner"] = w.value("owner-chain")
        if key in MALL:
            identity["address"] = w.value("addr-mall")
            lat, lon = 30.9 + shift + 0.00005 * i, 121.5
        if key in FAMILY:
            identity["phone"] = w.value("tel-family")
        stores.append(
            Store(
                w.party(key),
                f"{w.ns} {key}",
                "310100",
                lat,
                lon,
                registered_at=START - timedelta(days=200 + i),
                registered_by=w.value(f"sales-{i}"),
                **identity,
            )
        )
    return stores


def master(w: FraudWorld) -> MasterData:
    regions = {r.code: r for r in china_regions()}
    distributor = Distributor(w.party("D"), f"{w.ns} dealer", 3, "310100", 31.2, 121.4)
    staff = tuple(Staff(w.staff(k), w.party(k), "waiter") for k in RING + HONEST)
    orders = tuple(
        Order(
            w.value(f"po-{k}-{m}"),
            w.party(k),
            distributor.id,
            w.product.gtin,
            6,
            START + timedelta(days=30 * m),
        )
        for k in RING + HONEST
        for m in range(5)
    )
    region: tuple[Region, ...] = (regions["310000"], regions["310100"])
    return MasterData(
        regions=region,
        products=(w.product,),
        distributors=(distributor,),
        stores=tuple(_stores(w)),
        staff=staff,
        orders=orders,
    )


def _event(at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": at.isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        **fields,
    }


def events(w: FraudWorld) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    serial = 0
    for k in RING + HONEST:
        for m in range(5):
            at = START + timedelta(days=30 * m + 2)
            units = []
            for _ in range(6):
                serial += 1
                units.append(w.product.sgtin(f"{w.ns}{serial}"))
            out.append(
                _event(
                    at,
                    bizStep="shipping",
                    epcList=units,
                    sourceList=[{"type": "owning_party", "source": w.party("D")}],
                    destinationList=[{"type": "owning_party", "destination": w.party(k)}],
                    bizTransactionList=[
                        {"type": "desadv", "bizTransaction": w.value(f"desadv-{k}-{m}")},
                        {"type": "po", "bizTransaction": w.value(f"po-{k}-{m}")},
                    ],
                )
            )
            if k in RING:
                scanned = []
                for _ in range(4):
                    serial += 1
                    scanned.append(w.product.sgtin(f"{w.ns}{serial}"))  # never received
            else:
                scanned = units[:2]
                for unit in units[:5]:
                    out.append(
                        _event(
                            at + timedelta(days=3),
                            bizStep=SCAN,
                            epcList=[unit],
                            **{"yima:scanKind": "consumer"},
                        )
                    )
            for unit in scanned:
                out.append(
                    _event(
                        at + timedelta(days=4),
                        bizStep=SCAN,
                        epcList=[unit],
                        **{"yima:scanKind": "staff", "yima:actor": w.staff(k)},
                    )
                )
    for i, e in enumerate(out):
        e["eventID"] = f"urn:uuid:{w.ns[1:9]}-0000-4000-8000-{i:012d}"
    return out


def load(db: Database, w: FraudWorld) -> None:
    MasterDataRepository(db).save(master(w))
    result = CaptureService(db).capture_document(document(events(w)))
    if result.problems:
        raise AssertionError(result.problems[:3])
