"""Identifiers: GS1 keys, EPC URNs, Digital Links, brand and drug codes, and the parse entry
points. Known answers are the examples published in the GS1 General Specifications, the EPC
Tag Data Standard and the GS1 Digital Link standard."""

from __future__ import annotations

import contextlib
import doctest
import pickle
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph_model import errors
from graph_model.errors import InvalidIdentifier, YimaError
from graph_model.identifiers import codes, digital_links, epc, gs1, units
from graph_model.identifiers.codes import DrugCode, normalize_brand_code, normalize_drug_code
from graph_model.identifiers.digital_links import parse_digital_link
from graph_model.identifiers.epc import epc_to_digital_link, parse_epc
from graph_model.identifiers.gs1 import (
    CSET82,
    company_prefix_length,
    gln_to_sgln_urn,
    gs1_check_digit,
    gtin_to_sgtin_urn,
    normalize_gtin,
    sgtin_urn,
    sscc_to_urn,
    sscc_urn,
    validate_serial,
    validate_sscc,
)
from graph_model.identifiers.units import (
    PackageId,
    UnitId,
    parse_package_identifier,
    parse_unit_identifier,
)

TDS_SGTIN = "urn:epc:id:sgtin:0614141.812345.6789"
TDS_SSCC = "urn:epc:id:sscc:0614141.1234567890"


@pytest.mark.parametrize("module", [errors, gs1, codes, digital_links, epc, units])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- GS1 keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ("061414112345", "2"),
        ("8061414112345", "8"),
        ("10614141234567890", "8"),
        ("952012345678", "8"),
    ],
)
def test_check_digit_known_answers(payload: str, check: str) -> None:
    assert gs1_check_digit(payload) == check


@pytest.mark.parametrize(
    ("gtin", "gtin14"),
    [
        ("96385074", "00000096385074"),  # GTIN-8
        ("614141123452", "00614141123452"),  # GTIN-12 (UPC-A)
        ("9520123456788", "09520123456788"),  # GTIN-13
        ("80614141123458", "80614141123458"),  # GTIN-14
        (" 4012345000009 ", "04012345000009"),
    ],
)
def test_gtin_normalised_to_14_digits(gtin: str, gtin14: str) -> None:
    assert normalize_gtin(gtin) == gtin14


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("06141411234568", "GTIN 06141411234568 has check digit 8, expected 2"),
        ("0614141123456", "GTIN 0614141123456 has check digit 6, expected 2"),
        ("06141411234", "must have 8 or 12 or 13 or 14 digits, got 11"),
        ("0614141A23452", "must contain digits only"),
        ("", "must contain digits only"),
    ],
)
def test_invalid_gtin(gtin: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message) as info:
        normalize_gtin(gtin)
    assert info.value.value == gtin
    assert isinstance(info.value, ValueError) and isinstance(info.value, YimaError)


def test_invalid_identifier_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(InvalidIdentifier("x", "bad x")))
    assert (err.value, err.reason, str(err)) == ("x", "bad x", "bad x")


def test_sscc_validation() -> None:
    assert validate_sscc("106141412345678908") == "106141412345678908"
    with pytest.raises(InvalidIdentifier, match="SSCC 106141412345678907 has check digit 7"):
        validate_sscc("106141412345678907")
    with pytest.raises(InvalidIdentifier, match="must have 18 digits, got 17"):
        validate_sscc("10614141234567890")


def test_company_prefix_length_lookup_default_and_override() -> None:
    assert company_prefix_length("0614141123452") == 7
    assert company_prefix_length("6901234567892") == 7  # GS1 China
    assert company_prefix_length("0614141123452", override=10) == 10
    with pytest.raises(InvalidIdentifier, match="between 6 and 12, got 13"):
        company_prefix_length("0614141123452", override=13)


@pytest.mark.parametrize("serial", ["6789", "32a/b", "!\"%&'()*+,-./:;<=>?_", "A" * 20, "z"])
def test_valid_serials(serial: str) -> None:
    assert validate_serial(serial) == serial


@pytest.mark.parametrize(
    ("serial", "message"),
    [
        ("", "serial must not be empty"),
        ("A" * 21, "has 21 characters, at most 20"),
        ("AB C", "character ' ' outside GS1 character set 82"),
        ("AB#C", "character '#' outside"),
        ("码", "outside GS1 character set 82"),
    ],
)
def test_invalid_serials(serial: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        validate_serial(serial)


# --- EPC URNs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtin", "serial", "urn"),
    [
        ("80614141123458", "6789", TDS_SGTIN),
        ("70614141123451", "32a/b", "urn:epc:id:sgtin:0614141.712345.32a%2Fb"),
        ("00614141123452", 'a"%&<>?', "urn:epc:id:sgtin:0614141.012345.a%22%25%26%3C%3E%3F"),
    ],
)
def test_sgtin_urn_known_answers(gtin: str, serial: str, urn: str) -> None:
    assert gtin_to_sgtin_urn(gtin, serial) == urn
    parsed = parse_epc(urn)
    assert (parsed.kind, parsed.gtin, parsed.serial) == ("sgtin", gtin, serial)


