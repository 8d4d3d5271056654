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

__all__ = ["ExportRepository", "PartyPlace", "StoredEvent"]

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

# Where a party is: its own coordinates, else the seat of a region it is in.
PARTY_PLACES: LiteralString = """
UNWIND $ids AS id
MATCH (p:Party {id: id})
OPTIONAL MATCH (p)-[:IN]->(r:Region)
WITH p, r ORDER BY r.level DESC
WITH p, head(collect(r)) AS r
RETURN p.id AS id, p.name AS name, coalesce(p.lat, r.lat) AS lat, coalesce(p.lon, r.lon) AS lon,
       r.name AS region
"""

REGION_PLACES: LiteralString = """
UNWIND $codes AS code
MATCH (r:Region {code: code})
RETURN r.code AS id, r.name AS name, r.lat AS lat, r.lon AS lon, r.name AS region
"""


@dataclass(frozen=True, slots=True)
class PartyPlace:
    """A party's name and where it is (``None`` when neither it nor its region has a place)."""

    id: str
    name: str | None
    lat: float | None
    lon: float | None
    region: str | None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PartyPlace:
        lat, lon = record.get("lat"), record.get("lon")
        return cls(
            id=str(record["id"]),
            name=record.get("name"),
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
            region=record.get("region"),
        )


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

    def party_places(self, ids: Sequence[str]) -> dict[str, PartyPlace]:
        """Name and place of every party among ``ids`` that yima knows."""
        records = self._read(PARTY_PLACES, ids=list(dict.fromkeys(ids)))
        return {r["id"]: PartyPlace.from_record(r) for r in records}

    def region_places(self, codes: Sequence[str]) -> dict[str, PartyPlace]:
        """Name and seat of every region among ``codes`` that yima knows."""
        records = self._read(REGION_PLACES, codes=list(dict.fromkeys(codes)))
        return {r["id"]: PartyPlace.from_record(r) for r in records}
