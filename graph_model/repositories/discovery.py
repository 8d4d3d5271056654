"""The EPCIS 2.0 REST discovery resources: which event types, business steps, locations,
read points, dispositions and EPCs the stored events name (``GET /bizSteps`` ...).

Each list is read in value order from the index on its property, a page at a time after the
last value of the previous page, so a long list costs one index range per page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, LiteralString

from graph_model.database import Database

__all__ = ["EVENT_TYPES", "RESOURCES", "DiscoveryRepository", "ValuePage"]

EVENT_TYPES: Final = (
    "AggregationEvent", "AssociationEvent", "ObjectEvent", "TransactionEvent",
    "TransformationEvent",
)  # fmt: skip

# resource -> the distinct values of one indexed event property, in order, after $after.
RESOURCES: Final[Mapping[str, LiteralString]] = {
    "bizSteps": "MATCH (e:Event) WHERE e.bizStep > $after "
    "RETURN DISTINCT e.bizStep AS v ORDER BY v LIMIT $limit",
    "bizLocations": "MATCH (e:Event) WHERE e.bizLocation > $after "
    "RETURN DISTINCT e.bizLocation AS v ORDER BY v LIMIT $limit",
    "readPoints": "MATCH (e:Event) WHERE e.readPoint > $after "
    "RETURN DISTINCT e.readPoint AS v ORDER BY v LIMIT $limit",
    "dispositions": "MATCH (e:Event) WHERE e.disposition > $after "
    "RETURN DISTINCT e.disposition AS v ORDER BY v LIMIT $limit",
    # Every instance an event concerns is a unit (:Code) or a package (:Package).
    "epcs": """
    CALL () {
      MATCH (n:Code) WHERE n.id > $after RETURN n.id AS v ORDER BY v LIMIT $limit
      UNION
      MATCH (n:Package) WHERE n.id > $after RETURN n.id AS v ORDER BY v LIMIT $limit
    }
    RETURN v ORDER BY v LIMIT $limit
    """,
}


@dataclass(frozen=True, slots=True)
class ValuePage:
    members: list[str]
    last: str | None  # the value the next page starts after, when there is one


class DiscoveryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def values(self, resource: str, after: str, per_page: int) -> ValuePage:
        """Up to ``per_page`` values of ``resource`` greater than ``after``."""
        if resource == "eventTypes":
            members = [t for t in EVENT_TYPES if t > after]
        else:
            records = self._db.read(RESOURCES[resource], after=after, limit=per_page + 1)
            members = [str(r["v"]) for r in records]
        page = members[:per_page]
        return ValuePage(page, page[-1] if len(members) > per_page else None)
