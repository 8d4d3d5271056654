"""Diversions (窜货) planted in the demo world, with travellers and legitimate supply as noise.

:class:`DiversionPlanter` picks dealers (city and provincial distributors, the larger ones
first so that every planted diversion moves goods) and, for each, a far destination outside
its territory, and plants one of two leak mechanisms:

``off_contract_shipment``
    a route from the dealer to a store it has no contract with, in another region (a store
    of another dealer's city, or a new store in a city outside the network): the shipments
    are recorded, the store sells the goods and its customers scan them there;
``unrecorded_transfer``
    a route to an outlet off the books: the shipping and receiving events, the outlet's
    unpacking, sales and store scans are dropped from the stream, so the goods vanish from
    the dealer's records after their receipt and surface only as consumer scans far away.

Dealers divert different shares of their goods (``share_range``) to different regions; one
region receives the goods of two dealers, as grey-market hubs do. Noise that a detector must
not raise:

* travellers: a share of ordinary consumer scans moved to a far city in another province
  (one unit, one consumer each);
* legitimate cross-territory supply: a contracted ``SUPPLIES`` link from a dealer to a new
  store in the nearest city outside its territory, and a grant of every product to a dealer
  for the nearest such city of its own (an ``AUTHORIZED_IN`` with products) with a store
  there.

:meth:`DiversionPlanter.ground_truth` lists the planted cases (distributor, region,
mechanism, units, shipments, scans and the window of their scans, as observed while the
stream passed) and the noise.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from graph_model.identifiers.gs1 import sgln_urn
from graph_model.master import Authorization, Consumer, Distributor, Region, Store, Supply
from loaders.demo.catalog import ROADS, STORE_KINDS, STORE_WORDS
from loaders.demo.epcis import SCAN_BIZ_STEP
from loaders.demo.world import Route, World
from loaders.regions import RegionIndex

__all__ = ["DiversionPlanter", "Mechanism", "PlannedDiversion", "PlannedSupply"]

Event = dict[str, Any]
Mechanism = Literal["off_contract_shipment", "unrecorded_transfer"]
SupplyKind = Literal["contracted_supply", "product_grant"]

# Mainland China: the SARs and Taiwan have their own distribution (as in the network).
_OUTSIDE_MAINLAND: Final = frozenset({"710000", "810000", "820000"})
_MIN_CASES: Final = 3.0  # a planted diversion moves at least this many cases, on average
_MAX_SHARE: Final = 0.35
_CASE_UNITS: Final = 24
_SCANNED_SHARE: Final = 0.26  # sold (88 %) and scanned (30 %): ScanPolicy and FlowPolicy defaults


@dataclass(frozen=True, slots=True)
class PlannedDiversion:
    """A dealer sending ``share`` of its goods to ``destination_id`` in ``region_code``."""

    distributor_id: str
    region_code: str
    destination_id: str
    mechanism: Mechanism
    share: float


@dataclass(frozen=True, slots=True)
class PlannedSupply:
    """Legitimate supply from a dealer to ``store_id`` outside its home territory."""

    distributor_id: str
    region_code: str
    store_id: str
    kind: SupplyKind
    share: float


@dataclass(slots=True)
class _Observed:
    """What the stream showed of one planted diversion."""

    cases: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    shipments: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None


class DiversionPlanter:
    """Plants diversions, travellers and legitimate cross-territory supply.

    Parameters
    ----------
    diversions
        How many diversions to plant (dealer × destination), mechanisms alternating.
    legitimate
        How many legitimate cross-territory supplies (0, 1 or 2: a contract, then a grant).
    traveller_share
        Share of ordinary consumer scans made by travellers in a far city.
    share_range
        Share of a dealer's outbound goods diverted, drawn per diversion.
    min_km
        Least distance from the dealer to a diversion's or traveller's destination.
    consumers_per_city
        Consumers added to each city of a new store where none live: at least this many, and
        one per three scans the store's goods are expected to get (as in the plain world).

    Examples
    --------
    >>> from loaders.demo import build_world, simulate
    >>> planter = DiversionPlanter(diversions=2, legitimate=1)
    >>> world = build_world(20_000, 3, planters=[planter])
    >>> _ = sum(1 for _ in simulate(world, 3, planters=[planter]))
    >>> truth = planter.ground_truth()
    >>> [c["mechanism"] for c in truth["cases"]], truth["noise"]["legitimate"][0]["kind"]
    (['off_contract_shipment', 'unrecorded_transfer'], 'contracted_supply')
    """

    name = "diversion"

    def __init__(
        self,
        *,
        diversions: int = 8,
        legitimate: int = 2,
        traveller_share: float = 0.01,
        share_range: tuple[float, float] = (0.04, 0.15),
        min_km: float = 400.0,
        consumers_per_city: int = 40,
    ) -> None:
        if diversions < 0 or not 0 <= legitimate <= 2:
            raise ValueError(
                f"diversions must be >= 0 and legitimate 0-2, got {diversions}, {legitimate}"
            )
        if not 0 <= traveller_share < 1:
            raise ValueError(f"traveller_share must lie in [0, 1), got {traveller_share}")
        low, high = share_range
        if not 0 < low <= high <= _MAX_SHARE:
            raise ValueError(f"share_range must satisfy 0 < low <= high <= 0.35, got {share_range}")
        self.diversions = diversions
        self.legitimate = legitimate
        self.traveller_share = traveller_share
        self.share_range = share_range
        self.min_km = min_km
        self.consumers_per_city = consumers_per_city
        self.plans: tuple[PlannedDiversion, ...] = ()
        self.supplies: tuple[PlannedSupply, ...] = ()
        self._observed: list[_Observed] = []
        self._travellers: list[dict[str, str]] = []

    # -- the world ------------------------------------------------------------------------

    def plant_world(self, world: World, rng: random.Random) -> World:
        """Add the diversion routes, the new stores and their consumers, and the legitimate
        contracts and grants."""
        return _WorldPlan(self, world, rng).build()

    # -- the stream -----------------------------------------------------------------------

    def plant_events(
        self, events: Iterator[Event], world: World, rng: random.Random
    ) -> Iterator[Event]:
        """Drop the unrecorded transfers' events, move travellers' scans, and note what was
        planted as it passes."""
        if self.diversions and not self.plans:
            raise RuntimeError("plant_events needs the world of this planter's plant_world")
        return self._stream(events, world, rng)

    def _stream(self, events: Iterator[Event], world: World, rng: random.Random) -> Iterator[Event]:
        self._observed = [_Observed() for _ in self.plans]
        self._travellers = []
        route = {(p.distributor_id, p.destination_id): i for i, p in enumerate(self.plans)}
        outlets = {p.destination_id for p in self.plans if p.mechanism == "unrecorded_transfer"}
        destinations = {p.destination_id for p in self.plans}
        planted_cases: dict[str, int] = {}
        planted_units: dict[str, int] = {}
        cities = _Cities(world, self.min_km)
        for e in events:
            step = e.get("bizStep")
            if step == SCAN_BIZ_STEP:
                unit, actor = e["epcList"][0], e["yima:actor"]
                if actor in outlets:
                    continue
                k = planted_units.get(unit)
                if k is not None:
                    self._saw_scan(k, e)
                elif e["yima:scanKind"] == "consumer" and rng.random() < self.traveller_share:
                    e = self._traveller(e, cities, rng)
            elif step in ("shipping", "receiving"):
                key = (e["sourceList"][0]["source"], e["destinationList"][0]["destination"])
                k = route.get(key)
                if k is not None:
                    seen = self._observed[k]
                    if step == "shipping":
                        seen.shipments.append(e["eventID"])
                        seen.cases.extend(e["epcList"])
                        planted_cases.update(dict.fromkeys(e["epcList"], k))
                    else:
                        seen.receipts.append(e["eventID"])
                    if key[1] in outlets:
                        continue
            elif step == "unpacking" and e["bizLocation"]["id"] in destinations:
                k = planted_cases.get(e["parentID"], -1)
                if k >= 0:
                    self._observed[k].units.extend(e["childEPCs"])
                    planted_units.update(dict.fromkeys(e["childEPCs"], k))
                if e["bizLocation"]["id"] in outlets:
                    continue
            elif step == "retail_selling" and e["bizLocation"]["id"] in outlets:
                continue
            yield e

    def _saw_scan(self, k: int, e: Event) -> None:
        if e["yima:scanKind"] != "consumer":
            return
        seen = self._observed[k]
        seen.scans.append(e["eventID"])
        seen.first = seen.first or e["eventTime"]
        seen.last = e["eventTime"]

    def _traveller(self, e: Event, cities: _Cities, rng: random.Random) -> Event:
        home = e["yima:region"]
        city = cities.far_from(home, rng)
        if city is None:
            return e
        moved = dict(e)
        moved["yima:region"] = city.code
        moved["yima:lat"] = round(city.lat + rng.uniform(-0.05, 0.05), 5)
        moved["yima:lon"] = round(city.lon + rng.uniform(-0.05, 0.05), 5)
        self._travellers.append(
            {"scan": e["eventID"], "unit": e["epcList"][0], "home": home, "region": city.code}
        )
        return moved

    # -- the answer -----------------------------------------------------------------------

    def ground_truth(self) -> dict[str, Any]:
        """The planted cases and the noise, as JSON-ready data.

        A case's ``units`` (and ``unit_ids``, ``shipments``, ``scans``, ``window``) are what
        the last simulation moved along the planted route; before a simulation they are
        empty.
        """
        observed = self._observed or [_Observed() for _ in self.plans]
        cases = [
            {
                "distributor": p.distributor_id,
                "region": p.region_code,
                "destination": p.destination_id,
                "mechanism": p.mechanism,
                "share": p.share,
                "cases_shipped": len(seen.cases),
                "units": len(seen.units),
                "unit_ids": sorted(seen.units),
                "shipments": seen.shipments,
                "receipts": seen.receipts,
                "scans": seen.scans,
                "window": None if seen.first is None else {"from": seen.first, "to": seen.last},
            }
            for p, seen in zip(self.plans, observed, strict=True)
        ]
        legitimate = [
            {
                "distributor": s.distributor_id,
                "region": s.region_code,
                "store": s.store_id,
                "kind": s.kind,
                "share": s.share,
            }
            for s in self.supplies
        ]
        return {
            "cases": cases,
            "noise": {"travellers": list(self._travellers), "legitimate": legitimate},
        }


class _Cities:
    """Mainland China's prefectures, how far they lie from a point, and a far one for a
    traveller."""

    def __init__(self, world: World, min_km: float) -> None:
        self.all = [
            r
            for r in world.master.regions
            if r.level == "prefecture" and r.parent_code not in _OUTSIDE_MAINLAND
        ]
        self.by_code = world.regions_by_code
        self.index = RegionIndex(self.all)
        self.min_km = min_km

    def km(self, city: Region, lat: float, lon: float) -> float:
        return self.index.distance_km(city, lat, lon)

    def far_from(self, home: str, rng: random.Random) -> Region | None:
        """A city at least ``min_km`` from ``home`` in another province (None if 20 draws
        found none)."""
        here = self.by_code.get(home)
        if here is None:
            return None
        for _ in range(20):
            city = rng.choice(self.all)
            if (
                city.parent_code != here.parent_code
                and self.km(city, here.lat, here.lon) >= self.min_km
            ):
                return city
        return None


class _WorldPlan:
    """One run of :meth:`DiversionPlanter.plant_world`."""

    def __init__(self, planter: DiversionPlanter, world: World, rng: random.Random) -> None:
        self.planter = planter
        self.world = world
        self.rng = rng
        m = world.master
        self.map = _Cities(world, planter.min_km)
        self.regions = self.map.by_code
        self.cities = self.map.all
        self.stores = list(m.stores)
        self.consumers = list(m.consumers)
        self.supplies = list(m.supplies)
        self.routes = list(world.routes)
        self.distributors = {d.id: d for d in m.distributors}
        self.outbound: dict[str, float] = {}
        for r in world.routes:
            self.outbound[r.supplier_id] = self.outbound.get(r.supplier_id, 0.0) + r.weight
        self.inbound = {r.customer_id: r for r in world.routes}
        self.lived_in = {c.region_code for c in m.consumers}
        self.next_party = 1 + max(int(p.split(".")[1]) for p in m.party_ids())
        self.next_party = max(self.next_party, 1000)
        self.next_consumer = 0
        self.used: set[tuple[str, str]] = set()

    # -- the dealers ------------------------------------------------------------------

    def _cases_of(self, dealer: Distributor) -> float:
        """The cases ``dealer`` ships, by the share of the channel's weight it receives."""
        share = 1.0
        party = dealer.id
        while party in self.inbound:
            r = self.inbound[party]
            share *= r.weight / self.outbound[r.supplier_id]
            party = r.supplier_id
        return share * self.world.units / _CASE_UNITS

    def _dealers(self) -> list[Distributor]:
        """City and provincial distributors large enough to divert a few cases, largest first."""
        dealers = [
            d
            for d in self.distributors.values()
            if d.tier in (2, 3)
            and d.id in self.outbound
            and self._cases_of(d) * _MAX_SHARE >= _MIN_CASES
        ]
        return sorted(dealers, key=lambda d: (-self._cases_of(d), d.id))

    def _outside(self, dealer: Distributor, city: Region) -> bool:
        territory = {a.region_code for a in dealer.authorized}
        return city.code not in territory and city.parent_code not in territory

    def _km(self, dealer: Distributor, city: Region) -> float:
        return self.map.km(city, dealer.lat, dealer.lon)

    # -- building ---------------------------------------------------------------------

    def build(self) -> World:
        p = self.planter
        usable = self._dealers()
        plans: list[PlannedDiversion] = []
        legit: list[PlannedSupply] = []
        # Legitimate supply goes to the dealers next in size after the diverting ones, so
        # that its goods are as many as a diversion's and the two cannot be told by volume.
        spare = usable[min(p.diversions, len(usable)) :] or usable[::-1]
        kinds: tuple[SupplyKind, ...] = ("contracted_supply", "product_grant")
        for k, kind in enumerate(kinds[: p.legitimate]):
            if k < len(spare):
                legit.append(self._legitimate(spare[k], kind))
        hub: Region | None = None
        for k in range(p.diversions):
            if not usable:
                break
            dealer = usable[k % len(usable)]
            mechanism: Mechanism = "off_contract_shipment" if k % 2 == 0 else "unrecorded_transfer"
            plan = self._diversion(dealer, mechanism, k, hub)
            if plan is None:
                continue
            plans.append(plan)
            if k == 0:
                hub = self.regions[plan.region_code]
        p.plans, p.supplies = tuple(plans), tuple(legit)
        m = self.world.master
        master = dataclasses.replace(
            m,
            distributors=tuple(self.distributors[d.id] for d in m.distributors),
            stores=tuple(self.stores),
            consumers=tuple(self.consumers),
            supplies=tuple(self.supplies),
        )
        return dataclasses.replace(self.world, master=master, routes=tuple(self.routes))

    def _share(self, dealer: Distributor) -> float:
        low, high = self.planter.share_range
        share = self.rng.uniform(low, high)
        return round(min(_MAX_SHARE, max(share, _MIN_CASES / self._cases_of(dealer))), 3)

    def _route(self, dealer: Distributor, customer: str, share: float) -> None:
        # ``share`` of the dealer's goods: weight w against the others' total W gives w / (W + w).
        weight = share / (1.0 - share) * self.outbound[dealer.id]
        self.routes.append(Route(dealer.id, customer, round(weight, 3)))

    def _diversion(
        self, dealer: Distributor, mechanism: Mechanism, k: int, hub: Region | None
    ) -> PlannedDiversion | None:
        share = self._share(dealer)
        # The fourth diversion goes where the first did, when it may: a grey-market hub.
        if hub is not None and k == 3 and self._allowed(dealer, hub):
            city = hub
        else:
            far = [c for c in self.cities if self._allowed(dealer, c)]
            if not far:
                return None
            city = self.rng.choice(far)
        # Every other off-contract shipment goes to a store of another dealer's city.
        existing = self._network_store(dealer) if k % 4 == 0 else None
        if existing is not None:
            city, store = self.regions[existing.region_code], existing.id
        else:
            store = self._new_store(city, share * self._cases_of(dealer))
        self.used.add((dealer.id, city.code))
        self._route(dealer, store, share)
        return PlannedDiversion(dealer.id, city.code, store, mechanism, share)

    def _allowed(self, dealer: Distributor, city: Region) -> bool:
        return (
            (dealer.id, city.code) not in self.used
            and self._outside(dealer, city)
            and city.parent_code != self.regions[dealer.region_code].parent_code
            and self._km(dealer, city) >= self.planter.min_km
        )

    def _network_store(self, dealer: Distributor) -> Store | None:
        """A store of another dealer's city, far away and in another province."""
        stores = self.world.master.stores
        far = [s for s in stores if self._allowed(dealer, self.regions[s.region_code])]
        return self.rng.choice(far) if far else None

    def _legitimate(self, dealer: Distributor, kind: SupplyKind) -> PlannedSupply:
        near = sorted(
            (
                c
                for c in self.cities
                if self._outside(dealer, c) and (dealer.id, c.code) not in self.used
            ),
            key=lambda c: (self._km(dealer, c), c.code),
        )
        city = near[0]
        self.used.add((dealer.id, city.code))
        share = self._share(dealer)
        store = self._new_store(city, share * self._cases_of(dealer))
        self._route(dealer, store, share)
        if kind == "contracted_supply":
            self.supplies.append(Supply(dealer.id, store))
        else:
            gtins = tuple(p.gtin for p in self.world.master.products)
            self.distributors[dealer.id] = dataclasses.replace(
                dealer, authorized=(*dealer.authorized, Authorization(city.code, gtins))
            )
        return PlannedSupply(dealer.id, city.code, store, kind, share)

    def _new_store(self, city: Region, cases: float) -> str:
        rng = self.rng
        if self.next_party > 99_999:
            raise ValueError("diversion planter: no location reference left for a new store")
        store = Store(
            sgln_urn(self.world.company_prefix, f"{self.next_party:05d}"),
            f"{city.name}{rng.choice(STORE_WORDS)}{rng.choice(STORE_KINDS)}",
            city.code,
            round(city.lat + rng.uniform(-0.05, 0.05), 6),
            round(city.lon + rng.uniform(-0.05, 0.05), 6),
            phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            address=f"{city.name}{rng.choice(ROADS)}路{rng.randint(1, 999)}号",
        )
        self.next_party += 1
        self.stores.append(store)
        if city.code not in self.lived_in:
            self.lived_in.add(city.code)
            scans = cases * _CASE_UNITS * _SCANNED_SHARE
            for _ in range(max(self.planter.consumers_per_city, round(scans / 3))):
                self.consumers.append(
                    Consumer.of(
                        f"dv{self.next_consumer:06d}",
                        city.code,
                        device=f"dev-{rng.getrandbits(64):016x}",
                    )
                )
                self.next_consumer += 1
        return store.id
