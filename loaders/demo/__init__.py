"""A deterministic demo world: a brand network in China and the EPCIS history of its units.

>>> world = build_world(units=2_000, seed=1)
>>> docs = list(simulate(world, seed=1))
>>> docs[0]["epcisBody"]["eventList"][0]["bizStep"]
'commissioning'

See ``docs/demo-world.md`` for what the world looks like and how to extend it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from loaders.demo.epcis import documents
from loaders.demo.flow import FlowPolicy, events
from loaders.demo.network import NetworkSize, build_network
from loaders.demo.planters import Planter, plant_events, plant_world, write_ground_truth
from loaders.demo.scans import ScanPolicy
from loaders.demo.world import DEFAULT_START, Route, World

__all__ = [
    "DEFAULT_START",
    "FlowPolicy",
    "NetworkSize",
    "Planter",
    "Route",
    "ScanPolicy",
    "World",
    "build_world",
    "simulate",
    "write_ground_truth",
]

MAX_UNITS = 20_000_000


def build_world(
    units: int,
    seed: int,
    *,
    planters: Sequence[Planter] = (),
    start: datetime = DEFAULT_START,
) -> World:
    """The demo brand's network sized for ``units`` units, the same for the same arguments.

    Parameters
    ----------
    units
        How many units the plants make, 1 to 20,000,000.
    seed
        Seeds every random choice; the same seed gives the same world.
    planters
        Anomaly planters, applied in order after the plain world is built.
    start
        Midnight (timezone-aware) of the first production day.
    """
    if not 1 <= units <= MAX_UNITS:
        raise ValueError(f"units must be between 1 and {MAX_UNITS:,}, got {units}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return plant_world(build_network(units, seed, start), seed, planters)


def simulate(
    world: World,
    seed: int,
    *,
    planters: Sequence[Planter] = (),
    events_per_document: int = 2_000,
    policy: FlowPolicy | None = None,
    scan_policy: ScanPolicy | None = None,
) -> Iterator[dict[str, Any]]:
    """The history of ``world`` as EPCIS 2.0 JSON-LD documents, in event-time order.

    Streams: memory holds what is in flight, not the history, so a world of a million units
    can be written to disk or captured document by document. The same world and seed give
    byte-identical documents (``json.dumps`` of each).
    """
    stream = events(world, seed, policy, scan_policy)
    return documents(plant_events(stream, world, seed, planters), events_per_document)
