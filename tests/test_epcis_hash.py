"""The CBV 2.0 event hash against the reference generator's test vectors, and its invariants."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.epcis.hash import (
    HashContext,
    canonical_identifier,
    canonical_time,
    document_hashes,
    document_prehashes,
    event_hash,
    prehash_string,
)


def _vector_dir() -> Path:
    shared = os.environ.get("YIMA_SHARED_DIR")
    root = Path(shared) if shared else Path(__file__).resolve().parents[1].parent / "shared"
    return root / "data" / "epcis-hash-vectors"


VECTORS = _vector_dir()


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def _digest(text: str) -> str:
    return "ni:///sha-256;" + hashlib.sha256(text.encode()).hexdigest() + "?ver=CBV2.0"


def _cases(suffix: str) -> list[tuple[str, int, str]]:
    cases = []
    for doc in sorted(VECTORS.glob("*.jsonld")):
        expected = doc.with_suffix(suffix)
        if expected.exists():
            cases.extend((doc.stem, i, line) for i, line in enumerate(_lines(expected)))
    return cases


def _consistent(name: str, index: int, prehash: str) -> bool:
    """Whether a vector's pre-hash string digests to the same vector's hash."""
    hashes = VECTORS / f"{name}.hashes"
    return not hashes.exists() or _digest(prehash) == _lines(hashes)[index]


HASH_CASES = _cases(".hashes")
PREHASH_CASES = [c for c in _cases(".prehashes") if _consistent(*c)]
# Pre-hash lines that contradict their own file's hash (one truncated, one copied from the
# previous event); the hash of that event is still checked in HASH_CASES.
CONTRADICTORY_PREHASH_CASES = [c for c in _cases(".prehashes") if not _consistent(*c)]


def _document(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((VECTORS / f"{name}.jsonld").read_text(encoding="utf-8"))
    return data


def test_vectors_are_found() -> None:
    assert VECTORS.is_dir(), f"hash vectors missing at {VECTORS}; set YIMA_SHARED_DIR"
    assert len(HASH_CASES) == 39
    assert len(PREHASH_CASES) == 36
    assert len(CONTRADICTORY_PREHASH_CASES) == 2


@pytest.mark.parametrize(("name", "index", "expected"), HASH_CASES)
def test_hash_matches_reference(name: str, index: int, expected: str) -> None:
    assert document_hashes(_document(name))[index] == expected


@pytest.mark.parametrize(("name", "index", "expected"), PREHASH_CASES)
def test_prehash_matches_reference(name: str, index: int, expected: str) -> None:
    assert document_prehashes(_document(name))[index] == expected


@pytest.mark.parametrize(("name", "index", "expected"), CONTRADICTORY_PREHASH_CASES)
def test_contradictory_prehash_vectors_are_defective(name: str, index: int, expected: str) -> None:
    ours = document_prehashes(_document(name))[index]
    reference_hash = _lines(VECTORS / f"{name}.hashes")[index]
    assert _digest(expected) != reference_hash
    assert _digest(ours) == reference_hash


def test_document_and_single_event_agree() -> None:
    doc = _document("ReferenceEventHashAlgorithm")
    event = doc["epcisBody"]["eventList"][0]  # type: ignore[index]
    assert event_hash(event, doc["@context"]) == document_hashes(doc)[0]


@pytest.mark.parametrize(
    ("urn", "link"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:id:sscc:4012345.0000000111", "https://id.gs1.org/00/040123450000001112"),
        ("urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"),
        ("urn:epc:id:pgln:999999999999.", "https://id.gs1.org/417/9999999999994"),
        (
            "urn:epc:class:lgtin:4012345.012345.Lot987",
            "https://id.gs1.org/01/04012345123456/10/Lot987",
        ),
        ("urn:epc:idpat:sgtin:4012345.044444.*", "https://id.gs1.org/01/04012345444445"),
        (
            "https://example.com/gtin/9780345418913/21/x?a=1",
            "https://id.gs1.org/01/09780345418913/21/x",
        ),
        (
            "https://id.gs1.org/01/04012345123456/10/L1/21/S1",
            "https://id.gs1.org/01/04012345123456/21/S1",
        ),
        (
            "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
            "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
        ),
        ("urn:epc:id:sgtin:0614141.10734.2017", "urn:epc:id:sgtin:0614141.10734.2017"),
    ],
)
def test_canonical_identifier(urn: str, link: str) -> None:
    assert canonical_identifier(urn) == link


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
        ("2023-02-02T11:04:03.1414+01:00", "2023-02-02T10:04:03.141Z"),
        ("2020-12-31T23:59:59.9996-01:00", "2021-01-01T01:00:00.000Z"),
        ("2020-03-04T11:00:30+0100", "2020-03-04T10:00:30.000Z"),
        ("2020-03-04", "2020-03-04"),
    ],
)
def test_canonical_time(written: str, canonical: str) -> None:
    assert canonical_time(written) == canonical


def test_long_numeric_values_do_not_collide() -> None:
    a = {"type": "ObjectEvent", "example:code": "81234567890123456789"}
    b = {"type": "ObjectEvent", "example:code": "81234567890123456790"}
    ctx = HashContext.from_context([{"example": "https://ns.example.com/"}])
    assert prehash_string(a, ctx) != prehash_string(b, ctx)


_SGTINS = st.lists(
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"urn:epc:id:sgtin:6901234.012345.{n}"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(epcs=_SGTINS, seed=st.integers(0, 2**32))
def test_hash_ignores_epc_order_and_key_order(epcs: list[str], seed: int) -> None:
    event = {
        "type": "AggregationEvent",
        "eventTime": "2024-03-01T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "parentID": "urn:epc:id:sscc:6901234.0000000001",
        "childEPCs": epcs,
        "action": "ADD",
        "bizStep": "packing",
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
        "bizTransactionList": [
            {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000002:1"},
            {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000002:2"},
        ],
        "example:line": {"example:id": "L1", "example:shift": ["2", "1"]},
    }
    rng = random.Random(seed)
    shuffled_items = list(event.items())
    rng.shuffle(shuffled_items)
    shuffled = dict(shuffled_items)
    shuffled["childEPCs"] = rng.sample(epcs, len(epcs))
    transactions = list(event["bizTransactionList"])  # type: ignore[call-overload]
    rng.shuffle(transactions)
    shuffled["bizTransactionList"] = transactions
    ctx = HashContext.from_context([{"example": "https://ns.example.com/"}])
    assert event_hash(shuffled, ctx) == event_hash(event, ctx)


@settings(max_examples=60, deadline=None)
@given(epcs=_SGTINS, extra=_SGTINS)
def test_hash_tells_different_epc_sets_apart(epcs: list[str], extra: list[str]) -> None:
    base = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2024-01-01T00:00:00Z"}
    if set(epcs) != set(epcs + extra):
        assert event_hash({**base, "epcList": epcs}) != event_hash(
            {**base, "epcList": epcs + extra}
        )


def test_equivalent_notations_hash_alike() -> None:
    short = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2024-03-01T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    long = {
        **short,
        "eventTime": "2024-03-01T00:00:00Z",
        "epcList": ["https://id.gs1.org/01/10614141073464/21/2017"],
        "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
        "disposition": "https://ref.gs1.org/cbv/Disp-in_transit",
        "eventID": "urn:uuid:00000000-0000-0000-0000-000000000001",
        "recordTime": "2024-03-02T00:00:00Z",
    }
    assert event_hash(short) == event_hash(long)


def test_numeric_looking_identifiers_do_not_blow_up_the_hash() -> None:
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-01-01T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": [],
        "example:device": "3E812345678",
    }
    assert event_hash(event, {"example": "https://example.org/"}).startswith("ni:///sha-256;")
