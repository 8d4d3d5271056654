"""The EPCIS 2.0 query language: which parameters a query may carry, the values each takes,
and how an event's own fields answer the parameters the graph does not index.

Parameters on indexed event properties (``eventType``, ``EQ_bizStep``, times ...) and on the
goods an event concerns (``MATCH_epc`` ...) become Cypher in
``graph_model.repositories.event_query``. The others (business transactions, sources and
destinations, EPC classes, quantities, ILMD and extension fields, error declarations, sensor
data) are tests on the stored event document (:class:`EventFilter`), each with the JSON text
its value must appear in, so the database narrows the events before they are read.

Extension field names follow the standard's grammar: ``EQ_`` + namespace URI + ``#`` + local
name (``EQ_http://ns.example.com/epcis#temperature``), with ``INNER_`` for a field nested in
an extension element, ``ILMD_`` / ``ERROR_DECLARATION_`` for the ILMD and the error
declaration; the prefixed form of a JSON-LD key (``EQ_ILMD_cbvmda:lotNumber``) is read too.

References
----------
GS1 EPCIS Standard 2.0, section 8.2.7.1 (SimpleEventQuery parameters) and section 12 (REST
binding: query parameters, paging).
"""

from __future__ import annotations

import base64
import json
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from graph_model.errors import InvalidField

__all__ = [
    "EventFilter",
    "EventQuery",
    "FieldName",
    "PageKey",
    "decode_token",
    "encode_token",
    "field_values",
    "parse_time",
]

MAX_PER_PAGE: Final = 1000
DEFAULT_PER_PAGE: Final = 100
MAX_COUNT: Final = 2**63 - 1

# Parameters answered by Cypher over the event's own properties (values always travel as $params).
INDEXED_LISTS: Final = frozenset(
    {"eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint",
     "EQ_bizLocation", "EQ_eventID", "MATCH_parentID"}
)  # fmt: skip
TIME_PARAMS: Final = frozenset({"GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"})
EPC_PARAMS: Final = frozenset(
    {"MATCH_epc", "MATCH_anyEPC", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_childEPC"}
)
COUNT_PARAMS: Final = frozenset({"eventCountLimit", "maxEventCount"})
PAGING_PARAMS: Final = frozenset({"perPage", "nextPageToken", "orderBy", "orderDirection"})

_QUANTITY_LISTS: Final = ("quantityList", "childQuantityList", "inputQuantityList",
                          "outputQuantityList")  # fmt: skip
EPC_CLASS_LISTS: Final[Mapping[str, tuple[str, ...]]] = {
    "MATCH_epcClass": ("quantityList", "childQuantityList"),
    "MATCH_inputEPCClass": ("inputQuantityList",),
    "MATCH_outputEPCClass": ("outputQuantityList",),
    "MATCH_anyEPCClass": _QUANTITY_LISTS,
}
_TYPED_LISTS: Final[Mapping[str, tuple[str, str]]] = {
    "EQ_bizTransaction_": ("bizTransactionList", "bizTransaction"),
    "EQ_source_": ("sourceList", "source"),
    "EQ_destination_": ("destinationList", "destination"),
}
_COMPARE: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "EQ": operator.eq, "GT": operator.gt, "GE": operator.ge, "LT": operator.lt, "LE": operator.le,
}  # fmt: skip
# Namespaces of the prefixes the EPCIS JSON-LD context defines (an event's own @context adds
# its extension prefixes).
_STANDARD_NAMESPACES: Final[Mapping[str, str]] = {
    "cbvmda": "urn:epcglobal:cbv:mda",
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}

Order = Literal["eventTime", "recordTime"]


def cbv_term(value: str) -> str:
    """A CBV term whatever its notation: ``desadv``, ``urn:epcglobal:cbv:btt:desadv`` and
    ``https://ref.gs1.org/cbv/BTT-desadv`` are all ``desadv``."""
    if value.startswith("urn:epcglobal:cbv:"):
        return value.rsplit(":", 1)[-1]
    if value.startswith("https://ref.gs1.org/cbv/"):
        return value.rsplit("/", 1)[-1].split("-", 1)[-1]
    return value


