"""The relational design a team would build instead of yima: the same-run reference.

EPCIS events in PostgreSQL (Debian's packages; ``initdb`` and ``pg_ctl`` are found under
``/usr/lib/postgresql/*/bin``), started and stopped here in a folder of its own
(``var/relational-peer``), with default settings:

- ``event``: one row per event (its fields, the owning parties and despatch advice of its
  source and destination lists, its JSON);
- ``event_epc``: one row per EPC an event lists (the parent of an aggregation included);
- ``containment``: a child's time in a parent, ``[since, until)``, materialised at ingest from
  aggregation events (an ADD opens an interval, a DELETE closes the open ones).

The loader copies each document's rows with ``COPY`` (psycopg 3) and closes the intervals a
document's DELETEs end with one ``UPDATE``, one transaction per document. Provenance is one
statement: a recursive CTE walks up the containment intervals from the unit (each level's
interval narrowed by the one below), then the events concerning the unit or a container
during its time in it, and the custody read from the shipping and receiving events among
them, grouped by despatch advice. ``check_custody`` holds the peer's custody answers to the
world's truth (the routes goods take, from the unit's plant on).

Used by ``bench/provenance.py --peer`` and ``bench/ingest.py --peer``; on its own it loads a
standards-only demo world and prints the load rate and provenance latency::

    .venv/bin/python bench/relational_peer.py --units 20000
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

from bench.ingest import fresh_server
from graph_model.database import Database
from graph_model.keys import Role
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from loaders.demo import FlowPolicy, ScanPolicy, World, build_world, simulate
from runtime.neo4j_server import PROJECT_ROOT
from services.keys import KeyService

__all__ = [
    "PeerServer",
    "RelationalPeer",
    "SideBySide",
    "add_arguments",
    "check_custody",
    "side_by_side",
    "standards_documents",
    "start_api",
]

SCHEMA = """
CREATE TABLE event (
  id text PRIMARY KEY, type text NOT NULL, action text, event_time timestamptz NOT NULL,
  biz_step text, disposition text, read_point text, biz_location text, parent_id text,
  source_owner text, destination_owner text, desadv text, doc text NOT NULL
);
CREATE TABLE event_epc (event_id text NOT NULL, epc text NOT NULL);
CREATE INDEX event_epc_epc ON event_epc (epc, event_id);
CREATE TABLE containment (
  child text NOT NULL, parent text NOT NULL, since timestamptz NOT NULL, until timestamptz,
  add_event text NOT NULL, delete_event text
);
CREATE INDEX containment_child ON containment (child, since);
CREATE INDEX containment_open ON containment (parent) WHERE until IS NULL;
"""

CLOSE_INTERVALS = """
UPDATE containment c SET until = d.t, delete_event = d.id
FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::text[]) AS d(parent, child, t, id)
WHERE c.parent = d.parent AND c.until IS NULL AND c.since <= d.t
  AND (d.child IS NULL OR c.child = d.child)
"""

PROVENANCE = """
WITH RECURSIVE chain(epc, since, until, depth) AS (
  SELECT %(epc)s::text, '-infinity'::timestamptz, 'infinity'::timestamptz, 0
  UNION ALL
  SELECT c.parent, greatest(ch.since, c.since), least(ch.until, coalesce(c.until, 'infinity')),
         ch.depth + 1
  FROM chain ch JOIN containment c ON c.child = ch.epc
  WHERE ch.depth < 4 AND c.since <= ch.until AND coalesce(c.until, 'infinity') >= ch.since
),
ev AS (
  SELECT DISTINCT ON (e.id) e.*, ch.epc AS via
  FROM chain ch
  JOIN event_epc x ON x.epc = ch.epc
  JOIN event e ON e.id = x.event_id
  WHERE e.event_time >= ch.since AND e.event_time <= ch.until
  ORDER BY e.id, ch.depth
)
SELECT
  (SELECT json_agg(json_build_object('id', epc, 'since', since, 'until', until,
                                     'level', depth) ORDER BY depth, since)
   FROM chain WHERE depth > 0) AS containers,
  (SELECT json_agg(json_build_object('id', id, 'type', type, 'action', action,
                                     'eventTime', event_time, 'bizStep', biz_step,
                                     'disposition', disposition, 'readPoint', read_point,
                                     'bizLocation', biz_location, 'via', via)
                   ORDER BY event_time, id)
   FROM ev) AS events,
  (SELECT json_agg(json_build_object('shipment', shipment, 'from', source, 'to', destination,
                                     'shippedAt', shipped, 'receivedAt', received)
                   ORDER BY coalesce(shipped, received))
   FROM (SELECT coalesce(desadv, id) AS shipment, min(source_owner) AS source,
                min(destination_owner) AS destination,
                min(event_time) FILTER (WHERE biz_step = 'shipping') AS shipped,
                max(event_time) FILTER (WHERE biz_step = 'receiving') AS received
         FROM ev WHERE biz_step IN ('shipping', 'receiving')
         GROUP BY 1) s) AS custody
