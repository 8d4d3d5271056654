"""Named queries and the subscriptions that push their new events to a partner's webhook.

A named query is a stored set of EPCIS query parameters (``POST /queries``); a subscription
to it (``POST /queries/{name}/subscriptions``) delivers, to ``dest``, the events recorded
since the last delivery: continuously (``stream``) or at the times of a ``schedule``. Every
delivery is stored before it is sent (``(:Delivery)``), so it survives a restart and is sent
at least once; each is signed with the subscription's own secret.

References
----------
GS1 EPCIS Standard 2.0, sections 8.2.5 (subscriptions, QuerySchedule) and 12 (REST binding:
``/queries``, ``/queries/{queryName}/subscriptions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from graph_model.errors import InvalidField

__all__ = [
    "Delivery",
    "NamedQuery",
    "Schedule",
    "Subscription",
    "backoff",
    "check_dest",
    "check_query_name",
]

# field -> (lowest, highest) value of the EPCIS QuerySchedule
SCHEDULE_FIELDS: Final[Mapping[str, tuple[int, int]]] = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dayOfMonth": (1, 31),
    "month": (1, 12),
    "dayOfWeek": (1, 7),  # 1 = Monday
}
MAX_NAME = 200


def check_query_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "/" in name:
        raise InvalidField("name", f"must be text of 1 to {MAX_NAME} characters without '/'")
    return name


def check_dest(dest: Any) -> str:
    """A webhook address: an absolute http or https URL."""
    if not isinstance(dest, str) or not dest.startswith(("http://", "https://")):
        raise InvalidField("dest", "must be an http:// or https:// URL")
    if len(dest) > 2000 or any(c.isspace() for c in dest):
        raise InvalidField("dest", "is not a URL")
    return dest


def backoff(attempts: int, base: float = 1.0, cap: float = 300.0) -> timedelta:
    """How long to wait before attempt ``attempts + 1`` of a delivery: doubling from ``base``
    seconds, at most ``cap``."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Schedule:
    """An EPCIS QuerySchedule: for each field the values it may take (``None``: any).

    Each field is a comma list of numbers and ``[low-high]`` ranges; an omitted ``second``
    is 0 (one run a minute at most), any other omitted field takes every value.

    >>> s = Schedule.parse({"minute": "0,[30-31]", "hour": "2"})
    >>> s.next_after(datetime(2026, 1, 1, 2, 30, 0, tzinfo=UTC)).isoformat()
    '2026-01-01T02:31:00+00:00'
    """

    fields: Mapping[str, frozenset[int] | None]

    @classmethod
    def parse(cls, raw: Any) -> Schedule:
        if not isinstance(raw, Mapping) or not raw:
            raise InvalidField("schedule", "must be an object of QuerySchedule fields")
        fields: dict[str, frozenset[int] | None] = dict.fromkeys(SCHEDULE_FIELDS)
        fields["second"] = frozenset({0})
        for key, value in raw.items():
            if key not in SCHEDULE_FIELDS:
                raise InvalidField(f"schedule.{key}", "unknown QuerySchedule field")
            fields[key] = _values(f"schedule.{key}", str(value), *SCHEDULE_FIELDS[key])
        return cls(fields)

    def as_dict(self) -> dict[str, str]:
        return {k: ",".join(map(str, sorted(v))) for k, v in self.fields.items() if v is not None}

    def _allows(self, name: str, value: int) -> bool:
        allowed = self.fields.get(name)
        return allowed is None or value in allowed

    def next_after(self, after: datetime) -> datetime:
        """The first time after ``after`` (UTC) the schedule names."""
        t = after.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        for _ in range(200_000):
            if not self._allows("month", t.month):
                t = (t.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0,
                                                                    second=0)  # fmt: skip
            elif not (self._allows("dayOfMonth", t.day) and
                      self._allows("dayOfWeek", t.isoweekday())):  # fmt: skip
                t = (t + timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif not self._allows("hour", t.hour):
                t = (t + timedelta(hours=1)).replace(minute=0, second=0)
            elif not self._allows("minute", t.minute):
                t = (t + timedelta(minutes=1)).replace(second=0)
            elif not self._allows("second", t.second):
                t += timedelta(seconds=1)
            else:
                return t
        raise InvalidField("schedule", "names no time in the coming years")


def _values(path: str, text: str, low: int, high: int) -> frozenset[int]:
    found: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        try:
            if part.startswith("[") and part.endswith("]") and "-" in part:
                a, b = (int(x) for x in part[1:-1].split("-", 1))
                found.update(range(a, b + 1))
                values = [a, b]
            else:
                values = [int(part)]
                found.add(values[0])
        except ValueError as exc:
            raise InvalidField(
                path, f"{part!r} is neither a number nor a [low-high] range"
            ) from exc
        if any(not low <= v <= high for v in values) or values[0] > values[-1]:
            raise InvalidField(path, f"{part!r} is outside {low} to {high}")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    params: Sequence[tuple[str, str]]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        query: dict[str, list[str]] = {}
        for key, value in self.params:
            query.setdefault(key, []).append(value)
        return {"name": self.name, "query": query, "createdAt": self.created_at.isoformat()}


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as stored, with what its deliveries did."""

    id: str
    query: str
    dest: str
    stream: bool
    schedule: Schedule | None
    report_if_empty: bool
    initial_record_time: datetime
    created_at: datetime
    next_run_at: datetime | None = None
    last_delivery_at: datetime | None = None
    deliveries: int = 0
    failures: int = 0
    last_failure_at: datetime | None = None
    last_error: str | None = None
    pending: int = 0

    def as_dict(self) -> dict[str, Any]:
        def at(t: datetime | None) -> str | None:
            return t.isoformat() if t is not None else None

        return {
            "subscriptionID": self.id, "queryName": self.query, "dest": self.dest,
            "stream": self.stream,
            "schedule": self.schedule.as_dict() if self.schedule is not None else None,
            "reportIfEmpty": self.report_if_empty,
            "initialRecordTime": at(self.initial_record_time), "createdAt": at(self.created_at),
            "nextRunAt": at(self.next_run_at), "lastDeliveryAt": at(self.last_delivery_at),
            "deliveries": self.deliveries, "failures": self.failures,
            "lastFailureAt": at(self.last_failure_at), "lastError": self.last_error,
            "pendingDeliveries": self.pending,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Delivery:
    """A report stored before it is sent: the exact body (so a retry carries the same
    signature) and how many attempts it has had."""

    id: str
    subscription: str
    dest: str
    secret: str
    body: str
    attempts: int
