"""Validate untrusted EPCIS 2.0 JSON / JSON-LD and turn it into :class:`EpcisEvent` values.

pydantic checks the shape of the envelope and of every event; the rules that depend on the event
type (which action is needed, when ``parentID`` is required, which lists belong to which type)
and the cheap per-EPC checks run beside it, so that a document with thousands of EPCs per event
is validated at ingest speed. Every problem in a document is reported at once, each naming the
event's position in ``eventList``, its ``eventID``, the field path and the reason.

References
----------
GS1 EPCIS Standard 2.0 (sections 7.4 and 10, JSON/JSON-LD bindings), https://ref.gs1.org/standards/epcis/
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from graph_model.errors import FieldProblem, InvalidField
from graph_model.events import (
    EVENT_TYPES,
    BizTransaction,
    EpcisEvent,
    PartyRef,
    Quantity,
    cbv_short_name,
)
from loaders.epcis.hash import HashContext, event_hash, parse_timestamp

__all__ = [
    "EpcisValidationError",
    "EventProblem",
    "document_envelope",
    "iter_document_events",
    "parse_document",
    "parse_event",
]

_EMPTY: Final[Mapping[str, object]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class EventProblem:
    """One thing wrong with one event (or with the document envelope, ``index == -1``).

    Examples
    --------
    >>> str(EventProblem(3, "urn:uuid:1", "eventTime", "missing timezone offset"))
    'eventList[3] (eventID urn:uuid:1): eventTime: missing timezone offset'
    """

    index: int
    event_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = "document" if self.index < 0 else f"eventList[{self.index}]"
        if self.event_id is not None:
            where += f" (eventID {self.event_id})"
        return f"{where}: {self.field}: {self.reason}"

    @property
    def path(self) -> str:
        """Where the problem is, as a field path: ``eventList[3].eventTime``."""
        return self.field if self.index < 0 else f"eventList[{self.index}].{self.field}"

    def as_field_problem(self) -> FieldProblem:
        reason = (
            self.reason if self.event_id is None else f"{self.reason} (eventID {self.event_id})"
        )
        return FieldProblem(self.path, reason)


class EpcisValidationError(InvalidField):
    """An EPCIS document or event that is not valid EPCIS 2.0; nothing of it was accepted.

    Parameters
    ----------
    problems
        Every problem found, in document order; ``event_problems`` keeps them with their
        event index and eventID, ``problems`` as fields with a path (``eventList[3].eventTime``).
    """

    def __init__(self, problems: Sequence[EventProblem]) -> None:
        self.event_problems: tuple[EventProblem, ...] = tuple(problems)
        fields = [p.as_field_problem() for p in self.event_problems]
        super().__init__(fields[0].path, fields[0].reason, more=fields[1:])
        count = len(self.event_problems)
        lines = "\n".join(str(p) for p in self.event_problems)
        self.args = (f"{count} problem{'s' if count != 1 else ''} in EPCIS input:\n{lines}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[InvalidField], tuple[str, str]]:
        return (type(self), (self.event_problems,))  # type: ignore[return-value]


# ---------------------------------------------------------------- pydantic models of the edge

#: The longest identifier (URI, EPC, bizStep, location) an event may carry: identifiers are
#: indexed, and an index entry holds about 8 KB, so 2,000 characters of any script fit.
MAX_URI: Final = 2000

_BLANK_RE: Final = re.compile(r"[\s\x00-\x1f\x7f]")


def _no_blanks(value: str) -> str:
    if _BLANK_RE.search(value):
        raise PydanticCustomError("uri", "must be a URI: no spaces or control characters")
    return value


_Uri = Annotated[str, Field(min_length=1, max_length=MAX_URI), AfterValidator(_no_blanks)]
_Number = StrictInt | StrictFloat


class _Open(BaseModel):
    """Standard fields are checked; extensions (namespaced keys) pass through."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _Location(_Open):
    id: _Uri


class _QuantityElement(_Open):
    epcClass: _Uri
    quantity: _Number | None = None
    uom: str | None = None


