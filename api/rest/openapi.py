"""``GET /openapi.json``: the OpenAPI 3.0 description of every REST route yima serves.

GraphQL describes itself (``/graphql``, ``schema.graphql``) and the console's pages are no
API, so both are left out. The description is kept here beside the routes' own modules: one
entry per operation (``OPERATIONS``) with its parameters, request body, answers and the
problem documents (RFC 9457) it may answer with; ``tests/test_openapi.py`` holds it to the
routes the application serves, both ways.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.discovery import RESOURCE_PARAMS
from graph_model.epcis_query import EPC_PARAMS, INDEXED_LISTS, MAX_PER_PAGE, TIME_PARAMS

__all__ = ["OPERATIONS", "Operation", "document", "openapi_document"]

PROBLEM = "application/problem+json"
JSON_LD = "application/ld+json"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"type": "string", "format": "binary"}
_XML_BODY = {"type": "string", "description": "an EPCIS 2.0 or 1.2 XML document"}

#: Why a route answers each problem status.
_REFUSALS: Mapping[int, str] = {
    400: "bad input: the problem names the field (`parameter`, `errors[].path`)",
    401: "no key, or a key that is unknown or revoked (`Authorization: Bearer KEY`)",
    403: "the key's role may not do this",
    404: "nothing with that id",
    413: "the body is larger than the limit, or a capture over the event limit",
    415: "a media type the route does not read",
    429: "too many requests; try again later",
    503: "the database is unavailable; try again shortly",
}
_SECURED = (401, 403, 413, 503)
_PUBLIC = (401, 413)  # a key sent to a public route is still checked

_OBJECT: dict[str, Any] = {"type": "object"}
_TEXT: dict[str, Any] = {"type": "string"}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
_NULLABLE_TIME: dict[str, Any] = {**_TIME, "nullable": True}


def _object(required: tuple[str, ...], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


_QUERY_DOCUMENT = _object(
    ("type", "epcisBody"), type={"type": "string", "enum": ["EPCISQueryDocument"]},
    epcisBody=_object(("queryResults",), queryResults=_object(
        ("queryName", "resultsBody"), queryName=_TEXT,
        resultsBody=_object(("eventList",), eventList={"type": "array", "items": _OBJECT}),
    )),
)  # fmt: skip
_COLLECTION = _object(
    ("type", "member"), type={"type": "string", "enum": ["Collection"]},
    member={"type": "array", "items": {}},
)  # fmt: skip
_CAPTURE_JOB = _object(
    ("captureID", "running", "success", "status", "createdAt", "capturedEvents", "errors"),
    captureID=_TEXT, running={"type": "boolean"}, success={"type": "boolean"}, status=_TEXT,
    createdAt=_TIME, finishedAt=_NULLABLE_TIME, captureErrorBehaviour=_TEXT,
    capturedEvents={"type": "integer"}, duplicateEvents={"type": "array", "items": _TEXT},
    errors={"type": "array", "items": _OBJECT},
)  # fmt: skip
_JOB = _object(
    ("id", "kind", "status", "createdAt"), id=_TEXT, kind=_TEXT, status=_TEXT,
    progress={"type": "number", "nullable": True}, createdAt=_TIME, startedAt=_NULLABLE_TIME,
    finishedAt=_NULLABLE_TIME, resultId={"type": "string", "nullable": True},
    error={**_OBJECT, "nullable": True}, detail=_OBJECT,
)  # fmt: skip
_NAMED_QUERY = _object(("name", "query"), name=_TEXT, query=_OBJECT, createdAt=_TIME)
_SUBSCRIPTION = _object(("subscriptionID", "queryName", "dest"), subscriptionID=_TEXT,
                        queryName=_TEXT, dest=_TEXT)  # fmt: skip
_STATUS = _object(("status",), status=_TEXT)

_EPCIS_DOCUMENT = _object(
    ("type", "epcisBody"), type={"type": "string", "enum": ["EPCISDocument"]},
    schemaVersion=_TEXT, creationDate=_TIME,
    epcisBody=_object(("eventList",), eventList={"type": "array", "items": _OBJECT}),
)  # fmt: skip
_EVENT = _object(("type",), type={"type": "string", "enum": [
    "ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
    "AssociationEvent"]}, eventTime=_TIME, eventTimeZoneOffset=_TEXT)  # fmt: skip
_EXAMPLE_EVENT = {
    "type": "ObjectEvent", "eventID": "urn:uuid:6f0e4a52-0b0e-4d5e-9c1a-0a0000000001",
    "eventTime": "2026-01-05T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
    "action": "OBSERVE", "bizStep": "inspecting",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.openapi-example"],
    "readPoint": {"id": "urn:epc:id:sgln:0614141.00777.0"},
}  # fmt: skip
_EXAMPLE_DOCUMENT = {
    "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
    "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-01-05T00:00:00Z",
    "epcisBody": {"eventList": [_EXAMPLE_EVENT]},
}  # fmt: skip
_QUERY_DEFINITION = _object(("name", "query"), name=_TEXT, query=_OBJECT)
_SUBSCRIPTION_REQUEST = _object(
    ("dest",), dest={"type": "string", "format": "uri"}, signatureToken=_TEXT,
    stream={"type": "boolean"}, reportIfEmpty={"type": "boolean"},
    initialRecordTime=_TIME, schedule=_OBJECT,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and method as the description tells it."""

    summary: str
    answers: Mapping[int, Mapping[str, dict[str, Any]]]  # status -> media type -> schema
    refusals: tuple[int, ...] = ()  # problem statuses beyond the security's own
    parameters: tuple[dict[str, Any], ...] = ()
    body: Mapping[str, dict[str, Any]] | None = None  # media type -> schema
    public: bool = False
    headers: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    example: Any = None  # a body the route takes, for readers and for schemathesis

    def as_dict(self) -> dict[str, Any]:
        statuses = sorted({*self.refusals, *(_PUBLIC if self.public else _SECURED)})
        responses: dict[str, Any] = {}
        for status, content in self.answers.items():
            answer: dict[str, Any] = {"description": "done"}
            if content:
                answer["content"] = {media: {"schema": schema} for media, schema in content.items()}
            if status in self.headers:
                answer["headers"] = {h: {"schema": _TEXT} for h in self.headers[status]}
            responses[str(status)] = answer
        for status in statuses:
            responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
        operation: dict[str, Any] = {"summary": self.summary, "responses": responses}
        if self.parameters:
            operation["parameters"] = list(self.parameters)
        if self.body is not None:
            body: dict[str, Any] = {m: {"schema": schema} for m, schema in self.body.items()}
            if self.example is not None:
                for media in body.keys() & {"application/json", JSON_LD}:
                    body[media]["example"] = self.example
            operation["requestBody"] = {"required": True, "content": body}
        if self.public:
            operation["security"] = []
        return operation


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _TEXT,
            "description": description}  # fmt: skip


