"""Scans of the demo world: consumers scanning what they bought, stores scanning receipts.

A consumer scan is an EPCIS ``ObjectEvent`` (``OBSERVE``, bizStep
``https://ns.yima.dev/bizstep/scan``) of one unit with no location of the brand's own, and
the ``yima:`` extension fields that the scan projection reads: ``scanKind``, ``actor``,
``device``, ``clientScanId``, ``lat``, ``lon`` and ``region`` (adcode).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from loaders.demo.epcis import SCAN_BIZ_STEP, TZ_OFFSET, EventIds, EventTimes
from loaders.demo.world import World

__all__ = ["ScanPolicy", "Scans"]

Event = dict[str, Any]
Push = Callable[[int, int, Any], None]
_DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """How consumers scan."""

    scanned_share: float = 0.30
    """Share of sold units that a consumer scans."""
    rescanned_share: float = 0.06
    """Share of scanned units scanned a second time."""
    same_consumer_share: float = 0.6
    """Share of second scans made by the first scanner (the others: a gift, a resale)."""
    mean_delay_days: float = 4.0
    """Mean days from sale to first scan (capped at five weeks)."""
    spread_degrees: float = 0.05
    """Standard deviation of a scan's position around the consumer's city seat."""


class Scans:
    """Schedules and emits scans for one run of the simulation.

    A consumer scans from home: a point near their city's seat, drawn at their first scan.
    """

    def __init__(
        self,
        world: World,
        seed: int,
        policy: ScanPolicy,
        event_id: EventIds,
        fmt: EventTimes,
        push: Push,
        handler: int,
    ) -> None:
        self.policy = policy
        self.rng = random.Random(f"yima-demo-scans:{seed}")
        self.event_id = event_id
        self.fmt = fmt
        self.push = push
        self.handler = handler  # the number under which the simulation calls consumer_scan
        self.out: list[Event] = []
        consumers = world.master.consumers
        self.consumer_id = [c.id for c in consumers]
        self.consumer_device = [c.device for c in consumers]
        # The demo network places every consumer in a city.
        self.consumer_region = [c.region_code or "" for c in consumers]
        by_region: dict[str, list[int]] = {}
        for i, code in enumerate(self.consumer_region):
            by_region.setdefault(code, []).append(i)
        everyone = list(range(len(consumers)))
        regions = world.regions_by_code
        # Per store: its city's seat and the consumers who live there.
        self.where: dict[str, tuple[float, float, list[int]]] = {}
        for store in world.master.stores:
            r = regions.get(store.region_code)
            self.where[store.id] = (
                r.lat if r else store.lat,
                r.lon if r else store.lon,
                by_region.get(store.region_code) or everyone,
            )
        self.home: dict[int, tuple[float, float]] = {}

    def after_sale(self, t: int, store: str, units: list[str]) -> None:
        """Schedule the consumer scans of ``units``, sold at ``store`` at ``t``."""
        rng = self.rng
        r = rng.random
        p = self.policy
        mean = p.mean_delay_days * _DAY
        below = round(p.scanned_share * 256)
        push, handler = self.push, self.handler
        for unit, draw in zip(units, rng.randbytes(len(units)), strict=True):
            if draw < below:
                delay = 300 + min(35 * _DAY, int(-math.log(1.0 - r()) * mean))
                push(t + delay, handler, (unit, store, -1))

    def consumer_scan(self, t: int, arg: tuple[str, str, int]) -> None:
        """Emit one consumer scan of a unit sold at a store (called by the simulation)."""
        unit, store, previous = arg
        r = self.rng.random
        lat, lon, pool = self.where[store]
        if not pool:
            return
        if previous >= 0 and r() < self.policy.same_consumer_share:
            ci = previous
        else:
            ci = pool[int(r() * len(pool))]
        home = self.home.get(ci)
        if home is None:
            # A triangular offset: as good as a normal one for scatter, and cheaper.
            spread = self.policy.spread_degrees * 2.0
            home = (round(lat + (r() - r()) * spread, 5), round(lon + (r() - r()) * spread, 5))
            self.home[ci] = home
        self._emit(
            t, unit, "consumer", self.consumer_id[ci], self.consumer_device[ci],
            home[0], home[1], self.consumer_region[ci],
        )  # fmt: skip
        if previous < 0 and r() < self.policy.rescanned_share:
            later = t + 600 + int(-math.log(1.0 - r()) * 2 * _DAY)
            self.push(later, self.handler, (unit, store, ci))

    def store_scan(
        self,
        t: int,
        unit: str,
        store: str,
        device: str | None,
        lat: float,
        lon: float,
        region: str,
    ) -> None:
        """A store's scan of ``unit`` on receipt."""
        self._emit(t, unit, "store", store, device, lat, lon, region)

    def _emit(
        self,
        t: int,
        unit: str,
        kind: str,
        actor: str,
        device: str | None,
        lat: float,
        lon: float,
        region: str,
    ) -> None:
        e: Event = {
            "type": "ObjectEvent",
            "eventID": self.event_id(),
            "eventTime": self.fmt(t),
            "eventTimeZoneOffset": TZ_OFFSET,
            "epcList": [unit],
            "action": "OBSERVE",
            "bizStep": SCAN_BIZ_STEP,
            "yima:scanKind": kind,
            "yima:actor": actor,
            "yima:clientScanId": f"{self.rng.getrandbits(64):016x}",
            "yima:lat": lat,
            "yima:lon": lon,
            "yima:region": region,
        }
        if device is not None:
            e["yima:device"] = device
        self.out.append(e)
