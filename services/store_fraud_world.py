"""Load the store-fraud world (:mod:`loaders.demo.store_fraud`): master data, then its events
through the capture path. Its ``truth`` is for measuring detection only."""

from __future__ import annotations

from graph_model.database import Database
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo.store_fraud import StoreFraudWorld, store_fraud_world
from services.capture import CaptureService

__all__ = ["load_store_fraud_world"]


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
