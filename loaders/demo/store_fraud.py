"""Store fraud of the demo world: planted fake-store rings and fake-order patterns beside honest
stores and their legitimate look-alikes.

:func:`store_fraud_world` makes, for ``stores`` stores in a few cities,

* honest independent stores: they order every three to six weeks (2-8 units), a distributor
  fulfils most orders with a shipment naming the order (``po``), consumers scan about half of
  what the store received, the store redeems some caps and its waiters scan caps of opened
  bottles the store received;
* legitimate look-alikes that share identity and behave like the honest ones: **chains** (5-12
  stores, one owner), **malls** (4-8 stores at one address and GPS spot, registered on the
  mall's opening day by one salesperson) and **families** (two shops sharing a phone);
* honest stores with one odd habit (slow sellers whose orders never sell through, stores that
  order in rebate-sized lots): noise a detector must not flag on one signal;
* planted **rings** of fake stores (3-10 stores) sharing identity in one of several ways
  (``phone``: one or two phone numbers; ``device``: one device runs them all; ``colocated``:
  registered at one GPS spot under different addresses; ``burst``: one salesperson registers
  them within days, each with its own identity; ``address``: one address) and misbehaving in two
  of several ways (``dead_orders``: orders shipped but never sold; ``over_redemption``: caps
  redeemed for units never received; ``staff_unreceived``: "staff" scanning caps of units the
  store never received; ``threshold``: orders just reaching, or split under, rebate
  thresholds; ``payout``: activity only in the days before the payout day);
* **lone** fake stores (a ring of one) with three of those behaviours.

What the graph is loaded from: master data (regions, a product, distributors, stores with owner,
registration and identity, staff, orders) and EPCIS events (shipments fulfilling orders, scans
by consumers, stores and staff), times in ``+08:00``. ``truth`` says what was planted; nothing
here detects anything.

>>> world = store_fraud_world(200, seed=3)
>>> len(world.master.stores), len(world.truth["rings"]) > 0
(200, True)
>>> sorted(world.truth["lookalikes"])
['chains', 'families', 'malls']
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from graph_model.master import (
    Distributor,
    MasterData,
    Order,
    Product,
    Region,
    Staff,
    Store,
    Supply,
)
from loaders.demo.epcis import EventIds, EventTimes, documents
from loaders.demo.world import CHINA_TZ
from loaders.regions import china_regions

__all__ = ["PATTERNS", "RING_KINDS", "StoreFraudWorld", "store_fraud_world"]

RING_KINDS: Final = ("phone", "device", "colocated", "burst", "address")
PATTERNS: Final = ("dead_orders", "over_redemption", "staff_unreceived", "threshold", "payout")
#: Rebate thresholds the fake orders play with (the detector's defaults).
THRESHOLDS: Final = (20, 50)
PAYOUT_DAY: Final = 25

_SCAN_STEP: Final = "https://ns.yima.dev/bizstep/scan"
_DAY: Final = 86_400
# Prefecture seats the demo's stores sit around: Shanghai, Guangzhou, Chengdu, Xi'an.
_CITIES: Final = ("310100", "440100", "510100", "610100")
_START: Final = datetime(2025, 1, 1, tzinfo=CHINA_TZ)
_DAYS: Final = 330  # orders in the first 270 days, so every order can be judged


@dataclass
class _Store:
    id: str
    name: str
    city: Region
    lat: float
    lon: float
    phone: str | None
    address: str
    device: str
    owner: str
    registered_at: datetime
    registered_by: str
    patterns: tuple[str, ...] = ()
    staff: list[Staff] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoreFraudWorld:
    """Master data, events in time order and the planted truth."""

    master: MasterData
    events: tuple[dict[str, Any], ...]
    truth: dict[str, Any]

    def documents(self, per_document: int = 500) -> Iterator[dict[str, Any]]:
        """The events as EPCIS documents."""
        return documents(iter(self.events), per_document)

    def fraud_stores(self) -> dict[str, str]:
        """Store -> planted ring, for every planted fake store."""
        return {s: ring for ring, r in self.truth["rings"].items() for s in r["stores"]}

    def write_truth(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.truth, indent=1, sort_keys=True), encoding="utf-8")


class _Builder:
    def __init__(
        self, stores: int, seed: int, namespace: str, order_gap: tuple[float, float]
    ) -> None:
        self.n = stores
        self.order_gap = order_gap
        self.rng = random.Random(f"yima-store-fraud:{seed}:{namespace}")
        digest = int(hashlib.sha256(f"{namespace}:{seed}".encode()).hexdigest(), 16)
        self.cp = f"7{digest % 100_000:05d}"  # 6-digit company prefix, 6-digit location refs
        self.tag = namespace or f"s{seed}"
        self.loc = 0
        self.serial = 0
        self.ids = EventIds(digest % 2**31)
        self.times = EventTimes()
        regions = {r.code: r for r in china_regions()}
        self.cities = [regions[c] for c in _CITIES]
        self.regions = tuple(
            {r.code: r for c in self.cities for r in (regions[c.parent_code or c.code], c)}.values()
        )
        self.product = Product.from_parts(self.cp, "000001", "Yima lager 500ml", "Yima")
        self.distributors = [
            Distributor(self._party(), f"{c.name} distributor", 3, c.code, c.lat, c.lon)
            for c in self.cities
        ]
        self.stores: list[_Store] = []
        self.orders: list[Order] = []
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.rings: dict[str, dict[str, Any]] = {}
        self.lookalikes: dict[str, list[list[str]]] = {"chains": [], "malls": [], "families": []}
        self.noise: dict[str, str] = {}

    # -- identities ---------------------------------------------------------------------

    def _party(self) -> str:
        self.loc += 1
        return f"urn:epc:id:sgln:{self.cp}.{self.loc:06d}.0"

    def _phone(self) -> str:
        return f"{self.tag}-1{self.rng.randrange(30, 90)}{self.rng.randrange(10**8):08d}"

    def _device(self) -> str:
        return f"{self.tag}-dev-{self.rng.randrange(16**10):010x}"

    def _person(self, role: str) -> str:
        return f"{self.tag}-{role}-{self.rng.randrange(10**6):06d}"

    def _address(self, city: Region) -> str:
        return f"{city.name} {self.rng.randrange(1, 999)} Road No. {self.rng.randrange(1, 300)}"

    def _spot(self, city: Region) -> tuple[float, float]:
        return (
            city.lat + self.rng.uniform(-0.15, 0.15),
            city.lon + self.rng.uniform(-0.15, 0.15),
        )

    def store(self, **given: Any) -> _Store:
        city = given.pop("city", None) or self.rng.choice(self.cities)
        lat, lon = given.pop("spot", None) or self._spot(city)
        at = given.pop("registered_at", None) or _START - timedelta(days=self.rng.uniform(30, 900))
        s = _Store(
            id=self._party(),
            name=given.pop("name", f"Store {self.loc}"),
            city=city,
            lat=lat,
            lon=lon,
            phone=given.pop("phone", self._phone()),
            address=given.pop("address", None) or self._address(city),
            device=given.pop("device", None) or self._device(),
            owner=given.pop("owner", None) or self._person("owner"),
            registered_at=at,
            registered_by=given.pop("registered_by", None) or self._person("sales"),
            patterns=tuple(given.pop("patterns", ())),
        )
        if given:
            raise TypeError(f"unknown store fields {sorted(given)}")
        for k in range(self.rng.randint(1, 3)):
            s.staff.append(
                Staff(
                    f"{s.id.split(':')[-1]}-staff-{k}",
                    s.id,
                    "manager" if k == 0 else "waiter",
                    phone=self._phone(),
                    device=s.device if k == 0 else None,
                )
            )
        self.stores.append(s)
        return s

    # -- behaviour ----------------------------------------------------------------------

    def _t(self, day: float) -> int:
        return int((_START + timedelta(days=day)).timestamp())

    def _payout_day(self, around: float) -> float:
        """A day in the three days up to the payout day of the month ``around`` falls in."""
        d = _START + timedelta(days=around)
        target = d.replace(day=PAYOUT_DAY) - timedelta(days=self.rng.choice((0, 1, 2)))
        return (target - _START).total_seconds() / _DAY + self.rng.uniform(0.3, 0.7)

    def _units(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            self.serial += 1
            out.append(self.product.sgtin(f"{self.tag}{self.serial}"))
        return out

    def _order(self, s: _Store, day: float, quantity: int) -> Order:
        distributor = next(d for d in self.distributors if d.region_code == s.city.code)
        at = datetime.fromtimestamp(self._t(day), CHINA_TZ)
        order = Order(
            f"urn:yima:po:{self.tag}:{len(self.orders) + 1}",
            s.id,
            distributor.id,
            self.product.gtin,
            quantity,
            at,
        )
        self.orders.append(order)
        return order

    def _ship(self, order: Order, day: float, units: list[str]) -> None:
        t = self._t(day)
        self.events.append(
            (
                t,
                {
                    "type": "ObjectEvent",
                    "eventTime": self.times(t),
                    "eventTimeZoneOffset": "+08:00",
                    "eventID": self.ids(),
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "epcList": units,
                    "sourceList": [{"type": "owning_party", "source": order.distributor_id}],
                    "destinationList": [{"type": "owning_party", "destination": order.store_id}],
                    "bizTransactionList": [
                        {"type": "desadv", "bizTransaction": f"{order.id}:desadv"},
                        {"type": "po", "bizTransaction": order.id},
                    ],
                },
            )
        )

    def _scan(self, day: float, unit: str, kind: str, actor: str | None = None) -> None:
        t = self._t(day)
        event = {
            "type": "ObjectEvent",
            "eventTime": self.times(t),
            "eventTimeZoneOffset": "+08:00",
            "eventID": self.ids(),
            "action": "OBSERVE",
            "bizStep": _SCAN_STEP,
            "epcList": [unit],
            "yima:scanKind": kind,
            "yima:clientScanId": f"{self.tag}-{len(self.events)}",
        }
        if actor is not None:
            event["yima:actor"] = actor
        self.events.append((t, event))

    def honest(self, s: _Store, odd: str | None = None) -> None:
        """Orders every three to six weeks; consumers buy about half of what arrives."""
        day = self.rng.uniform(0, 20)
        while day < _DAYS - 60:
            if odd == "threshold":
                quantity = self.rng.choice((20, 21, 50))
            else:
                quantity = self.rng.randint(2, 8)
            order = self._order(s, day, quantity)
            if self.rng.random() < 0.9:
                ship = day + self.rng.uniform(1, 4)
                units = self._units(quantity)
                self._ship(order, ship, units)
                for unit in units:
                    if odd != "slow" and self.rng.random() < 0.5:
                        sold = ship + self.rng.uniform(1, 30)
                        self._scan(sold, unit, "consumer")
                        if self.rng.random() < 0.3:
                            self._scan(sold, unit, "staff", self.rng.choice(s.staff).id)
                    elif self.rng.random() < 0.1:
                        self._scan(ship + self.rng.uniform(1, 30), unit, "store", s.id)
            day += self.rng.uniform(*self.order_gap)

    def fake(self, s: _Store) -> None:
        """A fake store's behaviour: two or three of :data:`PATTERNS`."""
        patterns = set(s.patterns)
        n = self.rng.randint(4, 8)
        days = sorted(self.rng.uniform(0, _DAYS - 70) for _ in range(n))
        if "payout" in patterns:
            days = [self._payout_day(d) for d in days]
        received: list[str] = []
        for day in days:
            if "threshold" in patterns:
                t = self.rng.choice(THRESHOLDS)
                if self.rng.random() < 0.5:
                    lots = [t + self.rng.choice((0, 0, 1))]
                else:
                    lots = [t - self.rng.choice((1, 2))] * 2
            else:
                lots = [self.rng.randint(3, 8)]
            for q in lots:
                order = self._order(s, day, q)
                units = self._units(q)
                ship = day + self.rng.uniform(0.5, 2)
                self._ship(order, ship, units)
                received.extend(units)
                if "dead_orders" not in patterns:
                    # someone scans a few to keep up appearances
                    for unit in units[: max(1, q // 3)]:
                        self._scan(ship + self.rng.uniform(1, 20), unit, "consumer")
        actor_days = days or [self.rng.uniform(0, _DAYS - 70)]
        if "over_redemption" in patterns:
            ghosts = self._units(len(received) + self.rng.randint(10, 30))
            for unit in ghosts:
                day = self.rng.choice(actor_days) + self.rng.uniform(0, 1)
                self._scan(day, unit, "store", s.id)
        if "staff_unreceived" in patterns:
            ghosts = self._units(self.rng.randint(8, 30))
            for unit in ghosts:
                day = self.rng.choice(actor_days) + self.rng.uniform(0, 1)
                self._scan(day, unit, "staff", self.rng.choice(s.staff).id)

    # -- the world ----------------------------------------------------------------------

    def plant_rings(self, budget: int) -> None:
        k = 0
        while budget >= 3:
            size = min(budget, self.rng.randint(3, 10))
            kind = RING_KINDS[k % len(RING_KINDS)]
            patterns = tuple(self.rng.sample(PATTERNS, 2))
            city = self.rng.choice(self.cities)
            shared: dict[str, Any] = {"city": city}
            seller = self._person("sales")
            base = _START - timedelta(days=self.rng.uniform(30, 300))
            phones = [self._phone() for _ in range(2)]
            device = self._device()
            spot = self._spot(city)
            address = self._address(city)
            ring = f"ring-{k}"
            members = []
            for i in range(size):
                given = dict(shared, patterns=patterns)
                if kind == "phone":
                    given["phone"] = phones[i % 2]
                elif kind == "device":
                    given["device"] = device
                elif kind == "colocated":
                    given["spot"] = (
                        spot[0] + self.rng.uniform(-5e-5, 5e-5),
                        spot[1] + self.rng.uniform(-5e-5, 5e-5),
                    )
                elif kind == "burst":
                    given["registered_by"] = seller
                    given["registered_at"] = base + timedelta(hours=self.rng.uniform(0, 48))
                else:
                    given["address"] = address
                s = self.store(**given)
                if kind == "phone":  # the manager's phone is the ring's other number
                    manager = s.staff[0]
                    s.staff[0] = Staff(manager.id, s.id, manager.role, phones[(i + 1) % 2])
                members.append(s.id)
            self.rings[ring] = {"kind": kind, "patterns": list(patterns), "stores": members}
            budget -= size
            k += 1

    def plant_lone(self, count: int) -> None:
        for k in range(count):
            patterns = tuple(self.rng.sample(PATTERNS, 3))
            s = self.store(patterns=patterns)
            self.rings[f"lone-{k}"] = {"kind": "lone", "patterns": list(patterns), "stores": [s.id]}

    def plant_lookalikes(self, chains: int, malls: int, families: int) -> None:
        while chains >= 5:
            size = min(chains, self.rng.randint(5, 12))
            owner = self._person("owner")
            self.lookalikes["chains"].append(
                [self.store(owner=owner, name=f"Chain {owner[-4:]} #{i}").id for i in range(size)]
            )
            chains -= size
        while malls >= 4:
            size = min(malls, self.rng.randint(4, 8))
            city = self.rng.choice(self.cities)
            spot = self._spot(city)
            address = self._address(city) + " Plaza"
            seller = self._person("sales")
            opened = _START - timedelta(days=self.rng.uniform(30, 600))
            members = []
            for _ in range(size):
                here = (
                    spot[0] + self.rng.uniform(-8e-5, 8e-5),
                    spot[1] + self.rng.uniform(-8e-5, 8e-5),
                )
                s = self.store(
                    city=city,
                    spot=here,
                    address=address,
                    registered_by=seller,
                    registered_at=opened + timedelta(hours=self.rng.uniform(0, 8)),
                )
                members.append(s.id)
            self.lookalikes["malls"].append(members)
            malls -= size
        for _ in range(families):
            phone = self._phone()
            self.lookalikes["families"].append([self.store(phone=phone).id for _ in range(2)])

    def build(self) -> StoreFraudWorld:
        n = self.n
        self.plant_rings(max(3, round(n * 0.08)))
        self.plant_lone(max(1, n // 100))
        self.plant_lookalikes(round(n * 0.12), round(n * 0.08), max(1, round(n * 0.015)))
        while len(self.stores) < n:
            s = self.store()
            if self.rng.random() < 0.04:
                self.noise[s.id] = self.rng.choice(("slow", "threshold"))
        del self.stores[n:]
        kept = {s.id for s in self.stores}
        for groups in self.lookalikes.values():
            groups[:] = [[x for x in g if x in kept] for g in groups]
            groups[:] = [g for g in groups if len(g) >= 2]
        for ring in list(self.rings):
            self.rings[ring]["stores"] = [x for x in self.rings[ring]["stores"] if x in kept]
            if not self.rings[ring]["stores"]:
                del self.rings[ring]
        for s in self.stores:
            if s.patterns:
                self.fake(s)
            else:
                self.honest(s, self.noise.get(s.id))
        self.events.sort(key=lambda x: x[0])
        return StoreFraudWorld(self._master(), tuple(e for _, e in self.events), self._truth())

    def _master(self) -> MasterData:
        stores = tuple(
            Store(
                s.id,
                s.name,
                s.city.code,
                round(s.lat, 6),
                round(s.lon, 6),
                phone=s.phone,
                address=s.address,
                device=s.device,
                owner=s.owner,
                registered_at=s.registered_at,
                registered_by=s.registered_by,
            )
            for s in self.stores
        )
        supplies = tuple(
            Supply(next(d.id for d in self.distributors if d.region_code == s.city.code), s.id)
            for s in self.stores
        )
        return MasterData(
            regions=self.regions,
            products=(self.product,),
            distributors=tuple(self.distributors),
            stores=stores,
            supplies=supplies,
            staff=tuple(x for s in self.stores for x in s.staff),
            orders=tuple(self.orders),
        )

    def _truth(self) -> dict[str, Any]:
        return {
            "rings": self.rings,
            "lookalikes": self.lookalikes,
            "noise": self.noise,
            "thresholds": list(THRESHOLDS),
            "payoutDay": PAYOUT_DAY,
        }


def store_fraud_world(
    stores: int = 400,
    seed: int = 7,
    namespace: str = "",
    *,
    order_gap_days: tuple[float, float] = (20.0, 45.0),
) -> StoreFraudWorld:
    """A world of ``stores`` stores with planted store fraud (see the module docstring).

    ``namespace`` makes every id and identity value unique to it (tests share one database);
    honest stores order every ``order_gap_days`` (about eight orders a store by default, ten
    with ``(15, 36)``); the same arguments give the same world.
    """
    if stores < 50:
        raise ValueError(f"stores must be at least 50, got {stores}")
    low, high = order_gap_days
    if not 0 < low <= high:
        raise ValueError(f"order_gap_days must be 0 < low <= high, got {order_gap_days}")
    return _Builder(stores, seed, namespace, (low, high)).build()
