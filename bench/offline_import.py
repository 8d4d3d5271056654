"""Benchmark: how fast Neo4j's offline importer writes a graph of the capture's shape.

The transactional capture path is bounded by the CPU Neo4j spends per write
(``bench/ingest.py`` prints that floor). The one faster way into Neo4j is its offline
importer (``neo4j-admin database import full``), which builds a new, stopped database from CSV
files. This script measures that route on the same machine: it writes CSV files holding, per
unit, the nodes and relationships ``bench/ingest.py`` found the capture leaves (1.92 and 7.57
by default: the unit itself, events, and links from events to units), runs the importer from
the Maven-assembled server jars into a database of its own, and prints the seconds, the CPU
the importer used and the units per second it implies. Generating the files is outside the
clock; validating, hashing and projecting the events that would feed them is not counted
either, nor are the indexes and constraints, which Neo4j populates after the import, so the
figure is an upper bound for that route.

    .venv/bin/python bench/offline_import.py --units 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.neo4j_server import JVM_OPENS, PROJECT_ROOT, LocalNeo4j, ServerSettings, find_java17

TARGET_UNITS_PER_SECOND = 30_000


def write_files(folder: Path, units: int, nodes_per_unit: float, rels_per_unit: float) -> None:
    """Code nodes, Event nodes (with a JSON text like the stored events') and CONCERNS links."""
    events = max(1, round(units * (nodes_per_unit - 1)))
    rels = round(units * rels_per_unit)
    rng = random.Random(7)
    codes = [
        f"urn:epc:id:sgtin:6917821.010002.{secrets.token_hex(6).upper()}" for _ in range(units)
    ]
    with (folder / "codes.csv").open("w") as f:
        f.write("id:ID(Code),status,gtin,lot,serial\n")
        for i, code in enumerate(codes):
            f.write(f"{code},sold,06917821100021,L{i // 960},{code[-12:]}\n")
    event_ids = [f"urn:uuid:{secrets.token_hex(16)}" for _ in range(events)]
    with (folder / "events.csv").open("w") as f:
        f.write("id:ID(Event),type,bizStep,eventTime:datetime,json\n")
        for i, event in enumerate(event_ids):
            body = '{""type"":""ObjectEvent"",""bizStep"":""shipping"",""n"":' + str(i) + "}"
            f.write(f'{event},ObjectEvent,shipping,2025-03-03T08:00:00Z,"{body}"\n')
    with (folder / "concerns.csv").open("w") as f:
        f.write(":START_ID(Event),:END_ID(Code)\n")
        for i in range(rels):
            f.write(f"{event_ids[i % events]},{codes[rng.randrange(units)]}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--nodes-per-unit", type=float, default=1.92)
    parser.add_argument("--rels-per-unit", type=float, default=7.57)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "neo4j-import-bench")
    args = parser.parse_args()

    server = LocalNeo4j(ServerSettings(home=args.home, bolt_port=37687, http_port=37688))
    server.stop()
    server.assemble()
    shutil.rmtree(args.home / "data", ignore_errors=True)
    server.write_config()
    files = args.home / "import"
    write_files(files, args.units, args.nodes_per_unit, args.rels_per_unit)

    cmd = [
        str(find_java17()), f"-Xmx{args.heap}", *JVM_OPENS, "-cp", f"{server.lib}/*",
        "org.neo4j.cli.AdminTool", "database", "import", "full",
        f"--nodes=Code={files / 'codes.csv'}", f"--nodes=Event={files / 'events.csv'}",
        f"--relationships=CONCERNS={files / 'concerns.csv'}",
        f"--report-file={args.home / 'import.report'}", "--overwrite-destination", "neo4j",
    ]  # fmt: skip
    env = dict(os.environ, NEO4J_HOME=str(args.home), NEO4J_CONF=str(server.conf_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(files, ignore_errors=True)
    if result.returncode != 0:
        sys.exit("the importer failed:\n" + (result.stdout + result.stderr)[-3000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = [line for line in result.stdout.splitlines() if "IMPORT DONE" in line]
    print(f"graph      : {args.units:,} units, {args.nodes_per_unit:.2f} nodes and "
          f"{args.rels_per_unit:.2f} relationships per unit")  # fmt: skip
    print(f"importer   : {seconds:.1f} s ({summary[0].strip() if summary else 'done'}), "
          f"{cpu:.1f} s of CPU = {cpu / args.units * 1e6:.1f} us per unit")  # fmt: skip
    print(f"  = {args.units / seconds:,.0f} units/s with validating, hashing and projecting "
          f"for free; target {TARGET_UNITS_PER_SECOND:,} units/s")  # fmt: skip


if __name__ == "__main__":
    main()
