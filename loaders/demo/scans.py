"""Scans of the demo world: consumers scanning what they bought, stores scanning receipts.

A consumer scan is an EPCIS ``ObjectEvent`` (``OBSERVE``, bizStep
``https://ns.yima.dev/bizstep/scan``) of one unit with no location of the brand's own, and
the ``yima:`` extension fields that the scan projection reads: ``scanKind``, ``actor``,
``device``, ``clientScanId``, ``lat``, ``lon`` and ``region`` (adcode).
"""

from __future__ import annotations

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
    """Schedules and emits scans for one run of the simulation."""

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
        regions = world.regions_by_code
        self.city: dict[str, tuple[str, float, float]] = {}
        for s in world.master.stores:
            r = regions.get(s.region_code)
            self.city[s.id] = (s.region_code, r.lat if r else s.lat, r.lon if r else s.lon)
        self.consumers: dict[str, list[tuple[str, str | None]]] = {}
        for c in world.master.consumers:
            self.consumers.setdefault(c.region_code, []).append((c.id, c.device))
        self.anyone = [(c.id, c.device) for c in world.master.consumers]

    def after_sale(self, t: int, store: str, units: list[str]) -> None:
        """Schedule the consumer scans of ``units``, sold at ``store`` at ``t``."""
        rng = self.rng
        p = self.policy
        rate = 1.0 / (p.mean_delay_days * _DAY)
        for unit in units:
            if rng.random() < p.scanned_share:
                delay = 300 + min(35 * _DAY, int(rng.expovariate(rate)))
                self.push(t + delay, self.handler, (unit, store, None))

    def consumer_scan(self, t: int, arg: tuple[str, str, tuple[str, str | None] | None]) -> None:
        """Emit one consumer scan of a unit sold at a store (called by the simulation)."""
        unit, store, previous = arg
        rng = self.rng
        region, lat, lon = self.city[store]
        pool = self.consumers.get(region) or self.anyone
        if not pool:
            return
        if previous is not None and rng.random() < self.policy.same_consumer_share:
            consumer = previous
        else:
            consumer = pool[int(rng.random() * len(pool))]
        # A triangular offset: as good as a normal one for scatter and a third of the cost.
        spread = self.policy.spread_degrees * 2.0
        r = rng.random
        self._emit(
            t,
            unit,
            "consumer",
            consumer[0],
            consumer[1],
            round(lat + (r() - r()) * spread, 5),
            round(lon + (r() - r()) * spread, 5),
            region,
        )
        if previous is None and rng.random() < self.policy.rescanned_share:
            later = t + 600 + int(rng.expovariate(1.0 / (2 * _DAY)))
            self.push(later, self.handler, (unit, store, consumer))

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
