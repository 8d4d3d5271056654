"""EPCIS documents and events read into a batch of validated events, with every problem found.

A batch is what one capture writes in one transaction: the valid events, each problem of the
invalid ones (index, eventID, field, reason), the document's ``@context`` (kept with each
stored event so it stands alone) and, once computed, the events' projection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_model.events import EpcisEvent
from graph_model.projection import Projection
from loaders.epcis.document import (
    EpcisValidationError,
    EventProblem,
    document_envelope,
    parse_event,
)
from loaders.epcis.hash import HashContext

__all__ = ["PreparedBatch", "prepare", "raw_json", "read_document"]


@dataclass(slots=True)
class PreparedBatch:
    """Events parsed and projected, ready for one write transaction."""

    events: list[EpcisEvent] = field(default_factory=list)
    problems: list[EventProblem] = field(default_factory=list)
    context: Any = None
    projection: Projection | None = None


def prepare(
    objects: Sequence[Any], context: Any = None, *, hash_context: HashContext | None = None
) -> PreparedBatch:
    """Parse and validate ``objects`` (event JSON objects) and keep every problem found.

    ``context`` is the ``@context`` the events came with (kept with each stored event);
    ``hash_context`` the document's hashing context when there is a document around them.
    """
    batch = PreparedBatch(context=context)
    if hash_context is None:
        hash_context = HashContext.from_context(context)
    seen: set[str] = set()
    for i, obj in enumerate(objects):
        try:
            event = parse_event(obj, index=i, context=hash_context)
        except EpcisValidationError as exc:
            batch.problems.extend(exc.event_problems)
            continue
        if event.event_id in seen:
            continue  # the same event twice in one document is captured once
        seen.add(event.event_id)
        batch.events.append(event)
    return batch


def read_document(document: Mapping[str, Any]) -> PreparedBatch:
    """Check the envelope of ``document`` and parse its events."""
    objects, hash_context = document_envelope(document)
    return prepare(objects, document.get("@context"), hash_context=hash_context)


def raw_json(event: EpcisEvent, context: Any = None) -> str:
    """The event as captured, carrying its document's ``@context`` so it stands alone."""
    raw = dict(event.raw)
    if context is not None and "@context" not in raw:
        raw = {"@context": context, **raw}
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