def _header(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": schema,
            "description": description}  # fmt: skip


_PAGING = (
    _query("perPage", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
           "events or members a page"),
    _query("nextPageToken", _TEXT, "the token of the previous page's Link"),
)  # fmt: skip
_EVENT_QUERY = (
    *(_query(name, _TEXT, "values separated by `|`") for name in sorted(INDEXED_LISTS)),
    *(_query(name, _TIME) for name in sorted(TIME_PARAMS)),
    *(_query(name, _TEXT, "EPC URIs separated by `|`") for name in sorted(EPC_PARAMS)),
    _query("eventCountLimit", {"type": "integer", "minimum": 1}),
    _query("maxEventCount", {"type": "integer", "minimum": 1}),
    _query("orderBy", _TEXT, "eventTime, recordTime, or an extension field"),
    _query("orderDirection", {"type": "string", "enum": ["ASC", "DESC"]}),
    *_PAGING,
)  # fmt: skip
_EXPORT_QUERY = (_query("code", _TEXT, "a unit's EPC"),
                 _query("lot", _TEXT, "a lot: `gtin|lot` or an LGTIN"))  # fmt: skip
_PAGE_HEADERS = {200: ("Link", "GS1-Next-Page-Token")}
_EVENTS_ANSWER = {200: {JSON_LD: _QUERY_DOCUMENT, "application/xml": _TEXT}}
_COLLECTION_ANSWER = {200: {JSON_LD: _COLLECTION}}


