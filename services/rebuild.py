"""Rebuild the projected graph, or the part of it around some EPCs, from the stored EPCIS
events."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace

from graph_model.database import Database, Transaction
from graph_model.events import EpcisEvent
from graph_model.projection import project
from graph_model.repositories.events import EventRepository
from loaders.epcis.document import parse_event

__all__ = ["rebuild_around", "rebuild_projection"]


def _replayed(page: list[tuple[str, str]]) -> list[EpcisEvent]:
    # The stored id wins: an event captured without an eventID is known by its hash.
    return [
        replace(parse_event(json.loads(text), index=i), event_id=event_id)
        for i, (event_id, text) in enumerate(page)
    ]


def rebuild_around(db: Database, epcs: Collection[str]) -> int:
    """Rebuild the part of the graph the events around ``epcs`` projected (their units,
    packages, scans and shipments, and those of every EPC those events concern), in one
    transaction; the rest of the graph is untouched. Returns the events replayed."""
    repo = EventRepository(db)
    ids = repo.events_around(epcs)
    events = _replayed(repo.event_json(ids))
    projection = project((e, "") for e in events)

    def work(tx: Transaction) -> None:
        repo.clear_around(tx, ids)
        repo.write(tx, projection, with_events=False)

    db.write(work)
    return len(events)


def rebuild_projection(db: Database) -> int:
    """Delete the projected graph and replay every stored event into it, in time order."""
    repo = EventRepository(db)
    repo.clear_projection()
    replayed = 0
    for page in repo.iter_event_json():
        events = _replayed(page)
        projection = project((e, "") for e in events)
        db.write(repo.write, projection, with_events=False)
        replayed += len(events)
    return replayed
