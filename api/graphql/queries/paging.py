"""Page-size caps of every connection, checked before any database work.

A request's nested connection arguments are read from its selection set up front, so a page
size over the cap (or a cursor that is not ours) comes back as the top-level field's typed
``Problem`` rather than as an error halfway through the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    value_from_ast_untyped,
)
from strawberry.types import Info

from api.graphql.types.connection import PAGE_CAPS, decode_cursor
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField

__all__ = ["check_selection", "selects"]


def _walk(
    info: Info[Any, Any], selection_set: SelectionSetNode | None, path: str
) -> Iterator[tuple[str, FieldNode]]:
    # The document's own nodes, read as they are: strawberry's ``selected_fields`` would
    # convert every argument of the whole tree first.
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            here = f"{path}.{name}" if path else name
            yield here, selection
            yield from _walk(info, selection.selection_set, here)
        elif isinstance(selection, InlineFragmentNode):
            yield from _walk(info, selection.selection_set, path)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info._raw_info.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _walk(info, fragment.selection_set, path)


# The parser cache hands every request of one query text the same nodes, so the walk of a
# field's selection is kept per field node: a full trace selects ~100 fields, walked twice a
# request (``selects``, ``check_selection``). Arguments are still read from each request.
_WALKED: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], tuple[tuple[str, FieldNode], ...]]] = {}
_WALKED_MAX = 512


def _fields(info: Info[Any, Any]) -> tuple[tuple[str, FieldNode], ...]:
    tops = tuple(info._raw_info.field_nodes)
    key = tuple(map(id, tops))
    found = _WALKED.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], tops, strict=True)):
        return found[1]
    walked = tuple(pair for top in tops for pair in _walk(info, top.selection_set, ""))
    if len(_WALKED) >= _WALKED_MAX:
        _WALKED.clear()
    _WALKED[key] = (tops, walked)  # the nodes are held, so their ids are not reused meanwhile
    return walked


def _argument(info: Info[Any, Any], field: FieldNode, name: str) -> Any:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = value_from_ast_untyped(argument.value, info.variable_values)
            return None if value is Undefined else value
    return None


def selects(info: Info[Any, Any], parent: str, leaf: str) -> bool:
    """True when the request selects a field ``leaf`` somewhere below a field ``parent``
    (through edges, nodes and fragments alike)."""
    for path, _ in _fields(info):
        parts = path.split(".")
        if parts[-1] == leaf and parent in parts[:-1]:
            return True
    return False


def check_selection(info: Info[Any, Any]) -> Problem | None:
    """The first bad ``first`` / ``after`` of a nested connection, as a typed error."""
    for path, field in _fields(info):
        name = field.name.value
        if name not in PAGE_CAPS:
            continue
        first = _argument(info, field, "first")
        if first is not None:
            cap = PAGE_CAPS[name]
            if not isinstance(first, int) or not 0 <= first <= cap:
                reason = f"must be between 0 and {cap}, got {first}"
                return Problem.at(f"{path}.first", reason)
        after = _argument(info, field, "after")
        if after is not None:
            try:
                decode_cursor(str(after))
            except InvalidField:
                return Problem.at(f"{path}.after", "is not a cursor of this list")
    return None
