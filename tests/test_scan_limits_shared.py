"""The public scan's rate limit holds across API processes when its buckets are kept in the
graph (``YIMA_SCAN_RATE_SHARED=on``): two live processes on the session's database, one
device scanning through both in turn; and concurrent calls spend a bucket one at a time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from graph_model.database import Database
from graph_model.repositories.rate_buckets import RateBucketRepository
from graph_model.settings import DatabaseSettings
from tests.live import Api

pytestmark = pytest.mark.slow

PER_MINUTE = 2  # a device's scans a minute: a new one every 30 s
SCANS = 10

RECORD = """mutation ($input: RecordScanInput!) {
  recordScan(input: $input) { __typename } }"""


@pytest.fixture
def apis() -> Iterator[list[Api]]:
    started: list[Api] = []
    yield started
    for api in started:
        api.stop()


def test_a_device_meets_one_limit_across_two_api_processes(
    database_settings: DatabaseSettings, apis: list[Api], tmp_path: Path, ns: str
) -> None:
    env = {
        "YIMA_AUTH": "on",
        "YIMA_SCAN_RATE_SHARED": "on",
        "YIMA_SCAN_RATE_DEVICE": str(PER_MINUTE),
        "YIMA_SCAN_RATE_ADDRESS": "100000",  # the loopback address is every test's
    }
    pair = [Api(database_settings, tmp_path / f"api{n}.log", apis, env=env) for n in (0, 1)]
    began = time.monotonic()
    statuses: list[tuple[int, int]] = []
    for n in range(SCANS):
        api = pair[n % 2]
        scan = {
            "code": f"urn:epc:id:sgtin:6901234.012345.{ns}n{n}",
            "kind": "CONSUMER",
            "clientScanId": f"{ns}-{n}",
            "device": f"{ns}-phone",
        }
        answer = httpx.post(
            api.base + "/graphql",
            json={"query": RECORD, "variables": {"input": scan}},
            timeout=120,
        )
        assert answer.status_code in (200, 429), answer.text
        statuses.append((n % 2, answer.status_code))
    elapsed = time.monotonic() - began
    passed = sum(1 for _, status in statuses if status == 200)
    print(f"{passed} of {SCANS} scans through two processes in {elapsed:.1f} s: {statuses}")
    # Each process's own buckets would let PER_MINUTE through each, twice as many in all.
    assert PER_MINUTE <= passed <= PER_MINUTE + int(elapsed * PER_MINUTE / 60)
    assert {api for api, status in statuses if status == 429} == {0, 1}


def test_concurrent_takes_spend_a_shared_bucket_once_each(db: Database, ns: str) -> None:
    buckets = RateBucketRepository(db)
    key = f"device:{ns}"
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: buckets.take([key], 3.0, 3.0 / 60), range(8)))
    assert sum(1 for wait in waits if wait is None) == 3
    assert all(0 < wait <= 20.0 for wait in waits if wait is not None)
