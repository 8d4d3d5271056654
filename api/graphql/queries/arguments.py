"""Checks of top-level arguments that turn bad input into a typed ``Problem``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, TypeVar

from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField, NotFound
from graph_model.identifiers.units import UnitId, parse_code_argument
from graph_model.times import aware
from graph_model.times import check_time as _check_time

__all__ = ["MAX_ID", "aware", "check_time", "invalid", "parse_code", "stored"]

invalid = Problem.at

#: The longest id a lookup by id accepts.
MAX_ID: Final = 64

T = TypeVar("T")


async def stored(id: str, noun: str, fetch: Callable[[str], T]) -> T | Problem:
    """What ``fetch`` finds by ``id`` off the event loop, or a ``Problem`` at ``id`` when the
    id is malformed or names no ``noun``."""
    if not 0 < len(id) <= MAX_ID:
        return Problem.at("id", f"must be 1 to {MAX_ID} characters")
    try:
        return await asyncio.to_thread(fetch, id)
    except NotFound:
        return Problem.at("id", f"no {noun} {id!r}")


def parse_code(argument: str, text: str) -> UnitId | Problem:
    """The unit ``text`` names, or why it names none."""
    try:
        return parse_code_argument(argument, text)
    except InvalidField as exc:
        return Problem.of(exc)


def check_time(argument: str, moment: datetime, *, future: timedelta) -> Problem | None:
    """Reject times before 2000 or further than ``future`` ahead of now."""
    try:
        _check_time(argument, moment, future=future)
    except InvalidField as exc:
        return Problem.of(exc)
    return None
