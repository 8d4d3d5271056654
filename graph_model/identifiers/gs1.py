"""GS1 keys (GTIN, SSCC, GLN), serial rules of AI (21) and their EPC URN forms.

The layouts follow the GS1 General Specifications (keys, check digits, character set 82) and
the GS1 EPC Tag Data Standard, TDS (URN syntax, partition of company prefix and reference,
escaping of serials).
"""

from __future__ import annotations

import functools
import re
from typing import Final

from biip.gs1_prefixes import GS1CompanyPrefix

from graph_model.errors import InvalidIdentifier

__all__ = [
    "CSET82",
    "DEFAULT_COMPANY_PREFIX_LENGTH",
    "MAX_SERIAL_LENGTH",
    "company_prefix_length",
    "epc_escape",
    "epc_unescape",
    "gln_to_sgln_urn",
    "gs1_check_digit",
    "gtin_of_epc_parts",
    "gtin_partition",
    "gtin_to_sgtin_urn",
    "normalize_gtin",
    "sgln_urn",
    "sgtin_urn",
    "sscc_to_urn",
    "sscc_urn",
    "validate_gln",
    "validate_serial",
    "validate_sscc",
    "with_check_digit",
]

DEFAULT_COMPANY_PREFIX_LENGTH: Final = 7
"""Used when GS1's published prefix table does not know a key's company prefix."""

MAX_SERIAL_LENGTH: Final = 20
"""AI (21) and AI (254) are ``X..20``: up to 20 characters of character set 82."""

CSET82: Final = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# TDS: these CSET 82 characters are reserved in URNs and appear as %XX escapes.
_EPC_ESCAPED: Final = {c: f"%{ord(c):02X}" for c in '"%&/<>?'}
_ESCAPE_RE: Final = re.compile(r"%([0-9A-Fa-f]{2})")
_DIGITS_RE: Final = re.compile(r"[0-9]+")


