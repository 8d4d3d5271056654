"""Every parser of outside input, given anything: it parses, or it raises its typed error naming
the field at fault, never another exception. Where a writer exists, what it writes reads back.

Parsers: EPCIS documents as JSON-LD and XML (``loaders.epcis``), EPC URIs, GS1 Digital Link and
the other identifiers (``graph_model.identifiers``), master-data CSV files (stores, orders,
referrals ...), ``stock_reports.csv``, campaign files, GeoJSON territories, location
declarations, EPCIS query parameters (``graph_model.epcis_query``), OR-Library files.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algorithms.layout import LayoutInputError
from graph_model.epcis_query import EventQuery, parse_time
from graph_model.errors import InvalidField, InvalidIdentifier
from graph_model.identifiers import (
    digital_link,
    epc_to_digital_link,
    normalize_brand_code,
    normalize_drug_code,
    normalize_gtin,
    parse_digital_link,
    parse_epc,
    parse_package_identifier,
    parse_unit_identifier,
    validate_gln,
    validate_sscc,
)
from graph_model.identifiers.gs1 import gtin_to_sgtin_urn, with_check_digit
from loaders.campaigns import parse_campaigns
from loaders.epcis.document import parse_document
from loaders.epcis.hash import document_hashes
from loaders.epcis.xml import events_to_xml, read_xml_document
from loaders.locations import read_locations
from loaders.master_data import KINDS, read_master_data
from loaders.orlib import parse_cpmp, parse_pmed, parse_uncap
from loaders.regions.territories import load_territories
from loaders.stock_reports import read_stock_reports
from tests.factories import Chain

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Text of every kind: control characters, NUL, surrogate-free unicode, right-to-left marks.
TEXT = st.text(max_size=60) | st.sampled_from(
    ["", " ", "\x00", "\u202e", "'", '"', "%", "²", "١٢", "-1", "1e999", "NaN", "\ufeff"]
)
JUNK: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _refused(
    call: Callable[[], Any], *errors: type[Exception], allow_blank: bool = False
) -> Exception | None:
    """Run ``call``; ``None`` when it parsed, its error when it raised one of ``errors``, which
    must name a field (a blank name only where the input's own name was blank). Any other
    exception fails the test."""
    try:
        call()
    except errors as exc:
        if isinstance(exc, InvalidField):
            assert exc.reason and all(p.reason for p in exc.problems), exc
            assert allow_blank or (exc.path and all(p.path for p in exc.problems)), exc
        elif isinstance(exc, InvalidIdentifier):
            assert exc.reason, exc
        elif isinstance(exc, LayoutInputError):
            assert exc.field and exc.reason, exc
        return exc
    return None


# --- identifiers -----------------------------------------------------------------------------

DIGITS = st.text("0123456789", min_size=1, max_size=14)
SERIAL = st.text(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!\"%&'()*+,-./:;<=>?_",
    min_size=1,
    max_size=20,
)
GTIN = st.text("0123456789", min_size=13, max_size=13).map(lambda d: with_check_digit(d))
NEAR_IDENTIFIER = st.one_of(
    TEXT,
    st.builds("urn:epc:id:sgtin:{}.{}.{}".format, DIGITS, DIGITS, TEXT),
    st.builds("urn:epc:id:sscc:{}.{}".format, DIGITS, DIGITS),
    st.builds("urn:epc:id:sgln:{}.{}.{}".format, DIGITS, DIGITS, TEXT),
    st.builds("urn:epc:class:lgtin:{}.{}.{}".format, DIGITS, DIGITS, TEXT),
    st.builds("urn:epc:idpat:sgtin:{}.{}.*".format, DIGITS, DIGITS),
    st.builds("https://id.example.com/01/{}/21/{}".format, GTIN | DIGITS, TEXT),
    st.builds("https://id.example.com/00/{}".format, DIGITS),
    st.builds("(01){}(21){}".format, GTIN | DIGITS, TEXT),
    st.builds("urn:yima:code:{}".format, TEXT),
    st.builds("urn:yima:drug:{}".format, DIGITS),
)


@FAST
@given(text=NEAR_IDENTIFIER)
def test_identifier_parsers_parse_or_refuse(text: str) -> None:
    for parse in (parse_epc, parse_digital_link, parse_unit_identifier, parse_package_identifier,
                  normalize_gtin, validate_sscc, validate_gln, normalize_brand_code,
                  normalize_drug_code):  # fmt: skip
        _refused(lambda parse=parse: parse(text), InvalidIdentifier, InvalidField)


@FAST
@given(gtin=GTIN, serial=SERIAL)
def test_an_sgtin_reads_back_from_its_urn_and_its_digital_link(gtin: str, serial: str) -> None:
    gtin14 = gtin  # 13 digits and the check digit
    urn = gtin_to_sgtin_urn(gtin14, serial, 7)
    epc = parse_epc(urn)
    assert epc.uri == urn and epc.gtin == gtin14
    link = epc_to_digital_link(epc)
    assert parse_epc(link, 7).uri == urn
    parsed = parse_digital_link(digital_link(gtin14, serial))
    assert (parsed.gtin, parsed.serial) == (gtin14, serial)
    assert parse_unit_identifier(urn).epc == urn


# --- EPCIS documents -------------------------------------------------------------------------

VALID = Chain("prop000000", units=3).document()
EVENT_KEYS = sorted({k for e in VALID["epcisBody"]["eventList"] for k in e} | {
    "quantityList", "ilmd", "sensorElementList", "errorDeclaration", "certificationInfo",
    "persistentDisposition", "childQuantityList", "inputEPCList", "outputEPCList"})  # fmt: skip


@st.composite
def near_documents(draw: st.DrawFn) -> Any:
    """A valid document with a few fields replaced by anything, or dropped."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["document", "body", "event"]))
        if where == "document":
            target, keys = doc, ["@context", "type", "schemaVersion", "creationDate", "epcisBody"]
        elif where == "body":
            target, keys = doc.get("epcisBody"), ["eventList"]
        else:
            body = doc.get("epcisBody")
            events = body.get("eventList") if isinstance(body, dict) else None
            if not isinstance(events, list) or not events:
                continue
            target, keys = draw(st.sampled_from(events)), EVENT_KEYS
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(JUNK)
    return doc


@FAST
@given(doc=near_documents() | JUNK)
def test_an_epcis_json_document_parses_or_is_refused_naming_fields(doc: Any) -> None:
    _refused(lambda: parse_document(doc), InvalidField)


def test_an_event_type_given_as_a_list_is_refused_naming_it() -> None:
    # Found by the property above: an unhashable type escaped as a TypeError.
    event = {"type": ["ObjectEvent"], "action": "OBSERVE", "eventTime": "2026-01-01T00:00:00Z",
             "eventTimeZoneOffset": "+00:00"}  # fmt: skip
    doc = {"@context": "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
           "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z",
           "epcisBody": {"eventList": [event]}}  # fmt: skip
    with pytest.raises(InvalidField, match=r"eventList\[0\]: type"):
        parse_document(doc)


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(out)))
            kind = draw(st.sampled_from(["cut", "insert", "replace"]))
            piece = draw(st.binary(max_size=8) | st.sampled_from(
                [b"<", b">", b"&", b"]]>", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
                 b"&e;", b"\x00", b"</", b"xmlns:a='b'", "é²".encode()]))  # fmt: skip
            if kind == "cut":
                del out[at : at + len(piece)]
            elif kind == "insert":
                out[at:at] = piece
            else:
                out[at : at + len(piece)] = piece
        return bytes(out)

    return mutate()


