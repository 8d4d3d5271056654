"""Load the store-fraud world (:mod:`loaders.demo.store_fraud`): master data, then its events
through the capture path. Its ``truth`` is for measuring detection only."""

from __future__ import annotations

from pathlib import Path

from graph_model.database import Database
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo.store_fraud import StoreFraudWorld, store_fraud_world
from services.capture import CaptureService
from services.store_fraud import StoreFraudService

__all__ = ["demo_store_fraud", "load_store_fraud_world"]


def load_store_fraud_world(
    db: Database, stores: int = 400, seed: int = 7, *, namespace: str = ""
) -> StoreFraudWorld:
    """Generate the world (planted fake-store rings and fake orders beside honest stores,
    chains, malls and families) and load it: master data kind by kind, events through the
    capture path. Loading it again changes nothing."""
    world = store_fraud_world(stores, seed, namespace)
    MasterDataRepository(db).save(world.master, atomic=False)
    CaptureService(db).capture_stream(world.documents())
    return world


def demo_store_fraud(db: Database, units: int, seed: int, truth_dir: Path | None = None) -> int:
    """The demo's store-fraud world, sized to the demo (one store per hundred units, between
    100 and 400), its truth written to ``truth_dir/store-fraud-truth.json``, and detection
    run over the graph; returns the number of flagged clusters."""
    world = load_store_fraud_world(db, min(400, max(100, units // 100)), seed)
    if truth_dir is not None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        world.write_truth(truth_dir / "store-fraud-truth.json")
    return StoreFraudService(db).detect().flagged
