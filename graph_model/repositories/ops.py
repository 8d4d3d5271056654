"""What the operations endpoints read from the graph."""

from __future__ import annotations

from graph_model.database import Database

__all__ = ["OpsRepository"]


class OpsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def job_counts(self) -> list[tuple[str, str, int]]:
        """``(kind, status, count)`` of every job in the graph (the status index answers)."""
        records = self._db.read(
            "MATCH (j:Job) RETURN j.kind AS kind, j.status AS status, count(*) AS n"
        )
        return [(str(r["kind"]), str(r["status"]), int(r["n"])) for r in records]
