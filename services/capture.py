"""EPCIS capture: validate, hash, de-duplicate and project events into the graph.

One document is captured in one transaction: with ``rollback`` behaviour (the default, as in
the EPCIS 2.0 REST binding's ``GS1-Capture-Error-Behaviour``) any invalid event rejects the
whole document and nothing is written; with ``proceed`` the valid events are captured and the
invalid ones reported. An event whose ID (else hash) is stored already is counted as a
duplicate and changes nothing.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph_model.database import Database, Transaction
from graph_model.errors import InvalidField, WriteConflict
from graph_model.projection import project
from graph_model.repositories.events import EventRepository
from loaders.epcis.batch import PreparedBatch, prepare, raw_json, read_document
from loaders.epcis.document import EpcisValidationError, EventProblem, document_envelope

__all__ = [
    "CaptureBehaviour",
    "CaptureLimitExceeded",
    "CaptureResult",
    "CaptureService",
    "StreamTotals",
]

DEFAULT_CAPTURE_LIMIT = 10_000


class CaptureBehaviour(StrEnum):
    ROLLBACK = "rollback"
    PROCEED = "proceed"


class CaptureLimitExceeded(InvalidField):
    """A document with more events than the capture limit allows."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            "eventList",
            f"{count} events exceed the capture limit of {limit}; "
            "split the document or raise GS1-EPCIS-Capture-Limit",
        )
        self.count = count
        self.limit = limit


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What one capture did."""

    captured: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    problems: tuple[EventProblem, ...] = ()
    corrected: tuple[str, ...] = ()
    units: int = 0

    @property
    def rejected(self) -> bool:
        """True when the capture wrote nothing because of invalid events."""
        return bool(self.problems) and not self.captured and not self.duplicates

    def as_dict(self) -> dict[str, Any]:
        return {
            "captured": len(self.captured),
            "duplicates": list(self.duplicates),
            "corrected": list(self.corrected),
            "problems": [
                {"index": p.index, "eventID": p.event_id, "field": p.field, "reason": p.reason}
                for p in self.problems
            ],
        }


@dataclass(slots=True)
class StreamTotals:
    """Counts of a long capture stream (ids are not kept)."""

    documents: int = 0
    events: int = 0
    duplicates: int = 0
    units: int = 0

    def add(self, result: CaptureResult) -> None:
        self.documents += 1
        self.events += len(result.captured)
        self.duplicates += len(result.duplicates)
        self.units += result.units


class CaptureService:
    """Captures EPCIS documents and events into the graph."""

    def __init__(
        self,
        db: Database,
        capture_limit: int = DEFAULT_CAPTURE_LIMIT,
        writers: int = 1,
    ) -> None:
        self.writers = max(1, writers)
        self._db = db
        self._events = EventRepository(db)
        self.capture_limit = capture_limit

    # -- public ---------------------------------------------------------------------------
    def capture_document(
        self,
        document: Mapping[str, Any],
        behaviour: CaptureBehaviour = CaptureBehaviour.ROLLBACK,
        limit: int | None = None,
    ) -> CaptureResult:
        objects, hash_context = document_envelope(document)
        self.check_limit(len(objects), limit)
        batch = prepare(objects, document.get("@context"), hash_context=hash_context)
        if batch.problems and behaviour is CaptureBehaviour.ROLLBACK:
            return CaptureResult(problems=tuple(batch.problems))
        result = self.write(batch)
        return CaptureResult(
            result.captured, result.duplicates, tuple(batch.problems), result.corrected,
            result.units,
        )  # fmt: skip

    def check_limit(self, count: int, limit: int | None = None) -> int:
        """The capture limit in force (the lower of the client's and the service's); raises
        :class:`CaptureLimitExceeded` when ``count`` events exceed it."""
        cap = min(limit or self.capture_limit, self.capture_limit)
        if count > cap:
            raise CaptureLimitExceeded(count, cap)
        return cap

    def capture_event(self, obj: Mapping[str, Any]) -> CaptureResult:
        batch = prepare([obj], obj.get("@context"))
        if batch.problems:
            return CaptureResult(problems=tuple(batch.problems))
        return self.write(batch)

    def write(self, batch: PreparedBatch) -> CaptureResult:
        """Write the valid events of ``batch`` in one transaction, skipping stored ones."""
        if not batch.events:
            return CaptureResult()
        return self._db.write(self._write_tx, batch)

    def capture_stream(
        self,
        documents: Iterable[Mapping[str, Any]],
        on_batch: Callable[[CaptureResult], None] | None = None,
    ) -> StreamTotals:
        """Capture many documents, parsing the next while the database writes the last.

        Every document is all-or-nothing (rollback behaviour); the first invalid document
        stops the stream with :class:`EpcisValidationError`.
        """
        totals = StreamTotals()
        for result in self._pipelined(documents):
            totals.add(result)
            if on_batch is not None:
                on_batch(result)
        return totals

    # -- internals ------------------------------------------------------------------------
    def _pipelined(self, documents: Iterable[Mapping[str, Any]]) -> Iterator[CaptureResult]:
        ready: queue.Queue[PreparedBatch | BaseException | None] = queue.Queue(maxsize=2)

        def produce() -> None:
            try:
                for document in documents:
                    batch = read_document(document)
                    if batch.problems:
                        raise EpcisValidationError(batch.problems)
                    batch.projection = project(
                        (e, raw_json(e, batch.context)) for e in batch.events
                    )
                    ready.put(batch)
                ready.put(None)
            except BaseException as exc:  # handed to the consumer, which re-raises it
                ready.put(exc)

        producer = threading.Thread(target=produce, name="yima-capture-prepare", daemon=True)
        producer.start()
        # Several documents are written at once: the projection does not depend on the order
        # in which facts arrive, so concurrent transactions give the same graph.
        in_flight: deque[Future[CaptureResult]] = deque()
        with ThreadPoolExecutor(self.writers, thread_name_prefix="yima-capture-write") as pool:
            while True:
                item = ready.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                in_flight.append(pool.submit(self._write_retrying, item))
                while len(in_flight) >= self.writers:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        producer.join()

    def _write_retrying(self, batch: PreparedBatch) -> CaptureResult:
        try:
            return self.write(batch)
        except WriteConflict:
            # The same event arrived in two documents written at once; the retry's
            # de-duplication read now sees the one that won.
            batch.projection = None
            return self.write(batch)

    def _write_tx(self, tx: Transaction, batch: PreparedBatch) -> CaptureResult:
        projection = batch.projection
        if projection is None:
            projection = project((e, raw_json(e, batch.context)) for e in batch.events)
        inserted = self._events.insert_events(tx, projection.events)
        fresh = [e for e in batch.events if e.event_id in inserted]
        stored = [e for e in batch.events if e.event_id not in inserted]
        corrections = [e for e in stored if e.error_declaration]
        if corrections:
            self._events.declare_errors(
                tx, [(e.event_id, raw_json(e, batch.context)) for e in corrections]
            )
        if fresh and len(fresh) != len(batch.events):
            projection = project((e, "") for e in fresh)
        if fresh:
            self._events.write(tx, projection, with_events=False)
        return CaptureResult(
            captured=tuple(e.event_id for e in fresh),
            duplicates=tuple(e.event_id for e in stored if not e.error_declaration),
            corrected=tuple(e.event_id for e in corrections),
            units=projection.units if fresh else 0,
        )
