"""A layout request yima cannot plan, naming the input field at fault."""

from __future__ import annotations

import strawberry

from graph_model.layout import LayoutRequestError

__all__ = ["LayoutInputProblem"]


@strawberry.type(
    description="The layout request cannot be planned; FIELD names the input at fault "
    "(k, capacities, distanceMatrix, stores, mustOpen, ...)."
)
class LayoutInputProblem:
    field: str
    reason: str
    message: str

    @classmethod
    def from_error(cls, error: LayoutRequestError) -> LayoutInputProblem:
        """The typed result of a rejected request."""
        return cls(field=error.field, reason=error.reason, message=str(error))
