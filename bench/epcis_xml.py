"""Benchmark: reading EPCIS XML documents beside the same events as JSON-LD.

The demo world's documents are rendered as EPCIS 2.0 XML once, before the clock starts; then
the same documents are read both ways, each into validated, hashed and projected events (all
the capture does before the database write, which is the same for both): JSON-LD as a client
sends it (``json.loads`` of the body) and XML (``read_xml_document`` of the body). Both runs
alternate in rounds so load from elsewhere on the shared machine weighs on both alike. The
figure to watch is the ratio of the XML rate to the JSON rate (target: at least 0.8)::

    .venv/bin/python bench/epcis_xml.py --units 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_model.projection import project
from loaders.demo import build_world, simulate
from loaders.epcis.batch import raw_json, read_document
from loaders.epcis.hash import iter_document_event_objects
from loaders.epcis.xml import events_to_xml, read_xml_document


def _capture_cpu(document: dict[str, object]) -> int:
    batch = read_document(document)
    if batch.problems:
        raise SystemExit(f"invalid demo document: {batch.problems[0]}")
    project((e, raw_json(e, batch.context)) for e in batch.events)
    return len(batch.events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    world = build_world(args.units, args.seed)
    documents = list(simulate(world, args.seed))
    as_json = [json.dumps(d).encode() for d in documents]
    as_xml = [
        events_to_xml(list(iter_document_event_objects(d)), d.get("@context")) for d in documents
    ]
    events = sum(len(list(iter_document_event_objects(d))) for d in documents)
    json_mb, xml_mb = sum(map(len, as_json)) / 1e6, sum(map(len, as_xml)) / 1e6
    print(f"demo world: {args.units:,} units, {len(documents):,} documents, {events:,} events; "
          f"JSON {json_mb:.1f} MB, XML {xml_mb:.1f} MB")  # fmt: skip

    best = {"json": float("inf"), "xml": float("inf")}
    for _ in range(args.rounds):
        started = time.process_time()
        read = sum(_capture_cpu(json.loads(body)) for body in as_json)
        best["json"] = min(best["json"], time.process_time() - started)
        started = time.process_time()
        read_xml = sum(_capture_cpu(read_xml_document(body)) for body in as_xml)
        best["xml"] = min(best["xml"], time.process_time() - started)
        if read != read_xml:
            raise SystemExit(f"XML gave {read_xml} events, JSON {read}")
    json_rate, xml_rate = events / best["json"], events / best["xml"]
    print(f"JSON-LD: {json_rate:10,.0f} events/s of CPU (parse, validate, hash, project)")
    print(f"XML    : {xml_rate:10,.0f} events/s of CPU")
    print(f"XML / JSON-LD rate: {xml_rate / json_rate:.2f} (target 0.8)")


if __name__ == "__main__":
    main()