class _Source(_Open):
    type: _Uri
    source: _Uri


class _Destination(_Open):
    type: _Uri
    destination: _Uri


class _BizTransaction(_Open):
    type: Annotated[str, Field(max_length=MAX_URI)] | None = None
    bizTransaction: _Uri


class _PersistentDisposition(_Open):
    set: list[_Uri] | None = None
    unset: list[_Uri] | None = None


class _ErrorDeclaration(_Open):
    declarationTime: str
    reason: str | None = None
    correctiveEventIDs: list[_Uri] | None = None


class _SensorElement(_Open):
    sensorMetadata: dict[str, Any] | None = None
    sensorReport: list[dict[str, Any]] = Field(min_length=1)


class _Event(_Open):
    type: Literal[
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    ]
    eventTime: str
    eventTimeZoneOffset: Annotated[str, Field(pattern=r"^[+-](?:0\d|1[0-4]):[0-5]\d$")]
    eventID: _Uri | None = None
    recordTime: str | None = None
    certificationInfo: _Uri | list[_Uri] | None = None
    action: Literal["ADD", "OBSERVE", "DELETE"] | None = None
    bizStep: _Uri | None = None
    disposition: _Uri | None = None
    persistentDisposition: _PersistentDisposition | None = None
    readPoint: _Location | None = None
    bizLocation: _Location | None = None
    parentID: _Uri | None = None
    epcList: list[str] | None = None
    childEPCs: list[str] | None = None
    inputEPCList: list[str] | None = None
    outputEPCList: list[str] | None = None
    quantityList: list[_QuantityElement] | None = None
    childQuantityList: list[_QuantityElement] | None = None
    inputQuantityList: list[_QuantityElement] | None = None
    outputQuantityList: list[_QuantityElement] | None = None
    transformationID: _Uri | None = None
    bizTransactionList: list[_BizTransaction] | None = None
    sourceList: list[_Source] | None = None
    destinationList: list[_Destination] | None = None
    sensorElementList: list[_SensorElement] | None = None
    ilmd: dict[str, Any] | None = None
    errorDeclaration: _ErrorDeclaration | None = None


class _Body(_Open):
    eventList: list[Any] | None = None
    queryResults: dict[str, Any] | None = None


class _Document(_Open):
    context: str | dict[str, Any] | list[str | dict[str, Any]] = Field(alias="@context")
    type: Literal["EPCISDocument", "EPCISQueryDocument"]
    schemaVersion: Literal["2.0"]
    creationDate: str
    epcisBody: _Body


# ---------------------------------------------------------------- rules beside the models

_STANDARD_KEYS: Final = frozenset(_Event.model_fields) | {"@context", "comment"}
_LISTS_BY_TYPE: Final[Mapping[str, frozenset[str]]] = {
    "ObjectEvent": frozenset({"epcList", "quantityList", "ilmd"}),
    "AggregationEvent": frozenset({"parentID", "childEPCs", "childQuantityList"}),
    "AssociationEvent": frozenset({"parentID", "childEPCs", "childQuantityList"}),
    "TransactionEvent": frozenset({"parentID", "epcList", "quantityList"}),
    "TransformationEvent": frozenset(
        {
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "ilmd",
        }
    ),
}
_TYPED_FIELDS: Final = frozenset().union(*_LISTS_BY_TYPE.values())
_EPC_LIST_FIELDS: Final = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
# An EPC is a URN (EPC URN, urn:uuid, ...) or an http(s) URI (GS1 Digital Link); no whitespace.
_EPC: Final = (
    r"(?:[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s]+|[hH][tT][tT][pP][sS]?://[^\s/]+/[^\s]*)"
)
_EPC_RE: Final = re.compile(_EPC)
_EPC_LINES_RE: Final = re.compile(rf"(?:{_EPC}\n)*{_EPC}")
_EXTENSION_KEY_RE: Final = re.compile(r"[A-Za-z_][\w.-]*:[^\s:]|[a-zA-Z][a-zA-Z0-9+.-]*://\S")
_TIME_WITHOUT_OFFSET_RE: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
)


