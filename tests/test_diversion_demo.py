"""The planted demo world, loaded into the real graph and scored end to end: detection reads
only the graph, the planted truth only measures it.

The world starts in a random past month of its own, so the detection window holds its scans
alone in the shared test database.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from algorithms.diversion.settings import DiversionSettings
from graph_model.database import Database
from graph_model.diversion import CaseFilter, StoredCase
from graph_model.repositories.master_data import MasterDataRepository
from loaders.demo import build_world, simulate
from loaders.demo.diversion import DiversionPlanter
from loaders.demo.supply import own_json, own_parties
from services.capture import CaptureService
from services.diversion import DiversionService

UNITS = 60_000  # the size at which the planted diversions stand out of the noise
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scored(db: Database) -> dict[str, Any]:
    rng = random.Random(uuid.uuid4().hex)
    seed = rng.randrange(10**6, 10**7)
    start = datetime(rng.randint(2001, 2020), rng.randint(1, 12), 1, tzinfo=UTC)
    planter = DiversionPlanter()
    world = build_world(UNITS, seed, planters=[planter], start=start)
    # Parties of its own: other tests' demo worlds share the demo's party ids, and their
    # supply contracts would make this world's planted shipments look contracted.
    prefix = str(rng.randrange(10**6, 10**7))
    MasterDataRepository(db).save(own_parties(world, prefix).master, atomic=False)
    last = [start]

    def documents() -> Iterator[dict[str, Any]]:
        for original in simulate(world, seed, planters=[planter]):
            doc = own_json(original, prefix)
            last[0] = max(
                last[0],
                *(datetime.fromisoformat(e["eventTime"]) for e in doc["epcisBody"]["eventList"]),
            )
            yield doc

    CaptureService(db).capture_stream(documents())
    end = last[0] + timedelta(seconds=1)
    service = DiversionService(db)
    report = service.detect(start, end)
    mine = {d.id for d in own_parties(world, prefix).master.distributors}
    page = service.cases(CaseFilter(seen_from=start, seen_to=end), first=10_000)
    cases = [c for c in page.cases if c.distributor_id in mine]
    return {
        "truth": own_json(planter.ground_truth(), prefix),
        "cases": cases,
        "report": report,
        "all": page.cases,
    }


def _matches(case: StoredCase, planted: dict[str, Any]) -> bool:
    window = planted["window"]
    if window is None or (case.distributor_id, case.region_code) != (
        planted["distributor"],
        planted["region"],
    ):
        return False
    first, last = datetime.fromisoformat(window["from"]), datetime.fromisoformat(window["to"])
    return case.period_start <= last and first < case.period_end


def test_planted_cases_found_from_the_graph(scored: dict[str, Any]) -> None:
    # A diversion is in evidence once its goods surfaced in as many scans as a case needs
    # scanners: one scan abroad is what a traveller leaves, and no rule may raise a case on it.
    evidence = DiversionSettings().min_consumers
    truth = [c for c in scored["truth"]["cases"] if len(c["scans"]) >= evidence]
    cases: list[StoredCase] = scored["cases"]
    assert len(scored["all"]) == len(cases)  # the window holds this world alone
    precision = sum(any(_matches(k, t) for t in truth) for k in cases) / len(cases)
    missed = [
        {
            **{k: t[k] for k in ("distributor", "region", "mechanism", "units", "window")},
            "scans": len(t["scans"]),
        }
        for t in truth
        if not any(_matches(k, t) for k in cases)
    ]
    recall = 1 - len(missed) / len(truth)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, missed)


def test_no_case_from_travellers_or_legitimate_supply(scored: dict[str, Any]) -> None:
    noise = scored["truth"]["noise"]
    travellers = {t["scan"] for t in noise["travellers"]}
    cases: list[StoredCase] = scored["cases"]
    assert not [c for c in cases if set(c.scan_ids) <= travellers]
    legit = {(s["distributor"], s["region"]) for s in noise["legitimate"]}
    assert not [c for c in cases if (c.distributor_id, c.region_code) in legit]
    classes = scored["report"].classes
    assert classes["contracted"] > 10 and classes["authorized_product"] > 10, classes
