"""Named queries and subscriptions: define, run, subscribe, and deliver to webhooks.

Delivery runs as one long job of the job facility (``JobKind.SUBSCRIPTIONS``, a lane of its
own) in every process that runs jobs: every ``poll`` seconds it leases the subscriptions with
work to do, stores each new report as a ``(:Delivery)`` with the events it carries before
sending it, and sends stored deliveries (oldest first, one at a time per subscription, so a
partner receives reports in order). A report is an EPCIS query document signed with the
subscription's secret: ``GS1-Signature: sha256=<hex HMAC-SHA256 of the body>``. A failed
send is retried with doubling waits (1 s to 5 min); a restart of the API or of the database
loses nothing, since what is not confirmed stays stored. Delivery is at least once: a
partner may see a report twice (after a crash between its answer and the status write),
never miss one.

New events are those recorded since the subscription's watermark, read again over a
``lookback`` before it (a capture's transaction may commit after events of a later record
time were reported) and not yet carried by one of its deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_model.database import Database
from graph_model.epcis_query import MAX_PER_PAGE, EventQuery, parse_time
from graph_model.errors import InvalidField, YimaError
from graph_model.jobs import Job, JobKind
from graph_model.repositories.event_query import EventPage, EventQueryRepository
from graph_model.repositories.subscriptions import SubscriptionRepository
from graph_model.subscriptions import (
    Delivery,
    NamedQuery,
    Schedule,
    Subscription,
    backoff,
    check_dest,
    check_query_name,
)
from graph_model.vocabulary import YIMA_CONTEXT
from services.jobs import JobOutcome, JobRunner, Progress

__all__ = ["SubscriptionService", "query_params", "sign"]

log = logging.getLogger("yima.subscriptions")

# Parameters a subscription sets itself: it reads new events in record-time order.
RUN_PARAMS = frozenset({"orderBy", "orderDirection", "perPage", "nextPageToken",
                        "eventCountLimit", "maxEventCount"})  # fmt: skip
MAX_EVENTS_PER_REPORT = 1000


def sign(secret: str, body: bytes) -> str:
    """The ``GS1-Signature`` of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def query_params(query: Any) -> list[tuple[str, str]]:
    """A named query's ``query`` object (parameter -> value or list of values) as pairs."""
    if not isinstance(query, Mapping):
        raise InvalidField("query", "must be an object of query parameters")
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                item = "true" if item else "false"
            if not isinstance(item, str | int | float) or item is None:
                raise InvalidField(f"query.{key}", "must be text, a number or a list of them")
            pairs.append((str(key), str(item)))
    return pairs


def _report(name: str, sub_id: str, events: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "@context": list(YIMA_CONTEXT),
            "type": "EPCISQueryDocument",
            "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat(),
            "epcisBody": {
                "queryResults": {
                    "queryName": name,
                    "subscriptionID": sub_id,
                    "resultsBody": {
                        "eventList": [
                            {k: v for k, v in e.items() if k != "@context"} for e in events
                        ]
                    },
                }
            },
        },
        ensure_ascii=False,
    )


