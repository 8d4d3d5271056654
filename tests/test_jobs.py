"""The one job facility: jobs in the graph, lanes, interrupted jobs, GraphQL and REST views."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_model.database import Database
from graph_model.errors import FieldProblem, InvalidField, NotFound
from graph_model.jobs import Job, JobKind, JobStatus
from graph_model.repositories.jobs import JobRepository
from graph_model.schema import MIGRATIONS
from services.jobs import JobOutcome, JobRunner, Progress


def wait_for(repo: JobRepository, job_id: str, timeout: float = 20.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = repo.get(job_id)
        if not job.running:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {repo.get(job_id).status} after {timeout} s")


@pytest.fixture
def runner(db: Database) -> Any:
    r = JobRunner(JobRepository(db), heartbeat_every=0.2, stale_after=60.0, sweep_every=60.0)
    r.start()
    yield r
    r.close(wait=True)


def test_a_job_records_progress_result_and_timings(runner: JobRunner) -> None:
    def work(progress: Progress) -> JobOutcome:
        progress(0.5)
        return JobOutcome(result_id="plan-1", detail={"cost": 12.5})

    job = runner.submit(JobKind.LAYOUT, work)
    assert job.status is JobStatus.PENDING and job.kind is JobKind.LAYOUT
    done = wait_for(runner.jobs, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.result_id == "plan-1" and done.detail == {"cost": 12.5}
    assert done.progress == 1.0 and done.error is None
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at <= done.started_at <= done.finished_at


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (InvalidField("k", "must be at least 1"), FieldProblem("k", "must be at least 1")),
        (NotFound("plan x"), FieldProblem("-", "plan x")),
        (ZeroDivisionError("secret internals"), FieldProblem("-", "internal error (see the log)")),
    ],
)
def test_a_failed_job_says_why_without_internals(
    runner: JobRunner, raised: Exception, expected: FieldProblem
) -> None:
    def work(progress: Progress) -> JobOutcome:
        raise raised

    done = wait_for(runner.jobs, runner.submit(JobKind.LAYOUT, work).id)
    assert done.status is JobStatus.FAILED and done.error == expected


def test_captures_are_not_held_back_by_a_long_analysis(runner: JobRunner) -> None:
    release = threading.Event()

    def slow(progress: Progress) -> JobOutcome:
        release.wait(20)
        return JobOutcome()

    analysis = runner.submit(JobKind.LAYOUT, slow)
    try:
        capture = runner.submit(JobKind.CAPTURE, lambda progress: JobOutcome(detail={"n": 1}))
        assert wait_for(runner.jobs, capture.id, timeout=10).status is JobStatus.SUCCEEDED
        assert runner.jobs.get(analysis.id).running
    finally:
        release.set()
    assert wait_for(runner.jobs, analysis.id).status is JobStatus.SUCCEEDED


def test_a_job_whose_process_died_is_marked_failed(db: Database) -> None:
    repo = JobRepository(db)
    orphan = repo.create(str(uuid.uuid4()), JobKind.CAPTURE, "dead-host:1:x")
    repo.start(orphan.id)
    db.query(
        "MATCH (j:Job {id: $id}) SET j.heartbeatAt = datetime.realtime() - duration('PT5M')",
        id=orphan.id,
    )
    alive = repo.create(str(uuid.uuid4()), JobKind.CAPTURE, "live-host:1:y")
    runner = JobRunner(repo, stale_after=120.0)
    try:
        failed = runner.start()
    finally:
        runner.close()
    assert orphan.id in failed and alive.id not in failed
    dead = repo.get(orphan.id)
    assert dead.status is JobStatus.FAILED and dead.error is not None
    assert "interrupted" in dead.error.reason
    assert repo.get(alive.id).status is JobStatus.PENDING


def test_a_running_job_keeps_its_heartbeat(db: Database, runner: JobRunner) -> None:
    release = threading.Event()

    def work(progress: Progress) -> JobOutcome:
        release.wait(20)
        return JobOutcome()

    job = runner.submit(JobKind.LAYOUT, work)
    try:
        first = db.read("MATCH (j:Job {id: $id}) RETURN j.heartbeatAt AS t", id=job.id)[0]["t"]
        time.sleep(0.6)
        later = db.read("MATCH (j:Job {id: $id}) RETURN j.heartbeatAt AS t", id=job.id)[0]["t"]
        assert later > first
        # A sweep with a threshold longer than the heartbeat leaves it alone.
        assert job.id not in runner.jobs.fail_stale(5.0)
    finally:
        release.set()
    wait_for(runner.jobs, job.id)


def test_migration_turns_old_capture_jobs_into_jobs(db: Database, ns: str) -> None:
    db.query(
        "CREATE (:CaptureJob {id: $id, status: 'succeeded', behaviour: 'proceed', "
        "createdAt: datetime(), finishedAt: datetime(), captured: 3, "
        "duplicates: ['urn:uuid:a', 'urn:uuid:b'], problems: '[{\"index\": 1}]'})",
        id=ns,
    )
    (migration,) = [m for m in MIGRATIONS if m.version == 4]
    for statement in migration.statements:
        db.query(statement)
    job = JobRepository(db).get(ns, JobKind.CAPTURE)
    assert job.status is JobStatus.SUCCEEDED
    assert job.detail == {
        "behaviour": "proceed",
        "captured": 3,
        "duplicates": ["urn:uuid:a", "urn:uuid:b"],
        "problems": [{"index": 1}],
    }


JOB = """
query ($id: ID!) { job(id: $id) { __typename
  ... on Job { id kind status progress resultId detail error { path reason } startedAt }
  ... on Problem { path reason } } }
