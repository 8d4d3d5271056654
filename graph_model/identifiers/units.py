"""One entry point per thing a code can name: a unit (:class:`UnitId`) or a package
(:class:`PackageId`), whatever form the code was read in.

A unit is named by an SGTIN (GTIN + serial), a brand code or a drug traceability code; its
canonical ``epc`` is the key of its ``:Code`` node. A package is named by an SSCC.

Forms read, in this order:

1. a GS1 Digital Link URI (``https://<any host>/01/<gtin>/10/<lot>/21/<serial>``);
2. a URN: ``urn:epc:id:sgtin:…``, ``urn:yima:code:…``, ``urn:yima:drug:…``;
3. a GS1 element string, bracketed (``(01)…(21)…``) or as scanned (``01…21…``, with the GS
   character between variable-length fields);
4. a 20-digit code starting with ``8``: a drug traceability code;
5. 16 to 20 letters and digits: a brand code.

A 20-character brand code that happens to start with ``01``, a valid GTIN and ``21`` reads as
an element string, and an all-digit one starting with ``8`` as a drug code; such a brand code
is given unambiguously as ``urn:yima:code:<CODE>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from biip import ParseError
from biip.gs1_messages import GS1Message

from graph_model.errors import InvalidField, InvalidIdentifier
from graph_model.identifiers.codes import brand_code_urn, drug_code_urn
from graph_model.identifiers.digital_links import DEFAULT_HOST, digital_link
from graph_model.identifiers.epc import parse_epc
from graph_model.identifiers.gs1 import (
    gtin_to_sgtin_urn,
    normalize_gtin,
    sscc_to_urn,
    validate_serial,
    validate_sscc,
)

__all__ = [
    "MAX_CODE_LENGTH",
    "PackageId",
    "UnitId",
    "parse_code_argument",
    "parse_package_identifier",
    "parse_unit_identifier",
]

UnitKind = Literal["sgtin", "brand", "drug"]

_DRUG_RE: Final = re.compile(r"8[0-9]{19}")
_SEPARATORS_RE: Final = re.compile(r"[\s\-]+")
_SCANNED_GTIN_RE: Final = re.compile(r"01[0-9]{14}(?:21|10)")


@dataclass(frozen=True, slots=True)
class UnitId:
    """The identity of one unit, in canonical form.

    ``epc`` is the SGTIN URN (for GS1 codes) or the yima URN (brand and drug codes), and is
    the key of the unit's ``:Code`` node. ``gtin``, ``serial`` and ``lot`` are set where the
    code carries them; a lot is information only and never part of the key.
    """

    kind: UnitKind
    epc: str
    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None

    @classmethod
    def parse(cls, text: str, company_prefix_len: int | None = None) -> UnitId:
        """Same as :func:`parse_unit_identifier`."""
        return parse_unit_identifier(text, company_prefix_len)

    def digital_link(self, host: str = DEFAULT_HOST) -> str:
        """The Digital Link URI of an SGTIN unit (lot included when known)."""
        if self.gtin is None or self.serial is None:
            raise InvalidIdentifier(self.epc, f"{self.kind} code {self.epc} has no Digital Link")
        return digital_link(self.gtin, self.serial, self.lot, host)


@dataclass(frozen=True, slots=True)
class PackageId:
    """The identity of one logistic unit (case, pallet): its SSCC and SSCC URN."""

    kind: Literal["sscc"]
    epc: str
    sscc: str

    @classmethod
    def parse(cls, text: str, company_prefix_len: int | None = None) -> PackageId:
        """Same as :func:`parse_package_identifier`."""
        return parse_package_identifier(text, company_prefix_len)


def _sgtin(gtin: str, serial: str, lot: str | None, company_prefix_len: int | None) -> UnitId:
    urn = gtin_to_sgtin_urn(gtin, serial, company_prefix_len)
    return UnitId("sgtin", urn, gtin=normalize_gtin(gtin), serial=serial, lot=lot)


def _from_element_string(text: str, value: str, company_prefix_len: int | None) -> UnitId:
    try:
        message = GS1Message.parse_hri(value) if value.startswith("(") else GS1Message.parse(value)
    except ParseError as exc:
        raise InvalidIdentifier(text, f"GS1 element string {text!r} is not valid: {exc}") from exc
    values = {es.ai.ai: es.value for es in message.element_strings}
    if "01" not in values:
        raise InvalidIdentifier(text, f"GS1 element string {text!r} has no GTIN (01)")
    if "21" not in values:
        raise InvalidIdentifier(
            text, f"GS1 element string {text!r} names a product (01) but no serial (21)"
        )
    lot = values.get("10")
    return _sgtin(
        values["01"],
        validate_serial(values["21"]),
        None if lot is None else validate_serial(lot, "lot"),
        company_prefix_len,
    )


def parse_unit_identifier(text: str, company_prefix_len: int | None = None) -> UnitId:
    """Read a unit's code in any of the forms listed in this module's docstring.

    Parameters
    ----------
    text
        The code as scanned, typed or received.
    company_prefix_len
        GS1 company prefix length for turning a GTIN into an SGTIN URN; looked up in GS1's
        prefix table when not given, else 7.

    Raises
    ------
    InvalidIdentifier
        If ``text`` is in none of these forms, or breaks its form's rules.

    Examples
    --------
    >>> parse_unit_identifier("(01)80614141123458(21)6789").epc
    'urn:epc:id:sgtin:0614141.812345.6789'
    >>> parse_unit_identifier("https://example.com/01/80614141123458/10/L7/21/6789").lot
    'L7'
    >>> parse_unit_identifier("k7q2 9xwm 4hbt 3npr").epc
    'urn:yima:code:K7Q29XWM4HBT3NPR'
    """
    value = text.strip()
    lowered = value.lower()
    if lowered.startswith(("https://", "http://", "urn:")):
        epc = parse_epc(value, company_prefix_len)
        if epc.kind == "sgtin" and epc.gtin is not None and epc.serial is not None:
            return UnitId("sgtin", epc.uri, gtin=epc.gtin, serial=epc.serial, lot=epc.lot)
        if epc.kind in ("brand", "drug"):
            return UnitId("brand" if epc.kind == "brand" else "drug", epc.uri)
        raise InvalidIdentifier(text, f"{text!r} is an {epc.kind} identifier, not one unit")
    if _is_element_string(value):
        return _from_element_string(text, value, company_prefix_len)
    compact = _SEPARATORS_RE.sub("", value)
    if _DRUG_RE.fullmatch(compact):
        return UnitId("drug", drug_code_urn(compact))
    if compact.isdigit() and len(compact) == 14:
        normalize_gtin(compact)
        raise InvalidIdentifier(
            text, f"{compact} is a GTIN: it names a product, not a unit; add a serial (21)"
        )
    if compact.isascii() and compact.isalnum() and 16 <= len(compact) <= 20:
        return UnitId("brand", brand_code_urn(compact))
    raise InvalidIdentifier(
        text,
        f"{text!r} is no unit code: expected a GS1 Digital Link, an EPC URN, a GS1 element "
        "string with (01) and (21), a 20-digit drug code or a 16 to 20 character brand code",
    )


def _is_element_string(value: str) -> bool:
    if value.startswith("("):
        return True
    if not _SCANNED_GTIN_RE.match(value):
        return False
    if len(value) > 20 or "\x1d" in value:
        return True
    # Up to 20 characters, a scanned element string and a brand code look alike; only a valid
    # GTIN check digit followed by an AI makes it an element string.
    try:
        normalize_gtin(value[2:16])
    except InvalidIdentifier:
        return False
    return True


def parse_package_identifier(text: str, company_prefix_len: int | None = None) -> PackageId:
    """Read an SSCC from a Digital Link, an SSCC URN, ``(00)…``, ``00…`` or 18 bare digits.

    >>> parse_package_identifier("(00)106141412345678908").epc
    'urn:epc:id:sscc:0614141.1234567890'
    >>> parse_package_identifier("urn:epc:id:sscc:0614141.1234567890").sscc
    '106141412345678908'
    """
    value = text.strip()
    if value.lower().startswith(("https://", "http://", "urn:")):
        epc = parse_epc(value, company_prefix_len)
        if epc.kind != "sscc" or epc.sscc is None:
            raise InvalidIdentifier(text, f"{text!r} is an {epc.kind} identifier, not an SSCC")
        return PackageId("sscc", epc.uri, epc.sscc)
    compact = _SEPARATORS_RE.sub("", value)
    if compact.startswith("(00)"):
        compact = compact[4:]
    elif compact.isdigit() and len(compact) == 20 and compact.startswith("00"):
        compact = compact[2:]
    sscc = validate_sscc(compact)
    return PackageId("sscc", sscc_to_urn(sscc, company_prefix_len), sscc)


#: Longest code text yima reads; anything longer is refused before parsing.
MAX_CODE_LENGTH: Final = 512


def parse_code_argument(path: str, text: str) -> UnitId:
    """The unit ``text`` names, for a request field at ``path``.

    Raises
    ------
    InvalidField
        Naming ``path``, when ``text`` is too long or names no unit.
    """
    if len(text) > MAX_CODE_LENGTH:
        raise InvalidField(path, f"is {len(text)} characters long; at most {MAX_CODE_LENGTH}")
    try:
        return parse_unit_identifier(text)
    except InvalidIdentifier as exc:
        raise InvalidField(path, exc.reason) from exc
