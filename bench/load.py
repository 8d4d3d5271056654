"""A bounded load test on loopback: concurrent captures, consumer scans and provenance queries
against one API process for a fixed time, with throughput, p50 / p99 and errors per kind, then
a check that the graph holds exactly what was acknowledged.

Runs against the server in ``YIMA_NEO4J_URI`` (default bolt://127.0.0.1:7687): serves the app
with uvicorn in its own process (auth on, an admin key made for the run and revoked after),
drives it with an asyncio httpx client (``--clients`` tasks, each picking a capture, a scan or
a query in turn), and in the same run measures ``GET /healthz`` with the same clients for the
same time: the HTTP floor the ratios are read against. Targets: 0 errors, counts equal.

Usage: ``.venv/bin/python bench/load.py [--seconds 180 --clients 16 --events 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from graph_model.database import Database  # noqa: E402
from graph_model.keys import Role  # noqa: E402
from graph_model.schema import apply_schema  # noqa: E402
from graph_model.settings import DatabaseSettings  # noqa: E402
from services.keys import KeyService  # noqa: E402

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
CODE = """query ($id: String!) { code(id: $id) { __typename ... on CodeTrace {
  code status events(first: 20) { totalCount nodes { id bizStep } } } } }"""
SEED_DOCUMENTS = 10
SCAN = """mutation ($input: RecordScanInput!) { recordScan(input: $input) {
  __typename ... on RecordScanSuccess { duplicate } } }"""


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    captured_events: int = 0
    scans: int = 0
    jobs: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # captured before the load: scanned, asked
    seconds: float = 0.0


def _document(run: str, batch: int, events: int) -> tuple[dict[str, Any], list[str]]:
    units = [f"urn:epc:id:sgtin:6901234.012345.{run}b{batch}u{i}" for i in range(events)]
    body = [
        {
            "type": "ObjectEvent",
            "eventTime": "2026-03-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, unit)}",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": [unit],
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.1"},
            "ilmd": {"cbvmda:lotNumber": f"L{run}"},
        }
        for unit in units
    ]
    document = {
        "@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00Z", "epcisBody": {"eventList": body},
    }  # fmt: skip
    return document, units


async def _timed(tally: Tally, kind: str, call: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response: httpx.Response = await call
    except httpx.HTTPError:
        tally.errors[kind] += 1
        return None
    tally.latencies[kind].append(time.perf_counter() - started)
    return response


async def _client(http: httpx.AsyncClient, tally: Tally, run: str, n: int, until: float,
                  events: int) -> None:  # fmt: skip
    turn = 0
    while time.monotonic() < until:
        turn += 1
        kind = ("capture", "scan", "provenance", "provenance")[turn % 4]
        if kind == "capture":
            document, _ = _document(run, (n + 1) * 1_000_000 + turn, events)
            answer = await _timed(tally, kind, http.post("/capture", json=document))
            if answer is None or answer.status_code != 202:
                tally.errors[kind] += answer is not None
                continue
            tally.jobs.append(answer.json()["captureID"])
            tally.captured_events += events
        elif not tally.units:
            continue
        elif kind == "scan":
            unit = tally.units[(n * 7919 + turn) % len(tally.units)]
            scan = {"code": unit, "kind": "CONSUMER", "clientScanId": f"{run}-{n}-{turn}",
                    "device": f"{run}-d{n}"}  # fmt: skip
            answer = await _timed(
                tally,
                kind,
                http.post("/graphql", json={"query": SCAN, "variables": {"input": scan}}),
            )
            if answer is None or answer.status_code != 200 or "errors" in answer.json():
                tally.errors[kind] += answer is not None
                continue
            if answer.json()["data"]["recordScan"]["__typename"] != "RecordScanSuccess":
                tally.errors[kind] += 1
                continue
            tally.scans += 1
        else:
            unit = tally.units[(n * 104729 + turn) % len(tally.units)]
            answer = await _timed(
                tally, kind, http.post("/graphql", json={"query": CODE, "variables": {"id": unit}})
            )
            if answer is None or answer.status_code != 200 or "errors" in answer.json():
                tally.errors[kind] += answer is not None


async def _floor(http: httpx.AsyncClient, tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        answer = await _timed(tally, "healthz", http.get("/healthz"))
        if answer is None or answer.status_code != 200:
            tally.errors["healthz"] += answer is not None


async def _drive(base: str, key: str, run: str, args: argparse.Namespace) -> tuple[Tally, Tally]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=args.clients)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=120, limits=limits
    ) as http:
        # units captured before the load, for the scans and queries to ask about
        tally = Tally()
        for batch in range(SEED_DOCUMENTS):
            document, units = _document(run, batch, args.events)
            seeded = await http.post("/capture", json=document)
            tally.jobs.append(seeded.json()["captureID"])
            tally.captured_events += args.events
            tally.units.extend(units)
        await _wait(http, tally.jobs)
        until = time.monotonic() + args.seconds
        await asyncio.gather(
            *(_client(http, tally, run, n, until, args.events) for n in range(args.clients))
        )
        tally.seconds = args.seconds
        tally.errors["capture"] += await _wait(http, tally.jobs)
        floor = Tally()
        until = time.monotonic() + min(args.seconds, 30)
        await asyncio.gather(*(_floor(http, floor, until) for _ in range(args.clients)))
        floor.seconds = min(args.seconds, 30)
        return tally, floor


async def _wait(http: httpx.AsyncClient, jobs: list[str]) -> int:
    """Wait for every capture job; the number that did not succeed."""
    failed = 0
    for job in jobs:
        while True:
            answer = await http.get(f"/capture/{job}")
            if answer.status_code == 200 and not answer.json()["running"]:
                failed += not answer.json()["success"]
                break
            await asyncio.sleep(0.2)
    return failed


def _report(name: str, samples: list[float], seconds: float, errors: int) -> float:
    if not samples:
        print(f"{name:11s}: none, errors {errors}")
        return 0.0
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(samples) / seconds
    print(f"{name:11s}: {len(samples):6d} in {seconds:.0f} s = {rate:7.1f}/s, "
          f"p50 {statistics.median(ordered) * 1000:7.1f} ms, p99 {p99 * 1000:7.1f} ms, "
          f"errors {errors}")  # fmt: skip
    return rate


def _serve(settings: DatabaseSettings) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "YIMA_NEO4J_URI": settings.uri, "YIMA_NEO4J_DATABASE": settings.database}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("the API did not start")


def _counts(db: Database, run: str) -> tuple[int, int]:
    prefix = f"urn:epc:id:sgtin:6901234.012345.{run}b"
    events = db.read("MATCH (c:Code) WHERE c.id STARTS WITH $p RETURN count(c) AS n", p=prefix)[0][
        "n"
    ]
    scans = db.read(
        "MATCH (s:Scan) WHERE s.clientScanId STARTS WITH $p RETURN count(s) AS n", p=run + "-"
    )[0]["n"]
    return int(events), int(scans)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--events", type=int, default=20, help="events a capture document")
    args = parser.parse_args(argv)

    settings = DatabaseSettings.from_env()
    db = Database.open(settings)
    apply_schema(db)
    run = "ld" + uuid.uuid4().hex[:8]
    keys = KeyService(db)
    issued = keys.create(f"bench-load-{run}", Role.ADMIN)
    process, base = _serve(settings)
    try:
        tally, floor = asyncio.run(_drive(base, issued.secret, run, args))
    finally:
        process.terminate()
        process.wait(timeout=120)
        keys.revoke(issued.key.name)
    print(f"load       : {args.clients} clients for {args.seconds:.0f} s, "
          f"{args.events} events a capture document, run {run}")  # fmt: skip
    total_errors = 0
    rates = {}
    for kind in ("capture", "scan", "provenance"):
        total_errors += tally.errors[kind]
        rates[kind] = _report(kind, tally.latencies[kind], args.seconds, tally.errors[kind])
    reference = _report(
        "healthz", floor.latencies["healthz"], floor.seconds, floor.errors["healthz"]
    )
    all_ops = sum(len(tally.latencies[k]) for k in ("capture", "scan", "provenance"))
    print(f"throughput : {all_ops / args.seconds:.1f} operations/s, "
          f"{(all_ops / args.seconds) / reference if reference else 0:.3f} of the /healthz "
          f"floor measured in the same run ({reference:.1f}/s)")  # fmt: skip
    events, scans = _counts(db, run)
    db.close()
    ok = events == tally.captured_events and scans == tally.scans
    verdict = "equal" if ok else "DIFFERENT"
    print(f"graph      : {events} units captured of {tally.captured_events} acknowledged, "
          f"{scans} scans of {tally.scans} acknowledged: {verdict}")  # fmt: skip
    print(f"errors     : {total_errors} (target 0)")
    return 0 if ok and total_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
