"""Named queries, subscriptions and their deliveries in the graph.

``(:NamedQuery {name, params, createdAt})``, ``(:Subscription {id, dest, secret, ...})-[:OF]->
(:NamedQuery)`` and ``(:Delivery {id, subscription, body, status, attempts, nextAttemptAt})
-[:FOR]->(:Subscription)``, ``(:Delivery)-[:CARRIES]->(:Event)``. A delivery is written, with
the events it carries and the subscription's new watermark, in one transaction before it is
sent, so no restart loses it; sending only changes its status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import neo4j

from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound
from graph_model.subscriptions import Delivery, NamedQuery, Schedule, Subscription

__all__ = ["SubscriptionRepository"]

SUBSCRIPTION_FIELDS = """
s.id AS id, s.query AS query, s.dest AS dest, s.stream AS stream, s.schedule AS schedule,
s.reportIfEmpty AS reportIfEmpty, s.initialRecordTime AS initialRecordTime,
s.createdAt AS createdAt, s.nextRunAt AS nextRunAt, s.lastDeliveryAt AS lastDeliveryAt,
s.deliveries AS deliveries, s.failures AS failures, s.lastFailureAt AS lastFailureAt,
s.lastError AS lastError, s.watermark AS watermark,
COUNT { MATCH (d:Delivery {subscription: s.id}) WHERE d.status = 'pending' } AS pending
"""


def _time(value: Any) -> datetime | None:
    return value.to_native() if value is not None else None


def subscription_from_record(r: Mapping[str, Any]) -> Subscription:
    schedule = r["schedule"]
    return Subscription(
        id=r["id"], query=r["query"], dest=r["dest"], stream=bool(r["stream"]),
        schedule=Schedule.parse(json.loads(schedule)) if schedule else None,
        report_if_empty=bool(r["reportIfEmpty"]),
        initial_record_time=r["initialRecordTime"].to_native(),
        created_at=r["createdAt"].to_native(), next_run_at=_time(r["nextRunAt"]),
        last_delivery_at=_time(r["lastDeliveryAt"]), deliveries=int(r["deliveries"] or 0),
        failures=int(r["failures"] or 0), last_failure_at=_time(r["lastFailureAt"]),
        last_error=r["lastError"], pending=int(r["pending"] or 0),
    )  # fmt: skip


def query_from_record(r: Mapping[str, Any]) -> NamedQuery:
    params = [(str(k), str(v)) for k, v in json.loads(r["params"])]
    return NamedQuery(r["name"], params, r["createdAt"].to_native())


class SubscriptionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- named queries ------------------------------------------------------------------
    def create_query(self, name: str, params: Sequence[tuple[str, str]]) -> NamedQuery:
        def work(tx: neo4j.ManagedTransaction) -> Any:
            return tx.run(
                """
                MERGE (q:NamedQuery {name: $name})
                  ON CREATE SET q.params = $params, q.createdAt = datetime(), q.fresh = true
                WITH q, q.fresh IS NOT NULL AS created
                REMOVE q.fresh
                RETURN q.name AS name, q.params AS params, q.createdAt AS createdAt, created
                """,
                name=name,
                params=json.dumps([list(p) for p in params]),
            ).single()

        record = self._db.write(work)
        if not record["created"]:
            raise InvalidField("name", f"a query named {name!r} exists already")
        return query_from_record(record)

    def query(self, name: str) -> NamedQuery:
        records = self._db.read(
            "MATCH (q:NamedQuery {name: $name}) "
            "RETURN q.name AS name, q.params AS params, q.createdAt AS createdAt",
            name=name,
        )
        if not records:
            raise NotFound(f"queryName: no query named {name!r}")
        return query_from_record(records[0])

    def queries(self) -> list[NamedQuery]:
        records = self._db.read(
            "MATCH (q:NamedQuery) "
            "RETURN q.name AS name, q.params AS params, q.createdAt AS createdAt ORDER BY name"
        )
        return [query_from_record(r) for r in records]

    def delete_query(self, name: str) -> None:
        """The query, its subscriptions and their deliveries."""

        def work(tx: neo4j.ManagedTransaction) -> int:
            record = tx.run(
                """
                MATCH (q:NamedQuery {name: $name})
                OPTIONAL MATCH (s:Subscription)-[:OF]->(q)
                OPTIONAL MATCH (d:Delivery)-[:FOR]->(s)
                DETACH DELETE d, s, q
                RETURN count(q) AS n
                """,
                name=name,
            ).single()
            return int(record["n"]) if record else 0

        if not self._db.write(work):
            raise NotFound(f"queryName: no query named {name!r}")

    # -- subscriptions ------------------------------------------------------------------
    def create_subscription(
        self, sub: Subscription, secret: str, next_run_at: datetime | None
    ) -> Subscription:
        def work(tx: neo4j.ManagedTransaction) -> Any:
            return tx.run(
                """
                MATCH (q:NamedQuery {name: $queryName})
                CREATE (s:Subscription {id: $id})-[:OF]->(q)
                SET s.query = $queryName, s.dest = $dest, s.secret = $secret, s.stream = $stream,
                    s.schedule = $schedule, s.reportIfEmpty = $reportIfEmpty,
                    s.initialRecordTime = datetime($since), s.watermark = datetime($since),
                    s.createdAt = datetime(), s.nextRunAt = datetime($next), s.deliveries = 0,
                    s.failures = 0
                RETURN """
                + SUBSCRIPTION_FIELDS,
                id=sub.id, queryName=sub.query, dest=sub.dest, secret=secret, stream=sub.stream,
                schedule=json.dumps(sub.schedule.as_dict()) if sub.schedule else None,
                reportIfEmpty=sub.report_if_empty, since=sub.initial_record_time.isoformat(),
                next=next_run_at.isoformat() if next_run_at else None,
            ).single()  # fmt: skip

        record = self._db.write(work)
        if record is None:
            raise NotFound(f"queryName: no query named {sub.query!r}")
        return subscription_from_record(record)

    def subscription(self, query: str, sub_id: str) -> Subscription:
        records = self._db.read(
            "MATCH (s:Subscription {id: $id}) WHERE s.query = $queryName RETURN "
            + SUBSCRIPTION_FIELDS,
            id=sub_id,
            queryName=query,
        )
        if not records:
            raise NotFound(f"subscriptionID: no subscription {sub_id!r} to {query!r}")
        return subscription_from_record(records[0])

    def subscriptions(self, query: str) -> list[Subscription]:
        records = self._db.read(
            "MATCH (s:Subscription)-[:OF]->(:NamedQuery {name: $queryName}) RETURN "
            + SUBSCRIPTION_FIELDS
            + " ORDER BY createdAt, id",
            queryName=query,
        )
        return [subscription_from_record(r) for r in records]

    def delete_subscription(self, query: str, sub_id: str) -> None:
        def work(tx: neo4j.ManagedTransaction) -> int:
            record = tx.run(
                """
                MATCH (s:Subscription {id: $id}) WHERE s.query = $queryName
                OPTIONAL MATCH (d:Delivery)-[:FOR]->(s)
                DETACH DELETE d, s
                RETURN count(s) AS n
                """,
                id=sub_id,
                queryName=query,
            ).single()
            return int(record["n"]) if record else 0

        if not self._db.write(work):
            raise NotFound(f"subscriptionID: no subscription {sub_id!r} to {query!r}")

    # -- delivery -----------------------------------------------------------------------
    def claim_due(self, holder: str, lease_seconds: int) -> list[str]:
        """Take a lease on every subscription with work to do now: a stream, a scheduled
        run that is due, or a stored delivery whose next attempt is due."""

        def work(tx: neo4j.ManagedTransaction) -> list[str]:
            return [
                r["id"]
                for r in tx.run(
                    """
                    MATCH (s:Subscription)
                    WHERE (s.leaseUntil IS NULL OR s.leaseUntil < datetime())
                      AND (s.stream OR s.nextRunAt <= datetime()
                           OR EXISTS { MATCH (d:Delivery {subscription: s.id})
                                       WHERE d.status = 'pending'
                                         AND d.nextAttemptAt <= datetime() })
                    // Take the node's write lock, then read the lease again: another
                    // process may have taken it while this one waited for the lock.
                    SET s._lock = true
                    REMOVE s._lock
                    WITH s WHERE s.leaseUntil IS NULL OR s.leaseUntil < datetime()
                    SET s.leaseUntil = datetime() + duration({seconds: $lease}),
                        s.leaseHolder = $holder
                    RETURN s.id AS id
                    """,
                    lease=lease_seconds,
                    holder=holder,
                )
            ]

        return self._db.write(work)

    def release(self, sub_id: str, holder: str) -> None:
        self._db.write(
            lambda tx: tx.run(
                "MATCH (s:Subscription {id: $id}) WHERE s.leaseHolder = $holder "
                "SET s.leaseUntil = null, s.leaseHolder = null",
                id=sub_id,
                holder=holder,
            ).consume()
        )

    def run_state(self, sub_id: str) -> tuple[Subscription, list[tuple[str, str]], datetime, bool]:
        """The subscription, its query's parameters, its watermark, and whether a delivery of
        it is still waiting to be sent."""
        records = self._db.read(
            "MATCH (s:Subscription {id: $id})-[:OF]->(q:NamedQuery) RETURN q.params AS params, "
            + SUBSCRIPTION_FIELDS,
            id=sub_id,
        )
        if not records:
            raise NotFound(f"subscriptionID: no subscription {sub_id!r}")
        r = records[0]
        params = [(str(k), str(v)) for k, v in json.loads(r["params"])]
        return subscription_from_record(r), params, r["watermark"].to_native(), r["pending"] > 0

    def carried(self, sub_id: str, event_ids: Sequence[str]) -> set[str]:
        """Which of ``event_ids`` a delivery of the subscription already carries."""
        records = self._db.read(
            "MATCH (d:Delivery {subscription: $id})-[:CARRIES]->(e:Event) "
            "WHERE e.id IN $ids RETURN DISTINCT e.id AS id",
            id=sub_id,
            ids=list(event_ids),
        )
        return {r["id"] for r in records}

    def store_delivery(
        self,
        sub_id: str,
        delivery_id: str,
        body: str | None,
        event_ids: Sequence[str],
        watermark: datetime | None,
        next_run_at: datetime | None,
    ) -> None:
        """The delivery, the events it carries and the subscription's progress, at once."""
        self._db.write(
            lambda tx: tx.run(
                """
                MATCH (s:Subscription {id: $sub})
                SET s.watermark = coalesce(datetime($watermark), s.watermark),
                    s.nextRunAt = datetime($next)
                WITH s WHERE $body IS NOT NULL
                CREATE (d:Delivery {id: $id})-[:FOR]->(s)
                SET d.subscription = $sub, d.body = $body, d.status = 'pending',
                    d.attempts = 0, d.createdAt = datetime(), d.nextAttemptAt = datetime(),
                    d.events = size($ids)
                WITH d UNWIND $ids AS eid
                MATCH (e:Event {id: eid})
                CREATE (d)-[:CARRIES]->(e)
                """,
                sub=sub_id, id=delivery_id, body=body, ids=list(event_ids),
                watermark=watermark.isoformat() if watermark else None,
                next=next_run_at.isoformat() if next_run_at else None,
            ).consume()
        )  # fmt: skip

    def due_delivery(self, sub_id: str) -> Delivery | None:
        records = self._db.read(
            """
            MATCH (d:Delivery {subscription: $id})-[:FOR]->(s:Subscription)
            WHERE d.status = 'pending' AND d.nextAttemptAt <= datetime()
            RETURN d.id AS id, d.body AS body, d.attempts AS attempts, s.dest AS dest,
                   s.secret AS secret
            ORDER BY d.createdAt LIMIT 1
            """,
            id=sub_id,
        )
        if not records:
            return None
        r = records[0]
        return Delivery(r["id"], sub_id, r["dest"], r["secret"], r["body"], int(r["attempts"]))

    def delivered(self, delivery: Delivery) -> None:
        self._db.write(
            lambda tx: tx.run(
                """
                MATCH (d:Delivery {id: $id})-[:FOR]->(s:Subscription)
                SET d.status = 'delivered', d.deliveredAt = datetime(),
                    d.attempts = d.attempts + 1, s.lastDeliveryAt = datetime(),
                    s.deliveries = s.deliveries + 1
                REMOVE d.body
                """,
                id=delivery.id,
            ).consume()
        )

    def failed(self, delivery: Delivery, error: str, next_attempt_at: datetime) -> None:
        self._db.write(
            lambda tx: tx.run(
                """
                MATCH (d:Delivery {id: $id})-[:FOR]->(s:Subscription)
                SET d.attempts = d.attempts + 1, d.nextAttemptAt = datetime($next),
                    d.lastError = $error, s.failures = s.failures + 1,
                    s.lastFailureAt = datetime(), s.lastError = $error
                """,
                id=delivery.id,
                error=error,
                next=next_attempt_at.isoformat(),
            ).consume()
        )

    def prune(self, sub_id: str, keep_seconds: int) -> None:
        """Forget sent deliveries older than ``keep_seconds`` before the watermark: no event
        they carry can be read as new again (the subscription keeps its counts)."""
        self._db.write(
            lambda tx: tx.run(
                """
                MATCH (s:Subscription {id: $id})
                MATCH (d:Delivery {subscription: $id})
                WHERE d.status = 'delivered'
                  AND d.deliveredAt < s.watermark - duration({seconds: $keep})
                DETACH DELETE d
                """,
                id=sub_id,
                keep=keep_seconds,
            ).consume()
        )
