"""Injection strings through every string argument change nothing.

Every string argument of every GraphQL query (enumerated from the schema) and every query or
path parameter of the REST reads (from the OpenAPI description) is sent Cypher, JSON, HTML and
script injections, NUL and right-to-left characters and a very long string. Afterwards the
test's own graph (a small captured chain) reads back the same, node for node and relationship
for relationship. The shared test server has other writers, so the whole graph's counts are
only held not to fall. Writes (scans, referrals, campaigns, single events, named queries) store
the string verbatim or refuse it with a Problem naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import neo4j
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    build_schema,
)
from starlette.testclient import TestClient

from api.rest.openapi import OPERATIONS
from graph_model.database import Database
from runtime.neo4j_server import PROJECT_ROOT
from services.capture import CaptureService
from tests.factories import Chain

INJECTIONS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "\\u0027}) MATCH (n) DETACH DELETE n //",
    "x` DETACH DELETE n //",
    "`Code`",
    "$param",
    "{id: $id}",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {}) //",
    "CALL db.labels() YIELD label RETURN label",
    '{"$where": "1 == 1"}',
    "<script>alert(1)</script>",
    "a\x00b",
    "\u202eevil\u202c",
    "A" * 20_000,
]
LEAK = re.compile(
    r"(?i:traceback|neo4j\.|cypher|bolt://)|File \"|"
    r"(?<!epcisException:)\b[A-Z][A-Za-z]+(Error|Exception)\b|"  # EPCIS names its own types
    r"NoneType|object has no attribute"
)
SCHEMA = build_schema((PROJECT_ROOT / "schema.graphql").read_text())
TIME = "2026-01-02T00:00:00Z"


def _captured(db: Database) -> Chain:
    made = Chain("inj" + uuid.uuid4().hex[:7], units=4)
    CaptureService(db).capture_document(made.document())
    return made


@pytest.fixture(scope="module")
def chain(db: Database) -> Chain:
    """The chain every test reads back unchanged."""
    return _captured(db)


@pytest.fixture(scope="module")
def written(db: Database) -> Iterator[Chain]:
    """A chain of its own that the writing tests scan and observe; what they stored is
    deleted afterwards, so the session's other tests never list injected strings."""
    made = _captured(db)
    yield made
    db.query(
        "MATCH (x) WHERE x.id STARTS WITH $ns OR x.id CONTAINS $event"
        " OR x:Scan AND x.actor STARTS WITH $ns DETACH DELETE x",
        ns=made.ns, event="-9000-" + made.ns[-7:],
    )  # fmt: skip


def _own_graph(driver: neo4j.Driver, db: Database, chain: Chain) -> str:
    """A digest of the chain's nodes with their labels, properties and relationships."""
    records, _, _ = driver.execute_query(
        """
        MATCH (n) WHERE (n:Code OR n:Package) AND n.id IN $ids
           OR n:Event AND n.id ENDS WITH $tail OR n:Shipment AND n.id = $shipment
        OPTIONAL MATCH (n)-[r]-(m)
        WITH n, collect([type(r), startNode(r) = n, coalesce(m.id, elementId(m)),
                         properties(r)]) AS rels
        RETURN labels(n) AS labels, properties(n) AS props, rels ORDER BY n.id
        """,
        ids=[*chain.units, *chain.cases, chain.pallet], tail=chain.ns[-10:],
        shipment=chain.shipment, database_=db.name, routing_="r",
    )  # fmt: skip
    assert len(records) >= len(chain.units) + 3, "the chain is not in the graph"
    rows = [[sorted(r["labels"]), r["props"], sorted(map(str, r["rels"]))] for r in records]
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def _counts(driver: neo4j.Driver, db: Database) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels",
        database_=db.name, routing_="r",
    )  # fmt: skip
    return records[0]["nodes"], records[0]["rels"]


@pytest.fixture
def unchanged(driver: neo4j.Driver, db: Database, chain: Chain) -> Iterator[None]:
    """The chain reads back the same after the test, and the graph has not shrunk."""
    before, counts = _own_graph(driver, db, chain), _counts(driver, db)
    yield
    assert _own_graph(driver, db, chain) == before
    nodes, rels = _counts(driver, db)
    assert nodes >= counts[0] * 0.9 and rels >= counts[1] * 0.9, (counts, (nodes, rels))


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _value(name: str, type_: Any, chain: Chain) -> Any:
    """A plausible value for an argument the test does not inject into."""
    required = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if required else type_
    if isinstance(inner, GraphQLList):
        return [] if required else None
    if not required and name not in ("channel", "party"):
        return None
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {n: _value(n, f.type, chain) for n, f in inner.fields.items()
                if isinstance(f.type, GraphQLNonNull)}  # fmt: skip
    return {"Int": 1, "Float": 0.5, "Boolean": False, "DateTime": TIME, "JSON": {}}.get(
        inner.name, chain.units[0] if name not in ("channel", "party") else chain.ns
    )