def _time_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be an ISO 8601 date-time string"
    if parse_timestamp(value) is not None:
        return None
    if _TIME_WITHOUT_OFFSET_RE.match(value.strip()):
        return "missing timezone offset"
    return f"{value!r} is not an ISO 8601 date-time with offset"


def _location(path: tuple[int | str, ...]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "event"


_UNION_TAG_RE: Final = re.compile(
    r"(?:int|float|str|bool|constrained-str|(?:list|dict|literal|function)[-\[].*)$"
)


def _pydantic_problems(
    err: ValidationError, index: int, event_id: str | None
) -> list[EventProblem]:
    # Alternatives of a union (``str | list[str]``, ``int | float``) each report under a type
    # tag in the path; fold them into one problem per field whose reasons are joined by "or".
    reasons: dict[str, list[str]] = {}
    for item in err.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and _UNION_TAG_RE.match(p)))
        reason = "required field is missing" if item["type"] == "missing" else item["msg"]
        found = reasons.setdefault(_location(loc), [])
        if reason not in found:
            found.append(reason)
    return [EventProblem(index, event_id, f, " or ".join(r)) for f, r in reasons.items()]


def _rule_problems(
    obj: Mapping[str, object], index: int, event_id: str | None
) -> list[EventProblem]:
    """Problems that depend on the event type, the EPC shapes, times and extension keys."""
    problems: list[EventProblem] = []

    def add(field: str, reason: str) -> None:
        problems.append(EventProblem(index, event_id, field, reason))

    kind = obj.get("type")
    for key in ("eventTime", "recordTime"):
        if key in obj:
            reason = _time_problem(obj[key])
            if reason:
                add(key, reason)
    declaration = obj.get("errorDeclaration")
    if isinstance(declaration, Mapping) and "declarationTime" in declaration:
        reason = _time_problem(declaration["declarationTime"])
        if reason:
            add("errorDeclaration.declarationTime", reason)
    for key in _EPC_LIST_FIELDS:
        epcs = obj.get(key)
        if not (isinstance(epcs, list) and epcs and all(isinstance(e, str) for e in epcs)):
            continue
        # One regex pass over the whole list; only a failing list is looked at EPC by EPC.
        if _EPC_LINES_RE.fullmatch("\n".join(epcs)) is None or max(map(len, epcs)) > MAX_URI:
            for i, epc in enumerate(epcs):
                if len(epc) > MAX_URI:
                    add(f"{key}[{i}]", f"longer than {MAX_URI} characters")
                elif _EPC_RE.fullmatch(epc) is None:
                    add(f"{key}[{i}]", f"{epc!r} is not an EPC URI (URN or GS1 Digital Link)")
    parent = obj.get("parentID")
    if isinstance(parent, str) and len(parent) > MAX_URI:
        add("parentID", f"longer than {MAX_URI} characters")
    elif isinstance(parent, str) and parent and _EPC_RE.fullmatch(parent) is None:
        add("parentID", f"{parent!r} is not an EPC URI (URN or GS1 Digital Link)")
    for key in obj:
        if key not in _STANDARD_KEYS and _EXTENSION_KEY_RE.match(key) is None:
            add(key, "unknown field; extensions need a namespace prefix or a full URI")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        return problems
    allowed = _LISTS_BY_TYPE[str(kind)]
    for key in _TYPED_FIELDS - allowed:
        if obj.get(key) not in (None, [], {}):
            add(key, f"not a field of {kind}")
    action = obj.get("action")
    if kind == "TransformationEvent":
        if action is not None:
            add("action", "TransformationEvent has no action")
        if not any(
            obj.get(k)
            for k in ("inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList")
        ):
            add("inputEPCList", "TransformationEvent needs at least one input or output")
    elif action is None:
        add("action", f"required for {kind}")
    needs_parent = kind == "AssociationEvent" or (
        kind == "AggregationEvent" and action in ("ADD", "DELETE")
    )
    if needs_parent and not parent:
        add("parentID", f"required for {kind} with action {action}")
    if kind == "TransactionEvent" and not obj.get("bizTransactionList"):
        add("bizTransactionList", "TransactionEvent needs at least one business transaction")
    if obj.get("ilmd") and kind == "ObjectEvent" and action != "ADD":
        add("ilmd", "only allowed when action is ADD")
    return problems


