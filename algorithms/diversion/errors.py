"""The error of the diversion algorithms: an input that breaks a precondition."""

from __future__ import annotations

__all__ = ["DiversionInputError"]


class DiversionInputError(ValueError):
    """An input of a diversion algorithm breaks a precondition, checked before any work.

    ``field`` names the input (``"scans.at"``, ``"territories"``, ``"settings.period"``)
    and ``reason`` says why it is refused; the application layer answers it as
    ``graph_model.errors.InvalidField(field, reason)``, the one bad-input error of yima.

    Examples
    --------
    >>> error = DiversionInputError("scans.at", "must hold epoch seconds as int64")
    >>> error.field, error.reason, str(error)
    ('scans.at', 'must hold epoch seconds as int64', 'scans.at: must hold epoch seconds as int64')
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
