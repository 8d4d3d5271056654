"""Rebuild the projected graph from the stored EPCIS events."""

from __future__ import annotations

import json
from dataclasses import replace

from graph_model.database import Database
from graph_model.projection import project
from graph_model.repositories.events import EventRepository
from loaders.epcis.document import parse_event

__all__ = ["rebuild_projection"]


def rebuild_projection(db: Database) -> int:
    """Delete the projected graph and replay every stored event into it, in time order."""
    repo = EventRepository(db)
    repo.clear_projection()
    replayed = 0
    for page in repo.iter_event_json():
        # The stored id wins: an event captured without an eventID is known by its hash.
        events = [
            replace(parse_event(json.loads(text), index=i), event_id=event_id)
            for i, (event_id, text) in enumerate(page)
        ]
        projection = project((e, "") for e in events)
        db.write(repo.write, projection, with_events=False)
        replayed += len(events)
    return replayed
