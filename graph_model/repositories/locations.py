"""Locations of organisations: ``(:Location {id})-[:OF {declared}]->(:Party {id})``.

Capture learns the links from events (``declared: false``, see
:mod:`graph_model.repositories.events`); master data declares them here (``declared: true``),
one organisation per location: a declaration replaces the location's earlier declared owner,
and reads prefer a declared link to a learned one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, LiteralString

from graph_model.database import Database, Transaction
from graph_model.locations import LocationOf

__all__ = ["DECLARE_LOCATIONS", "LocationRepository"]

DECLARE_LOCATIONS: Final[LiteralString] = """
UNWIND $rows AS r
MERGE (l:Location {id: r.location})
MERGE (p:Party {id: r.party})
  ON CREATE SET p.name = r.name
WITH l, p, r
CALL (l, p) {
  OPTIONAL MATCH (l)-[old:OF {declared: true}]->(other:Party)
  WHERE other <> p
  DELETE old
}
MERGE (l)-[of:OF]->(p)
SET of.declared = true
"""


class LocationRepository:
    """Declares which organisation each location belongs to."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def declare(self, rows: Sequence[LocationOf]) -> int:
        """Write ``rows`` in one transaction; returns how many were written."""
        data = [{"location": r.location, "party": r.party, "name": r.name} for r in rows]

        def work(tx: Transaction) -> None:
            for i in range(0, len(data), 5000):
                tx.run(DECLARE_LOCATIONS, rows=data[i : i + 5000]).consume()

        if data:
            self._db.write(work)
        return len(data)
