"""Referrals in Neo4j: recording them one at a time or in bulk, reading a campaign's or a
cascade's referrals, and writing spread figures back onto the roots.

Graph written here::

    (:Consumer)-[:REFERRED {at, campaign}]->(:Consumer)
    (:RefusedReferral {id, reason, at, campaign, recordedAt})-[:FROM]->(:Consumer)
    (:RefusedReferral)-[:TO]->(:Consumer)
    (:Campaign {id})                      one per campaign a referral names
    (:Consumer {spreadSize, reach, virality, spreadCampaign})   on the roots of cascades

A campaign's referrals must stay a forest (each consumer referred at most once, no
self-referral, no cycle). Every write that decides this first takes the write lock of the
campaign's ``(:Campaign)`` node and only then reads, so two transactions recording referrals
of one campaign run one after the other and never both see a consumer as not yet referred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, LiteralString, TypeVar

import neo4j

from graph_model.database import Database, Transaction
from graph_model.referral import RecordedReferral, Referral, RefusalReason, referral_key

__all__ = ["BulkRecorded", "ReferralEdge", "ReferralRepository", "RootSpread"]

T = TypeVar("T")
DEFAULT_BATCH: Final = 5_000

ReferralEdge = tuple[str, str, datetime]
"""``(referrer, referee, at)`` as the spread and ring algorithms read them."""

_LOCK: Final[LiteralString] = """
UNWIND $campaigns AS campaign
MERGE (k:Campaign {id: campaign})
SET k.referralLock = true
REMOVE k.referralLock
"""

_STATE: Final[LiteralString] = """
MERGE (a:Consumer {id: $referrer})
MERGE (b:Consumer {id: $referee})
WITH a, b
OPTIONAL MATCH (x:Consumer)-[r:REFERRED {campaign: $campaign}]->(b)
RETURN x.id AS referredBy,
       EXISTS {
         MATCH (b) (()-[e:REFERRED WHERE e.campaign = $campaign]->())+ (a)
       } AS cycle
"""

# Consumers first, then the referrals between them found by a pinned index seek: planned on
# a new database, a lookup may otherwise become a scan of every Consumer for every row.
_CONSUMERS: Final[LiteralString] = """
UNWIND $rows AS row
UNWIND [row.referrer, row.referee] AS id
WITH DISTINCT id
MERGE (:Consumer {id: id})
"""

_CREATE: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Consumer {id: row.referrer}) USING INDEX SEEK a:Consumer(id)
MATCH (b:Consumer {id: row.referee}) USING INDEX SEEK b:Consumer(id)
CREATE (a)-[:REFERRED {at: datetime(row.at), campaign: row.campaign}]->(b)
"""

_REFUSE: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (a:Consumer {id: row.referrer})
MERGE (b:Consumer {id: row.referee})
MERGE (e:RefusedReferral {id: row.id})
ON CREATE SET e.recordedAt = datetime.realtime()
SET e.reason = row.reason, e.at = datetime(row.at), e.campaign = row.campaign
MERGE (e)-[:FROM]->(a)
MERGE (e)-[:TO]->(b)
"""

_PARENTS: Final[LiteralString] = """
MATCH (a:Consumer)-[r:REFERRED]->(b:Consumer) USING INDEX r:REFERRED(campaign)
WHERE r.campaign = $campaign
RETURN collect(a.id) AS referrers, collect(b.id) AS referees
"""

# Edges come back as three columns in one record: a campaign of 900,000 referrals read as
# records took 250 s on a loaded 2-core machine, as columns 28 s.
_COLUMNS: Final[LiteralString] = """
RETURN collect(a.id) AS referrers, collect(b.id) AS referees, collect(r.at.epochMillis) AS at
"""

_WINDOW: Final[LiteralString] = "($from IS NULL OR r.at >= $from) AND ($to IS NULL OR r.at < $to)"

_EDGES: Final[LiteralString] = (
    """
MATCH (a:Consumer)-[r:REFERRED]->(b:Consumer) USING INDEX r:REFERRED(campaign)
WHERE r.campaign = $campaign AND """
    + _WINDOW
    + """
"""
    + _COLUMNS
)

_SUBTREE: Final[LiteralString] = (
    """
MATCH (root:Consumer {id: $root})
      (()-[rs:REFERRED WHERE rs.campaign = $campaign
            AND ($from IS NULL OR rs.at >= $from) AND ($to IS NULL OR rs.at < $to)]->())+
      (:Consumer)
USING INDEX root:Consumer(id)
WITH last(rs) AS r
WITH startNode(r) AS a, r, endNode(r) AS b
"""
    + _COLUMNS
)

_WRITE_SPREAD: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Consumer {id: row.id}) USING INDEX SEEK c:Consumer(id)
SET c.spreadSize = row.size, c.reach = row.size - 1, c.virality = row.virality,
    c.spreadCampaign = $campaign
"""