def _namespace(uri: str) -> str:
    return uri.rstrip("/#:")


@dataclass(frozen=True, slots=True)
class FieldName:
    """An extension field as a query names it: a namespace URI and local name, or the prefix
    of a JSON-LD key and its local name."""

    local: str
    namespace: str | None = None
    prefix: str | None = None

    @classmethod
    def parse(cls, key: str, text: str) -> FieldName:
        if "#" in text:
            namespace, _, local = text.rpartition("#")
            if namespace and local:
                return cls(local, namespace=_namespace(namespace))
        elif ":" in text:
            prefix, _, local = text.partition(":")
            if prefix and local and "/" not in prefix:
                return cls(local, prefix=prefix)
        raise InvalidField(key, f"{text!r} is not a field name (namespace#name or prefix:name)")

    def matches(self, key: str, namespaces: Mapping[str, str]) -> bool:
        prefix, sep, local = key.partition(":")
        if not sep or local != self.local:
            return False
        if self.prefix is not None:
            return prefix == self.prefix
        known = namespaces.get(prefix)
        return known is not None and _namespace(known) == self.namespace


def _namespaces(event: Mapping[str, Any]) -> dict[str, str]:
    found = dict(_STANDARD_NAMESPACES)
    context = event.get("@context")
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, Mapping):
            found.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return found


