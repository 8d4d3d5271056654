"""The one job facility: background work with its state in the graph.

Every capture, layout plan and bulk analysis that does not answer at once is submitted here.
The runner keeps one bounded pool per lane (``JobKind.lane``): captures have their own, so a
long analysis never starves the EPCIS documents partners are waiting on. A job's state lives
in its ``(:Job)`` node, so any API replica answers for it; the runner refreshes a heartbeat
on the jobs it holds, and jobs whose heartbeat went stale (their process died) are marked
failed, at start and every ``sweep_every`` seconds, never left running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graph_model.errors import DatabaseUnavailable, FieldProblem, InvalidField, YimaError
from graph_model.jobs import Job, JobKind
from graph_model.repositories.jobs import JobRepository

__all__ = ["JobOutcome", "JobRunner", "Progress"]

log = logging.getLogger("yima.jobs")

#: Reports the share of the work done, 0 to 1.
Progress = Callable[[float], None]

DEFAULT_LANES: Mapping[str, int] = {"capture": 2, "analysis": 1, "delivery": 1}

_UNAVAILABLE = FieldProblem("-", "the database became unavailable while it ran; run it again")


def _stale_seconds() -> float:
    """How long a job's heartbeat may be silent before its process counts as stopped
    (``YIMA_JOB_STALE_SECONDS``, default 60); heartbeats come six times and sweeps twice as
    often."""
    return float(os.environ.get("YIMA_JOB_STALE_SECONDS") or 60)


def _shutdown_grace() -> float:
    """How long a stopping process goes on capturing the documents it queued
    (``YIMA_SHUTDOWN_GRACE_SECONDS``, default 60); the next process takes over the rest."""
    return float(os.environ.get("YIMA_SHUTDOWN_GRACE_SECONDS") or 60)


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a job's work returns: whether it succeeded, what it made, its report."""

    succeeded: bool = True
    result_id: str | None = None
    detail: Mapping[str, Any] | None = None
    error: FieldProblem | None = None