def _string_arguments() -> Iterator[tuple[str, str]]:
    """(root field, argument) for every String or ID argument of every query."""
    assert SCHEMA.query_type is not None
    for field_name, field in SCHEMA.query_type.fields.items():
        for arg_name, arg in field.args.items():
            named = _named(arg.type)
            if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
                yield field_name, arg_name


def _query(field_name: str, chain: Chain, arg_name: str, value: str) -> dict[str, Any]:
    assert SCHEMA.query_type is not None
    field = SCHEMA.query_type.fields[field_name]
    variables = {n: _value(n, a.type, chain) for n, a in field.args.items()}
    variables[arg_name] = value
    declared = ", ".join(f"${n}: {a.type}" for n, a in field.args.items())
    passed = ", ".join(f"{n}: ${n}" for n in field.args)
    selection = "" if isinstance(_named(field.type), GraphQLScalarType) else "{ __typename }"
    text = f"query ({declared}) {{ {field_name}({passed}) {selection} }}"
    return {"query": text, "variables": variables}


QUERY_ARGUMENTS = sorted(_string_arguments())


def test_every_string_argument_of_every_query_is_enumerated() -> None:
    assert ("code", "id") in QUERY_ARGUMENTS and ("lot", "id") in QUERY_ARGUMENTS
    assert len(QUERY_ARGUMENTS) >= 20


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("field", "argument"), QUERY_ARGUMENTS)
def test_an_injection_through_a_query_argument_changes_nothing(
    client: TestClient, chain: Chain, field: str, argument: str
) -> None:
    for value in INJECTIONS:
        response = client.post("/graphql", json=_query(field, chain, argument, value))
        assert response.status_code == 200, (field, argument, value[:40], response.text[:500])
        body = response.json()
        messages = [e.get("message", "") for e in body.get("errors") or []]
        assert "Unexpected error." not in messages, (field, argument, value[:40], body)
        assert not LEAK.search(response.text), (field, argument, value[:40], response.text[:500])


def _rest_reads() -> Iterator[tuple[str, str, str]]:
    """(path template, parameter, where) of every GET route's parameters."""
    for (method, path), operation in OPERATIONS.items():
        if method != "get":
            continue
        for parameter in operation.parameters:
            if parameter["in"] in ("query", "path") and parameter["name"] != "nextPageToken":
                yield path, parameter["name"], parameter["in"]


REST_PARAMETERS = sorted(_rest_reads())


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("path", "parameter", "where"), REST_PARAMETERS)
def test_an_injection_through_a_rest_parameter_changes_nothing(
    client: TestClient, chain: Chain, path: str, parameter: str, where: str
) -> None:
    if path.startswith("/export/report") and parameter == "format":
        pytest.skip("an enum the route checks before anything else")
    for value in INJECTIONS[:-1]:  # a 20,000-character URL is refused by clients, not yima
        url = re.sub(r"\{\w+\}", quote(chain.units[0], safe=""), path)
        params = {}
        if where == "path":
            url = path.replace("{" + parameter + "}", quote(value, safe=""))
            url = re.sub(r"\{\w+\}", "x", url)
        else:
            params[parameter] = value
        response = client.get(url, params=params)
        assert response.status_code < 500, (path, parameter, value[:40], response.text[:500])
        assert not LEAK.search(response.text), (path, parameter, value[:40], response.text[:500])


SCAN = """mutation ($input: RecordScanInput!) {
  recordScan(input: $input) {
    __typename ... on RecordScanSuccess { scanId } ... on Problem { path problems { path } }
  }
}"""


def _refused_naming(result: dict[str, Any], field: str) -> bool:
    paths = [result.get("path", ""), *(p["path"] for p in result.get("problems", []))]
    return result["__typename"] == "Problem" and any(field in p for p in paths)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("field", ["clientScanId", "actor", "device", "region", "code"])
def test_a_scan_stores_an_injection_verbatim_or_refuses_naming_it(
    client: TestClient, driver: neo4j.Driver, db: Database, written: Chain, field: str
) -> None:
    chain = written
    for n, value in enumerate(INJECTIONS):
        scan: dict[str, Any] = {
            "code": chain.units[1], "kind": "INSPECTOR", "clientScanId": f"{chain.ns}-{field}-{n}",
            "actor": f"{chain.ns}-actor", "at": TIME,
        }  # fmt: skip
        written = chain.ns + value
        if field == "region":
            scan["location"] = {"region": written}
        elif field == "code":
            scan["code"] = value
        else:
            scan[field] = written
        body = client.post("/graphql", json={"query": SCAN, "variables": {"input": scan}}).json()
        result = body["data"]["recordScan"]
        if result["__typename"] != "RecordScanSuccess":
            assert _refused_naming(result, field), (field, value[:40], result)
            continue
        stored, _, _ = driver.execute_query(
            "MATCH (s:Scan {id: $id}) RETURN s {.*} AS s", id=result["scanId"],
            database_=db.name, routing_="r",
        )  # fmt: skip
        assert stored[0]["s"].get(field) == written, (field, value[:40], stored[0]["s"])


