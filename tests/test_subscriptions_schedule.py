"""QuerySchedule times, retry waits and report signatures, without a database."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from graph_model.errors import InvalidField
from graph_model.subscriptions import Schedule, backoff, check_dest
from services.subscriptions import query_params, sign

T0 = datetime(2026, 1, 5, 2, 30, 15, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"second": "[0-59]"}, T0 + timedelta(seconds=1)),
        ({"minute": "45"}, datetime(2026, 1, 5, 2, 45, tzinfo=UTC)),
        ({"minute": "0,30", "hour": "2"}, datetime(2026, 1, 6, 2, 0, tzinfo=UTC)),
        ({"hour": "[22-23]", "minute": "0"}, datetime(2026, 1, 5, 22, 0, tzinfo=UTC)),
        ({"dayOfWeek": "7", "hour": "0", "minute": "0"}, datetime(2026, 1, 11, tzinfo=UTC)),
        ({"dayOfMonth": "31", "month": "2,3", "hour": "0", "minute": "0"},
         datetime(2026, 3, 31, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_next_run(fields: dict[str, str], expected: datetime) -> None:
    assert Schedule.parse(fields).next_after(T0) == expected


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"minute": "60"}, "schedule.minute"),
        ({"hour": "[5-2]"}, "schedule.hour"),
        ({"second": "every"}, "schedule.second"),
        ({"week": "1"}, "schedule.week"),
        ({}, "schedule"),
        ({"dayOfMonth": "31", "month": "2"}, "schedule"),
    ],
)
def test_bad_schedules_name_the_field(fields: dict[str, str], path: str) -> None:
    with pytest.raises(InvalidField) as raised:
        Schedule.parse(fields).next_after(T0)
    assert raised.value.path == path


def test_retry_waits_double_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 10, 20)] == [1, 2, 4, 8, 300, 300]


def test_signature_is_the_hmac_of_the_body() -> None:
    body = b'{"type":"EPCISQueryDocument"}'
    expected = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert sign("secret", body) == "sha256=" + expected


def test_query_objects_become_parameter_pairs() -> None:
    assert query_params({"EQ_bizStep": ["shipping", "receiving"], "GE_quantity": 5}) == [
        ("EQ_bizStep", "shipping"), ("EQ_bizStep", "receiving"), ("GE_quantity", "5"),
    ]  # fmt: skip
    with pytest.raises(InvalidField, match="must be text"):
        query_params({"EQ_bizStep": {"nested": 1}})
    with pytest.raises(InvalidField):
        check_dest("file:///etc/passwd")
