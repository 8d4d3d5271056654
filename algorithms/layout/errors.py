"""Errors raised by the layout solvers; both are ``ValueError`` so callers can catch either."""

from __future__ import annotations

__all__ = ["LayoutInfeasibleError", "LayoutInputError"]


class LayoutInputError(ValueError):
    """A layout problem's input is malformed or cannot possibly be served.

    Parameters
    ----------
    field : str
        The offending input (``"cost"``, ``"p"``, ``"capacity"``, ...).
    reason : str
        Why it is rejected.

    Examples
    --------
    >>> str(LayoutInputError("p", "must be at least 1, got 0"))
    'p: must be at least 1, got 0'
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class LayoutInfeasibleError(LayoutInputError):
    """The input passed the checks, yet no plan serving every store within capacity exists
    (or none was found within the time limit)."""
