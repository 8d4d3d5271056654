"""A scan-to-win campaign world with planted scan fraud among organic behaviour.

Units are commissioned and packed twelve to a case at the world's plant; each case is shipped
to the world's distributor in the city it is sold in (:attr:`CampaignWorld.master` holds the
plant, the distributors, the product and their regions), so scan rates can be read. Organic
consumers scan what they bought from home, now and then a family shares a tablet, a
consumer scans a few bottles in a row, travels and scans elsewhere a day later, or gives a
bottle that its new owner scans. Planted among them, each scan labelled with its kind:

- ``device_farm``: one phone switching between many accounts, each scanning a few codes
  bought in the farm's city, in quick succession;
- ``copied_codes``: a script scanning whole cases copied from a warehouse, a new account
  and device every few scans and a spoofed GPS point anywhere in the country;
- ``recycled_caps``: caps collected after genuine scans and scanned again days later;
- ``impossible_travel``: one account used from several cities within the hour.

The truth is for measuring risk control only; nothing of it is stored in the graph.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from graph_model.campaigns import CampaignSpec, PrizeLevelSpec
from graph_model.master import Distributor, MasterData, Plant, Product
from loaders.regions.china import china_regions
from loaders.regions.lookup import region_of_point

__all__ = ["CampaignWorld", "PlantedScan", "campaign_world"]

#: City seats (lat, lon) the world's consumers live in and scripts spoof.
CITIES: Final = (
    (31.23, 121.47),  # Shanghai
    (39.90, 116.40),  # Beijing
    (23.13, 113.26),  # Guangzhou
    (30.57, 104.07),  # Chengdu
    (32.06, 118.80),  # Nanjing
    (30.27, 120.15),  # Hangzhou
    (34.34, 108.94),  # Xi'an
    (29.56, 106.55),  # Chongqing
    (36.07, 120.38),  # Qingdao
    (22.54, 114.06),  # Shenzhen
    (28.23, 112.94),  # Changsha
    (45.80, 126.53),  # Harbin
)
CASE_SIZE: Final = 12
COMPANY: Final = "6901234"
FRAUD_KINDS: Final = ("device_farm", "copied_codes", "recycled_caps", "impossible_travel")


@dataclass(frozen=True, slots=True)
class PlantedScan:
    code: str
    actor: str
    device: str
    lat: float
    lon: float
    at: datetime
    client_scan_id: str
    fraud: str | None = None


@dataclass
class CampaignWorld:
    tag: str
    gtin: str
    campaign: CampaignSpec
    events: list[dict[str, Any]] = field(default_factory=list)
    scans: list[PlantedScan] = field(default_factory=list)
    master: MasterData = field(default_factory=MasterData)
    #: Each case's units and the distributor it was shipped to.
    shipments: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def documents(self, size: int = 500) -> Iterator[dict[str, Any]]:
        """The commissioning and packing events as EPCIS documents."""
        for i in range(0, len(self.events), size):
            yield {
                "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": self.campaign.start.isoformat(),
                "epcisBody": {"eventList": self.events[i : i + size]},
            }

    def truth(self) -> dict[str, Any]:
        """Every scan's client scan ID with its planted kind (``null``: organic)."""
        return {
            "campaign": self.campaign.id,
            "scans": [{"clientScanId": s.client_scan_id, "fraud": s.fraud} for s in self.scans],
        }


