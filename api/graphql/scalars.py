"""Custom scalars."""

from __future__ import annotations

from typing import Any, NewType

import strawberry

__all__ = ["JSON"]

JSON = strawberry.scalar(
    NewType("JSON", object),
    description="A JSON value (an EPCIS document or event, for instance).",
    serialize=lambda v: v,
    parse_value=lambda v: v,
)

JSONValue = Any
