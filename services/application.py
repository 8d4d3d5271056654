"""The application as the adapters see it: the database and the use cases built on it.

Opened once by the API's lifespan (or a CLI command) and handed to every request through its
context; nothing is held in a module global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph_model.database import Database
from graph_model.jobs import Job, JobKind
from graph_model.referral import check_campaign
from graph_model.repositories.event_query import EventQueryRepository
from graph_model.repositories.events import EventRepository
from graph_model.repositories.jobs import JobRepository
from graph_model.repositories.layout import LayoutRepository
from graph_model.repositories.provenance import ProvenanceRepository
from graph_model.repositories.referral_rings import ALL_CAMPAIGNS
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from services.campaigns import CampaignService
from services.capture import CaptureBehaviour, CaptureService
from services.capture_jobs import CaptureJobs
from services.diversion import DiversionService
from services.jobs import JobOutcome, JobRunner, Progress
from services.keys import KeyService
from services.layout import LayoutService, PreparedLayout
from services.referral_rings import detect_referral_rings
from services.store_fraud import StoreFraudService
from services.subscriptions import SubscriptionService

__all__ = ["Application"]


@dataclass
class Application:
    db: Database
    capture: CaptureService
    jobs: JobRepository
    runner: JobRunner
    events: EventQueryRepository
    layouts: LayoutRepository
    diversion: DiversionService
    campaigns: CampaignService
    subscriptions: SubscriptionService
    keys: KeyService
    captures: CaptureJobs = field(init=False)

    @classmethod
    def open(cls, db: Database, *, start_runner: bool = True) -> Application:
        """The application on ``db``; with ``start_runner``, jobs left behind by processes
        that stopped are marked failed and the heartbeat starts."""
        jobs = JobRepository(db)
        events = EventQueryRepository(db)
        app = cls(
            db=db,
            capture=CaptureService(db),
            jobs=jobs,
            runner=JobRunner(jobs),
            events=events,
            layouts=LayoutRepository(db),
            diversion=DiversionService(db),
            campaigns=CampaignService(db),
            subscriptions=SubscriptionService(db, events),
            keys=KeyService(db),
        )
        app.captures = CaptureJobs(db, app.capture, app.runner)
        app.runner.recover = app.captures.recover
        if start_runner:
            app.runner.start()
            app.subscriptions.start(app.runner)
        return app

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> Application:
        """Open the database of ``settings``, apply the schema, open the application."""
        db = Database.open(settings)
        apply_schema(db)
        return cls.open(db)

    def plan_statements(self) -> None:
        """Have Neo4j plan the capture and provenance statements now, so that the first
        document and the first trace of a new database wait for no planning."""
        EventRepository(self.db).plan_statements()
        ProvenanceRepository(self.db).plan_reads()

    def close(self) -> None:
        self.subscriptions.close()
        self.runner.close(wait=True)
        self.db.close()

    def layout_service(self) -> LayoutService:
        return LayoutService(self.db)

    def submit_capture(
        self, document: Mapping[str, Any], behaviour: CaptureBehaviour, limit: int | None
    ) -> Job:
        """Store ``document`` and queue its capture; its job reports what was captured, and
        survives this process (:mod:`services.capture_jobs`)."""
        return self.captures.submit(document, behaviour, limit)

    def submit_layout(self, prepared: PreparedLayout) -> Job:
        """Queue a prepared layout plan; its job names the stored plan."""
        return self.runner.submit(JobKind.LAYOUT, self.layout_service().job(prepared))

    def store_fraud_service(self) -> StoreFraudService:
        return StoreFraudService(self.db)

    def submit_store_fraud(self) -> Job:
        """Queue store-fraud detection over every store; its job reports the clusters."""
        return self.runner.submit(JobKind.STORE_FRAUD, self.store_fraud_service().detect_job())

    def submit_referral_rings(self, campaign: str | None) -> Job:
        """Queue referral-ring detection for ``campaign`` (``None``: every campaign); its job
        reports how many rings and members it stored."""
        if campaign is not None:
            campaign = check_campaign("campaign", campaign)

        def work(progress: Progress) -> JobOutcome:
            run = detect_referral_rings(self.db, campaign, progress=progress)
            return JobOutcome(result_id=campaign or ALL_CAMPAIGNS, detail=run.detail())

        return self.runner.submit(JobKind.REFERRAL_RINGS, work, detail={"campaign": campaign})

    def submit_diversion(self, start: datetime | None, end: datetime | None) -> Job:
        """Queue diversion detection over ``[start, end)``; its job reports the cases."""
        window = {"from": start and start.isoformat(), "to": end and end.isoformat()}
        return self.runner.submit(
            JobKind.DIVERSION, self.diversion.detect_job(start, end), detail=window
        )
