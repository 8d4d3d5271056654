"""Reads behind the regulator export that provenance does not already make.

A unit's events and a lot's units come from
:class:`~graph_model.repositories.provenance.ProvenanceRepository`; this repository adds the
stored form of those events (JSON as captured and the hash stored with it) and the names of
the parties they name, each in one query over a list of keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

import neo4j

from graph_model.database import Database

__all__ = ["ExportRepository", "StoredEvent"]

STORED_EVENTS: LiteralString = """
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN e.id AS id, e.hash AS hash, e.json AS json, e.hashIgnore AS hashIgnore
"""

PARTY_NAMES: LiteralString = """
UNWIND $ids AS id
MATCH (p:Party {id: id})
RETURN p.id AS id, p.name AS name
"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its id, the hash computed at capture, its JSON as captured and the
    ``ignoreFields`` of its document, which that hash left out."""

    id: str
    hash: str | None
    body: Mapping[str, Any]
    hash_ignore: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> StoredEvent:
        text = record.get("json")
        body = json.loads(text) if isinstance(text, str) and text else {}
        if not isinstance(body, dict):
            body = {}
        ignore = tuple(str(name) for name in record.get("hashIgnore") or ())
        return cls(id=str(record["id"]), hash=record.get("hash"), body=body, hash_ignore=ignore)


class ExportRepository:
    """Stored events and party names for an export."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return self._db.read(query, **params)

    def stored_events(self, ids: Sequence[str]) -> dict[str, StoredEvent]:
        """The stored form of every event among ``ids``; unknown ids are missing."""
        records = self._read(STORED_EVENTS, ids=list(dict.fromkeys(ids)))
        return {r["id"]: StoredEvent.from_record(r) for r in records}

    def party_names(self, ids: Sequence[str]) -> dict[str, str | None]:
        """The name of every party among ``ids`` that yima knows (``None`` when unnamed)."""
        records = self._read(PARTY_NAMES, ids=list(dict.fromkeys(ids)))
        return {r["id"]: r["name"] for r in records}
