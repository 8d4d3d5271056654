"""What a request needs from the application: the driver and the services built on it.

Created in the ASGI lifespan and reached through ``request.app.state.services``; nothing is
held in a module global.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph_model.repositories.capture_jobs import CaptureJob, CaptureJobRepository
from graph_model.repositories.event_query import EventQueryRepository
from graph_model.settings import DatabaseSettings
from loaders.capture import CaptureBehaviour, CaptureService

__all__ = ["Services"]


@dataclass
class Services:
    driver: neo4j.Driver
    settings: DatabaseSettings
    capture: CaptureService
    jobs: CaptureJobRepository
    events: EventQueryRepository
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="capture")
    )
    # Planning jobs run for seconds to minutes; their own pool keeps captures flowing.
    planning: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="layout")
    )

    @classmethod
    def open(cls, driver: neo4j.Driver, settings: DatabaseSettings) -> Services:
        db = settings.database
        return cls(
            driver=driver,
            settings=settings,
            capture=CaptureService(driver, db),
            jobs=CaptureJobRepository(driver, db),
            events=EventQueryRepository(driver, db),
        )

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)
        self.planning.shutdown(wait=False, cancel_futures=True)
        self.driver.close()

    def submit_capture(
        self, document: Mapping[str, Any], behaviour: CaptureBehaviour, limit: int | None
    ) -> CaptureJob:
        job = self.jobs.create(str(uuid.uuid4()), behaviour.value)
        self.executor.submit(self._run_capture, job.id, document, behaviour, limit)
        return job

    def _run_capture(
        self,
        job_id: str,
        document: Mapping[str, Any],
        behaviour: CaptureBehaviour,
        limit: int | None,
    ) -> None:
        self.jobs.set_running(job_id)
        try:
            result = self.capture.capture_document(document, behaviour, limit)
        except Exception as exc:  # the job records why; nothing of the document was written
            self.jobs.finish(
                job_id, succeeded=False, captured=0, duplicates=[], problems=[], error=str(exc)
            )
            return
        report = result.as_dict()
        self.jobs.finish(
            job_id,
            succeeded=not result.problems,
            captured=len(result.captured),
            duplicates=report["duplicates"],
            problems=report["problems"],
        )
