"""The EPCIS 2.0 query interface over stored events (``GET /events`` and friends).

Filters come from a fixed table of query parameters; each one contributes a literal Cypher
fragment and passes its value as a parameter, so no request text ever becomes Cypher.
Results are ordered by (eventTime, id) and paged with an opaque token naming the last row.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString

from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound

__all__ = ["EventPage", "EventQuery", "EventQueryRepository"]

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100

# parameter -> (Cypher fragment over `e`, parameter name). Values always travel as $params.
EVENT_FILTERS: Mapping[str, LiteralString] = {
    "eventType": "e.type IN $eventType",
    "GE_eventTime": "e.eventTime >= $GE_eventTime",
    "LT_eventTime": "e.eventTime < $LT_eventTime",
    "GE_recordTime": "e.recordTime >= $GE_recordTime",
    "LT_recordTime": "e.recordTime < $LT_recordTime",
    "EQ_action": "e.action IN $EQ_action",
    "EQ_bizStep": "e.bizStep IN $EQ_bizStep",
    "EQ_disposition": "e.disposition IN $EQ_disposition",
    "EQ_readPoint": "e.readPoint IN $EQ_readPoint",
    "EQ_bizLocation": "e.bizLocation IN $EQ_bizLocation",
    "EQ_eventID": "e.id IN $EQ_eventID",
    "MATCH_parentID": "e.parentID IN $MATCH_parentID",
}
LIST_PARAMS = frozenset(
    {
        "eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint",
        "EQ_bizLocation", "EQ_eventID", "MATCH_parentID", "MATCH_epc", "MATCH_anyEPC",
        "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_childEPC",
    }
)  # fmt: skip
TIME_PARAMS = frozenset({"GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"})
EPC_PARAMS = frozenset(
    {"MATCH_epc", "MATCH_anyEPC", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_childEPC"}
)
COUNT_PARAMS = frozenset({"eventCountLimit", "maxEventCount"})
KNOWN_PARAMS = frozenset(EVENT_FILTERS) | EPC_PARAMS | COUNT_PARAMS | {"perPage", "nextPageToken"}

# How an EPC parameter meets its events: the relationship from the event and a condition.
EPC_LINKS: Mapping[LiteralString, tuple[LiteralString, LiteralString]] = {
    "MATCH_anyEPC": ("CONCERNS", "true"),
    # epcList / childEPCs: not as the parent
    "MATCH_epc": ("CONCERNS", "(e.parentID IS NULL OR e.parentID <> n.id)"),
    "MATCH_childEPC": (
        "CONCERNS",
        "e.type IN ['AggregationEvent', 'AssociationEvent'] AND e.parentID <> n.id",
    ),
    "MATCH_inputEPC": ("INPUT", "true"),
    "MATCH_outputEPC": ("OUTPUT", "true"),
}


@dataclass(frozen=True, slots=True)
class EventQuery:
    filters: Mapping[str, Any]
    per_page: int = DEFAULT_PER_PAGE
    after: tuple[datetime, str] | None = None
    event_count_limit: int | None = None
    max_event_count: int | None = None

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]]) -> EventQuery:
        """Validate raw query-string pairs (repeated keys and comma lists both allowed)."""
        filters: dict[str, Any] = {}
        per_page = DEFAULT_PER_PAGE
        after = None
        counts: dict[str, int] = {}
        for key, value in params:
            if key not in KNOWN_PARAMS:
                raise InvalidField(key, "unknown query parameter")
            if key in COUNT_PARAMS:
                if not value.isdigit() or int(value) < 1:
                    raise InvalidField(key, "must be a positive whole number")
                counts[key] = int(value)
            elif key == "perPage":
                if not value.isdigit() or not 1 <= int(value) <= MAX_PER_PAGE:
                    raise InvalidField(key, f"must be a whole number from 1 to {MAX_PER_PAGE}")
                per_page = int(value)
            elif key == "nextPageToken":
                after = _decode_token(value)
            elif key in TIME_PARAMS:
                filters[key] = _parse_time(key, value)
            elif key in LIST_PARAMS:
                items = [v for v in value.split(",") if v]
                if not items:
                    raise InvalidField(key, "must not be empty")
                filters.setdefault(key, []).extend(items)
        if len(counts) == 2:
            raise InvalidField("maxEventCount", "cannot be given with eventCountLimit")
        limit = counts.get("eventCountLimit")
        return cls(
            filters,
            per_page if limit is None else min(per_page, limit),
            after,
            limit,
            counts.get("maxEventCount"),
        )


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[dict[str, Any]]
    next_token: str | None


def _parse_time(key: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidField(key, f"{value!r} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise InvalidField(key, f"{value!r} needs a time zone offset (e.g. Z or +08:00)")
    # Stored times are UTC; Neo4j orders datetimes of different offsets by local time first.
    return parsed.astimezone(UTC)


def _encode_token(t: Any, event_id: str) -> str:
    text = json.dumps([t.iso_format() if hasattr(t, "iso_format") else str(t), event_id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        t, event_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(t).astimezone(UTC), str(event_id)
    except (ValueError, TypeError) as exc:
        raise InvalidField("nextPageToken", "not a token this server issued") from exc


def _epc_patterns(values: Sequence[str]) -> tuple[list[str], list[str]]:
    """Exact EPCs and the prefixes of EPC patterns (``urn:epc:idpat:sgtin:CP.IR.*``)."""
    exact: list[str] = []
    prefixes: list[str] = []
    for value in values:
        if value.startswith("urn:epc:idpat:"):
            scheme, _, rest = value[len("urn:epc:idpat:") :].partition(":")
            fixed = rest.split("*", 1)[0]
            prefixes.append(f"urn:epc:id:{scheme}:{fixed}")
        else:
            exact.append(value)
    return exact, prefixes


_NODES: LiteralString = """
CALL () {
  MATCH (n:Code) WHERE n.id IN $exact RETURN n
  UNION
  MATCH (n:Package) WHERE n.id IN $exact RETURN n
  UNION
  UNWIND $prefixes AS prefix
  MATCH (n:Code) WHERE n.id STARTS WITH prefix RETURN n
  UNION
  UNWIND $prefixes AS prefix
  MATCH (n:Package) WHERE n.id STARTS WITH prefix RETURN n
}
"""


def _matched_nodes(link: LiteralString, condition: LiteralString) -> LiteralString:
    """The events whose ``link`` reaches a unit or package among $exact / $prefixes."""
    return (
        _NODES + "MATCH (e:Event)-[:" + link + "]->(n) WHERE " + condition + "\nWITH DISTINCT e\n"
    )


def _epc_exists(key: LiteralString, link: LiteralString, condition: LiteralString) -> LiteralString:
    """A further EPC parameter, as a condition on the events already chosen."""
    return (
        "EXISTS { MATCH (e)-[:"
        + link
        + "]->(n) WHERE ("
        + condition
        + ") AND (n.id IN $"
        + key
        + "_exact OR any(p IN $"
        + key
        + "_prefixes WHERE n.id STARTS WITH p)) }"
    )


class EventQueryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def query(self, q: EventQuery) -> EventPage:
        clauses: list[LiteralString] = []
        params: dict[str, Any] = {"limit": q.per_page + 1}
        for key, fragment in EVENT_FILTERS.items():
            if key in q.filters:
                clauses.append(fragment)
                params[key] = q.filters[key]
        head: LiteralString = "MATCH (e:Event)\n"
        first = True
        for key, (link, condition) in EPC_LINKS.items():
            if key not in q.filters:
                continue
            exact, prefixes = _epc_patterns(q.filters[key])
            if first:  # the first EPC parameter chooses the events, the others test them
                head = _matched_nodes(link, condition)
                params["exact"], params["prefixes"] = exact, prefixes
                first = False
            else:
                clauses.append(_epc_exists(key, link, condition))
                params[key + "_exact"], params[key + "_prefixes"] = exact, prefixes
        if q.after is not None:
            clauses.append(
                "(e.eventTime > $after_t OR (e.eventTime = $after_t AND e.id > $after_id))"
            )
            params["after_t"], params["after_id"] = q.after
        where: LiteralString = ("WHERE " + " AND ".join(clauses) + "\n") if clauses else ""
        cypher: LiteralString = (
            head + where + "RETURN e.id AS id, e.eventTime AS t, e.json AS json, "
            "e.hash AS hash ORDER BY e.eventTime, e.id LIMIT $limit"
        )
        if q.max_event_count is not None:
            count_query: LiteralString = head + where + "RETURN count(e) AS n"
            found = int(self._db.read(count_query, **params)[0]["n"])
            if found > q.max_event_count:
                raise InvalidField(
                    "maxEventCount",
                    f"{found} events match, more than maxEventCount {q.max_event_count} "
                    "(QueryTooLargeException)",
                )
        records = self._db.read(cypher, **params)
        page = records[: q.per_page]
        token = None
        if len(records) > q.per_page and q.event_count_limit is None:
            token = _encode_token(page[-1]["t"], page[-1]["id"])
        return EventPage([_event_document(r) for r in page], token)

    def get(self, event_id: str) -> dict[str, Any]:
        records = self._db.read(
            "MATCH (e:Event {id: $id}) RETURN e.id AS id, e.json AS json, e.hash AS hash",
            id=event_id,
        )
        if not records:
            raise NotFound(f"eventID: no event {event_id!r}")
        return _event_document(records[0])


def _event_document(record: Mapping[str, Any]) -> dict[str, Any]:
    """The stored event as captured, with its document's ``@context`` (the namespaces of its
    extension keys), and its eventID."""
    event: dict[str, Any] = json.loads(record["json"])
    event.setdefault("eventID", record["id"])
    return event
