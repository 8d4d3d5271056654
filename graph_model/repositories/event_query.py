"""The EPCIS 2.0 query interface over stored events (``GET /events`` and friends).

Parameters on the event's indexed properties and on the goods it concerns become Cypher from
a fixed table, each a literal fragment with its value as a parameter, so no request text ever
becomes Cypher. Parameters answered from the event document (``graph_model.epcis_query``)
first narrow the events in the database by the JSON text their values must appear in, then
test each event read, a chunk at a time. Results are ordered by (eventTime, id), or by
``orderBy``, and paged with an opaque token naming the last event of the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graph_model.database import Database
from graph_model.epcis_query import EventQuery, FieldName, PageKey, encode_token, field_values
from graph_model.errors import InvalidField, NotFound

__all__ = ["EventPage", "EventQuery", "EventQueryRepository"]

# parameter -> Cypher fragment over `e`. Values always travel as $params.
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
# Each parameter answered from the event document must find one of its values in the text.
NEEDLES: LiteralString = (
    "all(group IN $needles WHERE any(v IN group WHERE "
    "(e.json + coalesce(e.errorDeclarationJson, '')) CONTAINS v))"
)
# The order key in Cypher by orderBy (an extension field is ordered after reading).
ORDER_KEYS: Mapping[str, LiteralString] = {"eventTime": "e.eventTime", "recordTime": "e.recordTime"}
# Events read at a time while parameters are answered from the documents.
CHUNK = 1000

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
class EventPage:
    events: list[dict[str, Any]]
    next_token: str | None


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
        head, where, params = _selection(q)
        if isinstance(q.order_by, FieldName):
            return self._by_field(q, q.order_by, head, where, params)
        key = ORDER_KEYS[q.order_by]
        if q.max_event_count is not None:
            self._check_count(q, head, where, params)
        found: list[tuple[Mapping[str, Any], dict[str, Any]]] = []
        for record, event in self._stream(q, key, head, where, params, q.after):
            found.append((record, event))
            if len(found) > q.per_page:
                break
        page = found[: q.per_page]
        token = None
        if len(found) > q.per_page and q.event_count_limit is None:
            last = page[-1][0]
            token = encode_token(
                PageKey(q.order_name, q.descending, last["t"].iso_format(), last["id"])
            )
        return EventPage([event for _, event in page], token)

    def _stream(
        self,
        q: EventQuery,
        key: LiteralString,
        head: LiteralString,
        where: list[LiteralString],
        params: dict[str, Any],
        after: PageKey | None,
    ) -> Iterator[tuple[Mapping[str, Any], dict[str, Any]]]:
        """The matching events in order from ``after``, read ``CHUNK`` at a time when some
        parameter is answered from the documents (else as many as one page needs)."""
        if q.descending:
            cursor: LiteralString = (
                "($after_id IS NULL OR " + key + " < datetime($after_t) OR (" + key
                + " = datetime($after_t) AND e.id < $after_id))"
            )  # fmt: skip
            order: LiteralString = " ORDER BY " + key + " DESC, e.id DESC LIMIT $limit"
        else:
            cursor = (
                "($after_id IS NULL OR " + key + " > datetime($after_t) OR (" + key
                + " = datetime($after_t) AND e.id > $after_id))"
            )  # fmt: skip
            order = " ORDER BY " + key + ", e.id LIMIT $limit"
        clauses = [*where, cursor]
        cypher: LiteralString = (
            head + "WHERE " + " AND ".join(clauses) + "\nRETURN e.id AS id, " + key
            + " AS t, e.json AS json, e.errorDeclarationJson AS declared" + order
        )  # fmt: skip
        limit = CHUNK if q.checks else q.per_page + 1
        at, event_id = (after.time, after.event_id) if after is not None else (None, None)
        while True:
            records = self._db.read(cypher, **params, limit=limit, after_t=at, after_id=event_id)
            for record in records:
                event = _event_document(record)
                if all(check.test(event) for check in q.checks):
                    yield record, event
            if len(records) < limit:
                return
            at, event_id = records[-1]["t"].iso_format(), records[-1]["id"]

    def _check_count(
        self, q: EventQuery, head: LiteralString, where: list[LiteralString],
        params: dict[str, Any],
    ) -> None:  # fmt: skip
        assert q.max_event_count is not None
        if q.checks or isinstance(q.order_by, FieldName):
            found = 0
            for _ in self._stream(q, "e.eventTime", head, where, params, None):
                found += 1
                if found > q.max_event_count:
                    break
            found_text = f"more than {q.max_event_count}" if found > q.max_event_count else ""
            if not found_text:
                return
            message = f"{found_text} events match"
        else:
            cypher: LiteralString = head + _where(where) + "RETURN count(e) AS n"
            found = int(self._db.read(cypher, **params)[0]["n"])
            if found <= q.max_event_count:
                return
            message = f"{found} events match, more than maxEventCount {q.max_event_count}"
        raise InvalidField("maxEventCount", message + " (QueryTooLargeException)")

    def _by_field(
        self, q: EventQuery, name: FieldName, head: LiteralString, where: list[LiteralString],
        params: dict[str, Any],
    ) -> EventPage:  # fmt: skip
        """Ordered by an extension field: every match is read, then sorted (events without
        the field last, whatever the direction)."""
        if q.max_event_count is not None:
            self._check_count(q, head, where, params)
        ascending = EventQuery(q.filters, q.per_page, None, None, None, q.checks)
        events = [e for _, e in self._stream(ascending, "e.eventTime", head, where, params, None)]
        keyed = [(_sort_key(field_values(e, name)), e) for e in events]
        present = sorted((k, e) for k, e in keyed if k is not None)
        ordered = [e for _, e in (reversed(present) if q.descending else present)]
        ordered += [e for k, e in keyed if k is None]
        start = q.after.offset if q.after is not None else 0
        page = ordered[start : start + q.per_page]
        token = None
        if start + q.per_page < len(ordered) and q.event_count_limit is None:
            token = encode_token(PageKey(q.order_name, q.descending, offset=start + q.per_page))
        return EventPage(page, token)

    def get(self, event_id: str) -> dict[str, Any]:
        records = self._db.read(
            "MATCH (e:Event {id: $id}) "
            "RETURN e.id AS id, e.json AS json, e.errorDeclarationJson AS declared",
            id=event_id,
        )
        if not records:
            raise NotFound(f"eventID: no event {event_id!r}")
        return _event_document(records[0])


def _selection(q: EventQuery) -> tuple[LiteralString, list[LiteralString], dict[str, Any]]:
    """The head choosing the events, the conditions on them, and their parameters."""
    clauses: list[LiteralString] = []
    params: dict[str, Any] = {}
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
    needles = [list(c.needles) for c in q.checks if c.needles is not None]
    if needles:
        clauses.append(NEEDLES)
        params["needles"] = needles
    return head, clauses, params


def _where(clauses: Sequence[LiteralString]) -> LiteralString:
    return ("WHERE " + " AND ".join(clauses) + "\n") if clauses else ""


def _sort_key(values: list[Any]) -> tuple[int, Any] | None:
    """Numbers before text, each in its own order; ``None`` when the event lacks the field."""
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0, float(value))
        if isinstance(value, str):
            return (1, value)
    return None


def _event_document(record: Mapping[str, Any]) -> dict[str, Any]:
    """The stored event as captured, with its document's ``@context`` (the namespaces of its
    extension keys), its eventID, and the error declaration made about it since."""
    event: dict[str, Any] = json.loads(record["json"])
    event.setdefault("eventID", record["id"])
    declared = record.get("declared")
    if declared:
        declaration = json.loads(declared).get("errorDeclaration")
        if declaration is not None:
            event["errorDeclaration"] = declaration
    return event
