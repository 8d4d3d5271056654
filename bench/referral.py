"""Referral spread and rings at scale: one campaign of N consumers and 0.9 N referrals.

Loads the campaign through ``ReferralRepository.record_many`` (batched UNWIND), then times

* ``referralSpread`` for the whole campaign and for its largest cascade (the service: read the
  edges, build the forest, measure, write the figures back onto the roots);
* ring detection over the campaign (read the referrals and every member's identities and
  scans, group, score, store);

each beside raw Cypher computing the same cascade sizes in the same run (every root's
cascade size by a variable-length match; the largest cascade's size the same way), and
checks that both give the same sizes. Then it loads the demo generator's planted world
(``--planted`` consumers) and reports ring-member precision and recall against its truth.

By default the benchmark runs its own Neo4j under ``var/neo4j-bench-referral`` (bolt
27697); ``--uri`` points it at another server.

    .venv/bin/python bench/referral.py --consumers 100000
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np

if __package__ in (None, ""):  # run as a script: make yima's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_model.database import Database
from graph_model.master import consumer_urn
from graph_model.referral import Referral
from graph_model.repositories.referrals import ReferralRepository
from graph_model.schema import apply_schema
from graph_model.settings import DatabaseSettings
from loaders.demo.referrals import ReferralPolicy, referral_world
from runtime.neo4j_server import PROJECT_ROOT, LocalNeo4j, ServerSettings
from services.referral import CampaignSpread, CascadeSpread, SpreadRequest, referral_spread
from services.referral_rings import detect_referral_rings
from services.referral_world import load_referral_world

START: Final = datetime(2025, 3, 1, tzinfo=UTC)

_RAW_ALL: Final = """
MATCH (r:Consumer)-[e:REFERRED]->() USING INDEX e:REFERRED(campaign)
WHERE e.campaign = $c AND NOT EXISTS { (:Consumer)-[x:REFERRED {campaign: $c}]->(r) }
WITH DISTINCT r
MATCH (r) (()-[x:REFERRED WHERE x.campaign = $c]->())* (m)
RETURN r.id AS root, count(m) AS size
"""

_RAW_ONE: Final = """
MATCH (:Consumer {id: $root}) (()-[x:REFERRED WHERE x.campaign = $c]->())* (m)
RETURN count(m) AS size
"""


def campaign(consumers: int, share: float, seed: int, name: str) -> list[Referral]:
    """A forest: the first ``(1 - share) N`` consumers start cascades, each later one is
    referred by an earlier one; a third of the choices favour the last joiners (chains),
    the rest are uniform (broad, shallow trees)."""
    rng = np.random.default_rng(seed)
    roots = consumers - int(share * consumers)
    index = np.arange(roots, consumers)
    uniform = np.floor(rng.random(len(index)) * index).astype(np.int64)
    recent = np.maximum(0, index - 1 - rng.geometric(0.05, len(index)))
    parent = np.where(rng.random(len(index)) < 1 / 3, recent, uniform)
    seconds = np.sort(rng.random(len(index))) * 30 * 86_400
    ids = [consumer_urn(f"b{seed}-{i:07d}") for i in range(consumers)]
    return [
        Referral(ids[p], ids[c], START + timedelta(seconds=float(t)), name)
        for p, c, t in zip(parent.tolist(), index.tolist(), seconds.tolist(), strict=True)
    ]


def timed(label: str, work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - started
    print(f"  {label:<46} {seconds:9.2f} s")
    return value, seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.9, help="referrals per consumer")
    parser.add_argument(
        "--planted", type=int, default=8_000, help="planted-world consumers (0: skip)"
    )
    parser.add_argument("--uri", default=None, help="an existing server instead of our own")
    parser.add_argument("--database", default="neo4j")
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "neo4j-bench-referral")
    args = parser.parse_args(argv)

    server = None
    uri = args.uri
    if uri is None:
        server = LocalNeo4j(
            ServerSettings(home=args.home, bolt_port=27697, http_port=27484, heap="2g")
        )
        server.start()
        uri = server.settings.bolt_uri
    db = Database.open(DatabaseSettings(uri=uri, database=args.database))
    try:
        db.verify()
        apply_schema(db)
        run(db, args)
    finally:
        db.close()
        if server is not None:
            server.stop()


def run(db: Database, args: argparse.Namespace) -> None:
    seed = int(uuid.uuid4().int % 100_000)
    name = f"bench-{seed}"
    n = args.consumers
    referrals = campaign(n, args.share, seed, name)
    print(f"campaign {name}: {n:,} consumers, {len(referrals):,} referrals")
    loaded, load_s = timed(
        "load (record_many, batched UNWIND)",
        lambda: ReferralRepository(db).record_many(referrals, atomic=False),
    )
    print(f"    {loaded.recorded:,} recorded, {len(referrals) / load_s:,.0f} referrals/s")

    print("whole campaign")
    spread, ours = timed(
        "referralSpread (read, measure, write back)",
        lambda: referral_spread(db, SpreadRequest(name, top=10)),
    )
    raw, reference = timed(
        "raw Cypher: every root's cascade size", lambda: db.read(_RAW_ALL, c=name)
    )
    assert isinstance(spread, CampaignSpread)
    raw_sizes = sorted(int(r["size"]) for r in raw)
    ours_sizes = sorted(s for s, c in spread.size_counts for _ in range(c) if s > 1)
    assert raw_sizes == ours_sizes, "the raw query and the service disagree on cascade sizes"
    print(
        f"    {spread.cascades:,} cascades, largest {int(spread.sizes.maximum):,}, depth "
        f"{spread.depth}, virality mean {spread.virality.mean:.2f}; service / raw = "
        f"{ours / reference:.2f}"
    )

    root = max(raw, key=lambda r: int(r["size"]))["root"]
    print("largest cascade")
    cascade, ours1 = timed(
        "referralSpread(root)", lambda: referral_spread(db, SpreadRequest(name, root=root))
    )
    raw1, reference1 = timed("raw Cypher: its size", lambda: db.read(_RAW_ONE, c=name, root=root))
    assert isinstance(cascade, CascadeSpread) and cascade.size == int(raw1[0]["size"])
    print(
        f"    size {cascade.size:,}, depth {cascade.depth}, virality {cascade.virality:.2f}; "
        f"service / raw = {ours1 / reference1:.2f}"
    )

    print("ring detection over the campaign")
    rings, ring_s = timed("detect_referral_rings", lambda: detect_referral_rings(db, name))
    print(
        f"    {rings.referrals:,} referrals, {rings.consumers:,} consumers, "
        f"{len(rings.rings)} rings; detection / raw cascade sizes = {ring_s / reference:.2f}"
    )

    if args.planted <= 0:
        return
    print(f"planted world ({args.planted:,} consumers)")
    ns = f"p{seed}"
    ids = [consumer_urn(f"{ns}c{i:06d}") for i in range(args.planted)]
    campaigns = (f"{ns}-spring", f"{ns}-summer")
    world = referral_world(ids, seed=seed, policy=ReferralPolicy(campaigns=campaigns))
    timed("load (master data, referrals, EPCIS scans)", lambda: load_referral_world(db, world))
    flagged: set[str] = set()
    for c in campaigns:
        found, _ = timed(f"detect_referral_rings({c})", lambda c=c: detect_referral_rings(db, c))
        flagged |= {m for ring in found.rings for m in ring.members}
    planted = {m for ring in world.truth["rings"] for m in ring["members"]}
    organic = set(world.truth["organic_members"])
    hit = len(flagged & planted)
    print(
        f"    ring members: precision {hit / max(1, len(flagged)):.3f}, recall "
        f"{hit / len(planted):.3f}, organic members flagged "
        f"{len(flagged & organic) / len(organic):.2%} ({len(world.truth['rings'])} planted farms)"
    )


if __name__ == "__main__":
    main()
