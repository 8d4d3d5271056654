"""Times given by clients: read without a zone as UTC, and kept within sensible bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from graph_model.errors import InvalidField

__all__ = ["EARLIEST", "aware", "check_time"]

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a time without one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_time(path: str, moment: datetime, *, future: timedelta) -> datetime:
    """``moment`` made aware; :class:`InvalidField` when it is before 2000 or further than
    ``future`` ahead of now."""
    latest = datetime.now(UTC) + future
    moment = aware(moment)
    if not EARLIEST <= moment <= latest:
        raise InvalidField(
            path, f"{moment.isoformat()} is outside {EARLIEST.date()} .. {latest.date()}"
        )
    return moment