def _discovery() -> dict[tuple[str, str], Operation]:
    operations = {
        ("get", "/epcs"): Operation(
            "EPCs the stored events name", _COLLECTION_ANSWER, (400,), _PAGING,
            headers=_PAGE_HEADERS),
        ("get", "/epcs/{epc}/events"): Operation(
            "events concerning one EPC", _EVENTS_ANSWER, (400,),
            (_path("epc", "an EPC URI"), *_EVENT_QUERY), headers=_PAGE_HEADERS),
    }  # fmt: skip
    for resource, param in RESOURCE_PARAMS.items():
        operations["get", f"/{resource}"] = Operation(
            f"{resource} the stored events name", _COLLECTION_ANSWER, (400,), _PAGING,
            headers=_PAGE_HEADERS)  # fmt: skip
        operations["get", f"/{resource}/{{value}}/events"] = Operation(
            f"events of one of the {resource} (as `{param}`)",
            _EVENTS_ANSWER,
            (400,),
            (_path("value", f"a member of /{resource}"), *_EVENT_QUERY),
            headers=_PAGE_HEADERS,
        )
    return operations


OPERATIONS: Mapping[tuple[str, str], Operation] = {
    ("get", "/health"): Operation(
        "liveness with a database check", {200: {"application/json": _STATUS},
                                           503: {"application/json": _STATUS}}, public=True),
    ("get", "/healthz"): Operation(
        "the process answers", {200: {"application/json": _STATUS}}, public=True),
    ("get", "/readyz"): Operation(
        "Neo4j answers and the schema is applied", {200: {"application/json": _STATUS},
                                                     503: {"application/json": _STATUS}},
        public=True),
    ("get", "/metrics"): Operation(
        "Prometheus metrics", {200: {"text/plain": _TEXT}}, public=True),
    ("get", "/openapi.json"): Operation(
        "this description", {200: {"application/json": _OBJECT}}, public=True),
    ("post", "/capture"): Operation(
        "capture an EPCIS document, as a job to poll", {202: {"application/json": _CAPTURE_JOB}},
        (400, 415),
        (_header("GS1-Capture-Error-Behaviour", {"type": "string", "enum": [
            "rollback", "proceed"]}, "rollback (default) refuses the whole document"),
         _header("GS1-EPCIS-Capture-Limit", {"type": "integer", "minimum": 1},
                 "the most events this client sends in one document")),
        body={"application/json": _EPCIS_DOCUMENT, JSON_LD: _EPCIS_DOCUMENT,
              "application/xml": _XML_BODY},
        headers={202: ("Location", "GS1-EPCIS-Capture-Limit")}, example=_EXAMPLE_DOCUMENT),
    ("get", "/capture/{capture_id}"): Operation(
        "a capture job", {200: {"application/json": _CAPTURE_JOB}}, (404,),
        (_path("capture_id", "the id POST /capture answered"),)),
    ("get", "/jobs/{job_id}"): Operation(
        "any job", {200: {"application/json": _JOB}}, (404,), (_path("job_id", "a job's id"),)),
    ("post", "/events"): Operation(
        "capture one event", {201: {"application/json": _object(
            ("eventID", "duplicate"), eventID=_TEXT, duplicate={"type": "boolean"})}},
        (400, 415), body={"application/json": _EVENT, JSON_LD: _EVENT},
        headers={201: ("Location",)},
        example={**_EXAMPLE_EVENT, "eventID": "urn:uuid:6f0e4a52-0b0e-4d5e-9c1a-0a0000000002"}),
    ("get", "/events"): Operation(
        "the EPCIS query interface: events matching the parameters", _EVENTS_ANSWER, (400,),
        _EVENT_QUERY, headers=_PAGE_HEADERS),
    ("get", "/events/{event_id}"): Operation(
        "one event", {200: {JSON_LD: _OBJECT, "application/xml": _TEXT}}, (404,),
        (_path("event_id", "an eventID"),)),
    **_discovery(),
    ("post", "/queries"): Operation(
        "define a named query", {201: {"application/json": _NAMED_QUERY}}, (400, 415),
        body={"application/json": _QUERY_DEFINITION}, headers={201: ("Location",)}),
    ("get", "/queries"): Operation(
        "named queries", {200: {"application/json": _COLLECTION}}),
    ("get", "/queries/{name}"): Operation(
        "one named query", {200: {"application/json": _NAMED_QUERY}}, (404,),
        (_path("name", "the query's name"),)),
    ("delete", "/queries/{name}"): Operation(
        "delete a named query and its subscriptions", {204: {}}, (404,),
        (_path("name", "the query's name"),)),
    ("get", "/queries/{name}/events"): Operation(
        "the events a named query answers", _EVENTS_ANSWER, (400, 404),
        (_path("name", "the query's name"), *_PAGING), headers=_PAGE_HEADERS),
    ("post", "/queries/{name}/subscriptions"): Operation(
        "subscribe to a named query", {201: {"application/json": _SUBSCRIPTION}},
        (400, 404, 415), (_path("name", "the query's name"),),
        body={"application/json": _SUBSCRIPTION_REQUEST}, headers={201: ("Location",)}),
    ("get", "/queries/{name}/subscriptions"): Operation(
        "a named query's subscriptions", {200: {"application/json": _COLLECTION}}, (404,),
        (_path("name", "the query's name"),)),
    ("get", "/queries/{name}/subscriptions/{id}"): Operation(
        "one subscription", {200: {"application/json": _SUBSCRIPTION}}, (404,),
        (_path("name", "the query's name"), _path("id", "the subscription's id"))),
    ("delete", "/queries/{name}/subscriptions/{id}"): Operation(
        "end a subscription", {204: {}}, (404,),
        (_path("name", "the query's name"), _path("id", "the subscription's id"))),
    ("get", "/export/provenance"): Operation(
        "the regulator export of a code or a lot",
        {200: {"application/ld+json": _OBJECT, "text/csv": _TEXT, _XLSX: _BINARY}}, (400, 404),
        (*_EXPORT_QUERY, _query("format", {"type": "string", "enum": ["jsonld", "csv", "xlsx"]})),
        headers={200: ("X-Yima-Digest", "X-Yima-Altered-Events")}),
    ("get", "/export/report"): Operation(
        "the regulator report of a code or a lot",
        {200: {"text/html": _TEXT, "application/pdf": _BINARY}}, (400, 404),
        (*_EXPORT_QUERY, _query("format", {"type": "string", "enum": ["html", "pdf"]})),
        headers={200: ("X-Yima-Digest", "X-Yima-Altered-Events")}),
}  # fmt: skip

_PROBLEM_SCHEMA = _object(
    ("type", "title", "status", "detail"), type=_TEXT, title=_TEXT,
    status={"type": "integer"}, detail=_TEXT, parameter=_TEXT,
    errors={"type": "array", "items": _OBJECT},
)  # fmt: skip


@functools.cache
def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), operation in OPERATIONS.items():
        paths.setdefault(path, {})[method] = operation.as_dict()
    return {
        "openapi": "3.0.3",
        "info": {"title": "yima REST", "version": "1",
                 "description": "EPCIS 2.0 REST binding, regulator exports, jobs and probes. "
                                "GraphQL is at /graphql."},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": _PROBLEM_SCHEMA},
            "responses": {
                f"Problem{status}": {"description": reason, "content": {
                    PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                for status, reason in _REFUSALS.items()
            },
        },
    }  # fmt: skip


def document(request: Request) -> Response:
    return JSONResponse(openapi_document())
