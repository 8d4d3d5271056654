"""Captures as durable jobs: the document is stored before the job is acknowledged, and
whichever process sweeps next captures the documents of jobs whose process died.

A document is captured in one transaction, so after a crash it is either wholly in the graph
or not at all; capturing it again de-duplicates by event and adds nothing that is there. A
job therefore never stays ``running`` after its process is gone: its document is taken over,
or (for a job with no document: an analysis) the runner's sweep marks it failed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from graph_model.database import Database
from graph_model.errors import DatabaseUnavailable
from graph_model.jobs import Job, JobKind
from graph_model.repositories.capture_inbox import CaptureInbox
from services.capture import CaptureBehaviour, CaptureResult, CaptureService
from services.jobs import JobOutcome, JobRunner, Progress

__all__ = ["CaptureJobs"]

log = logging.getLogger("yima.capture")


class CaptureJobs:
    #: How long a capture waits for the database to come back before its job fails.
    outage_limit = 900.0

    def __init__(self, db: Database, capture: CaptureService, runner: JobRunner) -> None:
        self._inbox = CaptureInbox(db)
        self._capture = capture
        self._runner = runner

    def submit(
        self, document: Mapping[str, Any], behaviour: CaptureBehaviour, limit: int | None
    ) -> Job:
        """Store ``document``, then queue its capture; the job is returned once both are
        committed, so a 202 answered with it survives this process."""
        job_id = str(uuid.uuid4())
        self._inbox.keep(job_id, document, behaviour.value, limit)
        return self._runner.submit(
            JobKind.CAPTURE,
            self._work(job_id, document, behaviour, limit),
            detail={"behaviour": behaviour.value},
            job_id=job_id,
        )

    def recover(self) -> list[str]:
        """Take over the captures of processes that stopped and queue them here; forget the
        documents of finished jobs. Returns the ids of the jobs taken over."""
        kept = self._inbox.claim(self._runner.name, self._runner.stale_after)
        for capture in kept:
            behaviour = CaptureBehaviour(capture.behaviour)
            work = self._work(capture.job_id, capture.document, behaviour, capture.limit)
            self._runner.requeue(capture.job_id, JobKind.CAPTURE, work)
        if kept:
            log.warning("took over %d capture(s) of a stopped process", len(kept))
        self._inbox.forget_done(self._runner.stale_after)
        return [capture.job_id for capture in kept]

    def _work(
        self,
        job_id: str,
        document: Mapping[str, Any],
        behaviour: CaptureBehaviour,
        limit: int | None,
    ) -> Any:
        def work(progress: Progress) -> JobOutcome:
            result = self._capture_until_reachable(document, behaviour, limit)
            return JobOutcome(
                succeeded=not result.problems,
                detail={"behaviour": behaviour.value, **result.as_dict()},
            )

        return work

    def _capture_until_reachable(
        self, document: Mapping[str, Any], behaviour: CaptureBehaviour, limit: int | None
    ) -> CaptureResult:
        """Capture ``document``, waiting out an outage of the database (a restart takes longer
        than the driver's own retries): an acknowledged document is captured once it is back.
        De-duplication makes a try whose commit was lost with the connection harmless."""
        deadline = time.monotonic() + self.outage_limit
        wait = 1.0
        while True:
            try:
                return self._capture.capture_document(document, behaviour, limit)
            except DatabaseUnavailable:
                if time.monotonic() + wait > deadline:
                    raise
                log.warning("database unavailable during a capture; trying again in %.0f s", wait)
                time.sleep(wait)
                wait = min(wait * 2, 15.0)
