"""Referral rings in Neo4j: what ring detection reads of consumers, and the rings it found.

Graph written here::

    (:ReferralRing {id, score, scope, campaign, size, reasonKinds, reasonDetails, foundAt})
    (:ReferralRing)-[:INCLUDES]->(:Consumer)
    (:ReferralRing)-[:EVIDENCE]->(:Device | :Phone | :PayoutAccount)    the shared attributes
    (:ReferralRing)-[:IN]->(:Campaign)                                   when found in one

A detection run replaces the rings of its scope (one campaign, or ``*`` for every campaign):
rings found again keep their id (it is derived from the scope and the members), rings not
found again are deleted, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, LiteralString

import neo4j

from graph_model.database import Database, Transaction
from graph_model.errors import NotFound
from graph_model.referral import ConsumerFacts, RingReason, StoredRing

__all__ = ["ALL_CAMPAIGNS", "ReferralRingRepository", "RingPage", "ring_from_record"]

#: The scope of a detection over every campaign.
ALL_CAMPAIGNS: Final = "*"
_READ_BATCH: Final = 5_000

_FACTS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (c:Consumer {id: id}) USING INDEX SEEK c:Consumer(id)
RETURN c.id AS id, c.createdAt.epochMillis AS createdAt,
       [(c)-[:USES]->(i) WHERE i:Device OR i:Phone OR i:PayoutAccount
        | [CASE WHEN i:Device THEN 'Device' WHEN i:Phone THEN 'Phone' ELSE 'PayoutAccount' END,
           coalesce(i.id, i.number)]] AS uses,
       [(s:Scan)-[:BY]->(c) | [s.at.epochMillis, s.lat, s.lon, s.device]] AS scans
"""

_CLEAR: Final[LiteralString] = """
MATCH (g:ReferralRing {scope: $scope})
WHERE NOT g.id IN $keep
DETACH DELETE g
"""

_WRITE: Final[LiteralString] = """
UNWIND $rings AS ring
MERGE (g:ReferralRing {id: ring.id})
SET g.score = ring.score, g.scope = $scope, g.campaign = $campaign, g.size = size(ring.members),
    g.reasonKinds = ring.kinds, g.reasonDetails = ring.details, g.evidence = ring.evidence,
    g.foundAt = datetime.realtime()
WITH g, ring
CALL (g) {
  MATCH (g)-[x:INCLUDES|EVIDENCE|IN]->()
  DELETE x
}
CALL (g, ring) {
  UNWIND ring.members AS member
  MATCH (c:Consumer {id: member}) USING INDEX SEEK c:Consumer(id)
  MERGE (g)-[:INCLUDES]->(c)
}
CALL (g, ring) {
  UNWIND ring.devices AS key
  MATCH (d:Device {id: key}) USING INDEX SEEK d:Device(id)
  MERGE (g)-[:EVIDENCE]->(d)
}
CALL (g, ring) {
  UNWIND ring.phones AS key
  MATCH (p:Phone {number: key}) USING INDEX SEEK p:Phone(number)
  MERGE (g)-[:EVIDENCE]->(p)
}
CALL (g, ring) {
  UNWIND ring.payouts AS key
  MATCH (p:PayoutAccount {id: key}) USING INDEX SEEK p:PayoutAccount(id)
  MERGE (g)-[:EVIDENCE]->(p)
}
CALL (g) {
  MATCH (k:Campaign {id: $campaign})
  MERGE (g)-[:IN]->(k)
}
"""

_RING_FIELDS: Final[LiteralString] = """
RETURN g {.id, .score, .campaign, .reasonKinds, .reasonDetails, .evidence, .foundAt,
          members: COLLECT { MATCH (g)-[:INCLUDES]->(c:Consumer) RETURN c.id ORDER BY c.id }
         } AS ring
"""

_FILTER: Final[LiteralString] = (
    "g.score >= $minScore AND ($campaign IS NULL OR g.campaign = $campaign "
    "OR ($campaign = '*' AND g.campaign IS NULL))"
)

_PAGE: Final[LiteralString] = (
    """
MATCH (g:ReferralRing)
WHERE """
    + _FILTER
    + """
  AND ($afterId IS NULL OR g.score < $afterScore
       OR (g.score = $afterScore AND g.id > $afterId))
WITH g ORDER BY g.score DESC, g.id LIMIT $limit
"""
    + _RING_FIELDS
)

_COUNT: Final[LiteralString] = (
    """
MATCH (g:ReferralRing)
WHERE """
    + _FILTER
    + """
RETURN count(g) AS total
"""
)

_GET: Final[LiteralString] = "MATCH (g:ReferralRing {id: $id})" + _RING_FIELDS


