"""Page-size caps of every connection, checked before any database work.

A request's nested connection arguments are read from its selection set up front, so a page
size over the cap (or a cursor that is not ours) comes back as the top-level field's typed
``InvalidArgument`` rather than as an error halfway through the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.graphql.types.connection import PAGE_CAPS, decode_cursor
from api.graphql.types.errors import InvalidArgument
from graph_model.errors import YimaError

__all__ = ["check_selection", "selects"]


def _walk(selections: list[Selection], path: str) -> Iterator[tuple[str, SelectedField]]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            here = f"{path}.{selection.name}" if path else selection.name
            yield here, selection
            yield from _walk(selection.selections, here)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _walk(selection.selections, path)


def _fields(info: Info[Any, Any]) -> Iterator[tuple[str, SelectedField]]:
    for top in info.selected_fields:
        yield from _walk(top.selections, "")


def selects(info: Info[Any, Any], parent: str, leaf: str) -> bool:
    """True when the request selects a field ``leaf`` somewhere below a field ``parent``
    (through edges, nodes and fragments alike)."""
    for path, _ in _fields(info):
        parts = path.split(".")
        if parts[-1] == leaf and parent in parts[:-1]:
            return True
    return False


def check_selection(info: Info[Any, Any]) -> InvalidArgument | None:
    """The first bad ``first`` / ``after`` of a nested connection, as a typed error."""
    for path, field in _fields(info):
        if field.name not in PAGE_CAPS:
            continue
        first = field.arguments.get("first")
        if isinstance(first, str) and first.lstrip("-").isdigit():
            first = int(first)  # literals in the document arrive as their source text
        if first is not None:
            cap = PAGE_CAPS[field.name]
            if not isinstance(first, int) or not 0 <= first <= cap:
                reason = f"must be between 0 and {cap}, got {first}"
                return InvalidArgument(
                    argument=f"{path}.first", reason=reason, message=f"{path}.first: {reason}"
                )
        after = field.arguments.get("after")
        if after is not None:
            try:
                decode_cursor(str(after))
            except YimaError:
                reason = "is not a cursor of this list"
                return InvalidArgument(
                    argument=f"{path}.after", reason=reason, message=f"{path}.after: {reason}"
                )
    return None