"""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        raise SystemExit(
            "PostgreSQL is not installed: scripts/setup installs Debian's `postgresql`"
        )
    return Path(found[-1]).parent


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PeerServer:
    """A PostgreSQL server of the benchmark's own, under ``home`` (wiped at start).

    PostgreSQL refuses to run as root; run as root, the server runs as the ``postgres`` user
    that Debian's package creates.
    """

    def __init__(self, home: Path, port: int = 27432) -> None:
        self.home = home
        self.port = port
        self.bin = _bin_dir()
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def data(self) -> Path:
        return self.home / "data"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> PeerServer:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        if self._as:
            shutil.chown(self.home, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "yima",
                  "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k {self.home} -c listen_addresses=''"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.home / "server.log"), "-w", "start")  # fmt: skip
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(self.home), port=self.port, user="yima", dbname="postgres", autocommit=True
        )


def _party(items: Sequence[dict[str, str]] | None, key: str) -> str | None:
    for item in items or ():
        if item.get("type", "").endswith("owning_party"):
            return item.get(key)
    return None


def _desadv(event: dict[str, Any]) -> str | None:
    for item in event.get("bizTransactionList") or ():
        if item.get("type", "").endswith("desadv"):
            value: str = item["bizTransaction"]
            return value
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


@dataclass
class PeerFacts:
    containers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    custody: list[dict[str, Any]]


class RelationalPeer:
    """The peer's schema, loader and provenance on one connection."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def create_schema(self) -> None:
        self.connection.execute(SCHEMA)

    def load(self, document: dict[str, Any]) -> int:
        """One EPCIS document in one transaction; returns the events written."""
        events = document["epcisBody"]["eventList"]
        rows: list[tuple[Any, ...]] = []
        epcs: list[tuple[str, str]] = []
        packs: list[tuple[str, str, str, str]] = []
        closes: tuple[list[str], list[str | None], list[str], list[str]] = ([], [], [], [])
        for e in events:
            eid = e["eventID"]
            kind = e["type"]
            parent = e.get("parentID")
            rows.append((
                eid, kind, e.get("action"), e["eventTime"], e.get("bizStep"),
                e.get("disposition"), _id(e.get("readPoint")), _id(e.get("bizLocation")),
                parent, _party(e.get("sourceList"), "source"),
                _party(e.get("destinationList"), "destination"), _desadv(e), json.dumps(e),
            ))  # fmt: skip
            listed = list(e.get("epcList") or ()) + list(e.get("childEPCs") or ())
            listed += list(e.get("inputEPCList") or ()) + list(e.get("outputEPCList") or ())
            if parent:
                listed.append(parent)
            epcs.extend((eid, epc) for epc in listed)
            if kind == "AggregationEvent" and parent:
                children = e.get("childEPCs") or ()
                if e.get("action") == "ADD":
                    packs.extend((c, parent, e["eventTime"], eid) for c in children)
                elif e.get("action") == "DELETE":
                    for child in children or (None,):
                        closes[0].append(parent)
                        closes[1].append(child)
                        closes[2].append(e["eventTime"])
                        closes[3].append(eid)
        with self.connection.transaction(), self.connection.cursor() as cur:
            with cur.copy(
                "COPY event (id, type, action, event_time, biz_step, disposition, read_point, "
                "biz_location, parent_id, source_owner, destination_owner, desadv, doc) "
                "FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            with cur.copy("COPY event_epc (event_id, epc) FROM STDIN") as copy:
                for pair in epcs:
                    copy.write_row(pair)
            if packs:
                with cur.copy(
                    "COPY containment (child, parent, since, add_event) FROM STDIN"
                ) as copy:
                    for pack in packs:
                        copy.write_row(pack)
            if closes[0]:
                cur.execute(CLOSE_INTERVALS, closes)
        return len(events)

    def analyze(self) -> None:
        self.connection.execute("ANALYZE")

    def provenance(self, epc: str) -> PeerFacts:
        row = self.connection.execute(PROVENANCE, {"epc": epc}).fetchone()
        if row is None:
            return PeerFacts([], [], [])
        return PeerFacts(row[0] or [], row[1] or [], row[2] or [])


def standards_documents(world: World, seed: int, per_document: int) -> Iterator[dict[str, Any]]:
    """The world's history with standard EPCIS events only (no yima scan events)."""
    return simulate(
        world,
        seed,
        events_per_document=per_document,
        policy=FlowPolicy(store_scan_share=0.0),
        scan_policy=ScanPolicy(scanned_share=0.0),
    )


def check_custody(world: World, units: Iterable[str], peer: RelationalPeer) -> int:
    """The peer's custody of each unit against the world's truth: every step a route of the
    world, each step leaving where the one before arrived, the first from the unit's plant.
    Returns the steps checked; raises on the first disagreement."""
    routes = {(r.supplier_id, r.customer_id) for r in world.routes}
    checked = 0
    for unit in units:
        facts = peer.provenance(unit)
        made = next(
            (e["bizLocation"] for e in facts.events if e["bizStep"] == "commissioning"), None
        )
        if made is None:
            raise AssertionError(f"{unit}: the peer has no commissioning event")
        at = made
        for step in facts.custody:
            if (step["from"], step["to"]) not in routes:
                raise AssertionError(f"{unit}: {step['from']} -> {step['to']} is no route")
            if step["from"] != at:
                raise AssertionError(f"{unit}: left {step['from']} but was at {at}")
            at = step["to"]
            checked += 1
    return checked


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def sample_units(peer: RelationalPeer, n: int) -> list[str]:
    """Units that travelled: members of cases that were shipped, spread over the world."""
    rows = peer.connection.execute(
        """
        SELECT c.child FROM containment c
        WHERE c.child LIKE 'urn:epc:id:sgtin:%%'
        ORDER BY hashtext(c.child) LIMIT %s
        """,
        (n,),
    ).fetchall()
    return [r[0] for r in rows]


@dataclass
class SideBySide:
    """Both systems loaded with the same documents, up and ready to be asked."""

    world: World
    peer: RelationalPeer
    db: Database
    api: str
    """Base URL of yima's API (its own process)."""
    headers: dict[str, str]
    """An operator's key for it."""


def start_api(uri: str) -> tuple[subprocess.Popen[bytes], str]:
    """yima's API on ``uri`` in its own process, as in production (a server thread here would
    share the client's interpreter lock); returns it and its base URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        # the benchmark measures capture and provenance, not keys: the API runs with auth off
        cwd=PROJECT_ROOT, env={**os.environ, "YIMA_NEO4J_URI": uri, "YIMA_AUTH": "off"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            raise SystemExit("the API did not start")
        time.sleep(0.2)


def _post_capture(http: httpx.Client, document: dict[str, Any]) -> dict[str, Any]:
    """``POST /capture``, then ``GET /capture/{id}`` until the job is done."""
    answer = http.post("/capture", json=document)
    answer.raise_for_status()
    report: dict[str, Any] = answer.json()
    while report["running"] or report["status"] in ("queued", "running"):
        time.sleep(0.002)
        report = http.get(f"/capture/{report['captureID']}").json()
    if not report["success"]:
        raise RuntimeError(f"capture failed: {report['errors']}")
    return report


@contextlib.contextmanager
def side_by_side(args: argparse.Namespace) -> Iterator[SideBySide]:
    """A fresh Neo4j with yima's API and a fresh PostgreSQL peer, the standards-only world of
    ``args.units`` captured into both document by document in turn (yima through
    ``POST /capture``, the peer by its loader); prints both load rates and their ratio."""
    world = build_world(args.units, args.seed)
    neo4j_server = fresh_server(args.neo4j_home, args.bolt_port, args.bolt_port + 1, args.heap)
    peer_server = PeerServer(args.home, args.pg_port).start()
    api: subprocess.Popen[bytes] | None = None
    try:
        db = Database.open(DatabaseSettings(uri=neo4j_server.settings.bolt_uri))
        apply_schema(db)
        MasterDataRepository(db).save(world.master, atomic=False)
        key = KeyService(db).create("bench-peer", Role.OPERATOR).secret
        headers = {"Authorization": f"Bearer {key}"}
        api, base = start_api(neo4j_server.settings.bolt_uri)
        with (
            peer_server.connect() as connection,
            httpx.Client(base_url=base, timeout=600, headers=headers) as http,
        ):
            peer = RelationalPeer(connection)
            peer.create_schema()
            yima_s = peer_s = 0.0
            slow: list[tuple[float, int]] = []
            documents = events = 0
            for number, document in enumerate(
                standards_documents(world, args.seed, args.per_document)
            ):
                started = time.perf_counter()
                _post_capture(http, document)
                took = time.perf_counter() - started
                yima_s += took
                slow.append((took, number))
                started = time.perf_counter()
                events += peer.load(document)
                peer_s += time.perf_counter() - started
                documents += 1
            started = time.perf_counter()
            peer.analyze()
            peer_s += time.perf_counter() - started
            slow.sort(reverse=True)
            yima_rate, peer_rate = args.units / yima_s, args.units / peer_s
            print(f"world: {args.units:,} units, {events:,} standard events in {documents} "
                  f"documents of up to {args.per_document}")  # fmt: skip
            print(f"capture, yima POST /capture : {yima_s:8.1f} s {yima_rate:9,.0f} units/s; "
                  "slowest documents "
                  + ", ".join(f"#{n} {t:.2f} s" for t, n in slow[:3]))  # fmt: skip
            print(f"capture, PostgreSQL COPY    : {peer_s:8.1f} s {peer_rate:9,.0f} units/s")
            print(f"capture rate yima / peer    : {yima_rate / peer_rate:8.2f}  (target >= 1)")
            yield SideBySide(world, peer, db, base, headers)
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        peer_server.stop()
        neo4j_server.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a side-by-side run (``bench/ingest.py --peer``, ``bench/provenance.py
    --peer``)."""
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-document", type=int, default=200)
    parser.add_argument("--n", type=int, default=500, help="units traced")
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "relational-peer")
    parser.add_argument("--neo4j-home", type=Path,
                        default=PROJECT_ROOT / "var" / "neo4j-bench-peer")  # fmt: skip
    parser.add_argument("--bolt-port", type=int, default=27787)
    parser.add_argument("--pg-port", type=int, default=27432)
    parser.add_argument("--heap", default="1g")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    world = build_world(args.units, args.seed)
    documents = list(standards_documents(world, args.seed, args.per_document))
    server = PeerServer(args.home, args.pg_port).start()
    try:
        with server.connect() as connection:
            peer = RelationalPeer(connection)
            peer.create_schema()
            started = time.perf_counter()
            events = sum(peer.load(d) for d in documents)
            peer.analyze()
            took = time.perf_counter() - started
            print(f"peer load: {events:,} events in {len(documents)} documents, {took:.1f} s, "
                  f"{args.units / took:,.0f} units/s")  # fmt: skip
            units = sample_units(peer, args.n)
            print(f"custody checked against the world: {check_custody(world, units, peer):,} "
                  f"steps of {len(units)} units")  # fmt: skip
            samples = []
            for unit in units:
                t = time.perf_counter()
                peer.provenance(unit)
                samples.append((time.perf_counter() - t) * 1000)
            p50, p99 = percentiles(samples)
            print(f"peer provenance: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
