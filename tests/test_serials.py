"""Serial issuance: unguessable, uniform, never sequential, always valid AI (21) values."""

from __future__ import annotations

import doctest
import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from graph_model.errors import UnsafeSerialScheme
from graph_model.identifiers import serials
from graph_model.identifiers.codes import normalize_brand_code
from graph_model.identifiers.gs1 import validate_serial
from graph_model.identifiers.serials import (
    CROCKFORD_BASE32,
    DEFAULT_SCHEME,
    SerialScheme,
    brand_code,
    check_guess_probability,
    collision_probability,
    digital_link,
    generate_brand_codes,
    generate_serials,
    guess_probability,
)
from graph_model.identifiers.units import parse_unit_identifier

# Far below any chance failure rate a test run could notice, far above what a biased or
# sequential source produces.
P_FLOOR = 1e-6


def test_doctests() -> None:
    assert doctest.testmod(serials, optionflags=doctest.ELLIPSIS).failed == 0


def test_default_scheme_is_unambiguous_and_gs1_valid() -> None:
    assert DEFAULT_SCHEME.alphabet == CROCKFORD_BASE32
    assert len(set(CROCKFORD_BASE32)) == 32
    assert not set("ILOU") & set(CROCKFORD_BASE32)
    assert DEFAULT_SCHEME.fits_ai21
    # Ten billion issued serials are still ten orders of magnitude below the EU FMD bar.
    assert guess_probability(10**10) < 1e-14


@pytest.mark.parametrize(
    ("issued", "scheme", "expected"),
    [
        (1, SerialScheme("01", 1), 0.5),
        (1_000, SerialScheme("0123456789", 6), 1e-3),
        (0, DEFAULT_SCHEME, 0.0),
        (2**40, SerialScheme(CROCKFORD_BASE32, 16), 2**40 / 2**80),
    ],
)
def test_guess_probability(issued: int, scheme: SerialScheme, expected: float) -> None:
    assert guess_probability(issued, scheme) == pytest.approx(expected)


def test_guess_probability_bar_is_eu_fmd() -> None:
    scheme = SerialScheme("0123456789", 8)
    assert check_guess_probability(9_999, scheme) < 1e-4
    with pytest.raises(UnsafeSerialScheme, match=r"probability 0\.0001, must be below 0\.0001"):
        check_guess_probability(10_000, scheme)
    with pytest.raises(UnsafeSerialScheme, match="10000 serials of 8 characters from 10 symbols"):
        generate_serials(10_000, scheme)


@pytest.mark.parametrize(
    ("alphabet", "length", "message"),
    [
        ("A", 8, "2 to 256 characters, got 1"),
        ("AAB", 8, "repeats a character"),
        ("AB码", 8, "must be ASCII"),
        ("AB", 0, "at least 1, got 0"),
    ],
)
def test_invalid_schemes(alphabet: str, length: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SerialScheme(alphabet, length)


def test_scheme_outside_ai21_is_flagged() -> None:
    assert not SerialScheme("AB#", 8).fits_ai21
    assert not SerialScheme(CROCKFORD_BASE32, 21).fits_ai21


def test_generation_is_lazy_and_bounded() -> None:
    # A trillion serials: only the first block is ever drawn.
    stream = generate_serials(10**12)
    first = list(itertools.islice(stream, 5))
    assert len(first) == 5


def test_counts_are_exact_across_blocks() -> None:
    assert list(generate_serials(0)) == []
    assert sum(1 for _ in generate_serials(20_001)) == 20_001
    with pytest.raises(ValueError, match="must not be negative"):
        generate_serials(-1)


def test_seeded_rng_is_reproducible() -> None:
    a = list(generate_serials(100, rng=random.Random(7)))
    b = list(generate_serials(100, rng=random.Random(7)))
    assert a == b
    assert a != list(generate_serials(100, rng=random.Random(8)))


@settings(max_examples=30, deadline=None)
@given(
    alphabet=st.sets(
        st.sampled_from(sorted(CROCKFORD_BASE32 + "abcdefghjkmnpqrstvwxyz")), min_size=10
    ),
    length=st.integers(14, 20),
    n=st.integers(0, 3_000),
)
def test_serials_never_repeat_and_are_valid_ai21(alphabet: set[str], length: int, n: int) -> None:
    scheme = SerialScheme("".join(sorted(alphabet)), length)
    issued = list(generate_serials(n, scheme))
    assert len(issued) == n
    assert len(set(issued)) == n
    for serial in issued:
        assert len(serial) == length and set(serial) <= alphabet
        validate_serial(serial)


@pytest.mark.parametrize("alphabet", [CROCKFORD_BASE32, "0123456789", "ABCDEFGHJKLMNPQRSTUVWXYZ"])
def test_symbols_are_uniform_without_modulo_bias(alphabet: str) -> None:
    # 10 and 24 symbols do not divide 256: a plain "byte % size" would favour the first ones.
    counts = Counter("".join(generate_serials(20_000, SerialScheme(alphabet, 12))))
    observed = [counts[c] for c in alphabet]
    assert chisquare(observed).pvalue > P_FLOOR


def test_serials_are_not_sequential() -> None:
    size = len(CROCKFORD_BASE32)
    value = {c: i for i, c in enumerate(CROCKFORD_BASE32)}
    issued = list(generate_serials(20_000))
    numbers = [sum(value[c] * size**i for i, c in enumerate(reversed(s))) for s in issued]
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    # A counter, with or without gaps, only ever goes up; random draws go up half the time.
    ups = sum(step > 0 for step in steps) / len(steps)
    assert 0.45 < ups < 0.55
    # No two consecutive serials lie within a million of each other (chance ~1e-17 each).
    assert min(abs(step) for step in steps) > 10**6
    # Consecutive serials share no more leading characters than chance allows.
    shared = [_shared_prefix(a, b) for a, b in itertools.pairwise(issued)]
    assert sum(shared) / len(shared) < 0.1
    # Each position is uniform on its own, so none is a hidden counter digit.
    for position in range(DEFAULT_SCHEME.length):
        counts = Counter(s[position] for s in issued)
        assert chisquare([counts[c] for c in CROCKFORD_BASE32]).pvalue > P_FLOOR


def _shared_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a))


def test_collision_probability() -> None:
    assert collision_probability(0) == 0.0
    assert collision_probability(10_000_000) < 1e-10
    assert collision_probability(10**6, SerialScheme("0123456789", 6)) == 1.0


def test_brand_codes_are_valid_brand_codes() -> None:
    codes = list(generate_brand_codes(1_000))
    assert len(set(codes)) == 1_000
    for code in codes:
        assert normalize_brand_code(code) == code
        assert parse_unit_identifier(code).epc == f"urn:yima:code:{code}"
    assert len(brand_code(SerialScheme(CROCKFORD_BASE32, 20))) == 20


@pytest.mark.parametrize(
    ("scheme", "message"),
    [
        (SerialScheme(CROCKFORD_BASE32, 15), "16 to 20 characters, scheme has 15"),
        (SerialScheme(CROCKFORD_BASE32 + "-", 16), "must be letters and digits"),
    ],
)
def test_brand_code_scheme_limits(scheme: SerialScheme, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_brand_codes(1, scheme)


def test_issued_serial_goes_into_a_digital_link_and_back() -> None:
    serial = next(generate_serials(1))
    link = digital_link("09520123456788", serial, lot="L1")
    assert link == f"https://id.yima.example/01/09520123456788/10/L1/21/{serial}"
    unit = parse_unit_identifier(link)
    assert (unit.gtin, unit.serial, unit.lot) == ("09520123456788", serial, "L1")