REFERRAL = """mutation ($a: String!, $b: String!, $at: DateTime!, $c: String) {
  recordReferral(referrerId: $a, refereeId: $b, at: $at, campaign: $c) {
    __typename ... on Problem { path problems { path } }
  }
}"""


@pytest.mark.usefixtures("unchanged")
def test_a_referral_stores_an_injected_consumer_id_verbatim_or_refuses_it(
    client: TestClient, driver: neo4j.Driver, db: Database, written: Chain
) -> None:
    chain = written
    for n, value in enumerate(INJECTIONS):
        referee = f"{chain.ns}{value}"
        variables = {"a": f"{chain.ns}-referrer-{n}", "b": referee, "at": TIME,
                     "c": f"{chain.ns}-campaign"}  # fmt: skip
        body = client.post("/graphql", json={"query": REFERRAL, "variables": variables}).json()
        result = body["data"]["recordReferral"]
        if result["__typename"] == "Problem":
            assert _refused_naming(result, "refereeId"), (value[:40], result)
            continue
        found, _, _ = driver.execute_query(
            "MATCH (:Consumer {id: $a})-[:REFERRED]->(b:Consumer {id: $b}) RETURN b.id AS id",
            a=variables["a"], b=referee, database_=db.name, routing_="r",
        )  # fmt: skip
        assert [r["id"] for r in found] == [referee], value[:40]


CAMPAIGN = """mutation ($input: CampaignInput!) {
  saveCampaign(input: $input) { __typename ... on Problem { path problems { path } } }
}"""


@pytest.mark.usefixtures("unchanged")
def test_a_campaign_stores_an_injected_name_verbatim_or_refuses_it(
    client: TestClient, driver: neo4j.Driver, db: Database, written: Chain
) -> None:
    chain = written
    for n, value in enumerate(INJECTIONS):
        campaign = {
            "id": f"{chain.ns}-c{n}", "name": value, "start": "2001-01-01T00:00:00Z",
            "end": "2001-01-02T00:00:00Z", "budget": 1.0,
            "levels": [{"level": value[:200], "quantity": 1, "amount": 1.0, "probability": 0.1}],
        }  # fmt: skip
        body = client.post("/graphql", json={"query": CAMPAIGN, "variables": {"input": campaign}})
        result = body.json()["data"]["saveCampaign"]
        if result["__typename"] == "Problem":
            assert _refused_naming(result, "name") or _refused_naming(result, "level"), result
            continue
        found, _, _ = driver.execute_query(
            "MATCH (c:Campaign {id: $id}) RETURN c.name AS name", id=campaign["id"],
            database_=db.name, routing_="r",
        )  # fmt: skip
        assert found[0]["name"] == value, value[:40]


@pytest.mark.usefixtures("unchanged")
def test_a_captured_event_keeps_injected_strings_verbatim_or_is_refused_naming_them(
    client: TestClient, written: Chain
) -> None:
    chain = written
    for n, value in enumerate(INJECTIONS):
        event = chain.event(
            20 + n % 10, action="OBSERVE", epcList=[chain.units[2]], bizStep=value,
            readPoint={"id": f"urn:yima:injection:{quote(value[:100], safe='')}"},
            **{"yima:note": value},
        )  # fmt: skip
        event["eventID"] = f"urn:uuid:00000000-0000-4000-9000-{chain.ns[-7:]}{n:05d}"
        response = client.post("/events", json={"@context": [
            "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
            {"yima": "https://ns.yima.dev/epcis/"}], **event})  # fmt: skip
        if response.status_code == 400:
            fields = [e.get("field") or e.get("path") for e in response.json().get("errors", [])]
            assert any(f and ("bizStep" in f or "readPoint" in f) for f in fields), response.text
            continue
        assert response.status_code == 201, response.text[:500]
        stored = client.get("/events/" + quote(event["eventID"], safe="")).json()
        assert stored["yima:note"] == value and stored["bizStep"] == value, value[:40]


@pytest.mark.usefixtures("unchanged")
def test_a_named_query_keeps_an_injected_name_verbatim_or_refuses_it(
    client: TestClient, chain: Chain
) -> None:
    for value in INJECTIONS[:-1]:
        name = f"{chain.ns}{value}"
        response = client.post("/queries", json={"name": name, "query": {"EQ_bizStep": [value]}})
        if response.status_code == 400:
            assert response.json()["parameter"] in ("name", "query", "EQ_bizStep"), response.text
            continue
        assert response.status_code == 201, response.text[:500]
        shown = client.get("/queries/" + quote(name, safe=""))
        assert shown.json()["name"] == name and shown.json()["query"]["EQ_bizStep"] == [value]
        assert client.delete("/queries/" + quote(name, safe="")).status_code == 204
