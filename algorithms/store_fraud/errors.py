"""The error raised when store facts cannot be scored as given."""

from __future__ import annotations

__all__ = ["StoreFraudInputError"]


class StoreFraudInputError(ValueError):
    """Store facts or settings that break a precondition: a store given twice, a coordinate
    out of range, a bad setting.

    Parameters
    ----------
    field : str
        The offending input (``"stores"``, ``"lat"``, ``"settings.weights"``, ...).
    reason : str
        Why it is rejected.

    Examples
    --------
    >>> err = StoreFraudInputError("stores", "store 's1' is given twice")
    >>> str(err), err.field
    ("stores: store 's1' is given twice", 'stores')
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
