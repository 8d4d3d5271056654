"""Checks of top-level arguments that turn bad input into a typed ``InvalidArgument``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.graphql.types.errors import InvalidArgument
from graph_model.errors import InvalidIdentifier
from graph_model.identifiers.units import UnitId, parse_unit_identifier

__all__ = ["MAX_CODE_LENGTH", "aware", "check_time", "invalid", "parse_code"]

MAX_CODE_LENGTH = 512
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def invalid(argument: str, reason: str) -> InvalidArgument:
    return InvalidArgument(argument=argument, reason=reason, message=f"{argument}: {reason}")


def parse_code(argument: str, text: str) -> UnitId | InvalidArgument:
    """The unit ``text`` names, or why it names none."""
    if len(text) > MAX_CODE_LENGTH:
        return invalid(argument, f"is {len(text)} characters long; at most {MAX_CODE_LENGTH}")
    try:
        return parse_unit_identifier(text)
    except InvalidIdentifier as exc:
        return invalid(argument, exc.reason)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a time without one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_time(argument: str, moment: datetime, *, future: timedelta) -> InvalidArgument | None:
    """Reject times before 2000 or further than ``future`` ahead of now."""
    latest = datetime.now(UTC) + future
    if not EARLIEST <= aware(moment) <= latest:
        return invalid(
            argument,
            f"{moment.isoformat()} is outside {EARLIEST.date()} .. {latest.date()}",
        )
    return None
