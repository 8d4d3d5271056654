"""A token bucket per key (a device, a client address): in this process's memory
(:class:`RateLimiter`), or in Neo4j, shared by every API process (:class:`SharedRateLimiter`).

Each key may spend ``per_minute`` calls a minute, refilled continuously, with bursts up to the
same number. Buckets in memory are per process, so with several processes (``yima serve
--workers``, replicas) a client meets the limit once per process; ``YIMA_SCAN_RATE_SHARED=on``
(set by ``yima serve --workers N`` with N > 1) keeps them in the graph, at the cost of one write
transaction per limited call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from graph_model.database import Database
from graph_model.repositories.rate_buckets import RateBucketRepository

__all__ = ["Limiter", "RateLimiter", "SharedRateLimiter"]

MAX_KEYS = 100_000


class Limiter(Protocol):
    def take(self, keys: Sequence[str]) -> float | None: ...


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, keys: Sequence[str]) -> float | None:
        """Spend one call of every key in ``keys``; ``None`` when each had one left, else the
        seconds until the emptiest has one (nothing is spent then)."""
        now = self._clock()
        with self._lock:
            if len(self._buckets) > MAX_KEYS:
                self._forget_full(now)
            levels = [self._level(key, now) for key in keys]
            short = [1.0 - level for level in levels if level < 1.0]
            if short:
                return max(short) / self._rate
            for key, level in zip(keys, levels, strict=True):
                self._buckets[key] = (level - 1.0, now)
        return None

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self._capacity, now))
        return min(self._capacity, tokens + (now - at) * self._rate)

    def _forget_full(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self._capacity]
        for key in full:
            del self._buckets[key]


class SharedRateLimiter:
    """Buckets in the graph, one per key, shared by every process on the database; every
    ``forget_every`` calls, buckets idle long enough to be full again are deleted."""

    forget_every = 1000

    def __init__(self, db: Database, per_minute: int) -> None:
        self._buckets = RateBucketRepository(db)
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._calls = 0

    def take(self, keys: Sequence[str]) -> float | None:
        """As :meth:`RateLimiter.take`, across processes."""
        self._calls += 1
        if self._calls % self.forget_every == 0:
            self._buckets.forget_idle(self._capacity / self._rate)
        return self._buckets.take(keys, self._capacity, self._rate)
