"""Declare which organisation each location belongs to, from master data."""

from __future__ import annotations

from pathlib import Path

from graph_model.database import Database
from graph_model.repositories.locations import LocationRepository
from loaders.locations import read_locations

__all__ = ["declare_locations"]


def declare_locations(db: Database, path: Path) -> int:
    """Check every row of ``path`` (``locations.csv``), then write them in one transaction;
    returns the rows written."""
    return LocationRepository(db).declare(read_locations(path))
