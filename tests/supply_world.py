"""A small demo world of its own for the supply tests, and what its generated events say,
counted here without the graph.

The demo names its parties alike in every world, so this world's parties get a company
prefix of their own and its lots an ILMD expiry (:mod:`loaders.demo.supply`): the channel of
its national distributor is this world alone, and freshness reads expiry from the events.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph_model.database import Database
from graph_model.identifiers.gs1 import gtin_of_epc_parts
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo import World, build_world, simulate
from loaders.demo.supply import own_parties, with_expiry
from services.capture import CaptureService

UNITS = 5_000


@dataclass
class Truth:
    """Counts from the generated events: ``moves[(party, gtin, lot, kind)]`` as a list of
    ``(time, units)``, lots' dates, consumer scans per unit."""

    world: World
    national: str
    moves: dict[tuple[str, str, str, str], list[tuple[datetime, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    made: dict[tuple[str, str], datetime] = field(default_factory=dict)
    expires: dict[tuple[str, str], datetime] = field(default_factory=dict)
    unit_lot: dict[str, tuple[str, str]] = field(default_factory=dict)
    sold: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    first_scan: dict[str, datetime] = field(default_factory=dict)
    last: datetime = datetime(2000, 1, 1, tzinfo=UTC)

    def on_hand(self, party: str, gtin: str, at: datetime) -> int:
        total = 0
        for (p, g, _, kind), items in self.moves.items():
            if p == party and g == gtin:
                sign = 1 if kind in ("produced", "received") else -1
                total += sign * sum(n for t, n in items if t <= at)
        return total

    def parties(self) -> set[str]:
        return {k[0] for k in self.moves}


def _gtin(urn: str) -> str:
    cp, ref, _ = urn.removeprefix("urn:epc:id:sgtin:").split(".", 2)
    return gtin_of_epc_parts(cp, ref)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class _Counter:
    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        self.children: dict[str, list[str]] = {}

    def units(self, epc: str) -> list[str]:
        if epc.startswith("urn:epc:id:sgtin:"):
            return [epc]
        return [u for child in self.children.get(epc, []) for u in self.units(child)]

    def add(self, party: str, units: list[str], kind: str, at: datetime) -> None:
        groups: dict[tuple[str, str], int] = defaultdict(int)
        for u in units:
            groups[self.truth.unit_lot[u]] += 1
        for (gtin, lot), n in groups.items():
            self.truth.moves[(party, gtin, lot, kind)].append((at, n))

    def event(self, e: dict[str, Any]) -> None:
        t = self.truth
        at = _time(e["eventTime"])
        t.last = max(t.last, at)
        step = e.get("bizStep")
        if step == "commissioning":
            lot = e["ilmd"]["cbvmda:lotNumber"]
            for u in e["epcList"]:
                t.unit_lot[u] = (_gtin(u), lot)
            key = (_gtin(e["epcList"][0]), lot)
            t.made.setdefault(key, at)
            t.expires[key] = datetime.fromisoformat(e["ilmd"]["cbvmda:itemExpirationDate"]).replace(
                tzinfo=UTC
            )
            self.add(e["bizLocation"]["id"], e["epcList"], "produced", at)
        elif e["type"] == "AggregationEvent":
            if e["action"] == "ADD":
                self.children[e["parentID"]] = list(e["childEPCs"])
            else:
                self.children.pop(e["parentID"], None)
        elif step in ("shipping", "receiving"):
            units = [u for epc in e["epcList"] for u in self.units(epc)]
            if step == "shipping":
                party = next(s["source"] for s in e["sourceList"] if s["type"] == "owning_party")
                self.add(party, units, "shipped", at)
            else:
                party = next(
                    d["destination"] for d in e["destinationList"] if d["type"] == "owning_party"
                )
                self.add(party, units, "received", at)
        elif step == "retail_selling":
            self.add(e["bizLocation"]["id"], e["epcList"], "sold", at)
            for u in e["epcList"]:
                t.sold[u] = (e["bizLocation"]["id"], at)
        elif "scan" in (step or "") and e.get("yima:scanKind", "consumer") == "consumer":
            for u in e["epcList"]:
                if u not in t.first_scan or at < t.first_scan[u]:
                    t.first_scan[u] = at


_LOADED: dict[str, Truth] = {}


def supply_world(db: Database) -> Truth:
    """The world, loaded once per test process, and its truth."""
    if "world" in _LOADED:
        return _LOADED["world"]
    rng = random.Random(uuid.uuid4().hex)
    seed = rng.randrange(10**6, 10**7)
    tag = str(rng.randrange(9_000_000, 10_000_000))  # a company prefix of this world's own
    start = datetime(rng.randint(2001, 2020), rng.randint(1, 12), 1, tzinfo=UTC)
    world = own_parties(build_world(UNITS, seed, start=start), tag)
    MasterDataRepository(db).save(world.master, atomic=False)
    truth = Truth(world, world.national.id)
    counter = _Counter(truth)

    def documents() -> Iterator[dict[str, Any]]:
        for doc in with_expiry(simulate(build_world(UNITS, seed, start=start), seed), tag):
            for e in doc["epcisBody"]["eventList"]:
                counter.event(e)
            yield doc

    CaptureService(db).capture_stream(documents())
    _LOADED["world"] = truth
    return truth