XML = events_to_xml(VALID["epcisBody"]["eventList"], VALID["@context"])


@FAST
@given(data=_mutations(XML) | st.binary(max_size=200))
def test_an_epcis_xml_document_parses_or_is_refused_naming_lines(data: bytes) -> None:
    def read() -> None:
        parse_document(read_xml_document(data))

    error = _refused(read, InvalidField)
    if error is not None:
        assert "etc/passwd" not in str(error) or "root:" not in str(error)


def test_xml_written_from_events_reads_back_to_the_same_hashes() -> None:
    document = read_xml_document(XML)
    assert document_hashes(document) == document_hashes(VALID)


def test_an_xml_entity_naming_a_local_file_is_not_expanded() -> None:
    hostile = XML.replace(
        b"<?xml version='1.0' encoding='UTF-8'?>",
        b"<?xml version='1.0'?><!DOCTYPE e [<!ENTITY x SYSTEM 'file:///etc/hostname'>]>",
    ).replace(b"<bizStep>", b"<bizStep>&x;", 1)
    try:
        document = read_xml_document(hostile)
    except InvalidField:
        return
    assert Path("/etc/hostname").read_text().strip() not in json.dumps(document)


# --- EPCIS query parameters --------------------------------------------------------------------

PARAM_NAMES = st.sampled_from([
    "eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
    "EQ_eventID", "MATCH_parentID", "GE_eventTime", "LT_eventTime", "GE_recordTime",
    "LT_recordTime", "MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "eventCountLimit",
    "maxEventCount", "perPage", "nextPageToken", "orderBy", "orderDirection",
    "EQ_bizTransaction_po", "EQ_source_owning_party", "EQ_quantity", "GT_quantity",
    "EQ_ILMD_cbvmda:lotNumber", "EQ_http://ns.example.com/epcis#temp", "GE_INNER_x:y",
    "EXISTS_errorDeclaration", "EQ_ERROR_DECLARATION_reason", "EXISTS_sensorElementList",
    "GT_value_CEL", "GE_percRank", "EQ_type", "WD_bizLocation", "HASATTR_x", "EQATTR_x_y",
]) | TEXT  # fmt: skip