def _descendants(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield key, item
            yield from _descendants(item)
    elif isinstance(value, list):
        for item in value:
            yield from _descendants(item)


Scope = Literal["event", "ilmd", "errorDeclaration"]


def field_values(
    event: Mapping[str, Any], name: FieldName, scope: Scope = "event", inner: bool = False
) -> list[Any]:
    """Every value of the extension field ``name`` in ``event`` (top level of the event, its
    ``ilmd`` or its ``errorDeclaration``; with ``inner``, nested inside an extension field)."""
    namespaces = _namespaces(event)
    container = event if scope == "event" else event.get(scope)
    if not isinstance(container, Mapping):
        return []
    values = []
    for key, value in container.items():
        if ":" not in key:  # standard fields are not extension fields
            continue
        if not inner:
            if name.matches(key, namespaces):
                values.append(value)
            continue
        values += [v for k, v in _descendants(value) if name.matches(k, namespaces)]
    return values


@dataclass(frozen=True, slots=True)
class EventFilter:
    """One parameter answered from the event document: ``test`` decides, and the event's JSON
    text must contain one of ``needles`` (when given) for ``test`` to possibly hold."""

    parameter: str
    test: Callable[[Mapping[str, Any]], bool]
    needles: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where the previous page stopped: the order key and event id of its last event, or (for
    an order on an extension field) how many events came before."""

    order: str
    descending: bool
    time: str | None = None  # ISO 8601 with nanoseconds, as the database holds it
    event_id: str | None = None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class EventQuery:
    filters: Mapping[str, Any]
    per_page: int = DEFAULT_PER_PAGE
    after: PageKey | None = None
    event_count_limit: int | None = None
    max_event_count: int | None = None
    checks: tuple[EventFilter, ...] = ()
    order_by: Order | FieldName = "eventTime"
    descending: bool = False
    order_name: str = "eventTime"

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]]) -> EventQuery:
        """Validate raw query-string pairs (repeated keys and comma lists both allowed); an
        unknown parameter or a bad value is an ``InvalidField`` naming the parameter."""
        filters: dict[str, Any] = {}
        checks: list[EventFilter] = []
        per_page = DEFAULT_PER_PAGE
        token: str | None = None
        counts: dict[str, int] = {}
        order_name: str | None = None
        direction: str | None = None
        for key, value in params:
            if key in COUNT_PARAMS:
                counts[key] = _whole(key, value, 1, None)
            elif key == "perPage":
                per_page = _whole(key, value, 1, MAX_PER_PAGE)
            elif key == "nextPageToken":
                token = value
            elif key == "orderBy":
                order_name = value
            elif key == "orderDirection":
                if value not in ("ASC", "DESC"):
                    raise InvalidField(key, "must be ASC or DESC")
                direction = value
            elif key in TIME_PARAMS:
                filters[key] = parse_time(key, value)
            elif key in INDEXED_LISTS or key in EPC_PARAMS:
                filters.setdefault(key, []).extend(_items(key, value))
            else:
                checks.append(event_filter(key, value))
        if len(counts) == 2:
            raise InvalidField("maxEventCount", "cannot be given with eventCountLimit")
        limit = counts.get("eventCountLimit")
        order_by: Order | FieldName = "eventTime"
        if order_name in ("eventTime", "recordTime"):
            order_by = "eventTime" if order_name == "eventTime" else "recordTime"
        elif order_name is not None:
            order_by = FieldName.parse("orderBy", order_name)
        if direction is not None and order_name is None:
            raise InvalidField("orderDirection", "needs orderBy")
        # The standard's default direction is descending once an order is asked for.
        descending = direction == "DESC" or (direction is None and order_name is not None)
        name = order_name or "eventTime"
        after = decode_token(token, name, descending) if token is not None else None
        return cls(
            filters,
            per_page if limit is None else min(per_page, limit),
            after,
            limit,
            counts.get("maxEventCount"),
            tuple(checks),
            order_by,
            descending,
            name,
        )


def event_filter(key: str, value: str) -> EventFilter:
    """The test of a parameter answered from the event document."""
    for head, (list_name, item_key) in _TYPED_LISTS.items():
        if key.startswith(head) and len(key) > len(head):
            return _typed(key, key[len(head) :], list_name, item_key, _items(key, value))
    if key in EPC_CLASS_LISTS:
        return _epc_classes(key, EPC_CLASS_LISTS[key], _items(key, value))
    if key == "EQ_transformationID":
        wanted = set(_items(key, value))
        return EventFilter(key, lambda e: e.get("transformationID") in wanted, _quoted(wanted))
    if key in ("EQ_persistentDisposition_set", "EQ_persistentDisposition_unset"):
        return _persistent(key, key.rsplit("_", 1)[1], _items(key, value))
    if key in ("EQ_errorReason", "EQ_correctiveEventID", "EXISTS_errorDeclaration"):
        return _declaration(key, _items(key, value) if key.startswith("EQ_") else [])
    if key in ("GE_errorDeclarationTime", "LT_errorDeclarationTime"):
        return _declaration_time(key, parse_time(key, value))
    sensor = _sensor_filter(key, value)
    if sensor is not None:
        return sensor
    op, _, rest = key.partition("_")
    if rest == "quantity" and op in _COMPARE:
        return _quantity(key, op, _number(key, value))
    if op in _COMPARE or op == "EXISTS":
        inner = rest.startswith("INNER_")
        rest = rest.removeprefix("INNER_")
        scope: Scope = "event"
        for prefix, named in (("ILMD_", "ilmd"), ("ERROR_DECLARATION_", "errorDeclaration")):
            if rest.startswith(prefix):
                scope, rest = named, rest[len(prefix) :]  # type: ignore[assignment]
                break
        if "#" in rest or ":" in rest:
            name = FieldName.parse(key, rest)
            return _field(key, op, value, name, scope, inner)
    if key.startswith(("WD_", "HASATTR_", "EQATTR_")):
        raise InvalidField(key, "not supported: yima answers no master-data hierarchy or attribute")
    raise InvalidField(key, "unknown query parameter")


def _typed(key: str, kind: str, list_name: str, item_key: str, values: list[str]) -> EventFilter:
    wanted, term = set(values), cbv_term(kind)

    def test(event: Mapping[str, Any]) -> bool:
        return any(
            isinstance(item, Mapping)
            and cbv_term(str(item.get("type", ""))) == term
            and item.get(item_key) in wanted
            for item in event.get(list_name) or ()
        )

    return EventFilter(key, test, _quoted(wanted))


def _class_matcher(values: list[str]) -> tuple[Callable[[str], bool], tuple[str, ...]]:
    """Exact EPC classes and patterns (``urn:epc:idpat:sgtin:CP.IR.*`` also covers the lots
    ``urn:epc:class:lgtin:CP.IR.<lot>`` of that product)."""
    exact = {v for v in values if not v.endswith("*")}
    prefixes: list[str] = []
    for value in values:
        if value.endswith("*"):
            fixed = value[:-1]
            prefixes.append(fixed)
            if fixed.startswith("urn:epc:idpat:sgtin:"):
                prefixes.append("urn:epc:class:lgtin:" + fixed[len("urn:epc:idpat:sgtin:") :])
    needles = _quoted(exact) + tuple('"' + p for p in prefixes)
    return (lambda c: c in exact or any(c.startswith(p) for p in prefixes)), needles


def _epc_classes(key: str, lists: tuple[str, ...], values: list[str]) -> EventFilter:
    matches, needles = _class_matcher(values)

    def test(event: Mapping[str, Any]) -> bool:
        return any(
            isinstance(item, Mapping) and matches(str(item.get("epcClass", "")))
            for name in lists
            for item in event.get(name) or ()
        )

    return EventFilter(key, test, needles)


def _quantity(key: str, op: str, wanted: float | datetime) -> EventFilter:
    if isinstance(wanted, datetime):
        raise InvalidField(key, "must be a number")
    compare = _COMPARE[op]

    def test(event: Mapping[str, Any]) -> bool:
        return any(
            isinstance(item, Mapping)
            and _is_number(item.get("quantity"))
            and compare(item["quantity"], wanted)
            for name in _QUANTITY_LISTS
            for item in event.get(name) or ()
        )

    return EventFilter(key, test, ('"quantity"',))


def _persistent(key: str, which: str, values: list[str]) -> EventFilter:
    terms = {cbv_term(v) for v in values}

    def test(event: Mapping[str, Any]) -> bool:
        persistent = event.get("persistentDisposition")
        listed = persistent.get(which) if isinstance(persistent, Mapping) else None
        return any(cbv_term(str(v)) in terms for v in listed or ())

    return EventFilter(key, test, ('"persistentDisposition"',))


def _declaration(key: str, values: list[str]) -> EventFilter:
    terms = {cbv_term(v) for v in values}

    def test(event: Mapping[str, Any]) -> bool:
        declaration = event.get("errorDeclaration")
        if not isinstance(declaration, Mapping):
            return False
        if key == "EQ_errorReason":
            return cbv_term(str(declaration.get("reason", ""))) in terms
        if key == "EQ_correctiveEventID":
            return bool(set(declaration.get("correctiveEventIDs") or ()) & set(values))
        return True

    return EventFilter(key, test, ('"errorDeclaration"',))


def _declaration_time(key: str, bound: datetime) -> EventFilter:
    compare = operator.ge if key.startswith("GE_") else operator.lt

    def test(event: Mapping[str, Any]) -> bool:
        declaration = event.get("errorDeclaration")
        if not isinstance(declaration, Mapping):
            return False
        at = _as_time(declaration.get("declarationTime"))
        return at is not None and compare(at, bound)

    return EventFilter(key, test, ('"errorDeclaration"',))


def _field(
    key: str, op: str, value: str, name: FieldName, scope: Scope, inner: bool
) -> EventFilter:
    if op == "EXISTS":
        return EventFilter(
            key,
            lambda e: any(v not in (None, "", [], {}) for v in field_values(e, name, scope, inner)),
            (":" + name.local + '"',),
        )
    if op == "EQ":
        wanted = _items(key, value)
        return EventFilter(
            key, lambda e: any(_equals(v, wanted) for v in field_values(e, name, scope, inner))
        )
    bound = _number_or_time(key, value)
    compare = _COMPARE[op]

    def test(event: Mapping[str, Any]) -> bool:
        for found in field_values(event, name, scope, inner):
            typed = _as_time(found) if isinstance(bound, datetime) else _as_number(found)
            if typed is not None and compare(typed, bound):
                return True
        return False

    return EventFilter(key, test)


# Sensor data (EPCIS 2.0 section 7.3.8): where each sensor parameter looks. ``metadata`` is a
# sensor element's ``sensorMetadata``, ``report`` each of its ``sensorReport`` entries; an event
# matches when one sensor element (for ``metadata``) or one report matches.
_SENSOR_TEXT: Final[Mapping[str, tuple[str, ...]]] = {
    "deviceID": ("metadata", "report"),
    "deviceMetadata": ("metadata", "report"),
    "rawData": ("metadata", "report"),
    "dataProcessingMethod": ("metadata", "report"),
    "bizRules": ("metadata",),
    "type": ("report",),
    "microorganism": ("report",),
    "chemicalSubstance": ("report",),
    "stringValue": ("report",),
    "hexBinaryValue": ("report",),
    "uriValue": ("report",),
    "booleanValue": ("report",),
}
_SENSOR_TIMES: Final[Mapping[str, tuple[str, ...]]] = {
    "time": ("metadata", "report"),
    "startTime": ("metadata",),
    "endTime": ("metadata",),
}
# Measured values carry their unit in the parameter name: GE_value_CEL, LT_maxValue_KGM.
_SENSOR_MEASURES: Final = ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue")
_GS1_VOCABULARY: Final = ("https://gs1.org/voc/", "gs1:")


def _sensor_parts(event: Mapping[str, Any], where: str) -> Iterator[Mapping[str, Any]]:
    for element in event.get("sensorElementList") or ():
        if not isinstance(element, Mapping):
            continue
        if where == "metadata":
            metadata = element.get("sensorMetadata")
            if isinstance(metadata, Mapping):
                yield metadata
        else:
            yield from (r for r in element.get("sensorReport") or () if isinstance(r, Mapping))


def _sensor_term(value: Any) -> str:
    """A sensor type or value as compared: GS1 vocabulary terms by their local name."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    for prefix in _GS1_VOCABULARY:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _sensor_filter(key: str, value: str) -> EventFilter | None:
    """The test of a sensor-data parameter, or ``None`` when ``key`` is not one."""
    if key == "EXISTS_sensorElementList":
        return EventFilter(
            key, lambda e: bool(e.get("sensorElementList")), ('"sensorElementList"',)
        )
    op, _, rest = key.partition("_")
    if op == "EQ" and rest in _SENSOR_TEXT:
        if rest == "booleanValue" and value not in ("true", "false"):
            raise InvalidField(key, "must be true or false")
        fold = str.lower if rest == "hexBinaryValue" else (lambda text: text)
        wanted = {fold(_sensor_term(v)) for v in _items(key, value)}
        places = _SENSOR_TEXT[rest]

        def same(event: Mapping[str, Any]) -> bool:
            return any(
                part.get(rest) is not None and fold(_sensor_term(part[rest])) in wanted
                for where in places
                for part in _sensor_parts(event, where)
            )

        return EventFilter(key, same, ('"sensorElementList"',))
    if op in ("GE", "LT") and rest in _SENSOR_TIMES:
        bound = parse_time(key, value)
        compare = _COMPARE[op]
        places = _SENSOR_TIMES[rest]

        def timed(event: Mapping[str, Any]) -> bool:
            for where in places:
                for part in _sensor_parts(event, where):
                    at = _as_time(part.get(rest))
                    if at is not None and compare(at, bound):
                        return True
            return False

        return EventFilter(key, timed, ('"sensorElementList"',))
    if op in _COMPARE and rest == "percRank":
        rank, compare_rank = _number(key, value), _COMPARE[op]
        return EventFilter(
            key,
            lambda e: any(
                _is_number(r.get("percRank")) and compare_rank(r["percRank"], rank)
                for r in _sensor_parts(e, "report")
            ),
            ('"percRank"',),
        )
    measure, _, uom = rest.partition("_")
    if op in _COMPARE and measure in _SENSOR_MEASURES:
        if not uom:
            raise InvalidField(key, f"names no unit: write {op}_{measure}_<UN/CEFACT code>")
        amount, compare_amount = _number(key, value), _COMPARE[op]
        return EventFilter(
            key,
            lambda e: any(
                r.get("uom") == uom
                and _is_number(r.get(measure))
                and compare_amount(r[measure], amount)
                for r in _sensor_parts(e, "report")
            ),
            (json.dumps(uom),),
        )
    return None


def _equals(found: Any, wanted: list[str]) -> bool:
    if isinstance(found, bool):
        return ("true" if found else "false") in wanted
    if _is_number(found):
        return any(_as_number(w) == found for w in wanted)
    return isinstance(found, str) and found in wanted


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _as_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # An xsd:date (a best-before date) is the start of that day in UTC; a date-time
        # without an offset is no instant.
        return parsed.replace(tzinfo=UTC) if len(value) == 10 else None
    return parsed.astimezone(UTC)


def _number(key: str, value: str) -> float:
    number = _as_number(value)
    if number is None:
        raise InvalidField(key, f"{value!r} is not a number")
    return number


def _number_or_time(key: str, value: str) -> float | datetime:
    number = _as_number(value)
    if number is not None:
        return number
    at = _as_time(value)
    if at is None:
        raise InvalidField(key, f"{value!r} is neither a number nor a date-time with an offset")
    return at


def _items(key: str, value: str) -> list[str]:
    items = [v for v in value.split(",") if v]
    if not items:
        raise InvalidField(key, "must not be empty")
    return items


def _quoted(values: Iterator[str] | set[str] | list[str]) -> tuple[str, ...]:
    # How a value appears in the stored event's JSON text (graph_model.repositories.events).
    return tuple(json.dumps(v, ensure_ascii=False) for v in values)


def _whole(key: str, value: str, low: int, high: int | None) -> int:
    top = MAX_COUNT if high is None else high  # what the database's 64-bit integers hold
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= top:
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}, below 2^63"
        raise InvalidField(key, f"must be a whole number {bounds}")
    return int(value)


