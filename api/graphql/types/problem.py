"""The one GraphQL answer for input yima cannot use: ``Problem``, naming every field at fault.

Every query and mutation with expected failures answers a ``Success | Problem`` union; a
``Problem`` is built from the domain's one bad-field exception,
:class:`~graph_model.errors.InvalidField`.
"""

from __future__ import annotations

import strawberry

from graph_model.errors import InvalidField

__all__ = ["FieldProblem", "Problem"]

MAX_PROBLEMS = 50


@strawberry.type(description="One field that cannot be used, and why.")
class FieldProblem:
    path: str = strawberry.field(
        description="The field as the request wrote it: `k`, `input.code`, `stores[3].lat`, "
        "`eventList[2].bizStep`; `-` when the rule spans fields."
    )
    reason: str


@strawberry.type(description="Input yima cannot use; nothing was written. PATH and REASON "
                 "name the first field at fault, PROBLEMS every one (up to 50).")  # fmt: skip
class Problem:
    message: str
    path: str
    reason: str
    problems: list[FieldProblem]

    @classmethod
    def of(cls, error: InvalidField) -> Problem:
        """The answer to a rejected request."""
        return cls(
            message=str(error),
            path=error.path,
            reason=error.reason,
            problems=[FieldProblem(path=p.path, reason=p.reason) for p in error.problems][
                :MAX_PROBLEMS
            ],
        )

    @classmethod
    def at(cls, path: str, reason: str) -> Problem:
        """The answer to a request with one bad field."""
        return cls.of(InvalidField(path, reason))