class _Builder:
    def __init__(self, seed: int, tag: str, now: datetime) -> None:
        self.rng = random.Random(f"yima-campaign-world:{seed}:{tag}")
        self.tag = tag
        digits = str(int(hashlib.sha256(tag.encode()).hexdigest(), 16))[:5]
        self.item = "0" + digits
        self.sscc_base = "3" + digits
        self.cases: list[list[str]] = []
        self.plant = f"urn:epc:id:sgln:{COMPANY}.{digits[:3]}00.0"
        self.shipments: list[tuple[tuple[str, ...], str]] = []
        self.events: list[dict[str, Any]] = []
        self.scans: list[PlantedScan] = []
        self.start = now - timedelta(days=10)
        self.now = now

    def distributor(self, city: int) -> str:
        return f"urn:epc:id:sgln:{COMPANY}.{self.sscc_base[1:4]}{city + 1:02d}.0"

    def case(self, city: int) -> list[str]:
        """A new case of units, made at the plant and shipped to ``city``'s distributor."""
        n = len(self.cases)
        units = [
            f"urn:epc:id:sgtin:{COMPANY}.{self.item}.{self.tag}c{n}u{i}" for i in range(CASE_SIZE)
        ]
        sscc = f"urn:epc:id:sscc:{COMPANY}.{self.sscc_base}{n:04d}"
        t = (self.start - timedelta(days=5)).isoformat()
        base = {"eventTime": t, "eventTimeZoneOffset": "+00:00"}
        self.events.append(
            {
                "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
                "disposition": "active", "epcList": units,
                "eventID": f"urn:uuid:{_uuid(self.tag, 'c', n)}",
                "bizLocation": {"id": self.plant},
                "ilmd": {"cbvmda:lotNumber": f"L{self.tag}"}, **base,
            }
        )  # fmt: skip
        self.events.append(
            {
                "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
                "parentID": sscc, "childEPCs": units,
                "eventID": f"urn:uuid:{_uuid(self.tag, 'p', n)}", **base,
            }
        )  # fmt: skip
        to = self.distributor(city)
        self.events.append(
            {
                "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
                "disposition": "in_transit", "epcList": [sscc],
                "bizLocation": {"id": self.plant},
                "sourceList": [{"type": "owning_party", "source": self.plant}],
                "destinationList": [{"type": "owning_party", "destination": to}],
                "bizTransactionList": [
                    {"type": "desadv", "bizTransaction": f"urn:yima:desadv:{self.tag}-{n}"}
                ],
                "eventID": f"urn:uuid:{_uuid(self.tag, 's', n)}",
                "eventTime": (self.start - timedelta(days=4)).isoformat(),
                "eventTimeZoneOffset": "+00:00",
            }
        )  # fmt: skip
        self.cases.append(units)
        self.shipments.append((tuple(units), to))
        return list(units)

    def at(self, lo: float = 0.0, hi: float = 1.0) -> datetime:
        span = (self.now - timedelta(hours=2) - self.start).total_seconds()
        return self.start + timedelta(seconds=span * self.rng.uniform(lo, hi))

    def near(self, city: tuple[float, float], spread: float = 0.05) -> tuple[float, float]:
        return (city[0] + self.rng.gauss(0, spread), city[1] + self.rng.gauss(0, spread))

    def scan(
        self, code: str, actor: str, device: str, place: tuple[float, float], at: datetime,
        fraud: str | None,
    ) -> PlantedScan:  # fmt: skip
        made = PlantedScan(
            code, actor, device, round(place[0], 5), round(place[1], 5), at,
            f"{self.tag}-s{len(self.scans)}", fraud,
        )  # fmt: skip
        self.scans.append(made)
        return made