"""
JOBS = """
query ($kind: JobKind, $status: JobStatus, $first: Int!, $after: String) {
  jobs(kind: $kind, status: $status, first: $first, after: $after) { __typename
    ... on JobConnection { totalCount pageInfo { hasNextPage endCursor } nodes { id kind } }
    ... on Problem { path reason } } }
"""


def test_capture_jobs_show_in_graphql_rest_and_the_epcis_binding(client: TestClient) -> None:
    from tests.factories import Chain

    document = Chain("j" + uuid.uuid4().hex[:8]).document()
    accepted = client.post("/capture", json=document)
    assert accepted.status_code == 202
    job_id = accepted.json()["captureID"]
    deadline = time.monotonic() + 20
    while client.get(f"/capture/{job_id}").json()["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    binding = client.get(f"/capture/{job_id}").json()
    assert binding["success"] and binding["capturedEvents"] == len(
        document["epcisBody"]["eventList"]
    )
    view = client.get(f"/jobs/{job_id}").json()
    assert view["kind"] == "capture" and view["status"] == "succeeded"
    assert view["detail"]["captured"] == binding["capturedEvents"]
    answer = client.post("/graphql", json={"query": JOB, "variables": {"id": job_id}}).json()
    job = answer["data"]["job"]
    assert job["__typename"] == "Job" and job["kind"] == "CAPTURE"
    assert job["status"] == "SUCCEEDED" and job["detail"]["captured"] > 0


def test_jobs_page_newest_first_by_kind(client: TestClient, db: Database) -> None:
    repo = JobRepository(db)
    kind_ids = [repo.create(str(uuid.uuid4()), JobKind.LAYOUT, "test:0:p").id for _ in range(3)]
    seen: list[str] = []
    after = None
    while True:
        variables = {"kind": "LAYOUT", "status": "PENDING", "first": 2, "after": after}
        page = client.post("/graphql", json={"query": JOBS, "variables": variables}).json()
        jobs = page["data"]["jobs"]
        assert jobs["__typename"] == "JobConnection"
        assert {n["kind"] for n in jobs["nodes"]} <= {"LAYOUT"}
        seen += [n["id"] for n in jobs["nodes"]]
        if not jobs["pageInfo"]["hasNextPage"]:
            break
        after = jobs["pageInfo"]["endCursor"]
    assert seen[:3] == list(reversed(kind_ids)) and len(seen) == len(set(seen))
    repo.fail_stale(0.0, runner="test:0:p")


@pytest.mark.parametrize(
    ("query", "variables", "path"),
    [
        (JOB, {"id": "no-such-job"}, "id"),
        (JOB, {"id": "x" * 65}, "id"),
        (JOBS, {"first": 1000}, "first"),
        (JOBS, {"first": 5, "after": "not a cursor"}, "after"),
    ],
)
def test_bad_job_arguments_are_problems(
    client: TestClient, query: str, variables: dict[str, Any], path: str
) -> None:
    data = client.post("/graphql", json={"query": query, "variables": variables}).json()["data"]
    (answer,) = data.values()
    assert answer["__typename"] == "Problem" and answer["path"] == path


def test_an_unknown_job_is_a_404_problem(client: TestClient) -> None:
    for url in ("/jobs/nope", "/capture/nope"):
        answer = client.get(url)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_job_of_a_kind_this_version_does_not_know_is_left_out(
    client: TestClient, db: Database
) -> None:
    # A newer version sharing the database may write kinds this one has no name for.
    job_id = str(uuid.uuid4())
    db.query(
        "CREATE (:Job {id: $id, kind: 'from_a_newer_version', status: 'succeeded', "
        "runner: 'test:0:k', createdAt: datetime.realtime(), detail: '{}'})",
        id=job_id,
    )
    try:
        page = client.post("/graphql", json={"query": JOBS, "variables": {"first": 5}}).json()
        jobs = page["data"]["jobs"]
        assert jobs["__typename"] == "JobConnection", page
        assert job_id not in [n["id"] for n in jobs["nodes"]]
        answer = client.post("/graphql", json={"query": JOB, "variables": {"id": job_id}})
        assert answer.json()["data"]["job"]["__typename"] == "Problem"
        assert client.get(f"/jobs/{job_id}").status_code == 404
    finally:
        db.query("MATCH (j:Job {id: $id}) DELETE j", id=job_id)
