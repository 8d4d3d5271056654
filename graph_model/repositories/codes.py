"""Codes (``:Code`` nodes) as issued: which ids exist, how many a product has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, LiteralString

from graph_model.database import Database

__all__ = ["CodeRepository"]

_EXISTING: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (c:Code {id: id})
RETURN c.id AS id
"""

# Counted through the batches of the product: degree counts, no scan of every :Code.
_ISSUED_FOR_GTIN: Final[LiteralString] = """
OPTIONAL MATCH (:Product {gtin: $gtin})<-[:OF]-(b:Batch)
RETURN coalesce(sum(COUNT { (b)<-[:IN_BATCH]-() }), 0) AS issued
"""


class CodeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def existing(self, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` that are stored codes."""
        return {str(r["id"]) for r in self._db.read(_EXISTING, ids=list(ids))}

    def issued(self, gtin: str) -> int:
        """How many codes of ``gtin`` (14 digits) are commissioned."""
        return int(self._db.read(_ISSUED_FOR_GTIN, gtin=gtin)[0]["issued"])
