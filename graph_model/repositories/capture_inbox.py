"""Capture documents kept until their job is done:
``(:CaptureDocument {job, json, behaviour, limit, storedAt})``.

``POST /capture`` answers 202 only after the document is stored here, so a document survives
the process that accepted it: whichever API process sweeps next claims the jobs whose process
stopped (their heartbeat went stale) and captures their documents again. Capture de-duplicates
by event, so a document captured before its process died adds nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_model.database import Database

__all__ = ["CaptureInbox", "KeptCapture"]


@dataclass(frozen=True, slots=True)
class KeptCapture:
    """A stored document whose job this process now holds."""

    job_id: str
    document: Mapping[str, Any]
    behaviour: str
    limit: int | None


class CaptureInbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def keep(
        self, job_id: str, document: Mapping[str, Any], behaviour: str, limit: int | None
    ) -> None:
        self._db.query(
            "CREATE (:CaptureDocument {job: $job, json: $json, behaviour: $behaviour, "
            "limit: $limit, storedAt: datetime.realtime()})",
            job=job_id,
            json=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
            behaviour=behaviour,
            limit=limit,
        )

    def claim(self, runner: str, older_than_seconds: float) -> list[KeptCapture]:
        """Take over the capture jobs with a kept document whose process stopped (heartbeat
        older than ``older_than_seconds``): they become ``runner``'s, pending again."""
        records = self._db.query(
            "MATCH (d:CaptureDocument) "
            "MATCH (j:Job {id: d.job}) WHERE j.status IN ['pending', 'running'] "
            "AND j.runner <> $runner AND (j.heartbeatAt IS NULL "
            "     OR j.heartbeatAt < datetime.realtime() - duration({seconds: $age})) "
            "SET j.runner = $runner, j.status = 'pending', j.heartbeatAt = datetime.realtime(), "
            "j.recovered = coalesce(j.recovered, 0) + 1 "
            "RETURN j.id AS job, d.json AS json, d.behaviour AS behaviour, d.limit AS limit",
            runner=runner,
            age=older_than_seconds,
        )
        return [
            KeptCapture(r["job"], json.loads(r["json"]), r["behaviour"], r["limit"])
            for r in records
        ]

    def forget_done(self, older_than_seconds: float) -> int:
        """Delete the documents whose job finished, and those whose job was never recorded
        (the process stopped between the two writes; no client was answered 202 for them)."""
        records = self._db.query(
            "MATCH (d:CaptureDocument) OPTIONAL MATCH (j:Job {id: d.job}) "
            "WITH d, j WHERE (j IS NOT NULL AND NOT j.status IN ['pending', 'running']) "
            "OR (j IS NULL AND d.storedAt < datetime.realtime() - duration({seconds: $age})) "
            "DELETE d RETURN count(*) AS n",
            age=older_than_seconds,
        )
        return int(records[0]["n"]) if records else 0

    def forget(self, job_id: str) -> None:
        self._db.query("MATCH (d:CaptureDocument {job: $job}) DELETE d", job=job_id)