@dataclass
class JobRunner:
    """Runs submitted work in bounded per-lane pools and records it as ``(:Job)`` nodes."""

    jobs: JobRepository
    lanes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LANES))
    heartbeat_every: float = field(default_factory=lambda: _stale_seconds() / 6)
    stale_after: float = field(default_factory=lambda: _stale_seconds())
    sweep_every: float = field(default_factory=lambda: _stale_seconds() / 2)
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    #: Runs before each sweep for stale jobs (at start too): work that can be taken over
    #: (kept capture documents) is requeued here instead of being marked failed.
    recover: Callable[[], object] | None = None
    #: How long the end of a job waits to be recorded while the database is away.
    outage_limit: float = 900.0
    shutdown_grace: float = field(default_factory=_shutdown_grace)
    _pools: dict[str, ThreadPoolExecutor] = field(init=False, default_factory=dict)
    #: Jobs whose work is queued or running here: only these get heartbeats.
    _held: set[str] = field(init=False, default_factory=set)
    _held_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _queued: dict[str, set[Future[None]]] = field(init=False, default_factory=dict)
    _stop: threading.Event = field(init=False, default_factory=threading.Event)
    _ticker: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        for lane, workers in self.lanes.items():
            self._pools[lane] = ThreadPoolExecutor(max(1, workers), thread_name_prefix=lane)
            self._queued[lane] = set()

    def start(self) -> list[str]:
        """Fail the jobs left behind by processes that stopped; start the heartbeat. Returns
        the ids of the jobs marked failed."""
        if self.recover is not None:
            self.recover()
        failed = self.jobs.fail_stale(self.stale_after)
        self._ticker = threading.Thread(target=self._tick, name="yima-jobs", daemon=True)
        self._ticker.start()
        return failed

    def close(self, *, wait: bool = True) -> None:
        """Stop taking work; with ``wait``, go on capturing what is queued for
        ``shutdown_grace`` seconds (heartbeats continue meanwhile). Captures not started by
        then are left pending, and the next process takes them over from their kept documents;
        analyses are cancelled."""
        if wait:
            with self._held_lock:
                captures = set(self._queued.get("capture", ()))
            futures.wait(captures, timeout=self.shutdown_grace)
        self._stop.set()
        for lane, pool in self._pools.items():
            # The captures begun finish (one transaction each); the delivery loop was told to
            # stop and ends its pass.
            pool.shutdown(wait=wait and lane in ("capture", "delivery"), cancel_futures=True)
        if self._ticker is not None:
            self._ticker.join(timeout=1)

    def submit(
        self,
        kind: JobKind,
        work: Callable[[Progress], JobOutcome],
        *,
        detail: Mapping[str, Any] | None = None,
        job_id: str | None = None,
    ) -> Job:
        """Record a pending job of ``kind`` (with ``job_id`` when given) and queue ``work``
        in its lane."""
        job = self.jobs.create(job_id or str(uuid.uuid4()), kind, self.name, detail)
        self._queue(kind, job.id, work)
        return job

    def requeue(self, job_id: str, kind: JobKind, work: Callable[[Progress], JobOutcome]) -> None:
        """Queue ``work`` for a recorded job this runner has taken over."""
        self._queue(kind, job_id, work)

    def _queue(self, kind: JobKind, job_id: str, work: Callable[[Progress], JobOutcome]) -> None:
        with self._held_lock:
            self._held.add(job_id)
            queued = self._pools[kind.lane].submit(self._held_while, job_id, work)
            self._queued[kind.lane].add(queued)
        queued.add_done_callback(lambda done: self._done(kind.lane, done))

    def _done(self, lane: str, done: Future[None]) -> None:
        with self._held_lock:
            self._queued[lane].discard(done)

    def _held_while(self, job_id: str, work: Callable[[Progress], JobOutcome]) -> None:
        try:
            self._run(job_id, work)
        except Exception:  # its end could not be recorded: the sweep fails it once stale
            log.exception("job %s ended without its end recorded", job_id)
        finally:
            with self._held_lock:
                self._held.discard(job_id)

    def _run(self, job_id: str, work: Callable[[Progress], JobOutcome]) -> None:
        self.jobs.start(job_id)
        last = [0.0]

        def progress(share: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 1.0:  # at most one write a second
                last[0] = now
                self.jobs.progress(job_id, share)

        try:
            outcome = work(progress)
        except InvalidField as exc:
            outcome = JobOutcome(succeeded=False, error=exc.problems[0])
        except DatabaseUnavailable:
            log.warning("job %s failed: the database became unavailable", job_id, exc_info=True)
            outcome = JobOutcome(succeeded=False, error=_UNAVAILABLE)
        except YimaError as exc:
            outcome = JobOutcome(succeeded=False, error=FieldProblem("-", str(exc)))
        except Exception:  # the job says it failed; the log keeps the traceback
            log.exception("job %s failed", job_id)
            outcome = JobOutcome(
                succeeded=False, error=FieldProblem("-", "internal error (see the log)")
            )
        self._record_end(job_id, outcome)

    def _record_end(self, job_id: str, outcome: JobOutcome) -> None:
        """Record how the job ended, waiting out an outage of the database (a job that lost
        its database mid-way must not stay ``running`` once it is back)."""
        deadline = time.monotonic() + self.outage_limit
        wait = 1.0
        while True:
            try:
                self.jobs.finish(
                    job_id,
                    succeeded=outcome.succeeded,
                    result_id=outcome.result_id,
                    detail=outcome.detail,
                    error=outcome.error,
                )
                return
            except DatabaseUnavailable:
                if time.monotonic() + wait > deadline or self._stop.wait(wait):
                    raise
                wait = min(wait * 2, 15.0)

    def _tick(self) -> None:
        next_sweep = time.monotonic() + self.sweep_every
        while not self._stop.wait(self.heartbeat_every):
            try:
                with self._held_lock:
                    held = sorted(self._held)
                if held:
                    self.jobs.heartbeat(self.name, held)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_every
                    if self.recover is not None:
                        self.recover()
                    self.jobs.fail_stale(self.stale_after)
            except Exception:  # the database may be away for a while; try again next tick
                log.warning("job heartbeat failed", exc_info=True)
