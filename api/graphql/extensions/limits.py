"""Depth and alias limits as validation rules built once, so validated documents stay cached.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` build a new rule class in every
instance; created per request, they give ``ValidationCache`` a new key each time and every
query is validated again. Here the rule classes are module constants and the per-request
extension only adds them.

graphql-core parses an empty selection set (``{}``), which the depth limiter cannot measure;
such a document is refused with a validation error of its own before the limiter sees it.
"""

from __future__ import annotations

from graphql import (
    BREAK,
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    SelectionSetNode,
    ValidationContext,
    Visitor,
    visit,
)
from strawberry.extensions import AddValidationRules
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "query_limits"]

MAX_DEPTH = 12
MAX_ALIASES = 15


class _EmptySelection(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: SelectionSetNode | None = None

    def enter_selection_set(self, node: SelectionSetNode, *_: object) -> object:
        if not node.selections:
            self.found = node
            return BREAK
        return None


def _empty_selection(document: DocumentNode) -> SelectionSetNode | None:
    finder = _EmptySelection()
    visit(document, finder)
    return finder.found


_DepthRule = depth_rule(MAX_DEPTH, None)


class _Depth(_DepthRule):  # type: ignore[misc, valid-type]
    """The depth limit, preceded by the check for empty selection sets it needs."""

    def __init__(self, context: ValidationContext) -> None:
        empty = _empty_selection(context.document)
        if empty is not None:
            ASTValidationRule.__init__(self, context)
            context.report_error(GraphQLError("A selection set must select a field.", empty))
            return
        super().__init__(context)


_RULES: list[type[ASTValidationRule]] = [_Depth, alias_rule(MAX_ALIASES)]


def query_limits() -> AddValidationRules:
    """A fresh extension per request, carrying the shared rule classes."""
    return AddValidationRules(_RULES)
