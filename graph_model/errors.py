"""Exceptions of yima's domain.

Every message names the field or value at fault and the reason, so that an API error or a
loader's rejection report can be shown to a user as it is.
"""

from __future__ import annotations

__all__ = ["InvalidIdentifier", "NotFound", "UnsafeSerialScheme", "YimaError"]


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
