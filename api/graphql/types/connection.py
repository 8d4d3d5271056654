"""Relay connections: ``edges { cursor node }``, ``pageInfo`` and ``totalCount``.

Cursors are opaque: base64 of the position (for lists held in memory) or of the key that the
next page starts after (for lists paged in the database).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

import strawberry

from graph_model.errors import InvalidField

__all__ = [
    "PAGE_CAPS",
    "Connection",
    "Edge",
    "PageInfo",
    "check_first",
    "decode_cursor",
    "encode_cursor",
    "offset_after",
    "offset_page",
    "paginate",
]

T = TypeVar("T")

# Largest ``first`` of each connection field, by field name.
PAGE_CAPS: Mapping[str, int] = {
    "custody": 100,
    "scans": 100,
    "events": 200,
    "holders": 200,
    "units": 1000,
}


def check_first(field: str, first: int) -> None:
    cap = PAGE_CAPS[field]
    if not 0 <= first <= cap:
        raise InvalidField(f"{field}.first", f"must be between 0 and {cap}, got {first}")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    total_count: int = strawberry.field(description="Items under the filters, over all pages.")
    page_info: PageInfo
    edges: list[Edge[T]]
    # A plain field rather than a resolver over ``edges``: the page's nodes are read as they
    # are, on the executor's fast path.
    nodes: list[T] = strawberry.field(
        description="The nodes of this page, for clients that need no cursors."
    )

    @classmethod
    def page(
        cls, edges: list[Edge[T]], *, total_count: int, has_next: bool, has_previous: bool
    ) -> Connection[T]:
        """A page made of ``edges``, with its page info and nodes."""
        return cls(
            total_count=total_count,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            edges=edges,
            nodes=[edge.node for edge in edges],
        )


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The key inside ``cursor``; :class:`InvalidField` when it is not one of ours."""
    try:
        key = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidField("after", f"{cursor!r} is not a cursor of this list") from exc
    if not key:
        raise InvalidField("after", f"{cursor!r} is not a cursor of this list")
    return key


def offset_after(after: str | None) -> int:
    """Where the page after the position cursor ``after`` starts (0 without one)."""
    if after is None:
        return 0
    key = decode_cursor(after)
    if not key.startswith("i:") or not (key[2:].isascii() and key[2:].isdigit()):
        raise InvalidField("after", f"{after!r} is not a cursor of this list")
    return int(key[2:]) + 1


def offset_page(nodes: Sequence[T], *, offset: int, total: int) -> Connection[T]:
    """The page ``nodes`` that starts at position ``offset`` of a list of ``total`` items."""
    edges = [Edge(cursor=encode_cursor(f"i:{offset + i}"), node=n) for i, n in enumerate(nodes)]
    return Connection.page(
        edges,
        total_count=total,
        has_next=offset + len(edges) < total,
        has_previous=offset > 0,
    )


def paginate(items: Sequence[T], first: int, after: str | None) -> Connection[T]:
    """One page of an in-memory list (``first`` already checked against the cap)."""
    start = offset_after(after)
    return offset_page(items[start : start + first], offset=start, total=len(items))
