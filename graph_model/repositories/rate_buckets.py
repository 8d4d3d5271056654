"""Token buckets every API process shares: ``(:RateBucket {key, tokens, at})``.

A bucket holds ``tokens`` as of ``at`` (the server's clock, seconds since the epoch) and
refills at a fixed rate up to its capacity. One call takes each bucket's write lock before it
reads it, so concurrent calls from any number of processes spend one bucket one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, LiteralString

from graph_model.database import Database, Transaction

__all__ = ["RateBucketRepository"]

_LEVELS: Final[LiteralString] = """
WITH datetime.realtime().epochMillis / 1000.0 AS now
UNWIND $keys AS key
MERGE (b:RateBucket {key: key})
  ON CREATE SET b.tokens = $capacity, b.at = now
// written before it is read: the bucket's write lock is held from here to the commit
SET b.lockedAt = now
WITH b, now, b.tokens + (now - b.at) * $rate AS level
RETURN b.key AS key, now, CASE WHEN level > $capacity THEN $capacity ELSE level END AS level
"""

_SPEND: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (b:RateBucket {key: row.key})
SET b.tokens = row.level - 1.0, b.at = row.now
"""

_FORGET: Final[LiteralString] = """
MATCH (b:RateBucket)
WHERE b.at < datetime.realtime().epochMillis / 1000.0 - $seconds
WITH b LIMIT 10000
DELETE b
"""


class RateBucketRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def take(self, keys: Sequence[str], capacity: float, per_second: float) -> float | None:
        """Spend one token of every bucket of ``keys`` (new buckets start full); ``None`` when
        each had one, else the seconds until the emptiest has one (nothing is spent then)."""

        def work(tx: Transaction) -> float | None:
            rows = tx.run(_LEVELS, keys=list(keys), capacity=capacity, rate=per_second).data()
            short = [1.0 - float(row["level"]) for row in rows if row["level"] < 1.0]
            if short:
                return max(short) / per_second
            tx.run(_SPEND, rows=rows).consume()
            return None

        return self._db.write(work)

    def forget_idle(self, seconds: float) -> None:
        """Delete buckets untouched for ``seconds`` (full again by then), 10,000 at most."""
        self._db.query(_FORGET, seconds=seconds)