# ---------------------------------------------------------------- conversion


def _quantities(model: _Event) -> tuple[Quantity, ...]:
    out: list[Quantity] = []
    for elements in (
        model.quantityList,
        model.childQuantityList,
        model.inputQuantityList,
        model.outputQuantityList,
    ):
        for q in elements or ():
            amount = None if q.quantity is None else float(q.quantity)
            out.append(Quantity(q.epcClass, amount, q.uom))
    return tuple(out)


def _to_event(model: _Event, raw: Mapping[str, object], ctx: HashContext) -> EpcisEvent:
    digest = event_hash(raw, ctx)
    when = parse_timestamp(model.eventTime)
    if when is None:  # pragma: no cover - rejected by _rule_problems first
        raise EpcisValidationError([EventProblem(0, model.eventID, "eventTime", "invalid")])
    inputs = tuple(model.inputEPCList or ())
    outputs = tuple(model.outputEPCList or ())
    if model.type == "TransformationEvent":
        epcs = inputs + outputs
    elif model.type in ("AggregationEvent", "AssociationEvent"):
        epcs = tuple(model.childEPCs or ())
    else:
        epcs = tuple(model.epcList or ())
    declaration = raw.get("errorDeclaration")
    ilmd = raw.get("ilmd")
    return EpcisEvent(
        event_id=model.eventID or digest,
        hash=digest,
        type=model.type,
        action=model.action,
        event_time=when,
        event_time_zone_offset=model.eventTimeZoneOffset,
        biz_step=None if model.bizStep is None else cbv_short_name(model.bizStep, "bizstep"),
        disposition=None
        if model.disposition is None
        else cbv_short_name(model.disposition, "disp"),
        read_point=None if model.readPoint is None else model.readPoint.id,
        biz_location=None if model.bizLocation is None else model.bizLocation.id,
        parent_id=model.parentID,
        epcs=epcs,
        input_epcs=inputs,
        output_epcs=outputs,
        quantities=_quantities(model),
        sources=tuple(
            PartyRef(cbv_short_name(s.type, "sdt"), s.source) for s in model.sourceList or ()
        ),
        destinations=tuple(
            PartyRef(cbv_short_name(d.type, "sdt"), d.destination)
            for d in model.destinationList or ()
        ),
        biz_transactions=tuple(
            BizTransaction(
                None if b.type is None else cbv_short_name(b.type, "btt"), b.bizTransaction
            )
            for b in model.bizTransactionList or ()
        ),
        ilmd=MappingProxyType(dict(ilmd)) if isinstance(ilmd, Mapping) else _EMPTY,
        error_declaration=MappingProxyType(dict(declaration))
        if isinstance(declaration, Mapping)
        else None,
        raw=MappingProxyType(dict(raw)),
        # The names as written; their expanded forms ("{namespace}local") follow from them.
        hash_ignore=tuple(sorted(name for name in ctx.ignore if not name.startswith("{"))),
    )


def _check_event(
    obj: object, index: int, ctx: HashContext
) -> tuple[EpcisEvent | None, list[EventProblem]]:
    if not isinstance(obj, Mapping):
        return None, [EventProblem(index, None, "event", "must be a JSON object")]
    raw_id = obj.get("eventID")
    event_id = raw_id if isinstance(raw_id, str) else None
    problems = _rule_problems(obj, index, event_id)
    try:
        model = _Event.model_validate(obj)
    except ValidationError as err:
        problems = _pydantic_problems(err, index, event_id) + problems
        return None, problems
    if problems:
        return None, problems
    return _to_event(model, obj, ctx), []


