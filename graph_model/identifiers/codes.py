"""Opaque codes that are no GS1 keys: brand cap codes and China's 20-digit drug traceability code.

Each gets a URN of yima's own so that it can stand in an EPCIS ``epcList`` beside SGTINs:
``urn:yima:code:<CODE>`` and ``urn:yima:drug:<20 digits>``.

Brand codes are the 16 to 20 character random codes printed under bottle caps and on labels.
People type them from the print, so they are read case-insensitively, spaces and hyphens
between groups are dropped, and the canonical form is upper case.

The drug traceability code (药品追溯码) in its 20-digit form is the code of the 码上放心
platform: a 7-digit product identification code (药品标识码), a 9-digit unit serial and a
4-digit check portion. NMPA's coding rule (NMPAB/T 1002-2019, 药品追溯码编码要求) only requires a
product part and a production part and leaves the layout to the issuing system; the 4-digit
check portion is computed by the issuing platform with an unpublished algorithm, so it cannot
be verified offline. What can be checked is what the platform's public verification interface
states: exactly 20 digits, starting with ``8``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from graph_model.errors import InvalidIdentifier

__all__ = [
    "BRAND_CODE_LENGTHS",
    "BRAND_URN_PREFIX",
    "DRUG_URN_PREFIX",
    "DrugCode",
    "brand_code_urn",
    "drug_code_urn",
    "normalize_brand_code",
    "normalize_drug_code",
]

BRAND_URN_PREFIX: Final = "urn:yima:code:"
DRUG_URN_PREFIX: Final = "urn:yima:drug:"
BRAND_CODE_LENGTHS: Final = range(16, 21)

_SEPARATORS_RE: Final = re.compile(r"[\s\-]+")
_ALNUM_RE: Final = re.compile(r"[0-9A-Za-z]+")
_DIGITS_RE: Final = re.compile(r"[0-9]+")


def normalize_brand_code(text: str) -> str:
    """Validate a brand code and return its canonical form.

    >>> normalize_brand_code("k7q2-9xwm-4hbt-3npr")
    'K7Q29XWM4HBT3NPR'
    >>> normalize_brand_code("K7Q2-9XWM")
    Traceback (most recent call last):
    ...
    graph_model.errors.InvalidIdentifier: brand code 'K7Q29XWM' has 8 characters, expected 16 to 20
    """
    code = _SEPARATORS_RE.sub("", text)
    if not _ALNUM_RE.fullmatch(code):
        bad = next((c for c in code if not c.isascii() or not c.isalnum()), "")
        reason = (
            "brand code must not be empty"
            if not code
            else f"brand code {code!r} has character {bad!r}; only A-Z and 0-9 are allowed"
        )
        raise InvalidIdentifier(text, reason)
    if len(code) not in BRAND_CODE_LENGTHS:
        raise InvalidIdentifier(
            text, f"brand code {code!r} has {len(code)} characters, expected 16 to 20"
        )
    return code.upper()


def normalize_drug_code(text: str) -> str:
    """Validate a 20-digit drug traceability code and return it without separators.

    >>> normalize_drug_code("81234 56123456789 1234")
    '81234561234567891234'
    >>> normalize_drug_code("9123456123456789123")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph_model.errors.InvalidIdentifier: drug traceability code 9123456123456789123 has 19 ...
    """
    code = _SEPARATORS_RE.sub("", text)
    if not _DIGITS_RE.fullmatch(code):
        raise InvalidIdentifier(text, f"drug traceability code {code!r} must contain digits only")
    if len(code) != 20:
        raise InvalidIdentifier(
            text, f"drug traceability code {code} has {len(code)} digits, expected 20"
        )
    if code[0] != "8":
        raise InvalidIdentifier(text, f"drug traceability code {code} must start with 8")
    return code


def brand_code_urn(code: str) -> str:
    """The URN of a brand code.

    >>> brand_code_urn("k7q29xwm4hbt3npr")
    'urn:yima:code:K7Q29XWM4HBT3NPR'
    """
    return BRAND_URN_PREFIX + normalize_brand_code(code)


def drug_code_urn(code: str) -> str:
    """The URN of a drug traceability code.

    >>> drug_code_urn("81234561234567891234")
    'urn:yima:drug:81234561234567891234'
    """
    return DRUG_URN_PREFIX + normalize_drug_code(code)


@dataclass(frozen=True, slots=True)
class DrugCode:
    """A 20-digit drug traceability code split into its parts.

    >>> DrugCode.parse("81234561234567891234")
    DrugCode(product_code='8123456', serial='123456789', check='1234')
    """

    product_code: str
    serial: str
    check: str

    @classmethod
    def parse(cls, text: str) -> DrugCode:
        """Validate ``text`` (see :func:`normalize_drug_code`) and split it."""
        code = normalize_drug_code(text)
        return cls(product_code=code[:7], serial=code[7:16], check=code[16:])

    @property
    def code(self) -> str:
        """The 20 digits."""
        return self.product_code + self.serial + self.check

    @property
    def urn(self) -> str:
        """The URN ``urn:yima:drug:<20 digits>``."""
        return DRUG_URN_PREFIX + self.code