@FAST
@given(params=st.lists(st.tuples(PARAM_NAMES, TEXT), max_size=5))
def test_query_parameters_parse_or_are_refused_naming_the_parameter(
    params: list[tuple[str, str]],
) -> None:
    error = _refused(lambda: EventQuery.from_params(params), InvalidField, allow_blank=True)
    if isinstance(error, InvalidField):
        assert {p.path for p in error.problems} <= {name for name, _ in params}, error


@FAST
@given(text=TEXT | st.datetimes().map(lambda d: d.isoformat()))
def test_a_query_time_parses_or_is_refused(text: str) -> None:
    _refused(lambda: parse_time("GE_eventTime", text), InvalidField)


# --- files -----------------------------------------------------------------------------------

CELL = (
    TEXT.filter(lambda t: "\x00" not in t)
    | DIGITS
    | GTIN
    | st.sampled_from(
        ["2026-01-01T00:00:00+08:00", "2026-01-01", "310100", "x@y", "1.5", "-3", "true"]
    )
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def csv_files(draw: st.DrawFn, columns: list[str]) -> str:
    header = draw(st.permutations(columns).map(list))
    if draw(st.booleans()):
        header = header[: draw(st.integers(0, len(header)))] + draw(st.lists(TEXT, max_size=2))
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header) + 1),
                         max_size=4))  # fmt: skip
    return _csv(header, rows)


MASTER_COLUMNS = {
    "stores": ["id", "name", "region", "lat", "lon", "owner", "phone", "registered_at"],
    "orders": ["id", "store", "distributor", "gtin", "quantity", "at"],
    "referrals": ["referrer", "referee", "at", "campaign"],
    "consumers": ["id", "phone", "device", "created_at"],
    "products": ["gtin", "name", "shelf_life_days"],
    "distributors": ["id", "name", "region", "tier"],
}


@SLOW
@given(data=st.data(), kind=st.sampled_from(sorted(MASTER_COLUMNS)))
def test_a_master_data_csv_file_reads_or_is_refused_naming_rows(
    data: st.DataObject, kind: str
) -> None:
    assert kind in KINDS
    text = data.draw(csv_files(MASTER_COLUMNS[kind]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        _refused(lambda: read_master_data([path], known_region_codes=frozenset({"310100"})),
                 InvalidField)  # fmt: skip


@SLOW
@given(text=csv_files(["party", "gtin", "quantity", "at"]) | TEXT)
def test_stock_reports_read_or_are_refused_naming_cells(text: str) -> None:
    _refused(lambda: read_stock_reports("stock_reports.csv", text=text), InvalidField)


@SLOW
@given(text=csv_files(["location", "party", "name"]) | TEXT)
def test_location_declarations_read_or_are_refused_naming_rows(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "locations.csv"
        path.write_text(text, encoding="utf-8")
        _refused(lambda: read_locations(path), InvalidField)


CAMPAIGN = {
    "id": "c1", "name": "spring", "start": "2026-03-01T00:00:00+08:00",
    "end": "2026-04-01T00:00:00+08:00", "budget": 1000, "products": ["06901234000017"],
    "levels": [{"level": "gold", "quantity": 1, "amount": 10, "probability": 0.1}],
}  # fmt: skip


@st.composite
def near_campaigns(draw: st.DrawFn) -> Any:
    campaign = copy.deepcopy(CAMPAIGN)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*sorted(campaign), "regions", "storeReward", "points"]))
        campaign[key] = draw(JUNK)
    return draw(st.sampled_from([campaign, [campaign], {"campaigns": [campaign]}]))


