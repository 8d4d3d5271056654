"""Capture jobs: the state of an asynchronous EPCIS capture, kept in the graph so that any
API replica can answer ``GET /capture/{id}``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import neo4j

from graph_model.errors import NotFound

__all__ = ["CaptureJob", "CaptureJobRepository"]


@dataclass(frozen=True, slots=True)
class CaptureJob:
    id: str
    status: str  # pending | running | succeeded | failed
    created_at: str
    finished_at: str | None
    behaviour: str
    captured: int
    duplicates: tuple[str, ...]
    problems: tuple[Mapping[str, Any], ...]
    error: str | None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CaptureJob:
        j = record["j"]
        return cls(
            id=j["id"],
            status=j["status"],
            created_at=j["createdAt"].iso_format(),
            finished_at=j["finishedAt"].iso_format() if j.get("finishedAt") else None,
            behaviour=j["behaviour"],
            captured=int(j.get("captured") or 0),
            duplicates=tuple(j.get("duplicates") or ()),
            problems=tuple(json.loads(j.get("problems") or "[]")),
            error=j.get("error"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "captureID": self.id,
            "running": self.status in ("pending", "running"),
            "success": self.status == "succeeded",
            "status": self.status,
            "createdAt": self.created_at,
            "finishedAt": self.finished_at,
            "captureErrorBehaviour": self.behaviour,
            "capturedEvents": self.captured,
            "duplicateEvents": list(self.duplicates),
            "errors": list(self.problems) + ([{"reason": self.error}] if self.error else []),
        }


class CaptureJobRepository:
    def __init__(self, driver: neo4j.Driver, database: str | None = None) -> None:
        self._driver = driver
        self._database = database

    def create(self, job_id: str, behaviour: str) -> CaptureJob:
        records, _, _ = self._driver.execute_query(
            "CREATE (j:CaptureJob {id: $id, status: 'pending', behaviour: $behaviour, "
            "createdAt: datetime.realtime()}) RETURN j",
            id=job_id,
            behaviour=behaviour,
            database_=self._database,
        )
        return CaptureJob.from_record(records[0])

    def set_running(self, job_id: str) -> None:
        self._driver.execute_query(
            "MATCH (j:CaptureJob {id: $id}) SET j.status = 'running'",
            id=job_id,
            database_=self._database,
        )

    def finish(
        self,
        job_id: str,
        *,
        succeeded: bool,
        captured: int,
        duplicates: list[str],
        problems: list[Mapping[str, Any]],
        error: str | None = None,
    ) -> None:
        self._driver.execute_query(
            "MATCH (j:CaptureJob {id: $id}) SET j.status = $status, "
            "j.finishedAt = datetime.realtime(), j.captured = $captured, "
            "j.duplicates = $duplicates, j.problems = $problems, j.error = $error",
            id=job_id,
            status="succeeded" if succeeded else "failed",
            captured=captured,
            duplicates=duplicates[:1000],
            problems=json.dumps(problems[:1000], ensure_ascii=False),
            error=error,
            database_=self._database,
        )

    def get(self, job_id: str) -> CaptureJob:
        records, _, _ = self._driver.execute_query(
            "MATCH (j:CaptureJob {id: $id}) RETURN j",
            id=job_id,
            database_=self._database,
            routing_=neo4j.RoutingControl.READ,
        )
        if not records:
            raise NotFound(f"captureID: no capture job {job_id!r}")
        return CaptureJob.from_record(records[0])
