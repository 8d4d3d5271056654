"""A token bucket per key (a device, a client address), in this process's memory.

Each key may spend ``per_minute`` calls a minute, refilled continuously, with bursts up to the
same number. Several API processes each keep their own buckets, so the limit a client meets is
per process; a proxy in front is the place for a global one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

__all__ = ["RateLimiter"]

MAX_KEYS = 100_000


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
