"""Load the demo world: master data first, then its whole history through the capture path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph_model.database import Database
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo import build_world, simulate
from services.capture import CaptureResult, CaptureService, StreamTotals

__all__ = ["DemoLoad", "load_demo"]


@dataclass(frozen=True, slots=True)
class DemoLoad:
    units: int
    seed: int
    totals: StreamTotals
    seconds: float

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0


def load_demo(
    db: Database,
    units: int,
    seed: int,
    *,
    console: Console | None = None,
    events_per_document: int = 2_000,
) -> DemoLoad:
    """Build the demo world for ``units`` and ``seed`` and capture it. Running it again with
    the same arguments leaves the graph as it is: every event is a duplicate."""
    started = time.perf_counter()
    world = build_world(units, seed)
    # Kind by kind in slices: a large world's consumers exceed what one transaction may hold.
    MasterDataRepository(db).save(world.master, atomic=False)
    service = CaptureService(db)
    documents = simulate(world, seed, events_per_document=events_per_document)
    progress = Progress(
        TextColumn("[bold]demo world"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("units · {task.fields[events]} events · {task.fields[dupes]} already stored"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        disable=console is None,
    )
    with progress:
        task = progress.add_task("load", total=units, events=0, dupes=0)
        seen: dict[str, Any] = {"events": 0, "dupes": 0}

        def advance(result: CaptureResult) -> None:
            seen["events"] += len(result.captured)
            seen["dupes"] += len(result.duplicates)
            progress.update(task, advance=result.units, events=seen["events"], dupes=seen["dupes"])

        totals = service.capture_stream(documents, on_batch=advance)
        progress.update(task, completed=units)
    seconds = time.perf_counter() - started
    if console is not None:
        console.print(
            f"demo world: {units:,} units, {totals.events:,} events captured, "
            f"{totals.duplicates:,} already stored, {seconds:.1f} s"
        )
    return DemoLoad(units, seed, totals, seconds)