def _uuid(tag: str, kind: str, n: int) -> str:
    h = hashlib.sha256(f"{tag}|{kind}|{n}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _organic(b: _Builder, consumers: int) -> list[PlantedScan]:
    rng = b.rng
    scans: list[PlantedScan] = []
    city_stock: dict[int, list[str]] = {}
    for c in range(consumers):
        city_index = rng.randrange(len(CITIES))
        home = b.near(CITIES[city_index])
        actor = f"{b.tag}-c{c}"
        # A family shares a tablet with the consumer before them now and then.
        device = f"{b.tag}-dev{c - 1}" if c and rng.random() < 0.08 else f"{b.tag}-dev{c}"
        stock = city_stock.setdefault(city_index, [])
        bought = rng.choice((1, 1, 2, 2, 3, 4))
        party = rng.random() < 0.05  # a few bottles scanned in a row
        first = b.at(0.0, 0.9)
        for k in range(bought + (3 if party else 0)):
            if not stock:
                stock.extend(b.case(city_index))
            code = stock.pop()
            at = first + (
                timedelta(minutes=2 * k) if party else timedelta(days=rng.uniform(0, 3) * k)
            )
            at = min(at, b.now - timedelta(hours=2))
            scans.append(b.scan(code, actor, device, b.near(home, 0.01), at, None))
        if rng.random() < 0.03:  # a trip: a scan in another city a day or more later
            if not stock:
                stock.extend(b.case(city_index))
            away = b.near(CITIES[(city_index + 1) % len(CITIES)], 0.01)
            later = min(scans[-1].at + timedelta(days=1 + rng.random()), b.now - timedelta(hours=2))
            scans.append(b.scan(stock.pop(), actor, device, away, later, None))
    # A gift: a bottle another consumer scanned first, scanned again by its new owner.
    for s in rng.sample(scans, min(len(scans), max(1, len(scans) // 300))):
        friend = f"{s.actor}-friend"
        later = min(s.at + timedelta(days=2), b.now - timedelta(hours=1))
        scans.append(b.scan(s.code, friend, f"{friend}-dev", (s.lat, s.lon), later, None))
    return scans


def _device_farm(b: _Builder, n: int, accounts: int, per_account: int) -> None:
    rng = b.rng
    city_index = rng.randrange(len(CITIES))
    place = b.near(CITIES[city_index])
    device = f"{b.tag}-farm{n}"
    at = b.at(0.1, 0.8)
    stock: list[str] = []
    for a in range(accounts):
        for _ in range(per_account):
            if not stock:
                stock = b.case(city_index)
            at += timedelta(seconds=rng.uniform(20, 70))
            b.scan(
                stock.pop(),
                f"{b.tag}-farm{n}-a{a}",
                device,
                b.near(place, 0.002),
                at,
                "device_farm",
            )


def _copied_codes(b: _Builder, n: int, cases: int) -> None:
    rng = b.rng
    at = b.at(0.1, 0.8)
    account = 0
    for _ in range(cases):
        for code in b.case(rng.randrange(len(CITIES))):
            at += timedelta(seconds=rng.uniform(30, 90))
            who = f"{b.tag}-bot{n}-{account // 3}"
            spoofed = b.near(CITIES[rng.randrange(len(CITIES))], 0.2)
            b.scan(code, who, f"{who}-dev", spoofed, at, "copied_codes")
            account += 1


def _recycled_caps(b: _Builder, n: int, caps: int, organic: list[PlantedScan]) -> None:
    rng = b.rng
    collector = f"{b.tag}-collector{n}"
    place = b.near(CITIES[rng.randrange(len(CITIES))])
    earliest = [s for s in organic if s.at < b.now - timedelta(days=2)]
    at = b.now - timedelta(hours=20)
    for s in rng.sample(earliest, min(caps, len(earliest))):
        at += timedelta(minutes=rng.uniform(3, 20))
        b.scan(s.code, collector, f"{collector}-dev{rng.randrange(3)}", place, at, "recycled_caps")


def _impossible_travel(b: _Builder, n: int, scans: int) -> None:
    rng = b.rng
    actor = f"{b.tag}-shared{n}"
    at = b.at(0.1, 0.8)
    stock = b.case(n % len(CITIES))
    for k in range(scans):
        city = CITIES[(n + 5 * k) % len(CITIES)]
        at += timedelta(minutes=rng.uniform(10, 40))
        b.scan(stock.pop(), actor, f"{actor}-dev{k}", b.near(city, 0.01), at, "impossible_travel")


def campaign_world(
    seed: int,
    tag: str,
    *,
    consumers: int = 300,
    farms: int = 1,
    farm_accounts: int = 20,
    copied_cases: int = 5,
    recycled: int = 20,
    travellers: int = 4,
    now: datetime | None = None,
) -> CampaignWorld:
    """The world for ``seed``; ``tag`` (letters and digits) makes its ids its own."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    b = _Builder(seed, tag, now)
    organic = _organic(b, consumers)
    for n in range(farms):
        _device_farm(b, n, farm_accounts, 4)
    for n in range((copied_cases + 4) // 5):
        _copied_codes(b, n, min(5, copied_cases - 5 * n))
    _recycled_caps(b, 0, recycled, organic)
    for n in range(travellers):
        _impossible_travel(b, n, 6)
    gtin_body = COMPANY + b.item[1:]
    gtin = "0" + gtin_body + _check_digit("0" + gtin_body)
    campaign = CampaignSpec(
        id=f"{tag}-scan-to-win",
        name="Scan to win",
        start=b.start - timedelta(hours=1),
        end=now + timedelta(days=1),
        budget=100_000.0,
        levels=(
            PrizeLevelSpec("first", 20, 88.0, 0.01, 100),
            PrizeLevelSpec("second", 200, 8.8, 0.1, 20),
            PrizeLevelSpec("thanks", 5_000, 0.5, 0.5, 5),
        ),
        products=(gtin,),
    )
    world = CampaignWorld(tag, gtin, campaign, b.events)
    world.scans = sorted(b.scans, key=lambda s: s.at)
    world.shipments = b.shipments
    world.master = _master(b, gtin, world.scans)
    return world


def _master(b: _Builder, gtin: str, scans: Sequence[PlantedScan]) -> MasterData:
    """The plant, the city distributors and the product, with the regions they and the
    scans are in (so a scan's prefecture reads back with its province)."""
    seats = [region_of_point(*city).code for city in CITIES]
    known = {r.code: r for r in china_regions()}
    placed = set(seats) | {region_of_point(s.lat, s.lon).code for s in scans}
    codes = placed | {known[c].parent_code for c in placed if known[c].parent_code}
    lat, lon = CITIES[0]
    return MasterData(
        regions=tuple(r for r in known.values() if r.code in codes and r.level == "province")
        + tuple(r for r in known.values() if r.code in codes and r.level != "province"),
        plants=(Plant(b.plant, f"{b.tag} plant", seats[0], lat, lon),),
        products=(Product(gtin, f"扫码赢 {b.tag}", "yima", COMPANY),),
        distributors=tuple(
            Distributor(b.distributor(i), f"{b.tag} distributor {i + 1}", 2, seats[i], *city)
            for i, city in enumerate(CITIES)
        ),
    )


def _check_digit(body: str) -> str:
    """The GS1 check digit of a GTIN's first 13 digits.

    >>> _check_digit("0690123412345")
    '6'
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)
