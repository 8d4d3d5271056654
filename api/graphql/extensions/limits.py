"""Depth and alias limits as validation rules built once, so validated documents stay cached.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` build a new rule class in every
instance; created per request, they give ``ValidationCache`` a new key each time and every
query is validated again. Here the rule classes are module constants and the per-request
extension only adds them.
"""

from __future__ import annotations

from graphql import ASTValidationRule
from strawberry.extensions import AddValidationRules
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "query_limits"]

MAX_DEPTH = 12
MAX_ALIASES = 15

_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None), alias_rule(MAX_ALIASES)]


def query_limits() -> AddValidationRules:
    """A fresh extension per request, carrying the shared rule classes."""
    return AddValidationRules(_RULES)
