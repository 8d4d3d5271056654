"""The life of every unit in the demo world, as a time-ordered stream of EPCIS events.

A discrete-event simulation: a heap holds what happens next (a lot finishes on a line, a
truck leaves, a truck arrives, a store closes its till, a consumer scans), each handler emits
the events of its moment and schedules later ones. Nothing is scheduled in the past, so the
stream comes out in ``eventTime`` order, and memory holds only what is in flight (pallets on
trucks, units on shelves), not the history.

Goods follow :attr:`World.routes`: plant → national distributor (pallets) → provincial
distributor (pallets, unpacked into cases) → city distributor (cases) → store (cases,
unpacked into units) → sold → scanned by consumers.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain, count
from typing import Any, Final

from graph_model.identifiers.gs1 import with_check_digit
from graph_model.master import Product
from loaders.demo.epcis import TZ_OFFSET, EventIds, EventTimes
from loaders.demo.scans import ScanPolicy, Scans
from loaders.demo.serials import CASE_UNITS, PALLET_CASES, case_serials
from loaders.demo.world import World

__all__ = ["FlowPolicy", "events"]

Event = dict[str, Any]
DAY: Final = 86_400
HOUR: Final = 3_600
LOT_UNITS: Final = CASE_UNITS * PALLET_CASES
_PARTY_KINDS: Final = {1: "national", 2: "provincial", 3: "city"}
# Handler numbers of the simulation's heap entries, in the order of _Flow.run's table.
_PRODUCE: Final = 0
_PACK_CASES: Final = 1
_PACK_PALLET: Final = 2
_SHIP: Final = 3
_RECEIVE: Final = 4
_STORE_SCAN: Final = 5
_UNPACK_AT_STORE: Final = 6
_UNPACK_PALLETS: Final = 7
_SELL: Final = 8
_CONSUMER_SCAN: Final = 9


@dataclass(frozen=True, slots=True)
class FlowPolicy:
    """The knobs of the plain world's behaviour."""

    lots_per_line_day: int = 3
    """A lot (one pallet, 960 units) takes ``12 h / lots_per_line_day`` on a line, 08:00-20:00."""
    sale_days_per_case: tuple[int, int] = (1, 4)
    """A store sells a case's units on this many different days (inclusive range)."""
    mean_shelf_days: float = 7.0
    """Mean days from unpacking at a store to the day of sale."""
    unsold_share: float = 0.12
    """Share of units still on the shelf when the simulation ends."""
    store_scan_share: float = 0.05
    """Share of store receipts on which the store scans a unit."""
    road_kmh: float = 55.0
    """Average truck speed including stops."""


def _gln(party_id: str) -> str:
    # urn:epc:id:sgln:CP.LOCREF.0 -> the 13-digit GLN, for bizTransaction URNs.
    cp, ref, _ = party_id.removeprefix("urn:epc:id:sgln:").split(".")
    return with_check_digit(cp + ref)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


