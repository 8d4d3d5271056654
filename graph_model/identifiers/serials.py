"""Issuing serials and brand codes that cannot be guessed.

A serial is drawn uniformly from ``alphabet ** length`` with a cryptographic random source, so
the only way to find a valid one is to guess. The chance that one guessed serial is valid is
``issued / alphabet_size ** length``; yima refuses a scheme where it reaches 1/10,000, the bar
of the EU Falsified Medicines Directive (Delegated Regulation (EU) 2016/161, Art. 4(b)).

The default alphabet is Crockford's Base32 (0-9 and A-Z without I, L, O and U), which people
read and type without confusing 0/O or 1/I/L, and which lies inside GS1 character set 82, so
every serial is a valid AI (21) value.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from graph_model.errors import UnsafeSerialScheme
from graph_model.identifiers.digital_links import digital_link
from graph_model.identifiers.gs1 import CSET82, MAX_SERIAL_LENGTH

__all__ = [
    "BRAND_CODE_SCHEME",
    "CROCKFORD_BASE32",
    "DEFAULT_SCHEME",
    "GUESS_PROBABILITY_BAR",
    "SerialScheme",
    "brand_code",
    "check_guess_probability",
    "collision_probability",
    "digital_link",
    "generate_brand_codes",
    "generate_serials",
    "guess_probability",
]

CROCKFORD_BASE32: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GUESS_PROBABILITY_BAR: Final = 1e-4
_BLOCK_CODES: Final = 8192


@dataclass(frozen=True, slots=True)
class SerialScheme:
    """Alphabet and length of the serials a brand issues.

    Parameters
    ----------
    alphabet
        Distinct ASCII characters, 2 to 256 of them.
    length
        Characters per serial.

    Examples
    --------
    >>> SerialScheme().space
    1208925819614629174706176
    """

    alphabet: str = CROCKFORD_BASE32
    length: int = 16

    def __post_init__(self) -> None:
        if not 2 <= len(self.alphabet) <= 256:
            raise ValueError(f"alphabet must have 2 to 256 characters, got {len(self.alphabet)}")
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError(f"alphabet {self.alphabet!r} repeats a character")
        if not self.alphabet.isascii():
            raise ValueError(f"alphabet {self.alphabet!r} must be ASCII")
        if self.length < 1:
            raise ValueError(f"length must be at least 1, got {self.length}")

    @property
    def fits_ai21(self) -> bool:
        """Whether every serial is a valid GS1 AI (21) value (CSET 82, at most 20 long)."""
        return self.length <= MAX_SERIAL_LENGTH and set(self.alphabet) <= CSET82

    @property
    def space(self) -> int:
        """Number of distinct serials: ``len(alphabet) ** length``."""
        return int(len(self.alphabet) ** self.length)


DEFAULT_SCHEME: Final = SerialScheme()
"""16 Crockford Base32 characters: 80 bits, guess probability below 1e-14 for 10^10 issued."""

BRAND_CODE_SCHEME: Final = SerialScheme(CROCKFORD_BASE32, 16)
_SYSTEM_RANDOM: Final = secrets.SystemRandom()


def guess_probability(issued: int, scheme: SerialScheme = DEFAULT_SCHEME) -> float:
    """Chance that one guessed serial is one of ``issued`` valid serials.

    >>> guess_probability(1_000_000, SerialScheme("0123456789", 10))
    0.0001
    """
    if issued < 0:
        raise ValueError(f"issued must not be negative, got {issued}")
    return issued / scheme.space


def check_guess_probability(
    issued: int, scheme: SerialScheme = DEFAULT_SCHEME, bar: float = GUESS_PROBABILITY_BAR
) -> float:
    """Return :func:`guess_probability`, raising when it is not below ``bar``.

    >>> check_guess_probability(1_000_000, SerialScheme("0123456789", 10))
    Traceback (most recent call last):
    ...
    graph_model.errors.UnsafeSerialScheme: 1000000 serials of 10 characters from 10 symbols ...
    """
    probability = guess_probability(issued, scheme)
    if probability >= bar:
        raise UnsafeSerialScheme(
            f"{issued} serials of {scheme.length} characters from {len(scheme.alphabet)} "
            f"symbols can be guessed with probability {probability:.3g}, must be below {bar:g}"
        )
    return probability


def collision_probability(n: int, scheme: SerialScheme = DEFAULT_SCHEME) -> float:
    """Upper bound on the chance that ``n`` random serials contain a repeat (birthday bound).

    Repeats are not filtered while streaming; the uniqueness constraint on ``:Code`` catches
    the rare one, and this says how rare.

    >>> collision_probability(10_000_000) < 1e-10
    True
    """
    return min(1.0, n * (n - 1) / (2 * scheme.space))


def _translation(alphabet: str) -> tuple[bytes, bytes]:
    # Bytes below the largest multiple of the alphabet size map to a symbol; the rest are
    # dropped, so every symbol is equally likely (no modulo bias).
    size = len(alphabet)
    accepted = 256 - 256 % size
    table = bytes(ord(alphabet[b % size]) if b < accepted else 0 for b in range(256))
    return table, bytes(range(accepted, 256))


def generate_serials(
    n: int, scheme: SerialScheme = DEFAULT_SCHEME, rng: random.Random = _SYSTEM_RANDOM
) -> Iterator[str]:
    """Yield ``n`` random serials of ``scheme``, streaming in blocks with bounded memory.

    The scheme is checked with :func:`check_guess_probability` for ``n`` first. ``rng``
    defaults to the operating system's CSPRNG; pass a seeded :class:`random.Random` only in
    tests.

    >>> serials = list(generate_serials(3))
    >>> len(serials), all(len(s) == 16 for s in serials)
    (3, True)
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    check_guess_probability(n, scheme)
    return _stream(n, scheme, rng)


def _stream(n: int, scheme: SerialScheme, rng: random.Random) -> Iterator[str]:
    table, rejected = _translation(scheme.alphabet)
    accept_rate = 1 - len(rejected) / 256
    length = scheme.length
    remaining = n
    pending = b""
    while remaining:
        count = min(remaining, _BLOCK_CODES)
        needed = count * length
        while len(pending) < needed:
            draw = int((needed - len(pending)) / accept_rate * 1.05) + 16
            pending += rng.randbytes(draw).translate(table, rejected)
        text = pending[:needed].decode("ascii")
        pending = pending[needed:]
        yield from [text[i : i + length] for i in range(0, needed, length)]
        remaining -= count


def generate_brand_codes(
    n: int, scheme: SerialScheme = BRAND_CODE_SCHEME, rng: random.Random = _SYSTEM_RANDOM
) -> Iterator[str]:
    """Yield ``n`` random brand codes (16 to 20 letters and digits).

    >>> codes = list(generate_brand_codes(2))
    >>> [len(c) for c in codes]
    [16, 16]
    """
    if not 16 <= scheme.length <= 20:
        raise ValueError(f"brand codes have 16 to 20 characters, scheme has {scheme.length}")
    if not scheme.alphabet.isalnum():
        raise ValueError(f"brand code alphabet {scheme.alphabet!r} must be letters and digits")
    return generate_serials(n, scheme, rng)


def brand_code(
    scheme: SerialScheme = BRAND_CODE_SCHEME, rng: random.Random = _SYSTEM_RANDOM
) -> str:
    """One random brand code.

    >>> len(brand_code())
    16
    """
    return next(generate_brand_codes(1, scheme, rng))