def ring_from_record(record: neo4j.Record) -> StoredRing:
    """The :class:`StoredRing` of a ``ring`` map."""
    m = record["ring"]
    found = m.get("foundAt")
    return StoredRing(
        id=m["id"],
        score=float(m["score"]),
        campaign=m["campaign"],
        members=tuple(m["members"]),
        reasons=tuple(
            RingReason(kind, detail)
            for kind, detail in zip(m["reasonKinds"] or (), m["reasonDetails"] or (), strict=True)
        ),
        evidence=tuple(m["evidence"] or ()),
        found_at=None if found is None else found.to_native(),
    )


def _millis(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def _ring_row(ring: StoredRing) -> dict[str, Any]:
    by_kind: dict[str, list[str]] = {"device": [], "phone": [], "payout": []}
    for attribute in ring.evidence:
        kind, _, key = attribute.partition(":")
        if kind in by_kind:
            by_kind[kind].append(key)
    return {
        "id": ring.id,
        "score": ring.score,
        "members": list(ring.members),
        "kinds": [r.kind for r in ring.reasons],
        "details": [r.detail for r in ring.reasons],
        "evidence": list(ring.evidence),
        "devices": by_kind["device"],
        "phones": by_kind["phone"],
        "payouts": by_kind["payout"],
    }


@dataclass(frozen=True, slots=True)
class RingPage:
    rings: tuple[StoredRing, ...]
    total: int
    has_next: bool


class ReferralRingRepository:
    """Reads consumers for ring detection; writes and pages the rings found."""

    def __init__(self, db: Database, batch_size: int = _READ_BATCH) -> None:
        self._db = db
        self._batch = batch_size

    def facts(self, consumer_ids: Iterable[str]) -> list[ConsumerFacts]:
        """What the graph knows of each of ``consumer_ids`` (ids it lacks are left out)."""
        ids = sorted(set(consumer_ids))
        facts: list[ConsumerFacts] = []
        for i in range(0, len(ids), self._batch):
            for r in self._db.read(_FACTS, ids=ids[i : i + self._batch]):
                uses: dict[str, set[str]] = {
                    "Device": set(),
                    "Phone": set(),
                    "PayoutAccount": set(),
                }
                for label, key in r["uses"]:
                    uses.setdefault(label, set()).add(key)
                scans = []
                for at, lat, lon, device in r["scans"]:
                    if device is not None:  # a device scanned with is a device used
                        uses["Device"].add(device)
                    if at is not None:
                        scans.append((datetime.fromtimestamp(at / 1000, UTC), lat, lon))
                facts.append(
                    ConsumerFacts(
                        id=r["id"],
                        created_at=_millis(r["createdAt"]),
                        devices=tuple(sorted(uses["Device"])),
                        phones=tuple(sorted(uses["Phone"])),
                        payouts=tuple(sorted(uses["PayoutAccount"])),
                        scans=tuple(scans),
                    )
                )
        return facts

    def replace(
        self, campaign: str | None, rings: Sequence[StoredRing], tx: Transaction | None = None
    ) -> None:
        """Make ``rings`` the rings of the scope ``campaign`` (``None``: every campaign)."""
        scope = ALL_CAMPAIGNS if campaign is None else campaign
        rows = [_ring_row(r) for r in rings]

        def work(t: Transaction) -> None:
            t.run(_CLEAR, scope=scope, keep=[r.id for r in rings]).consume()
            for i in range(0, len(rows), 1_000):
                t.run(_WRITE, rings=rows[i : i + 1_000], scope=scope, campaign=campaign).consume()

        if tx is not None:
            work(tx)
        else:
            self._db.write(work)

    def page(
        self,
        *,
        min_score: float,
        campaign: str | None,
        first: int,
        after: tuple[float, str] | None,
    ) -> RingPage:
        """Rings scoring at least ``min_score`` (of ``campaign`` when given; ``*``: those
        found over every campaign), strongest first, ``first`` after the ring ``after``
        (its score and id)."""
        params: dict[str, Any] = {"minScore": min_score, "campaign": campaign}
        records = self._db.read(
            _PAGE,
            **params,
            afterScore=None if after is None else after[0],
            afterId=None if after is None else after[1],
            limit=first + 1,
        )
        total = int(self._db.read(_COUNT, **params)[0]["total"])
        rings = tuple(ring_from_record(r) for r in records[:first])
        return RingPage(rings, total, len(records) > first)

    def get(self, ring_id: str) -> StoredRing:
        """The ring ``ring_id``; :class:`NotFound` when there is none."""
        records = self._db.read(_GET, id=ring_id)
        if not records:
            raise NotFound(f"referral ring {ring_id!r} does not exist")
        return ring_from_record(records[0])

    def members_of(self, campaign: str | None) -> set[str]:
        """Every consumer in a ring of the scope ``campaign`` (``None``: every campaign)."""
        records = self._db.read(
            "MATCH (g:ReferralRing {scope: $scope})-[:INCLUDES]->(c:Consumer) "
            "RETURN DISTINCT c.id AS id",
            scope=ALL_CAMPAIGNS if campaign is None else campaign,
        )
        return {str(r["id"]) for r in records}