class _Flow:
    """One run of the simulation; use :func:`events`."""

    def __init__(self, world: World, seed: int, policy: FlowPolicy, scan_policy: ScanPolicy):
        self.world = world
        self.seed = seed
        self.policy = policy
        self.rng = random.Random(f"yima-demo-flow:{seed}")
        self.event_id = EventIds(seed)
        self.fmt = EventTimes()
        # Entries are (time << 32 | sequence, handler number, argument): one int orders them
        # (by time, then by scheduling order) in a single comparison, and plain ints and
        # tuples of atoms are left alone by the cyclic garbage collector, unlike bound methods.
        self.heap: list[tuple[int, int, Any]] = []
        self.seq = count()
        self.now_start = self.now = int(world.start.timestamp())
        self.out: list[Event] = []
        m = world.master
        cp = world.company_prefix
        self.products: tuple[Product, ...] = m.products
        self.unit_prefix = [f"urn:epc:id:sgtin:{cp}.{p.item_ref}." for p in m.products]
        self.product_cum = list(_cumulative([1.0 / (i + 1) for i in range(len(m.products))]))
        self.case_prefix = f"urn:epc:id:sscc:{cp}.0"
        self.pallet_prefix = f"urn:epc:id:sscc:{cp}.1"
        self.width = 16 - len(cp)
        n_lots = -(-world.units // LOT_UNITS)
        span = 10**self.width - 1 - n_lots * PALLET_CASES
        self.sscc_base = random.Random(f"yima-demo-sscc:{seed}").randrange(max(1, span))
        self.lot_product = bytearray(n_lots)
        self.lot_units: dict[int, list[list[str]]] = {}
        self.case_urns = functools.lru_cache(maxsize=256)(self._case_urns)

        self.kind: dict[str, str] = {p.id: "plant" for p in m.plants}
        self.kind.update({d.id: _PARTY_KINDS[d.tier] for d in m.distributors})
        self.kind.update({s.id: "store" for s in m.stores})
        self.where: dict[str, tuple[float, float]] = {p.id: (p.lat, p.lon) for p in m.plants}
        self.where.update({d.id: (d.lat, d.lon) for d in m.distributors})
        self.where.update({s.id: (s.lat, s.lon) for s in m.stores})
        self.gln: dict[str, str] = {}
        self.minute: dict[str, int] = {pid: i % 120 for i, pid in enumerate(self.where)}
        self.routes: dict[str, tuple[list[str], list[float]]] = {}
        grouped: dict[str, list[tuple[str, float]]] = {}
        for r in world.routes:
            if r.weight > 0:
                grouped.setdefault(r.supplier_id, []).append((r.customer_id, r.weight))
        for supplier, pairs in grouped.items():
            self.routes[supplier] = (
                [c for c, _ in pairs],
                list(_cumulative([w for _, w in pairs])),
            )
        self.lines = [(line.id, line.plant_id) for line in m.lines]
        plant_no = {p.id: i + 1 for i, p in enumerate(m.plants)}
        self.lot_tag = [f"{plant_no[p]}{lid.rpartition('.')[2]}" for lid, p in self.lines]
        self.stock_buckets: dict[tuple[str, str, int, bool], list[int]] = {}
        self.sale_buckets: dict[tuple[str, int], list[str]] = {}
        self.shipments = count(1)
        self.scans = Scans(
            world, seed, scan_policy, self.event_id, self.fmt, self._push, _CONSUMER_SCAN
        )
        self.store_device = {s.id: s.device for s in m.stores}
        self.store_place = {s.id: (s.lat, s.lon, s.region_code) for s in m.stores}

    # -- machinery ------------------------------------------------------------------------

    def _push(self, t: int, handler: int, arg: Any) -> None:
        at = t if t > self.now else self.now
        heapq.heappush(self.heap, ((at << 32) | next(self.seq), handler, arg))

    def batches(self) -> Iterator[list[Event]]:
        """The events, in time order, as the lists that each moment produced."""
        heap = self.heap
        pop = heapq.heappop
        scans = self.scans
        handlers: list[Callable[[int, Any], None]] = [
            self._produce,
            self._pack_cases,
            self._pack_pallet,
            self._ship,
            self._receive,
            self._store_scan,
            self._unpack_at_store,
            self._unpack_pallets,
            self._sell,
            scans.consumer_scan,
        ]
        if self.world.units > 0:
            self._push(self._lot_time(0), _PRODUCE, 0)
        while heap:
            key, handler, arg = pop(heap)
            t = key >> 32
            self.now = t
            handlers[handler](t, arg)
            if self.out:
                yield self.out
                self.out = []
            if scans.out:
                yield scans.out
                scans.out = []

    def _base(self, t: int, kind: str) -> Event:
        return {
            "type": kind,
            "eventID": self.event_id(),
            "eventTime": self.fmt(t),
            "eventTimeZoneOffset": TZ_OFFSET,
        }

    def _case_urns(self, case_no: int) -> list[str]:
        prefix = self.unit_prefix[self.lot_product[case_no // PALLET_CASES]]
        n = min(CASE_UNITS, self.world.units - case_no * CASE_UNITS)
        return [prefix + s for s in case_serials(self.seed, case_no)[:n]]

    def case_sscc(self, case_no: int) -> str:
        return f"{self.case_prefix}{self.sscc_base + case_no:0{self.width}d}"

    def pallet_sscc(self, lot: int) -> str:
        return f"{self.pallet_prefix}{self.sscc_base + lot:0{self.width}d}"

    def _cases_of(self, lot: int) -> range:
        n_cases = -(-self.world.units // CASE_UNITS)
        return range(lot * PALLET_CASES, min(n_cases, (lot + 1) * PALLET_CASES))

    # -- plants ---------------------------------------------------------------------------

    def _lot_time(self, lot: int) -> int:
        per_day = self.policy.lots_per_line_day * len(self.lines)
        day, r = divmod(lot, per_day)
        slot, line = divmod(r, len(self.lines))
        run = 12 * HOUR // self.policy.lots_per_line_day
        return self.now_start + day * DAY + 8 * HOUR + (slot + 1) * run + line * 420

    def _produce(self, t: int, lot: int) -> None:
        line_index = lot % len(self.lines)
        line_id, plant_id = self.lines[line_index]
        r = self.rng.random() * self.product_cum[-1]
        self.lot_product[lot] = bisect_right(self.product_cum, r)
        cases = [self._case_urns(c) for c in self._cases_of(lot)]
        self.lot_units[lot] = cases
        day = self.fmt(t)[2:10].replace("-", "")
        per_day = self.policy.lots_per_line_day * len(self.lines)
        slot = (lot % per_day) // len(self.lines) + 1
        e = self._base(t, "ObjectEvent")
        e["epcList"] = [u for case in cases for u in case]
        e["action"] = "ADD"
        e["bizStep"] = "commissioning"
        e["disposition"] = "active"
        e["readPoint"] = {"id": line_id}
        e["bizLocation"] = {"id": plant_id}
        e["ilmd"] = {"cbvmda:lotNumber": f"{day}{self.lot_tag[line_index]}{slot}"}
        self.out.append(e)
        self._push(t + 300, _PACK_CASES, lot)
        if (lot + 1) * LOT_UNITS < self.world.units:
            self._push(self._lot_time(lot + 1), _PRODUCE, lot + 1)

    def _pack_cases(self, t: int, lot: int) -> None:
        line_id, plant_id = self.lines[lot % len(self.lines)]
        for case_no, units in zip(self._cases_of(lot), self.lot_units[lot], strict=True):
            e = self._base(t, "AggregationEvent")
            e["parentID"] = self.case_sscc(case_no)
            e["childEPCs"] = units
            e["action"] = "ADD"
            e["bizStep"] = "packing"
            e["disposition"] = "in_progress"
            e["readPoint"] = {"id": line_id}
            e["bizLocation"] = {"id": plant_id}
            self.out.append(e)
        self._push(t + 300, _PACK_PALLET, lot)

    def _pack_pallet(self, t: int, lot: int) -> None:
        line_id, plant_id = self.lines[lot % len(self.lines)]
        del self.lot_units[lot]
        e = self._base(t, "AggregationEvent")
        e["parentID"] = self.pallet_sscc(lot)
        e["childEPCs"] = [self.case_sscc(c) for c in self._cases_of(lot)]
        e["action"] = "ADD"
        e["bizStep"] = "packing"
        e["disposition"] = "in_progress"
        e["readPoint"] = {"id": line_id}
        e["bizLocation"] = {"id": plant_id}
        self.out.append(e)
        self._forward(t, plant_id, [lot], True)

    # -- transport ------------------------------------------------------------------------

    def _forward(self, t: int, party: str, items: list[int], pallets: bool) -> None:
        """Send ``items`` on from ``party`` along its routes, on the next morning's trucks."""
        route = self.routes.get(party)
        if route is None:
            return  # nobody downstream: the goods stay in stock
        customers, cum = route
        total = cum[-1]
        departs = (t - self.now_start) // DAY * DAY + DAY + 9 * HOUR + self.minute[party] * 60
        departs += self.now_start
        rand = self.rng.random
        buckets = self.stock_buckets
        for item in items:
            customer = (
                customers[bisect_right(cum, rand() * total)] if len(customers) > 1 else customers[0]
            )
            key = (party, customer, departs, pallets)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [item]
                self._push(departs, _SHIP, key)
            else:
                bucket.append(item)

    def _parties(
        self, source: str, destination: str
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        return (
            [{"type": "owning_party", "source": source}, {"type": "location", "source": source}],
            [
                {"type": "owning_party", "destination": destination},
                {"type": "location", "destination": destination},
            ],
        )

    def _transactions(self, no: int, source: str, destination: str) -> list[dict[str, str]]:
        gln_s = self.gln.get(source) or self.gln.setdefault(source, _gln(source))
        gln_d = self.gln.get(destination) or self.gln.setdefault(destination, _gln(destination))
        return [
            {
                "type": "desadv",
                "bizTransaction": f"urn:epcglobal:cbv:bt:{gln_s}:DESADV-{self.seed}-{no}",
            },
            {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{gln_d}:PO-{self.seed}-{no}"},
        ]

    def _ship(self, t: int, key: tuple[str, str, int, bool]) -> None:
        source, destination, _, pallets = key
        items = self.stock_buckets.pop(key)
        no = next(self.shipments)
        sscc = self.pallet_sscc if pallets else self.case_sscc
        e = self._base(t, "ObjectEvent")
        e["epcList"] = [sscc(i) for i in items]
        e["action"] = "OBSERVE"
        e["bizStep"] = "shipping"
        e["disposition"] = "in_transit"
        e["readPoint"] = {"id": source}
        e["bizTransactionList"] = self._transactions(no, source, destination)
        e["sourceList"], e["destinationList"] = self._parties(source, destination)
        self.out.append(e)
        km = _km(self.where[source], self.where[destination])
        hours = 1.0 + km / self.policy.road_kmh + self.rng.uniform(0.0, 3.0)
        self._push(self._business_hours(t + int(hours * HOUR)), _RECEIVE, (no, key, items))

    def _business_hours(self, t: int) -> int:
        """``t`` moved into 08:00-17:00 of its day or the next: warehouses receive by day."""
        day = (t - self.now_start) // DAY * DAY + self.now_start
        if t - day < 8 * HOUR:
            return day + 8 * HOUR + self.rng.randrange(HOUR)
        if t - day >= 17 * HOUR:
            return day + DAY + 8 * HOUR + self.rng.randrange(HOUR)
        return t

    def _receive(self, t: int, shipment: tuple[int, tuple[str, str, int, bool], list[int]]) -> None:
        no, (source, destination, _, pallets), items = shipment
        sscc = self.pallet_sscc if pallets else self.case_sscc
        e = self._base(t, "ObjectEvent")
        e["epcList"] = [sscc(i) for i in items]
        e["action"] = "OBSERVE"
        e["bizStep"] = "receiving"
        e["disposition"] = "in_progress"
        e["readPoint"] = {"id": destination}
        e["bizLocation"] = {"id": destination}
        e["bizTransactionList"] = self._transactions(no, source, destination)
        e["sourceList"], e["destinationList"] = self._parties(source, destination)
        self.out.append(e)
        kind = self.kind.get(destination)
        if kind == "store":
            if self.rng.random() < self.policy.store_scan_share:
                first = items[0] * PALLET_CASES if pallets else items[0]
                self._push(t + 600, _STORE_SCAN, (destination, first))
            self._push(t + 900, _UNPACK_AT_STORE, (destination, items, pallets))
        elif pallets and kind in ("provincial", "city"):
            self._push(t + 1800, _UNPACK_PALLETS, (destination, items))
        else:
            self._forward(t, destination, items, pallets)

    def _unpack_pallet_events(self, t: int, party: str, lots: list[int]) -> list[int]:
        cases: list[int] = []
        for lot in lots:
            children = list(self._cases_of(lot))
            e = self._base(t, "AggregationEvent")
            e["parentID"] = self.pallet_sscc(lot)
            e["childEPCs"] = [self.case_sscc(c) for c in children]
            e["action"] = "DELETE"
            e["bizStep"] = "unpacking"
            e["disposition"] = "in_progress"
            e["readPoint"] = {"id": party}
            e["bizLocation"] = {"id": party}
            self.out.append(e)
            cases.extend(children)
        return cases

    def _unpack_pallets(self, t: int, arg: tuple[str, list[int]]) -> None:
        party, lots = arg
        self._forward(t, party, self._unpack_pallet_events(t, party, lots), False)

    # -- stores ---------------------------------------------------------------------------

    def _store_scan(self, t: int, arg: tuple[str, int]) -> None:
        store, case_no = arg
        lat, lon, region = self.store_place[store]
        self.scans.store_scan(
            t, self.case_urns(case_no)[0], store, self.store_device[store], lat, lon, region
        )

    def _unpack_at_store(self, t: int, arg: tuple[str, list[int], bool]) -> None:
        store, items, pallets = arg
        cases = self._unpack_pallet_events(t, store, items) if pallets else items
        p = self.policy
        rng = self.rng
        day0 = (t - self.now_start) // DAY
        closing = self.now_start + 19 * HOUR + self.minute[store] * 60
        lo, hi = p.sale_days_per_case
        unsold_below = round(p.unsold_share * 256)
        for case_no in cases:
            units = self.case_urns(case_no)
            e = self._base(t, "AggregationEvent")
            e["parentID"] = self.case_sscc(case_no)
            e["childEPCs"] = list(units)  # the cached list must not leak into events
            e["action"] = "DELETE"
            e["bizStep"] = "unpacking"
            e["disposition"] = "in_progress"
            e["readPoint"] = {"id": store}
            e["bizLocation"] = {"id": store}
            self.out.append(e)
            days = [
                day0 + min(90, int(rng.expovariate(1.0 / p.mean_shelf_days)))
                for _ in range(rng.randint(lo, hi))
            ]
            # Two random bytes a unit: the first says whether it sells, the second on which
            # of the case's sale days (the bias of 256 % 3 is immaterial here). Shelves hold
            # the units' URNs: what is on shelves is bounded by sales, not by history.
            n, k = len(units), len(days)
            draws = rng.randbytes(2 * n)
            by_day: dict[int, list[str]] = {}
            for i in range(n):
                if draws[i] >= unsold_below:
                    by_day.setdefault(days[draws[n + i] % k], []).append(units[i])
            for day, sold in by_day.items():
                key = (store, day)
                bucket = self.sale_buckets.get(key)
                if bucket is None:
                    self.sale_buckets[key] = sold
                    self._push(closing + day * DAY, _SELL, key)
                else:
                    bucket.extend(sold)

    def _sell(self, t: int, key: tuple[str, int]) -> None:
        store = key[0]
        sold = self.sale_buckets.pop(key)
        e = self._base(t, "ObjectEvent")
        e["epcList"] = sold
        e["action"] = "OBSERVE"
        e["bizStep"] = "retail_selling"
        e["disposition"] = "retail_sold"
        e["readPoint"] = {"id": store}
        e["bizLocation"] = {"id": store}
        self.out.append(e)
        self.scans.after_sale(t, store, sold)


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def events(
    world: World,
    seed: int,
    policy: FlowPolicy | None = None,
    scan_policy: ScanPolicy | None = None,
) -> Iterator[Event]:
    """Every EPCIS event of ``world``'s history, in ``eventTime`` order."""
    flow = _Flow(world, seed, policy or FlowPolicy(), scan_policy or ScanPolicy())
    return chain.from_iterable(flow.batches())
