"""Unit serials and SSCCs of the demo world, derived from the seed so they can be recomputed.

A unit's serial is never stored by the simulation: the 24 serials of case ``n`` are the
SHAKE-256 output of ``(seed, n)``, one byte a character mapped onto an unambiguous
32-character alphabet, so any
stage (packing at the plant, unpacking at a store weeks later) recomputes them in a few
microseconds and memory stays bounded whatever the number of units. 60 random bits a serial
keep the chance that a guessed serial is valid far below EU FMD's 1 in 10,000.
"""

from __future__ import annotations

import hashlib
from typing import Final

from graph_model.identifiers.gs1 import with_check_digit

__all__ = [
    "CASE_UNITS",
    "PALLET_CASES",
    "SERIAL_ALPHABET",
    "SERIAL_LENGTH",
    "case_serials",
    "sscc_of",
]

SERIAL_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: digits and capitals without I, L, O and U, which readers confuse."""
SERIAL_LENGTH: Final = 12
CASE_UNITS: Final = 24
PALLET_CASES: Final = 40

# Byte b becomes SERIAL_ALPHABET[b % 32]: 256 is a multiple of 32, so every character stays
# equally likely (5 random bits a character).
_TO_ALPHABET: Final = bytes((SERIAL_ALPHABET.encode("ascii") * 8)[b] for b in range(256))
_BYTES_PER_CASE: Final = CASE_UNITS * SERIAL_LENGTH


def case_serials(seed: int, case_no: int) -> list[str]:
    """The 24 unit serials of case ``case_no`` in the world of ``seed``.

    >>> s = case_serials(7, 0)
    >>> len(s), len(s[0]), s == case_serials(7, 0), s == case_serials(8, 0)
    (24, 12, True, False)
    """
    digest = hashlib.shake_256(b"yima-demo-serials:%d:%d" % (seed, case_no)).digest(_BYTES_PER_CASE)
    text = digest.translate(_TO_ALPHABET).decode("ascii")
    return [text[i : i + SERIAL_LENGTH] for i in range(0, len(text), SERIAL_LENGTH)]


def sscc_of(company_prefix: str, extension: int, serial_ref: int) -> str:
    """The 18-digit SSCC with ``extension`` digit and serial reference, check digit included.

    >>> sscc_of("6917821", 0, 1)
    '069178210000000017'
    """
    width = 16 - len(company_prefix)
    body = f"{extension}{company_prefix}{serial_ref:0{width}d}"
    return with_check_digit(body)