def test_sgtin_partition_override() -> None:
    assert gtin_to_sgtin_urn("80614141123458", "1", 9) == "urn:epc:id:sgtin:061414112.8345.1"
    assert parse_epc("urn:epc:id:sgtin:061414112.8345.1").gtin == "80614141123458"


def test_existing_urn_builders_keep_their_signatures() -> None:
    assert sgtin_urn("0614141", "812345", "6789") == TDS_SGTIN
    assert sscc_urn("0614141", "1234567890") == TDS_SSCC
    assert sscc_to_urn("106141412345678908") == TDS_SSCC
    assert gln_to_sgln_urn("0614141123452", "5678") == "urn:epc:id:sgln:0614141.12345.5678"


@pytest.mark.parametrize(
    ("uri", "kind", "canonical"),
    [
        (TDS_SGTIN, "sgtin", TDS_SGTIN),
        (
            "URN:EPC:ID:SGTIN:0614141.712345.32a%2fb",
            "sgtin",
            "urn:epc:id:sgtin:0614141.712345.32a%2Fb",
        ),
        (TDS_SSCC, "sscc", TDS_SSCC),
        ("urn:epc:id:sgln:0614141.12345.400", "sgln", "urn:epc:id:sgln:0614141.12345.400"),
        ("urn:epc:id:sgln:061414112345..0", "sgln", "urn:epc:id:sgln:061414112345..0"),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "lgtin",
            "urn:epc:class:lgtin:4012345.012345.998877",
        ),
        ("urn:epc:idpat:sgtin:4012345.012345.*", "idpat", "urn:epc:idpat:sgtin:4012345.012345.*"),
        ("urn:epc:idpat:sscc:4012345.*", "idpat", "urn:epc:idpat:sscc:4012345.*"),
        ("urn:epc:id:grai:0614141.12345.400", "other", "urn:epc:id:grai:0614141.12345.400"),
        ("https://id.gs1.org/01/80614141123458/21/6789", "sgtin", TDS_SGTIN),
        ("https://id.gs1.org/00/106141412345678908", "sscc", TDS_SSCC),
        (
            "https://id.gs1.org/414/0614141123452/254/400",
            "sgln",
            "urn:epc:id:sgln:0614141.12345.400",
        ),
        ("https://id.gs1.org/414/0614141123452", "sgln", "urn:epc:id:sgln:0614141.12345.0"),
        (
            "https://id.gs1.org/01/04012345123456/10/998877",
            "lgtin",
            "urn:epc:class:lgtin:4012345.012345.998877",
        ),
        ("urn:yima:code:k7q29xwm4hbt3npr", "brand", "urn:yima:code:K7Q29XWM4HBT3NPR"),
        ("urn:yima:drug:81234561234567891234", "drug", "urn:yima:drug:81234561234567891234"),
    ],
)
def test_parse_epc_classifies(uri: str, kind: str, canonical: str) -> None:
    parsed = parse_epc(uri)
    assert (parsed.kind, parsed.uri) == (kind, canonical)


