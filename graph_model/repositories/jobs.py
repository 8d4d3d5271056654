"""Jobs in the graph: ``(:Job {id, kind, status, createdAt, startedAt, finishedAt, progress,
errorPath, error, resultId, detail, runner, heartbeatAt})``.

``runner`` names the process running the job and ``heartbeatAt`` is refreshed by it while it
lives; a job whose heartbeat has gone stale was interrupted (its process died) and is marked
failed by :meth:`JobRepository.fail_stale`, never left running.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from graph_model.database import Database, Record
from graph_model.errors import FieldProblem, NotFound
from graph_model.jobs import Job, JobKind, JobStatus

__all__ = ["JobPage", "JobRepository", "job_from_record"]

MAX_DETAIL_ITEMS = 1000

_RETURN = "RETURN j {.*} AS j"
# Jobs of a kind this version does not know (written by a newer version sharing the
# database) are left out of every answer rather than failing it.
_KNOWN_KINDS = [kind.value for kind in JobKind]


def _native(value: Any) -> datetime | None:
    return None if value is None else value.to_native()


def job_from_record(record: Mapping[str, Any]) -> Job:
    """The one mapping of a ``{j}`` row (the node's properties) to a :class:`Job`."""
    j = record["j"]
    error = None
    if j.get("error") is not None:
        error = FieldProblem(j.get("errorPath") or "-", j["error"])
    return Job(
        id=j["id"],
        kind=JobKind(j["kind"]),
        status=JobStatus(j["status"]),
        created_at=j["createdAt"].to_native(),
        started_at=_native(j.get("startedAt")),
        finished_at=_native(j.get("finishedAt")),
        progress=j.get("progress"),
        error=error,
        result_id=j.get("resultId"),
        detail=json.loads(j.get("detail") or "{}"),
    )


def _detail_text(detail: Mapping[str, Any]) -> str:
    trimmed = {k: (v[:MAX_DETAIL_ITEMS] if isinstance(v, list) else v) for k, v in detail.items()}
    return json.dumps(trimmed, ensure_ascii=False, separators=(",", ":"))


class JobPage:
    """One page of jobs, newest first, and the cursor of the next page."""

    def __init__(self, jobs: Sequence[Job], total: int, after: str | None) -> None:
        self.jobs = tuple(jobs)
        self.total = total
        self.after = after


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self, job_id: str, kind: JobKind, runner: str, detail: Mapping[str, Any] | None = None
    ) -> Job:
        records = self._db.query(
            "CREATE (j:Job {id: $id, kind: $kind, status: 'pending', runner: $runner, "
            "createdAt: datetime.realtime(), heartbeatAt: datetime.realtime(), "
            "detail: $detail}) " + _RETURN,
            id=job_id,
            kind=kind.value,
            runner=runner,
            detail=_detail_text(detail or {}),
        )
        return job_from_record(records[0])

    def start(self, job_id: str) -> None:
        self._db.query(
            "MATCH (j:Job {id: $id}) SET j.status = 'running', "
            "j.startedAt = datetime.realtime(), j.heartbeatAt = datetime.realtime()",
            id=job_id,
        )

    def progress(self, job_id: str, share: float) -> None:
        self._db.query(
            "MATCH (j:Job {id: $id}) WHERE j.status = 'running' "
            "SET j.progress = $share, j.heartbeatAt = datetime.realtime()",
            id=job_id,
            share=max(0.0, min(1.0, share)),
        )

    def finish(
        self,
        job_id: str,
        *,
        succeeded: bool,
        result_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
        error: FieldProblem | None = None,
    ) -> None:
        self._db.query(
            "MATCH (j:Job {id: $id}) SET j.status = $status, j.finishedAt = datetime.realtime(), "
            "j.progress = CASE WHEN $succeeded THEN 1.0 ELSE j.progress END, "
            "j.resultId = $result, j.detail = coalesce($detail, j.detail), "
            "j.errorPath = $path, j.error = $error",
            id=job_id,
            status=(JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED).value,
            succeeded=succeeded,
            result=result_id,
            detail=None if detail is None else _detail_text(detail),
            path=None if error is None else error.path,
            error=None if error is None else error.reason,
        )

    def heartbeat(self, runner: str, job_ids: Sequence[str]) -> None:
        """Say that ``runner`` still lives, for the unfinished jobs of ``job_ids`` it holds
        (only those its work is still queued or running for: a job whose work ended without
        recording its end goes stale and is failed by a sweep)."""
        self._db.query(
            "MATCH (j:Job) WHERE j.id IN $ids AND j.runner = $runner "
            "AND j.status IN ['pending', 'running'] "
            "SET j.heartbeatAt = datetime.realtime()",
            runner=runner,
            ids=list(job_ids),
        )

    def fail_stale(self, older_than_seconds: float, *, runner: str | None = None) -> list[str]:
        """Mark failed every unfinished job whose process stopped: its heartbeat is older
        than ``older_than_seconds``, or it belongs to ``runner`` (a process that was
        restarted under the same name). Returns their ids."""
        records = self._db.query(
            "MATCH (j:Job) WHERE j.status IN ['pending', 'running'] "
            "AND (j.runner = $runner OR j.heartbeatAt IS NULL "
            "     OR j.heartbeatAt < datetime.realtime() - duration({seconds: $age})) "
            # a capture whose document is kept is taken over by the next process instead
            "AND NOT EXISTS { MATCH (:CaptureDocument {job: j.id}) } "
            "SET j.status = 'failed', j.finishedAt = datetime.realtime(), j.errorPath = '-', "
            "j.error = 'interrupted: the process running it stopped before it finished' "
            "RETURN j.id AS id",
            age=older_than_seconds,
            runner=runner,
        )
        return [str(r["id"]) for r in records]

    def get(self, job_id: str, kind: JobKind | None = None) -> Job:
        """The job ``job_id`` (of ``kind``, when given); :class:`NotFound` when there is none."""
        records = self._db.read(
            "MATCH (j:Job {id: $id}) WHERE ($kind IS NULL OR j.kind = $kind) "
            "AND j.kind IN $known " + _RETURN,
            id=job_id,
            kind=None if kind is None else kind.value,
            known=_KNOWN_KINDS,
        )
        if not records:
            what = "job" if kind is None else f"{kind.value} job"
            raise NotFound(f"id: no {what} {job_id!r}")
        return job_from_record(records[0])

    def page(
        self,
        *,
        kind: JobKind | None = None,
        status: JobStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> JobPage:
        """Jobs newest first, filtered by ``kind`` and ``status``: ``first`` of them after the
        job whose id is ``after`` (the cursor of the previous page)."""
        records = self._db.read(
            "CALL { MATCH (j:Job) WHERE ($kind IS NULL OR j.kind = $kind) AND j.kind IN $known "
            "       AND ($status IS NULL OR j.status = $status) RETURN count(j) AS total } "
            "OPTIONAL MATCH (a:Job {id: $after}) "
            "OPTIONAL CALL (a) { MATCH (j:Job) WHERE ($kind IS NULL OR j.kind = $kind) "
            "  AND j.kind IN $known "
            "  AND ($status IS NULL OR j.status = $status) "
            "  AND (a IS NULL OR j.createdAt < a.createdAt "
            "       OR (j.createdAt = a.createdAt AND j.id < a.id)) "
            "  RETURN j ORDER BY j.createdAt DESC, j.id DESC LIMIT $limit } "
            "RETURN total, collect(j {.*}) AS jobs",
            kind=None if kind is None else kind.value,
            known=_KNOWN_KINDS,
            status=None if status is None else status.value,
            after=after,
            limit=first + 1,
        )
        if not records:
            return JobPage([], 0, None)
        record: Record = records[0]
        jobs = [job_from_record({"j": j}) for j in record["jobs"]]
        token = None
        if len(jobs) > first:
            jobs = jobs[:first]
            token = jobs[-1].id if jobs else None
        return JobPage(jobs, int(record["total"]), token)
