"""Hooks for anomaly planters: diversions, fake stores, referral farms, ….

A planter changes the world before the simulation (``plant_world``: add a fake store, a route
outside the contracted channel) and/or the event stream during it (``plant_events``: a
wrapper over the time-ordered stream), and afterwards tells what it planted
(``ground_truth``), which :func:`write_ground_truth` saves as JSON for the detectors' tests
and benchmarks to score against.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from loaders.demo.world import World

__all__ = ["Planter", "plant_events", "plant_world", "write_ground_truth"]

Event = dict[str, Any]


@runtime_checkable
class Planter(Protocol):
    """One kind of anomaly planted in the demo world.

    ``name`` keys the planter's section of the ground-truth file. ``plant_events`` must keep
    the stream in ``eventTime`` order and must copy an event before changing it (events may
    share nested lists with later ones).
    """

    name: str

    def plant_world(self, world: World, rng: random.Random) -> World:
        """The world with this planter's changes (``dataclasses.replace`` of ``world``)."""
        ...

    def plant_events(
        self, events: Iterator[Event], world: World, rng: random.Random
    ) -> Iterator[Event]:
        """The event stream with this planter's changes."""
        ...

    def ground_truth(self) -> dict[str, Any]:
        """What was planted, as JSON-ready data."""
        ...


def _rng(seed: int, planter: Planter, stage: str) -> random.Random:
    return random.Random(f"yima-demo-planter:{seed}:{planter.name}:{stage}")


def plant_world(world: World, seed: int, planters: Sequence[Planter]) -> World:
    """``world`` after every planter's ``plant_world``, in order, each with its own RNG."""
    for planter in planters:
        world = planter.plant_world(world, _rng(seed, planter, "world"))
    return world


def plant_events(
    events: Iterator[Event], world: World, seed: int, planters: Sequence[Planter]
) -> Iterator[Event]:
    """``events`` passed through every planter's ``plant_events``, in order."""
    for planter in planters:
        events = planter.plant_events(events, world, _rng(seed, planter, "events"))
    return events


def write_ground_truth(path: str | Path, world: World, planters: Sequence[Planter]) -> Path:
    """Write ``{"seed", "units", "planters": {name: ground_truth}}`` to ``path`` as JSON."""
    names = [p.name for p in planters]
    if len(set(names)) != len(names):
        raise ValueError(f"planters: names must be unique, got {names}")
    doc = {
        "seed": world.seed,
        "units": world.units,
        "planters": {p.name: p.ground_truth() for p in planters},
    }
    out = Path(path)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
    return out
