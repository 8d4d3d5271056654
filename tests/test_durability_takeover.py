"""A capture job whose process stopped is taken over from its kept document, in process and
on the session's server: the kill tests (tests/test_durability.py) show the same end to end."""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pytest

from graph_model.database import Database
from graph_model.jobs import JobKind, JobStatus
from graph_model.repositories.capture_inbox import CaptureInbox
from graph_model.repositories.jobs import JobRepository
from services.capture import CaptureBehaviour, CaptureService
from services.capture_jobs import CaptureJobs
from services.jobs import JobRunner
from tests.factories import Chain, document


@pytest.fixture
def runner(db: Database) -> Iterator[JobRunner]:
    made = JobRunner(JobRepository(db), stale_after=5)
    yield made
    made.close(wait=True)


def _left_running(db: Database, driver: neo4j.Driver, job_id: str, kind: JobKind) -> str:
    """A job of ``kind`` whose process died while running it (heartbeat five minutes old)."""
    JobRepository(db).create(job_id, kind, f"{job_id}-dead-process")
    driver.execute_query(
        "MATCH (j:Job {id: $id}) SET j.status = 'running', "
        "j.heartbeatAt = datetime.realtime() - duration({minutes: 5})",
        id=job_id,
        database_=db.name,
    )
    return job_id


def _orphan(db: Database, driver: neo4j.Driver, ns: str, doc: dict[str, object]) -> str:
    """A capture job accepted by a process that died while running it."""
    CaptureInbox(db).keep(f"{ns}-job", doc, "rollback", None)
    return _left_running(db, driver, f"{ns}-job", JobKind.CAPTURE)


def _events(driver: neo4j.Driver, db: Database, chain: Chain) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (e:Event)-[:CONCERNS]->(:Code {id: $unit}) RETURN count(e) AS n",
        unit=chain.units[0],
        database_=db.name,
    )
    return int(records[0]["n"])


def test_the_next_process_captures_a_stopped_process_document(
    db: Database, driver: neo4j.Driver, runner: JobRunner, ns: str
) -> None:
    chain = Chain(ns, units=4)
    job_id = _orphan(db, driver, ns, document(chain.events()))
    captures = CaptureJobs(db, CaptureService(db), runner)
    runner.recover = captures.recover
    assert job_id not in runner.start()  # taken over, not failed
    runner.close(wait=True)
    job = JobRepository(db).get(job_id)
    assert job.status is JobStatus.SUCCEEDED, job
    assert job.detail["captured"] == len(chain.events()) and _events(driver, db, chain) > 0
    # The document is forgotten once its job is done.
    CaptureInbox(db).forget_done(60)
    records, _, _ = driver.execute_query(
        "MATCH (d:CaptureDocument {job: $id}) RETURN count(d) AS n", id=job_id, database_=db.name
    )
    assert records[0]["n"] == 0


def test_a_stale_job_without_a_kept_document_is_failed_not_left_running(
    db: Database, driver: neo4j.Driver, runner: JobRunner, ns: str
) -> None:
    job_id = _left_running(db, driver, f"{ns}-analysis", JobKind.DIVERSION)
    runner.recover = CaptureJobs(db, CaptureService(db), runner).recover
    assert job_id in runner.start()
    job = JobRepository(db).get(job_id)
    assert job.status is JobStatus.FAILED and job.error is not None
    assert "interrupted" in job.error.reason


def test_a_retried_capture_adds_nothing(db: Database, driver: neo4j.Driver, ns: str) -> None:
    chain = Chain(ns, units=4)
    service = CaptureService(db)
    doc = document(chain.events())
    first = service.capture_document(doc, CaptureBehaviour.ROLLBACK)
    before = _events(driver, db, chain)
    again = service.capture_document(doc, CaptureBehaviour.ROLLBACK)
    assert len(again.captured) == 0 and len(again.duplicates) == len(first.captured)
    assert _events(driver, db, chain) == before