def parse_event(
    obj: Mapping[str, object], index: int = 0, context: HashContext | object = None
) -> EpcisEvent:
    """Validate one EPCIS 2.0 event (JSON object) and return it as an :class:`EpcisEvent`.

    Parameters
    ----------
    obj
        The event as parsed JSON.
    index
        Its position in the document's ``eventList``, used in problem reports.
    context
        A :class:`~loaders.epcis.hash.HashContext` or the document's ``@context`` value, for
        the namespace prefixes of extension fields in the hash.

    Returns
    -------
    EpcisEvent

    Raises
    ------
    EpcisValidationError
        Listing every problem of the event.
    """
    ctx = context if isinstance(context, HashContext) else HashContext.from_context(context)
    event, problems = _check_event(obj, index, ctx)
    if event is None:
        raise EpcisValidationError(problems)
    return event


def document_envelope(doc: Mapping[str, object]) -> tuple[list[object], HashContext]:
    """The event objects of an EPCISDocument / EPCISQueryDocument and the context their hashes
    are computed in (namespaces, document-level ``ignoreFields``); the envelope is checked,
    the events are not."""
    if not isinstance(doc, Mapping):
        raise EpcisValidationError([EventProblem(-1, None, "document", "must be a JSON object")])
    try:
        envelope = _Document.model_validate(doc)
    except ValidationError as err:
        problems = _pydantic_problems(err, -1, None)
        raise EpcisValidationError(problems) from None
    problems = []
    reason = _time_problem(envelope.creationDate)
    if reason:
        problems.append(EventProblem(-1, None, "creationDate", reason))
    events: object = None
    body = envelope.epcisBody
    if envelope.type == "EPCISDocument":
        events = body.eventList
        field = "epcisBody.eventList"
    else:
        field = "epcisBody.queryResults.resultsBody.eventList"
        results = body.queryResults or {}
        rbody = results.get("resultsBody")
        events = rbody.get("eventList") if isinstance(rbody, Mapping) else None
    if not isinstance(events, list):
        problems.append(EventProblem(-1, None, field, "required list of events is missing"))
        events = []
    if problems:
        raise EpcisValidationError(problems)
    return events, HashContext.from_document(doc)


def iter_document_events(doc: Mapping[str, object]) -> Iterator[EpcisEvent]:
    """Yield the events of an EPCIS document one by one, for streaming capture.

    The envelope is checked before the first event; an invalid event stops the iteration with
    :class:`EpcisValidationError` naming that event's problems. Use :func:`parse_document` when
    nothing may be accepted from a document with any invalid event.
    """
    events, ctx = document_envelope(doc)
    for index, obj in enumerate(events):
        event, problems = _check_event(obj, index, ctx)
        if event is None:
            raise EpcisValidationError(problems)
        yield event


def parse_document(doc: Mapping[str, object]) -> list[EpcisEvent]:
    """Validate an ``EPCISDocument`` or ``EPCISQueryDocument`` and return all its events.

    Parameters
    ----------
    doc
        The document as parsed JSON(-LD).

    Returns
    -------
    list of EpcisEvent
        In document order.

    Raises
    ------
    EpcisValidationError
        Listing every problem of the document and of every event; no event is returned then.

    Examples
    --------
    >>> doc = {
    ...     "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    ...     "type": "EPCISDocument", "schemaVersion": "2.0",
    ...     "creationDate": "2024-01-01T00:00:00Z",
    ...     "epcisBody": {"eventList": [{
    ...         "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
    ...         "eventTime": "2024-01-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
    ...         "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"]}]}}
    >>> [(e.type, e.biz_step, e.event_time.isoformat()) for e in parse_document(doc)]
    [('ObjectEvent', 'commissioning', '2024-01-01T00:00:00+00:00')]
    """
    events, ctx = document_envelope(doc)
    out: list[EpcisEvent] = []
    problems: list[EventProblem] = []
    for index, obj in enumerate(events):
        event, found = _check_event(obj, index, ctx)
        if event is None:
            problems.extend(found)
        elif not problems:
            out.append(event)
    if problems:
        raise EpcisValidationError(problems)
    return out
