"""The error raised when supply-chain facts cannot be measured as given."""

from __future__ import annotations

__all__ = ["SupplyInputError"]


class SupplyInputError(ValueError):
    """A setting or input that breaks a precondition: a window that ends before it starts, a
    horizon out of range, a time without an offset.

    Examples
    --------
    >>> err = SupplyInputError("horizon", "must be between 1 and 52, got 0")
    >>> str(err), err.field
    ('horizon: must be between 1 and 52, got 0', 'horizon')
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