def parse_time(key: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidField(key, f"{value!r} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise InvalidField(key, f"{value!r} needs a time zone offset (e.g. Z or +08:00)")
    # Stored times are UTC; Neo4j orders datetimes of different offsets by local time first.
    return parsed.astimezone(UTC)


def encode_token(key: PageKey) -> str:
    """An opaque token naming where the next page starts."""
    text = json.dumps([key.order, key.descending, key.time, key.event_id, key.offset])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _token_time(at: Any) -> str | None:
    if at is None:
        return None
    # The database's own text, nanoseconds and all; only its shape is checked here.
    if not isinstance(at, str) or _as_time(at[:26] + at[29:]) is None:
        raise ValueError(at)
    return at


def decode_token(token: str, order: str, descending: bool) -> PageKey:
    try:
        padded = token + "=" * (-len(token) % 4)
        name, desc, at, event_id, offset = json.loads(base64.urlsafe_b64decode(padded))
        key = PageKey(
            str(name), bool(desc),
            _token_time(at),
            str(event_id) if event_id is not None else None, int(offset),
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise InvalidField("nextPageToken", "not a token this server issued") from exc
    if (key.order, key.descending) != (order, descending):
        raise InvalidField("nextPageToken", "was issued for another orderBy / orderDirection")
    return key
