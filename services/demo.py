"""Load the demo world: master data first, then its whole history through the capture path,
with diversions (窜货) and their noise planted; the planted truth is written beside the data
for measuring, and diversion detection runs over the loaded history so cases are there to
open."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph_model.database import Database
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo import build_world, simulate, write_ground_truth
from loaders.demo.diversion import DiversionPlanter
from services.campaign_world import demo_campaigns
from services.capture import CaptureResult, CaptureService, StreamTotals
from services.diversion import DiversionService
from services.referral_world import demo_referrals
from services.store_fraud_world import demo_store_fraud

__all__ = ["DemoLoad", "load_demo"]


@dataclass(frozen=True, slots=True)
class DemoLoad:
    units: int
    seed: int
    totals: StreamTotals
    seconds: float
    truth: Path | None = None
    diversion_cases: int = 0
    referral_rings: int = 0
    store_fraud_clusters: int = 0

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
    truth_dir: Path | None = None,
    diversions: bool = False,
    referrals: bool = True,
    store_fraud: bool = True,
    campaigns: bool = False,
) -> DemoLoad:
    """Build the demo world for ``units`` and ``seed`` and capture it. Running it again with
    the same arguments leaves the graph as it is: every event is a duplicate.

    With ``diversions`` the world carries planted diversions and their noise
    (:class:`~loaders.demo.diversion.DiversionPlanter`), their ground truth is written to
    ``truth_dir/diversion-truth.json`` when a folder is given, and detection runs over the
    loaded history.

    With ``referrals`` the demo's referral campaigns are loaded too (organic cascades and
    planted referral farms, :func:`services.referral_world.demo_referrals`), their spread
    measured and their rings detected.

    With ``store_fraud`` the store-fraud world is loaded beside it (planted fake-store rings and
    fake orders, chains, malls, families, :func:`services.store_fraud_world.demo_store_fraud`)
    and its clusters detected.

    With ``campaigns`` the campaign world is loaded too (a scan-to-win campaign, organic scans
    and planted scan fraud, :func:`services.campaign_world.demo_campaigns`), its truth written to
    ``truth_dir/campaign-fraud-truth.json`` and its scans replayed through the scan path."""
    started = time.perf_counter()
    planters = [DiversionPlanter()] if diversions else []
    world = build_world(units, seed, planters=planters)
    # Kind by kind in slices: a large world's consumers exceed what one transaction may hold.
    MasterDataRepository(db).save(world.master, atomic=False)
    service = CaptureService(db)
    documents = simulate(world, seed, planters=planters, events_per_document=events_per_document)
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
    truth = None
    if truth_dir is not None and planters:
        truth_dir.mkdir(parents=True, exist_ok=True)
        truth = write_ground_truth(truth_dir / "diversion-truth.json", world, planters)
    cases = 0
    if planters:
        # The simulated history starts at the world's first production day.
        cases = len(DiversionService(db).detect(world.start).case_ids)
    rings = 0
    if referrals:
        rings = demo_referrals(db, units, seed, truth_dir).rings
    fraud = demo_store_fraud(db, units, seed, truth_dir) if store_fraud else 0
    scan_risk = None
    if campaigns:
        scan_risk = demo_campaigns(db, min(1_000, max(100, units // 100)), seed, truth_dir)
    seconds = time.perf_counter() - started
    if console is not None:
        console.print(
            f"demo world: {units:,} units, {totals.events:,} events captured, "
            f"{totals.duplicates:,} already stored, {cases} diversion cases, "
            f"{rings} referral rings, {fraud} store-fraud clusters, {seconds:.1f} s"
        )
        if truth is not None:
            console.print(f"planted diversions (ground truth): {truth}")
        if scan_risk is not None:
            console.print("campaign scans: " + "; ".join(scan_risk.lines()))
    return DemoLoad(units, seed, totals, seconds, truth, cases, rings, fraud)