def gs1_check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    >>> gs1_check_digit("061414112345")
    '2'
    """
    if not _DIGITS_RE.fullmatch(digits):
        raise InvalidIdentifier(digits, f"GS1 key {digits!r} must contain digits only")
    # Weights 3, 1, 3, ... from the right; ord() - 48 is the digit (hashing calls this a lot).
    total = sum((ord(d) - 48) * (3 - 2 * (i & 1)) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def with_check_digit(digits: str) -> str:
    """``digits`` followed by their GS1 check digit: the key an EPC's digits stand for.

    >>> with_check_digit("061414112345")
    '0614141123452'
    """
    return digits + gs1_check_digit(digits)


@functools.lru_cache(maxsize=8192)
def gtin_of_epc_parts(company_prefix: str, item_ref: str) -> str:
    """The GTIN-14 an SGTIN's company prefix and indicator-led item reference stand for.

    A capture names few products and many units of each, so the answer is cached per
    product.

    >>> gtin_of_epc_parts("0614141", "112345")
    '10614141123459'
    """
    if len(company_prefix) + len(item_ref) != 13 or not item_ref:
        raise InvalidIdentifier(
            f"{company_prefix}.{item_ref}",
            "company prefix and item reference must have 13 digits together, "
            f"got {len(company_prefix)} + {len(item_ref)}",
        )
    return with_check_digit(item_ref[0] + company_prefix + item_ref[1:])


def _checked_key(text: str, name: str, lengths: tuple[int, ...]) -> str:
    value = text.strip()
    if not _DIGITS_RE.fullmatch(value):
        raise InvalidIdentifier(text, f"{name} {text!r} must contain digits only")
    if len(value) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise InvalidIdentifier(
            text, f"{name} {value} must have {expected} digits, got {len(value)}"
        )
    expected_digit = gs1_check_digit(value[:-1])
    if value[-1] != expected_digit:
        raise InvalidIdentifier(
            text, f"{name} {value} has check digit {value[-1]}, expected {expected_digit}"
        )
    return value


def normalize_gtin(text: str) -> str:
    """Validate a GTIN-8, -12, -13 or -14 and return it as GTIN-14.

    Shorter GTINs are padded with leading zeros, as GS1 does in AI (01) and Digital Link.

    Raises
    ------
    InvalidIdentifier
        If ``text`` is not digits, has another length or a wrong check digit.

    Examples
    --------
    >>> normalize_gtin("614141123452")
    '00614141123452'
    >>> normalize_gtin("06141411234568")
    Traceback (most recent call last):
    ...
    graph_model.errors.InvalidIdentifier: GTIN 06141411234568 has check digit 8, expected 2
    """
    return _checked_key(text, "GTIN", (8, 12, 13, 14)).zfill(14)


def validate_sscc(text: str) -> str:
    """Validate an SSCC-18 (extension digit, company prefix, serial reference, check digit).

    >>> validate_sscc("106141412345678908")
    '106141412345678908'
    """
    return _checked_key(text, "SSCC", (18,))


def validate_gln(text: str) -> str:
    """Validate a 13-digit GLN.

    >>> validate_gln("0614141123452")
    '0614141123452'
    """
    return _checked_key(text, "GLN", (13,))


def validate_serial(serial: str, name: str = "serial") -> str:
    """Check a serial against AI (21)'s rules: 1 to 20 characters of GS1 character set 82.

    ``name`` names the field in the error message (AI (254), the GLN extension, has the
    same rules).

    >>> validate_serial("ABC-123/x")
    'ABC-123/x'
    >>> validate_serial("ab c")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph_model.errors.InvalidIdentifier: serial 'ab c' has character ' ' outside GS1 ...
    """
    if not serial:
        raise InvalidIdentifier(serial, f"{name} must not be empty")
    if len(serial) > MAX_SERIAL_LENGTH:
        raise InvalidIdentifier(
            serial, f"{name} {serial!r} has {len(serial)} characters, at most 20 are allowed"
        )
    for char in serial:
        if char not in CSET82:
            raise InvalidIdentifier(
                serial, f"{name} {serial!r} has character {char!r} outside GS1 character set 82"
            )
    return serial


def epc_escape(component: str) -> str:
    """Escape a serial for an EPC URN the way TDS requires (``"%&/<>?`` as ``%XX``).

    >>> epc_escape("A/B%1")
    'A%2FB%251'
    """
    return "".join(_EPC_ESCAPED.get(c, c) for c in component)


def epc_unescape(component: str) -> str:
    """Undo :func:`epc_escape`, accepting hex digits in either case.

    >>> epc_unescape("A%2fB%251")
    'A/B%1'
    """
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), component)


def company_prefix_length(key: str, override: int | None = None) -> int:
    """Length of the GS1 company prefix at the start of ``key``.

    ``key`` starts where the company prefix starts: a GTIN-14 without its indicator digit, an
    SSCC without its extension digit, or a GLN. The length comes from ``override`` when given,
    else from GS1's published prefix table (bundled with biip), else
    :data:`DEFAULT_COMPANY_PREFIX_LENGTH`.

    >>> company_prefix_length("0614141123452")
    7
    >>> company_prefix_length("0614141123452", override=9)
    9
    """
    if override is not None:
        if not 6 <= override <= 12:
            raise InvalidIdentifier(
                key, f"company prefix length must be between 6 and 12, got {override}"
            )
        return override
    found = GS1CompanyPrefix.extract(key) if _DIGITS_RE.fullmatch(key) else None
    if found is not None and 6 <= len(found.value) <= 12:
        return len(found.value)
    return DEFAULT_COMPANY_PREFIX_LENGTH


def sgtin_urn(company_prefix: str, item_ref: str, serial: str) -> str:
    """EPC pure-identity URN of one trade item: ``urn:epc:id:sgtin:CP.IR.SERIAL``.

    ``item_ref`` includes the indicator digit in front, as the EPC Tag Data Standard puts it.
    ``serial`` is the AI (21) value as printed; reserved characters are escaped here.

    >>> sgtin_urn("0614141", "812345", "6789")
    'urn:epc:id:sgtin:0614141.812345.6789'
    """
    return f"urn:epc:id:sgtin:{company_prefix}.{item_ref}.{epc_escape(serial)}"


def sscc_urn(company_prefix: str, serial_ref: str) -> str:
    """EPC pure-identity URN of a logistic unit: ``urn:epc:id:sscc:CP.SERIALREF``.

    ``serial_ref`` includes the extension digit in front.
    """
    return f"urn:epc:id:sscc:{company_prefix}.{serial_ref}"


def sgln_urn(company_prefix: str, location_ref: str, extension: str = "0") -> str:
    """EPC pure-identity URN of a location: ``urn:epc:id:sgln:CP.LR.EXT``."""
    return f"urn:epc:id:sgln:{company_prefix}.{location_ref}.{epc_escape(extension)}"


def gtin_partition(gtin: str, company_prefix_len: int | None = None) -> tuple[str, str]:
    """Split a GTIN into TDS's company prefix and item reference (indicator digit in front).

    >>> gtin_partition("80614141123458")
    ('0614141', '812345')
    """
    gtin14 = normalize_gtin(gtin)
    cp_len = company_prefix_length(gtin14[1:13], company_prefix_len)
    return gtin14[1 : 1 + cp_len], gtin14[0] + gtin14[1 + cp_len : 13]


def gtin_to_sgtin_urn(gtin: str, serial: str, company_prefix_len: int | None = None) -> str:
    """SGTIN URN of the unit with GTIN ``gtin`` (any length) and serial ``serial``.

    >>> gtin_to_sgtin_urn("80614141123458", "6789")
    'urn:epc:id:sgtin:0614141.812345.6789'
    """
    company_prefix, item_ref = gtin_partition(gtin, company_prefix_len)
    return sgtin_urn(company_prefix, item_ref, validate_serial(serial))


def sscc_to_urn(sscc: str, company_prefix_len: int | None = None) -> str:
    """SSCC URN of an 18-digit SSCC.

    >>> sscc_to_urn("106141412345678908")
    'urn:epc:id:sscc:0614141.1234567890'
    """
    value = validate_sscc(sscc)
    cp_len = company_prefix_length(value[1:17], company_prefix_len)
    return sscc_urn(value[1 : 1 + cp_len], value[0] + value[1 + cp_len : 17])


def gln_to_sgln_urn(gln: str, extension: str = "0", company_prefix_len: int | None = None) -> str:
    """SGLN URN of a GLN and its extension (AI 254; ``"0"`` when there is none).

    >>> gln_to_sgln_urn("0614141123452", "400")
    'urn:epc:id:sgln:0614141.12345.400'
    """
    value = validate_gln(gln)
    validate_serial(extension, "GLN extension")
    cp_len = company_prefix_length(value[:12], company_prefix_len)
    return sgln_urn(value[:cp_len], value[cp_len:12], extension)
