"""Latency-sensitive reads in one round trip.

``Driver.execute_query`` runs a managed transaction: BEGIN, RUN and PULL go out together but
COMMIT costs a second round trip. A read that answers a user (provenance, verification, the
EPCIS query interface) runs as an auto-commit query on a read session instead, and is retried
once when the connection was lost, as a managed transaction would be.
"""

from __future__ import annotations

from typing import Any, LiteralString

import neo4j
from neo4j.exceptions import ServiceUnavailable, SessionExpired

__all__ = ["read"]


def read(
    driver: neo4j.Driver, database: str | None, query: LiteralString, params: dict[str, Any]
) -> list[neo4j.Record]:
    """Records of ``query``, run once on a read session (twice if the connection dropped)."""
    for attempt in (1, 2):
        try:
            with driver.session(
                database=database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                return list(session.run(query, params))
        except (ServiceUnavailable, SessionExpired):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