@FAST
@given(data=near_campaigns() | JUNK)
def test_a_campaign_file_parses_or_is_refused_naming_fields(data: Any) -> None:
    _refused(lambda: parse_campaigns(data), InvalidField)


SQUARE = [[[121.0, 31.0], [121.5, 31.0], [121.5, 31.5], [121.0, 31.5], [121.0, 31.0]]]
COORDINATE = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | TEXT


@st.composite
def near_territories(draw: st.DrawFn) -> Any:
    ring = [list(p) for p in SQUARE[0]]
    for _ in range(draw(st.integers(0, 2))):
        ring[draw(st.integers(0, len(ring) - 1))][draw(st.integers(0, 1))] = draw(COORDINATE)
    geometry = draw(st.sampled_from([
        {"type": "Polygon", "coordinates": [ring]},
        {"type": "MultiPolygon", "coordinates": [[ring]]},
        {"type": "Point", "coordinates": ring[0]},
        {"type": "Polygon", "coordinates": draw(JUNK)},
        draw(JUNK),
    ]))  # fmt: skip
    properties = {"code": draw(TEXT), "name": draw(TEXT), "parent_code": draw(TEXT | st.none())}
    feature = {"type": "Feature", "properties": properties, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


@FAST
@given(doc=near_territories() | JUNK)
def test_a_geojson_territory_loads_or_is_refused_naming_the_feature(doc: Any) -> None:
    if isinstance(doc, str):
        doc = {"type": doc}  # a str would be read as a file name
    if not isinstance(doc, dict):
        doc = {"type": "FeatureCollection", "features": doc}
    _refused(lambda: load_territories(doc), InvalidField)


NUMBER_TEXT = st.lists(
    st.integers(-3, 40).map(str) | st.sampled_from(["1.5", "x", "1e3", "-0", "nan", "inf", ""]),
    max_size=40,
).map(" ".join)


@FAST
@given(text=NUMBER_TEXT | TEXT)
def test_orlib_files_parse_or_are_refused_naming_the_file(text: str) -> None:
    for parse in (parse_pmed, parse_uncap, parse_cpmp):
        _refused(lambda parse=parse: parse(text, "instance"), LayoutInputError)


@pytest.mark.parametrize("parse", [parse_pmed, parse_uncap, parse_cpmp])
def test_an_orlib_file_that_ends_early_names_what_is_missing(
    parse: Callable[[str, str], Any],
) -> None:
    with pytest.raises(LayoutInputError, match="ends early"):
        parse("3 3 2", "instance")


# Defects the properties found, held by name.


@pytest.mark.parametrize("text", ["nan 2 1", "inf 2 1", "2 nan 1", "3 -inf"])
@pytest.mark.parametrize("parse", [parse_pmed, parse_uncap, parse_cpmp])
def test_an_orlib_count_that_is_no_finite_number_is_refused(
    parse: Callable[[str, str], Any], text: str
) -> None:
    with pytest.raises(LayoutInputError, match=r"non-negative integer|ends early"):
        parse(text, "instance")


@pytest.mark.parametrize(
    "coordinates",
    [
        {"0": [121.0, 31.0]},  # an object where a ring belongs
        [[[math.nan, 31.0], [121.5, 31.0], [121.5, 31.5], [math.nan, 31.0]]],  # never closes
    ],
)
def test_a_territory_whose_rings_are_malformed_is_refused_naming_it(coordinates: Any) -> None:
    feature = {"type": "Feature", "properties": {"code": "T1", "name": "t"},
               "geometry": {"type": "Polygon", "coordinates": coordinates}}  # fmt: skip
    with pytest.raises(InvalidField, match="geometry is malformed") as caught:
        load_territories({"type": "FeatureCollection", "features": [feature]})
    assert "T1" in caught.value.path