def test_sgln_urn_reads_gln_and_extension() -> None:
    parsed = parse_epc("urn:epc:id:sgln:0614141.12345.400")
    assert (parsed.gln, parsed.extension) == ("0614141123452", "400")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("urn:epc:id:sgtin:0614141.81234.6789", "13 digits together, got 7 \\+ 5"),
        ("urn:epc:id:sgtin:06141.8123456.6789", "is not urn:epc:id:sgtin:CP.IR.SERIAL"),
        ("urn:epc:id:sgtin:0614141.812345.67 89", "outside GS1 character set 82"),
        ("urn:epc:id:sgtin:0614141.812345.1%G1", "'%' that is no %XX escape"),
        ("urn:epc:id:sgtin:0614141.812345." + "9" * 21, "at most 20"),
        ("urn:epc:id:sscc:0614141.123456789", "17 digits in CP and SR"),
        ("urn:epc:class:sgtin:0614141.812345.1", "is not urn:epc:class:lgtin"),
        ("urn:epc:idpat:sgtin:0614141..*", "empty or invalid field"),
        ("epc:id:sgtin:0614141.812345.6789", "is no EPC URI"),
        ("https://id.gs1.org/01/80614141123458", "no serial \\(21\\) or lot \\(10\\)"),
        ("https://id.gs1.org/01/80614141123459/21/1", "GTIN 80614141123459 has check digit 9"),
        ("https://id.gs1.org/8004/0614141ABC", "carries no GTIN \\(01\\), SSCC \\(00\\) or GLN"),
        ("https://example.com/products/123", "Digital Link .* is not valid"),
        ("urn:yima:drug:123", "has 3 digits, expected 20"),
    ],
)
def test_parse_epc_rejects(uri: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        parse_epc(uri)


# --- Digital Link ---------------------------------------------------------------------------


def test_digital_link_published_example() -> None:
    link = parse_digital_link("https://id.gs1.org/01/09520123456788/10/ABC123/21/12345")
    assert (link.gtin, link.lot, link.serial) == ("09520123456788", "ABC123", "12345")
    unit = parse_unit_identifier("https://id.gs1.org/01/09520123456788/10/ABC123/21/12345")
    assert unit == UnitId(
        "sgtin",
        "urn:epc:id:sgtin:952012.0345678.12345",
        gtin="09520123456788",
        serial="12345",
        lot="ABC123",
    )
    assert unit.digital_link("https://id.gs1.org") == (
        "https://id.gs1.org/01/09520123456788/10/ABC123/21/12345"
    )


def test_digital_link_accepts_any_host_path_prefix_and_short_gtin() -> None:
    unit = parse_unit_identifier("http://brand.example.cn/qr/01/80614141123458/21/6789?s=1")
    assert unit.epc == TDS_SGTIN


def test_epc_to_digital_link() -> None:
    assert epc_to_digital_link(TDS_SGTIN) == "https://id.yima.example/01/80614141123458/21/6789"
    assert epc_to_digital_link(TDS_SSCC, "https://x.example/") == (
        "https://x.example/00/106141412345678908"
    )
    assert epc_to_digital_link("urn:epc:id:sgtin:0614141.712345.32a%2Fb").endswith(
        "/01/70614141123451/21/32a%2Fb"
    )
    with pytest.raises(InvalidIdentifier, match="has no Digital Link form"):
        epc_to_digital_link("urn:epc:idpat:sgtin:4012345.012345.*")
    with pytest.raises(InvalidIdentifier, match="must start with https://"):
        epc_to_digital_link(TDS_SGTIN, "id.yima.example")


# --- brand and drug codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("K7Q29XWM4HBT3NPR", "K7Q29XWM4HBT3NPR"),
        ("k7q2-9xwm-4hbt-3npr", "K7Q29XWM4HBT3NPR"),
        ("1234 5678 9012 3456 7890", "12345678901234567890"),
    ],
)
def test_brand_codes(text: str, code: str) -> None:
    assert normalize_brand_code(text) == code


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("K7Q29XWM4HBT3NP", "has 15 characters, expected 16 to 20"),
        ("K7Q29XWM4HBT3NPR12345", "has 21 characters"),
        ("K7Q29XWM4HBT3NP_", "character '_'"),
        ("K7Q29XWM4HBT3NP码", "character '码'"),
        ("", "must not be empty"),
    ],
)
def test_invalid_brand_codes(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        normalize_brand_code(text)


def test_drug_code_structure() -> None:
    drug = DrugCode.parse("8123456 123456789 1234")
    assert (drug.product_code, drug.serial, drug.check) == ("8123456", "123456789", "1234")
    assert drug.urn == "urn:yima:drug:81234561234567891234"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("8123456123456789123", "has 19 digits, expected 20"),
        ("812345612345678912345", "has 21 digits"),
        ("91234561234567891234", "must start with 8"),
        ("8123456123456789123A", "must contain digits only"),
    ],
)
def test_invalid_drug_codes(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        normalize_drug_code(text)


# --- parse_unit_identifier / parse_package_identifier ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://id.gs1.org/01/80614141123458/21/6789",
            UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789"),
        ),
        (TDS_SGTIN, UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789")),
        ("(01)80614141123458(21)6789", UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789")),
        (
            "(01) 80614141123458 (10) L7 (21) 6789",
            UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789", "L7"),
        ),
        ("0180614141123458216789", UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789")),
        (
            "018061414112345810L7\x1d216789",
            UnitId("sgtin", TDS_SGTIN, "80614141123458", "6789", "L7"),
        ),
        ("81234561234567891234", UnitId("drug", "urn:yima:drug:81234561234567891234")),
        (
            "urn:yima:drug:81234561234567891234",
            UnitId("drug", "urn:yima:drug:81234561234567891234"),
        ),
        ("k7q2-9xwm-4hbt-3npr", UnitId("brand", "urn:yima:code:K7Q29XWM4HBT3NPR")),
        ("urn:yima:code:K7Q29XWM4HBT3NPR", UnitId("brand", "urn:yima:code:K7Q29XWM4HBT3NPR")),
        ("106141412345678908", UnitId("brand", "urn:yima:code:106141412345678908")),
        ("0100000000000000AB", UnitId("brand", "urn:yima:code:0100000000000000AB")),
    ],
)
def test_parse_unit_identifier_accepts_every_form(text: str, expected: UnitId) -> None:
    assert parse_unit_identifier(text) == expected
    assert UnitId.parse(text) == expected


def test_parse_unit_identifier_prefix_length_override() -> None:
    unit = parse_unit_identifier("(01)80614141123458(21)6789", company_prefix_len=8)
    assert unit.epc == "urn:epc:id:sgtin:06141411.82345.6789"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(01)06141411234568(21)1", "GTIN 06141411234568 has check digit 8, expected 2"),
        ("(01)80614141123458(10)L1", "names a product \\(01\\) but no serial \\(21\\)"),
        ("(10)L1(21)1", "has no GTIN \\(01\\)"),
        ("(01)80614141123458(21)67#89", "is not valid"),
        ("(99)X", "has no GTIN"),
        ("80614141123458", "is a GTIN: it names a product, not a unit"),
        (TDS_SSCC, "is an sscc identifier, not one unit"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "is an lgtin identifier"),
        ("hello", "is no unit code"),
        ("", "is no unit code"),
    ],
)
def test_parse_unit_identifier_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        parse_unit_identifier(text)