class SubscriptionService:
    def __init__(
        self,
        db: Database,
        events: EventQueryRepository,
        *,
        poll: float = 1.0,
        lookback: timedelta = timedelta(minutes=10),
        timeout: float = 10.0,
    ) -> None:
        self.repository = SubscriptionRepository(db)
        self._events = events
        self.poll = poll
        self.lookback = lookback
        self.timeout = timeout
        self._holder = uuid.uuid4().hex
        self._stop = threading.Event()
        self.job: Job | None = None

    # -- named queries ------------------------------------------------------------------
    def define(self, name: Any, query: Any) -> NamedQuery:
        """Store a named query after checking every parameter as ``GET /events`` would."""
        name = check_query_name(name)
        params = query_params(query)
        try:
            EventQuery.from_params(params)
        except InvalidField as exc:
            raise InvalidField("query." + exc.path, exc.reason) from exc
        return self.repository.create_query(name, params)

    def run(self, name: str, params: list[tuple[str, str]]) -> EventPage:
        """The named query's events, with the request's own paging parameters (the query's
        own parameters are fixed: anything else is refused, never added)."""
        for key, _ in params:
            if key not in ("perPage", "nextPageToken"):
                raise InvalidField(key, "a named query takes only perPage and nextPageToken")
        stored = self.repository.query(name)
        return self._events.query(EventQuery.from_params([*stored.params, *params]))

    # -- subscriptions ------------------------------------------------------------------
    def subscribe(self, name: str, request: Any) -> tuple[Subscription, str]:
        """A subscription to the named query; returns it and the secret that signs its
        reports (``signatureToken`` when the partner chose one)."""
        if not isinstance(request, Mapping):
            raise InvalidField("body", "must be a JSON object")
        known = {"dest", "signatureToken", "reportIfEmpty", "stream", "schedule",
                 "initialRecordTime"}  # fmt: skip
        for key in request:
            if key not in known:
                raise InvalidField(key, "unknown subscription field")
        dest = check_dest(request.get("dest"))
        stream = request.get("stream", False)
        if not isinstance(stream, bool):
            raise InvalidField("stream", "must be true or false")
        schedule = Schedule.parse(request["schedule"]) if "schedule" in request else None
        if stream == (schedule is not None):
            raise InvalidField("schedule", "give either a schedule or stream: true")
        report_if_empty = request.get("reportIfEmpty", False)
        if not isinstance(report_if_empty, bool):
            raise InvalidField("reportIfEmpty", "must be true or false")
        secret = request.get("signatureToken") or secrets.token_urlsafe(32)
        if not isinstance(secret, str) or len(secret) < 16:
            raise InvalidField("signatureToken", "must be text of at least 16 characters")
        now = datetime.now(UTC)
        since = now
        if request.get("initialRecordTime") is not None:
            since = parse_time("initialRecordTime", str(request["initialRecordTime"]))
        self.repository.query(name)  # NotFound before anything is written
        sub = Subscription(
            id=str(uuid.uuid4()), query=name, dest=dest, stream=stream, schedule=schedule,
            report_if_empty=report_if_empty, initial_record_time=since, created_at=now,
        )  # fmt: skip
        next_run = schedule.next_after(now) if schedule is not None else None
        return self.repository.create_subscription(sub, secret, next_run), secret

    # -- delivery -----------------------------------------------------------------------
    def start(self, runner: JobRunner) -> Job:
        """Deliver in the background until :meth:`close`, as one job of ``runner``."""

        def work(progress: Progress) -> JobOutcome:
            passes = 0
            while not self._stop.wait(self.poll):
                try:
                    self.deliver_due()
                except YimaError as exc:  # the database is away: the next pass retries
                    log.warning("subscription delivery paused: %s", exc)
                except Exception:
                    log.exception("subscription delivery pass failed")
                passes += 1
            return JobOutcome(detail={"passes": passes})

        self.job = runner.submit(JobKind.SUBSCRIPTIONS, work)
        return self.job

    def close(self) -> None:
        self._stop.set()

    def deliver_due(self) -> int:
        """One pass over the subscriptions with work now; returns the reports sent."""
        sent = 0
        for sub_id in self.repository.claim_due(self._holder, 60):
            try:
                sent += self._work_on(sub_id)
            finally:
                self.repository.release(sub_id, self._holder)
        return sent

    def _work_on(self, sub_id: str) -> int:
        sent = 0
        sub, params, watermark, pending = self.repository.run_state(sub_id)
        now = datetime.now(UTC)
        due = sub.stream or (sub.next_run_at is not None and sub.next_run_at <= now)
        if due and not pending:
            self._prepare(sub, params, watermark, now)
        while (delivery := self.repository.due_delivery(sub_id)) is not None:
            if not self._send(delivery):
                break
            sent += 1
        if sent:
            self.repository.prune(sub_id, int(2 * self.lookback.total_seconds()))
        return sent

    def _prepare(
        self, sub: Subscription, params: list[tuple[str, str]], watermark: datetime,
        now: datetime,
    ) -> None:  # fmt: skip
        """Store the next report of ``sub`` (if it has one) and move its watermark."""
        lower = max(sub.initial_record_time, watermark - self.lookback)
        base = [(k, v) for k, v in params if k not in RUN_PARAMS]
        run = [*base, ("GE_recordTime", lower.isoformat()), ("orderBy", "recordTime"),
               ("orderDirection", "ASC"), ("perPage", str(MAX_PER_PAGE))]  # fmt: skip
        fresh: list[dict[str, Any]] = []
        complete = True
        query = EventQuery.from_params(run)
        while True:
            page = self._events.query(query)
            carried = self.repository.carried(sub.id, [e["eventID"] for e in page.events])
            fresh += [e for e in page.events if e["eventID"] not in carried]
            if len(fresh) >= MAX_EVENTS_PER_REPORT:
                fresh, complete = fresh[:MAX_EVENTS_PER_REPORT], False
                break
            if page.next_token is None:
                break
            query = EventQuery.from_params([*run, ("nextPageToken", page.next_token)])
        next_run = sub.schedule.next_after(now) if sub.schedule is not None else None
        report = bool(fresh) or (sub.report_if_empty and not sub.stream)
        self.repository.store_delivery(
            sub.id,
            str(uuid.uuid4()),
            _report(sub.query, sub.id, fresh) if report else None,
            [e["eventID"] for e in fresh],
            now if complete else None,
            next_run,
        )

    def _send(self, delivery: Delivery) -> bool:
        body = delivery.body.encode()
        request = urllib.request.Request(
            delivery.dest,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/ld+json",
                "GS1-Signature": sign(delivery.secret, body),
                "GS1-EPCIS-Version": "2.0",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                ok = bool(200 <= response.status < 300)
                error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            ok, error = False, f"HTTP {exc.code}"
            exc.close()
        except (urllib.error.URLError, OSError) as exc:
            ok, error = False, f"unreachable: {getattr(exc, 'reason', exc)}"
        if ok:
            self.repository.delivered(delivery)
        else:
            wait = backoff(delivery.attempts + 1)
            self.repository.failed(delivery, error, datetime.now(UTC) + wait)
        return ok