_REFUSED: Final[LiteralString] = """
MATCH (e:RefusedReferral {id: $id})-[:FROM]->(a:Consumer), (e)-[:TO]->(b:Consumer)
RETURN a.id AS referrer, b.id AS referee, e.at AS at, e.campaign AS campaign, e.reason AS reason
"""


def _wire(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _row(referral: Referral, reason: RefusalReason | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "referrer": referral.referrer,
        "referee": referral.referee,
        "at": _wire(referral.at),
        "campaign": referral.campaign,
    }
    if reason is not None:
        row["reason"] = reason.value
        row["id"] = referral_key(referral.referrer, referral.referee, referral.campaign)
    return row


def _run_one(tx: Transaction, query: LiteralString, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _run_pair(
    tx: Transaction, first: LiteralString, second: LiteralString, rows: list[dict[str, Any]]
) -> None:
    tx.run(first, rows=rows).consume()
    tx.run(second, rows=rows).consume()


def _edges(records: list[neo4j.Record]) -> list[ReferralEdge]:
    if not records:
        return []
    r = records[0]
    return [
        (a, b, datetime.fromtimestamp(at / 1000, UTC))
        for a, b, at in zip(r["referrers"], r["referees"], r["at"], strict=True)
    ]


@dataclass(frozen=True, slots=True)
class BulkRecorded:
    """What a bulk load did: referrals recorded, already there, refused (by reason)."""

    recorded: int
    duplicates: int
    refused: dict[RefusalReason, int]

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


@dataclass(frozen=True, slots=True)
class RootSpread:
    """The figures written back onto a cascade's root."""

    root: str
    size: int
    virality: float


class _Forest:
    """A campaign's referrals as parent pointers and union-find trees, to decide referrals in
    bulk: ``a -> b`` closes a cycle exactly when ``b`` has no referrer yet and already sits
    in ``a``'s tree (then ``b`` is the root of that tree, above ``a``)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self._up: dict[str, str] = {}

    def find(self, v: str) -> str:
        up = self._up
        root = v
        while up.get(root, root) != root:
            root = up[root]
        while v != root:
            v, up[v] = up[v], root
        return root

    def add(self, referrer: str, referee: str) -> None:
        self.parent[referee] = referrer
        self._up[self.find(referee)] = self.find(referrer)

    def decide(self, referral: Referral) -> RefusalReason | bool | None:
        """A refusal reason, ``True`` when recorded before, ``None`` when it may be added."""
        if referral.refusal is not None:
            return referral.refusal
        given = self.parent.get(referral.referee)
        if given is not None:
            return True if given == referral.referrer else RefusalReason.ALREADY_REFERRED
        if self.find(referral.referrer) == self.find(referral.referee):
            return RefusalReason.CYCLE
        return None


class ReferralRepository:
    """Reads and writes referrals.

    Parameters
    ----------
    db
        The database handle; the caller owns it.
    batch_size
        Rows per ``UNWIND`` statement.
    """

    def __init__(self, db: Database, batch_size: int = DEFAULT_BATCH) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._db = db
        self._batch = batch_size

    # -- writes ---------------------------------------------------------------------------

    def _write(self, work: Callable[[Transaction], T], tx: Transaction | None) -> T:
        return work(tx) if tx is not None else self._db.write(work)

    def _run(self, tx: Transaction, query: LiteralString, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), self._batch):
            tx.run(query, rows=rows[i : i + self._batch]).consume()

    def record(self, referral: Referral, tx: Transaction | None = None) -> RecordedReferral:
        """Record one referral, or refuse it and keep it as evidence; one transaction."""

        def work(t: Transaction) -> RecordedReferral:
            t.run(_LOCK, campaigns=[referral.campaign]).consume()
            state = t.run(
                _STATE,
                referrer=referral.referrer,
                referee=referral.referee,
                campaign=referral.campaign,
            ).single(strict=True)
            reason = referral.refusal
            if reason is None and state["referredBy"] is not None:
                if state["referredBy"] == referral.referrer:
                    return RecordedReferral(referral, duplicate=True)
                reason = RefusalReason.ALREADY_REFERRED
            if reason is None and state["cycle"]:
                reason = RefusalReason.CYCLE
            if reason is None:
                t.run(_CREATE, rows=[_row(referral)]).consume()  # _STATE merged both
                return RecordedReferral(referral)
            row = _row(referral, reason)
            t.run(_REFUSE, rows=[row]).consume()
            return RecordedReferral(referral, refused=reason, evidence_id=row["id"])

        return self._write(work, tx)

    def record_many(
        self, referrals: Sequence[Referral], tx: Transaction | None = None, *, atomic: bool = True
    ) -> BulkRecorded:
        """Record many referrals, in time order, refusing those that break their campaign's
        forest (kept as evidence like :meth:`record`'s).

        With ``atomic`` (or a ``tx``) everything is one transaction holding the campaigns'
        locks. Without, the referrals are decided against the campaigns as read at the start
        and written ``batch_size`` at a time, each batch its own transaction: for loading a
        campaign's history of a million referrals, which one transaction of a 1 GB server
        heap cannot hold; loading the same rows again records nothing twice.
        """
        ordered = sorted(referrals, key=lambda r: r.at)
        campaigns = sorted({r.campaign for r in ordered})

        def decide(t: Transaction | None) -> tuple[list[dict[str, Any]], ...]:
            forests: dict[str, _Forest] = {}
            for campaign in campaigns:
                forest = forests[campaign] = _Forest()
                record = (
                    t.run(_PARENTS, campaign=campaign).single(strict=True)
                    if t is not None
                    else self._db.read(_PARENTS, campaign=campaign)[0]
                )
                for referrer, referee in zip(record["referrers"], record["referees"], strict=True):
                    forest.add(referrer, referee)
            created: list[dict[str, Any]] = []
            refused: list[dict[str, Any]] = []
            duplicates: list[dict[str, Any]] = []
            for referral in ordered:
                forest = forests[referral.campaign]
                verdict = forest.decide(referral)
                if verdict is None:
                    forest.add(referral.referrer, referral.referee)
                    created.append(_row(referral))
                elif verdict is True:
                    duplicates.append(_row(referral))
                elif isinstance(verdict, RefusalReason):
                    refused.append(_row(referral, verdict))
            return created, refused, duplicates

        def counts(rows: tuple[list[dict[str, Any]], ...]) -> BulkRecorded:
            created, refused, duplicates = rows
            by_reason: dict[RefusalReason, int] = {}
            for row in refused:
                reason = RefusalReason(row["reason"])
                by_reason[reason] = by_reason.get(reason, 0) + 1
            return BulkRecorded(len(created), len(duplicates), by_reason)

        if atomic or tx is not None:

            def work(t: Transaction) -> BulkRecorded:
                t.run(_LOCK, campaigns=campaigns).consume()
                rows = decide(t)
                self._run(t, _CONSUMERS, rows[0])
                self._run(t, _CREATE, rows[0])
                self._run(t, _REFUSE, rows[1])
                return counts(rows)

            return self._write(work, tx)
        self._db.write(_run_one, _LOCK, {"campaigns": campaigns})
        rows = decide(None)
        for i in range(0, len(rows[0]), self._batch):
            self._db.write(_run_pair, _CONSUMERS, _CREATE, rows[0][i : i + self._batch])
        for i in range(0, len(rows[1]), self._batch):
            self._db.write(_run_one, _REFUSE, {"rows": rows[1][i : i + self._batch]})
        return counts(rows)

    def write_spread(
        self, campaign: str, roots: Iterable[RootSpread], tx: Transaction | None = None
    ) -> None:
        """Write each root's cascade size, reach and virality onto it (for Bloom)."""
        rows = [{"id": r.root, "size": r.size, "virality": r.virality} for r in roots]

        def work(t: Transaction) -> None:
            for i in range(0, len(rows), self._batch):
                t.run(_WRITE_SPREAD, rows=rows[i : i + self._batch], campaign=campaign).consume()

        self._write(work, tx)

    # -- reads ----------------------------------------------------------------------------

    def edges(
        self, campaign: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[ReferralEdge]:
        """Every referral of ``campaign`` made at ``start <= at < end``."""
        records = self._db.read(_EDGES, campaign=campaign, **{"from": _utc(start), "to": _utc(end)})
        return _edges(records)

    def subtree(
        self,
        root: str,
        campaign: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ReferralEdge]:
        """The referrals of ``campaign`` below ``root``: the cascade ``root`` started, through
        referrals made at ``start <= at < end``."""
        records = self._db.read(
            _SUBTREE, root=root, campaign=campaign, **{"from": _utc(start), "to": _utc(end)}
        )
        return _edges(records)

    def campaigns(self) -> list[str]:
        """Every campaign that has referrals."""
        records = self._db.read("MATCH (k:Campaign) RETURN k.id AS id ORDER BY id")
        return [str(r["id"]) for r in records]

    def referred(self, consumer: str, campaign: str) -> bool:
        """Whether somebody referred ``consumer`` in ``campaign``."""
        records = self._db.read(
            "MATCH (c:Consumer {id: $id})<-[r:REFERRED]-(:Consumer) USING INDEX c:Consumer(id) "
            "WHERE r.campaign = $campaign RETURN count(r) > 0 AS referred",
            id=consumer,
            campaign=campaign,
        )
        return bool(records[0]["referred"])

    def refused(self, evidence_id: str) -> tuple[Referral, RefusalReason] | None:
        """The refused referral kept under ``evidence_id``, with its reason."""
        records = self._db.read(_REFUSED, id=evidence_id)
        if not records:
            return None
        r = records[0]
        referral = Referral(r["referrer"], r["referee"], r["at"].to_native(), r["campaign"])
        return referral, RefusalReason(r["reason"])