@pytest.mark.parametrize(
    "text",
    [
        TDS_SSCC,
        "https://id.gs1.org/00/106141412345678908",
        "106141412345678908",
        "(00)106141412345678908",
        "(00) 1 0614141 234567890 8",
        "00106141412345678908",
    ],
)
def test_parse_package_identifier(text: str) -> None:
    assert parse_package_identifier(text) == PackageId("sscc", TDS_SSCC, "106141412345678908")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("106141412345678907", "SSCC 106141412345678907 has check digit 7, expected 8"),
        (TDS_SGTIN, "is an sgtin identifier, not an SSCC"),
        ("(00)1234", "must have 18 digits, got 4"),
    ],
)
def test_parse_package_identifier_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        parse_package_identifier(text)


# --- round trips ----------------------------------------------------------------------------

serials = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)


@st.composite
def sgtin_parts(draw: st.DrawFn) -> tuple[str, str, str]:
    cp_len = draw(st.integers(6, 12))
    digits = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    return digits[1 : 1 + cp_len], digits[0] + digits[1 + cp_len :], draw(serials)


@given(sgtin_parts())
def test_urn_digital_link_urn_round_trip(parts: tuple[str, str, str]) -> None:
    company_prefix, item_ref, serial = parts
    urn = sgtin_urn(company_prefix, item_ref, serial)
    assert parse_epc(urn).uri == urn
    link = epc_to_digital_link(urn)
    back = parse_epc(link, company_prefix_len=len(company_prefix))
    assert (back.uri, back.serial) == (urn, serial)
    assert parse_unit_identifier(link, len(company_prefix)).epc == urn


@given(sgtin_parts(), serials)
def test_digital_link_keeps_lot(parts: tuple[str, str, str], lot: str) -> None:
    company_prefix, item_ref, serial = parts
    gtin = parse_epc(sgtin_urn(company_prefix, item_ref, serial)).gtin
    assert gtin is not None
    unit = parse_unit_identifier(digital_links.digital_link(gtin, serial, lot), len(company_prefix))
    assert (unit.gtin, unit.serial, unit.lot) == (gtin, serial, lot)


@given(st.integers(6, 12), st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_sscc_round_trip(cp_len: int, body: str) -> None:
    sscc = body + gs1_check_digit(body)
    urn = sscc_to_urn(sscc, cp_len)
    assert parse_epc(urn).sscc == sscc
    assert parse_package_identifier(epc_to_digital_link(urn), cp_len).epc == urn


@given(
    st.text(
        alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        min_size=16,
        max_size=20,
    )
)
def test_brand_code_urn_round_trip(code: str) -> None:
    urn = codes.brand_code_urn(code)
    assert parse_epc(urn).uri == urn
    assert parse_unit_identifier(urn).epc == urn


@given(st.text(max_size=40))
def test_parsers_raise_only_invalid_identifier(text: str) -> None:
    for parse in (parse_unit_identifier, parse_package_identifier, parse_epc):
        with contextlib.suppress(InvalidIdentifier):
            parse(text)
