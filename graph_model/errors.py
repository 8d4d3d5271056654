"""Exceptions of yima's domain.

Every message names the field or value at fault and the reason, so that an API error or a
loader's rejection report can be shown to a user as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "DatabaseUnavailable",
    "FieldProblem",
    "InvalidField",
    "InvalidIdentifier",
    "NotFound",
    "UnsafeSerialScheme",
    "WriteConflict",
    "YimaError",
]


class YimaError(Exception):
    """Base class of every error that yima raises on purpose."""


class InvalidIdentifier(YimaError, ValueError):
    """A code, key or URI that is not a valid identifier of the kind expected.

    Parameters
    ----------
    value
        The text that was rejected, as given.
    reason
        Why it was rejected; becomes the exception's message.

    Examples
    --------
    >>> err = InvalidIdentifier("0614141123456", "GTIN must have 8, 12, 13 or 14 digits, got 13")
    >>> err.value, str(err)
    ('0614141123456', 'GTIN must have 8, 12, 13 or 14 digits, got 13')
    """

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(reason)
        self.value = value
        self.reason = reason

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[str, str]]:
        return (type(self), (self.value, self.reason))


class NotFound(YimaError):
    """A node or record that was looked up by its key does not exist."""


class UnsafeSerialScheme(YimaError, ValueError):
    """A serial scheme whose codes could be guessed too easily for the number issued."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One input field that cannot be used: where it is (``path``) and why (``reason``).

    ``path`` names the field as the client wrote it: ``k``, ``capacities``,
    ``stores[3].region``, ``eventList[2].bizStep``.
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class InvalidField(YimaError, ValueError):
    """Input that cannot be used, naming each field at fault and the reason.

    The one exception for a bad field: GraphQL answers it as a ``Problem`` result, REST as an
    RFC 7807 problem document with status 400, the CLI as an error line.

    Examples
    --------
    >>> err = InvalidField("k", "asks for 5 sites but there are only 3 candidate sites")
    >>> err.path, err.reason
    ('k', 'asks for 5 sites but there are only 3 candidate sites')
    >>> str(err)
    'k: asks for 5 sites but there are only 3 candidate sites'
    >>> many = InvalidField.of([FieldProblem("a", "is empty"), FieldProblem("b", "too long")])
    >>> str(many), len(many.problems)
    ('a: is empty (and 1 more problem)', 2)
    """

    def __init__(self, path: str, reason: str, *, more: Iterable[FieldProblem] = ()) -> None:
        self.problems: tuple[FieldProblem, ...] = (FieldProblem(path, reason), *more)
        extra = len(self.problems) - 1
        suffix = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        super().__init__(f"{path}: {reason}{suffix}")
        self.path = path
        self.reason = reason

    @classmethod
    def of(cls, problems: Iterable[FieldProblem]) -> InvalidField:
        """One exception for several problems (at least one)."""
        first, *rest = problems
        return cls(first.path, first.reason, more=rest)

    def __reduce__(self) -> tuple[type[InvalidField], tuple[str, str]]:
        return (type(self), (self.path, self.reason))


class DatabaseUnavailable(YimaError):
    """The database cannot be reached (or has no database of the configured name)."""


class WriteConflict(YimaError):
    """A write that met a uniqueness constraint another transaction satisfied first; the
    caller may retry it, and its de-duplication then sees what the other one wrote."""
