"""Schemathesis fuzzing of the GraphQL API: whatever the arguments, no 500 and nothing leaks.

Malformed identifiers, unknown lots, absurd time windows and page sizes over the cap must each
come back as a typed result or a GraphQL error with a message meant for the user; anything
unexpected is masked as ``Unexpected error.``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from starlette.testclient import TestClient

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"

MASKED = "Unexpected error."

# Cheap reads, and one mutation that writes a single scan. Left out on purpose:
# commissionCodes, channelLayout, captureEpcis and saveMasterData write many nodes or run a
# solver for seconds, which random input would turn into a slow test that fills the database.
FUZZED = [
    "Query.code",
    "Query.lot",
    "Query.productRecall",
    "Query.verify",
    "Query.provenanceExport",
    "Query.layoutPlan",
    "Query.layoutJob",
    "Mutation.recordScan",
]

# What a message must never carry: a stack trace, a Python exception, or the database talking.
LEAK = re.compile(
    r"(?i:traceback|neo4j|cypher|bolt://)|File \"|\b(MATCH|MERGE|UNWIND|RETURN)\b|"
    r"\b[A-Z][A-Za-z]+(Error|Exception)\b|object has no attribute|NoneType"
)


def _datetime_text() -> st.SearchStrategy[str]:
    # Valid ISO datetimes only (text that is none is a client error strawberry reports before any
    # resolver runs): absurd windows from the ends of the calendar, other offsets and naive values
    # from clients that do not send UTC.
    zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
    aware = st.datetimes(timezones=zones).map(datetime.isoformat)
    naive = st.datetimes().map(datetime.isoformat)
    edges = st.sampled_from(
        [
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01",
            "9999-12-31T23:59:59Z",
        ]
    )
    return st.one_of(edges, aware, naive)


schemathesis.graphql.scalar("DateTime", _datetime_text().map(nodes.String))


# The exported schema is the code's own (test_graphql_schema fails when they differ). Loading it
# at import lets the test be parametrised per operation while the app, which needs the test
# database, starts in a fixture: schemathesis' `from_fixture` route to `from_asgi` fails under
# pytest 9 (it reads `request.node._nodeid`, which pytest 9 no longer has).
api = schemathesis.graphql.from_path(SCHEMA_FILE).include(name=FUZZED)


def _messages(payload: dict[str, object]) -> list[str]:
    errors = payload.get("errors") or []
    assert isinstance(errors, list), payload
    return [str(error.get("message")) for error in errors if isinstance(error, dict)]


@api.parametrize()
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_argument_gives_a_500_or_leaks_internals(
    case: schemathesis.Case, client: TestClient
) -> None:
    response = client.post("/graphql", json=case.as_transport_kwargs()["json"])
    # Schemathesis' own checks: a GraphQL JSON object, no execution error (masked or not) for
    # valid arguments, and invalid ones refused by validation.
    case.validate_response(response)
    assert response.status_code < 500, (case.body, response.text)
    payload = json.loads(response.content)
    assert isinstance(payload, dict) and ("data" in payload or "errors" in payload), response.text
    for message in _messages(payload):
        assert message == MASKED or not LEAK.search(message), (case.body, message)


# Random text seldom looks like an identifier; these come close, so the parsers let them through
# to the resolvers and the database, or reject them a character from valid.
_digits = st.text("0123456789", min_size=0, max_size=16)
_serial = st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=25)


def _with_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str(-total % 10)


_gtins = st.text("0123456789", min_size=13, max_size=13).map(_with_check_digit) | _digits


@st.composite
def _sgtins(draw: st.DrawFn) -> str:
    prefix = draw(st.text("0123456789", min_size=6, max_size=12))
    item = draw(st.text("0123456789", min_size=13 - len(prefix), max_size=13 - len(prefix)))
    return f"urn:epc:id:sgtin:{prefix}.{item}.{draw(_serial)}"


CODES = st.one_of(
    _sgtins(),
    st.builds("urn:epc:id:sgtin:{}.{}.{}".format, _digits, _digits, _serial),
    st.builds("https://id.yima.example/01/{}/21/{}".format, _gtins, _serial),
    st.builds("(01){}(21){}".format, _gtins, _serial),
    st.builds("urn:yima:code:{}".format, st.from_regex(r"[0-9A-Z]{0,20}", fullmatch=True)),
    st.text(max_size=600),
)
LOTS = st.one_of(
    st.builds("{}|{}".format, _gtins, _serial),
    _sgtins().map(lambda urn: urn.replace(":id:sgtin:", ":class:lgtin:")),
    st.builds("https://id.yima.example/01/{}/10/{}".format, _gtins, _serial),
    _serial,
)
MOMENTS = _datetime_text()
# Around each connection's cap (100, 200, 1000), and the ends of GraphQL's Int.
FIRSTS = st.sampled_from([-1, 0, 1, 100, 101, 200, 201, 1000, 1001, 2**31 - 1, -(2**31)])

CODE_QUERY = """query ($id: String!, $at: DateTime, $first: Int!) {
  code(id: $id, at: $at) {
    __typename
    ... on Problem { path reason }
    ... on CodeTrace { scans(first: $first) { totalCount } custody(first: $first) { totalCount }
      events(first: $first) { totalCount } }
  }
  verify(code: $id) { __typename ... on Problem { path reason } }
  provenanceExport(code: $id) { __typename ... on Problem { path reason } }
}"""
LOT_QUERY = """query ($id: String!, $first: Int!) {
  lot(id: $id) {
    __typename
    ... on Problem { path reason }
    ... on LotTrace { holders(first: $first) { totalCount } units(first: $first) { totalCount } }
  }
  provenanceExport(lot: $id) { __typename ... on Problem { path reason } }
}"""
RECALL_QUERY = """query ($gtin: String!, $from: DateTime!, $to: DateTime!, $first: Int!) {
  productRecall(gtin: $gtin, commissionedFrom: $from, commissionedTo: $to) {
    __typename
    ... on Problem { path reason }
    ... on LotTrace { units(first: $first) { totalCount } }
  }
}"""
SCAN_MUTATION = """mutation ($input: RecordScanInput!) {
  recordScan(input: $input) {
    __typename
    ... on Problem { path reason message }
  }
}"""


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    kind = draw(st.sampled_from(["code", "lot", "recall", "scan"]))
    if kind == "code":
        at = draw(st.none() | MOMENTS)
        return CODE_QUERY, {"id": draw(CODES), "at": at, "first": draw(FIRSTS)}
    if kind == "lot":
        return LOT_QUERY, {"id": draw(LOTS), "first": draw(FIRSTS)}
    if kind == "recall":
        gtin = draw(_gtins | _serial)
        window = {"from": draw(MOMENTS), "to": draw(MOMENTS)}
        return RECALL_QUERY, {"gtin": gtin, **window, "first": draw(FIRSTS)}
    coordinate = st.none() | st.floats(allow_nan=False, allow_infinity=False)
    location = draw(
        st.none()
        | st.fixed_dictionaries(
            {"lat": coordinate, "lon": coordinate, "region": st.none() | _digits | _serial}
        )
    )
    scan = {
        "code": draw(CODES),
        "kind": draw(st.sampled_from(["CONSUMER", "STORE", "INSPECTOR", "OTHER"])),
        "clientScanId": draw(_serial),
        "actor": draw(st.none() | _serial),
        "location": location,
        "at": draw(st.none() | MOMENTS),
    }
    return SCAN_MUTATION, {"input": scan}


@given(call=_requests())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_near_valid_arguments_get_typed_errors(
    client: TestClient, call: tuple[str, dict[str, object]]
) -> None:
    query, variables = call
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code < 500, (variables, response.text)
    payload = response.json()
    assert isinstance(payload, dict) and "data" in payload, response.text
    for message in _messages(payload):
        assert message != MASKED and not LEAK.search(message), (variables, message)
