"""Scan-to-win campaigns in Neo4j: definitions, the facts a scan's risk decision reads, and
the one write that settles a scan (decision, award, pool and budget, store credits, points).

Money is stored in whole cents (``budgetCents``, ``spentCents``, ``amountCents``), so the
budget check is exact. A win is one transaction: it first takes the campaign node's write
lock, then checks that the level has a prize left, that the budget covers it and that the
code has no award in the campaign, and only then decrements the pool, adds to the spend and
creates the ``Award`` (whose key ``campaign|code`` is unique), so concurrent scans serialise
on the campaign and can neither overspend nor award a code twice.

Graph written here::

    (:Campaign {id, name, start, end, budgetCents, spentCents, awarded, products, regions,
                storeRewardCents, staffRewardCents, maxBoost})
        -[:OFFERS]->(:PrizeLevel {id, level, rank, quantity, remaining, awarded, amountCents,
                                  probability, points})
    (:RiskDecision {id = scan|campaign, decision, reasons, score, at, features, anomaly,
                    value})-[:ON]->(:Scan),
        -[:IN]->(:Campaign)
    (:Award {id = campaign|code, campaign, code, scan, level, amountCents, points, status, at})
        -[:IN]->(:Campaign), -[:OF]->(:Code), -[:FOR]->(:Scan), -[:TO]->(:Consumer),
        -[:LEVEL]->(:PrizeLevel)
    (:StoreCredit {id, amountCents, status, at, role})-[:TO]->(:Store | :Staff),
        -[:FOR]->(:Award)
    (:PointsEntry {id, delta, balance, reason, at})-[:OF]->(:Consumer), -[:FOR]->(:Award)
    (:Consumer {points})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

from graph_model.campaigns import (
    AwardStatus,
    CampaignSpec,
    RiskDecision,
    ScanOutcome,
    StoredCampaign,
    StoredLevel,
    award_key,
)
from graph_model.database import Database, Transaction
from graph_model.errors import FieldProblem, InvalidField, NotFound

__all__ = ["CampaignRepository", "ScanFacts", "Settlement", "campaign_from_record"]


def cents(amount: float) -> int:
    return round(amount * 100)


_CAMPAIGN_FIELDS: Final[LiteralString] = """
RETURN k.id AS id, k.name AS name, k.start AS start, k.end AS end,
       k.budgetCents AS budget, k.spentCents AS spent, k.awarded AS awarded,
       k.products AS products, k.regions AS regions,
       k.storeRewardCents AS storeReward, k.staffRewardCents AS staffReward,
       k.maxBoost AS maxBoost,
       COLLECT { MATCH (k)-[:OFFERS]->(l:PrizeLevel)
                 RETURN [l.level, l.quantity, l.amountCents, l.probability, l.points,
                         l.remaining] ORDER BY l.rank } AS levels
"""

_ALL: Final[LiteralString] = "MATCH (k:Campaign) WHERE k.budgetCents IS NOT NULL" + _CAMPAIGN_FIELDS
_ONE: Final[LiteralString] = (
    "MATCH (k:Campaign {id: $id}) WHERE k.budgetCents IS NOT NULL" + _CAMPAIGN_FIELDS
)

_LOCK: Final[LiteralString] = """
MERGE (k:Campaign {id: $id})
SET k._lock = true
RETURN k.spentCents AS spent,
       COLLECT { MATCH (k)-[:OFFERS]->(l:PrizeLevel) RETURN [l.level, l.awarded] } AS levels
"""

_SAVE: Final[LiteralString] = """
MATCH (k:Campaign {id: $id})
SET k.name = $name, k.start = datetime($start), k.end = datetime($end),
    k.budgetCents = $budget, k.spentCents = coalesce(k.spentCents, 0),
    k.awarded = coalesce(k.awarded, 0), k.products = $products, k.regions = $regions,
    k.storeRewardCents = $storeReward, k.staffRewardCents = $staffReward,
    k.maxBoost = $maxBoost, k.savedAt = datetime()
REMOVE k._lock
WITH k
CALL (k) {
  MATCH (k)-[:OFFERS]->(old:PrizeLevel) WHERE NOT old.level IN [r IN $levels | r.level]
  DETACH DELETE old
}
UNWIND $levels AS r
MERGE (l:PrizeLevel {id: $id + '|' + r.level})
SET l.level = r.level, l.rank = r.rank, l.quantity = r.quantity,
    l.awarded = coalesce(l.awarded, 0), l.remaining = r.quantity - coalesce(l.awarded, 0),
    l.amountCents = r.amount, l.probability = r.probability, l.points = r.points
MERGE (k)-[:OFFERS]->(l)
"""

_FACTS: Final[LiteralString] = """
OPTIONAL MATCH (c:Code {id: $code})
CALL (c) {
  OPTIONAL MATCH (c)<-[:OF]-(s:Scan {kind: 'consumer'})
  WHERE s.id <> $scan AND s.actor IS NOT NULL AND s.actor <> $actor
  RETURN count(DISTINCT s.actor) AS otherScanners
}
CALL (c) {
  OPTIONAL MATCH (c)-[p:PACKED_IN]->(pkg:Package)
  WITH pkg ORDER BY p.since DESC LIMIT 1
  OPTIONAL MATCH (pkg)<-[:PACKED_IN]-(sib:Code)<-[:OF]-(ss:Scan {kind: 'consumer'})
  WHERE sib <> c AND ss.at >= datetime($sibFrom) AND ss.at <= datetime($sibTo)
        AND ss.lat IS NOT NULL
  RETURN collect(CASE WHEN ss IS NOT NULL THEN [ss.lat, ss.lon] END) AS siblings
}
CALL () {
  OPTIONAL MATCH (:Consumer {id: $actor})<-[:BY]-(p:Scan)
  WHERE p.id <> $scan AND p.at <= datetime($at) AND p.lat IS NOT NULL
  RETURN p ORDER BY p.at DESC LIMIT 1
}
CALL () {
  OPTIONAL MATCH (d:Scan {device: $device})
  WHERE d.id <> $scan AND d.kind = 'consumer' AND d.at <= datetime($at)
  RETURN count(DISTINCT CASE WHEN d.actor <> $actor THEN d.actor END) AS deviceOthers,
         count(CASE WHEN d.at >= datetime($burstFrom) THEN 1 END) AS deviceRecent
}
CALL () {
  OPTIONAL MATCH (ad:Scan {address: $address})
  WHERE ad.id <> $scan AND ad.kind = 'consumer' AND ad.at >= datetime($addressFrom)
        AND ad.at <= datetime($at)
  RETURN count(ad) AS addressRecent
}
CALL () {
  OPTIONAL MATCH (:Consumer {id: $actor})<-[:BY]-(h:Scan {kind: 'consumer'})
  WHERE h.id <> $scan AND h.at <= datetime($at)
  RETURN count(h) AS historyScans, count(DISTINCT date(h.at)) AS historyDays,
         min(h.at).epochSeconds AS historyFirst, max(h.at).epochSeconds AS historyLast
}
RETURN c IS NOT NULL AS known, c.gtin AS gtin, otherScanners, siblings, addressRecent,
       historyScans, historyDays, historyFirst, historyLast,
       CASE WHEN p IS NULL THEN null ELSE [p.lat, p.lon, p.at.epochSeconds] END AS previous,
       deviceOthers, deviceRecent,
       COUNT { MATCH (:Device {id: $device})<-[:USES]-(o:Consumer) WHERE o.id <> $actor }
         AS deviceUsers,
       reduce(m = 0, n IN COLLECT {
           MATCH (:Consumer {id: $actor})-[:USES]->(ph:Phone)<-[:USES]-(o:Consumer)
           WHERE o.id <> $actor
           WITH ph, count(DISTINCT o) AS n RETURN n } | CASE WHEN n > m THEN n ELSE m END)
         AS phoneOthers,
       EXISTS { MATCH (:ReferralRing)-[:INCLUDES]->(:Consumer {id: $actor}) } AS ring,
       [(c)<-[:OF]-(a:Award) | a.campaign] AS awardedIn,
       COLLECT { MATCH (r:Region {code: $region})-[:WITHIN*0..5]->(x:Region)
                 RETURN DISTINCT x.code } AS regions
"""

# Takes the campaign's write lock first (set and removed in the one statement, the lock is
# held to the commit): the decision links to the campaign too, and one lock order keeps
# concurrent scans from deadlocking; the award that may follow runs under the same lock.
_DECIDE: Final[LiteralString] = """
MATCH (k:Campaign {id: $campaign})
SET k._lock = true
REMOVE k._lock
WITH k
MATCH (s:Scan {id: $scan})
MERGE (d:RiskDecision {id: $scan + '|' + $campaign})
ON CREATE SET d.decision = $decision, d.reasons = $reasons, d.score = $score,
              d.at = datetime($at), d.campaign = $campaign, d.scan = $scan,
              d.features = $features, d.anomaly = $anomaly, d.value = $value
MERGE (d)-[:ON]->(s)
MERGE (d)-[:IN]->(k)
"""

_AWARD: Final[LiteralString] = """
MATCH (k:Campaign {id: $campaign})
MATCH (l:PrizeLevel {id: $campaign + '|' + $level})
MATCH (s:Scan {id: $scan})-[:OF]->(c:Code)
WITH k, l, s, c
WHERE l.remaining > 0
  AND k.spentCents + l.amountCents + k.storeRewardCents + k.staffRewardCents <= k.budgetCents
  AND NOT EXISTS { MATCH (:Award {id: $award}) }
SET l.remaining = l.remaining - 1, l.awarded = l.awarded + 1,
    k.spentCents = k.spentCents + l.amountCents, k.awarded = k.awarded + 1
CREATE (a:Award {id: $award, campaign: $campaign, code: c.id, scan: s.id, level: l.level,
                 amountCents: l.amountCents, points: l.points, status: $status,
                 at: datetime($at)})
CREATE (a)-[:IN]->(k), (a)-[:OF]->(c), (a)-[:FOR]->(s), (a)-[:LEVEL]->(l)
MERGE (co:Consumer {id: $actor})
CREATE (a)-[:TO]->(co)
WITH k, a, c
CALL (c) {
  OPTIONAL MATCH (c)-[:PACKED_IN*0..3]->(x)<-[:CARRIES]-(sh:Shipment)-[:TO]->(st:Store)
  RETURN st ORDER BY coalesce(sh.shippedAt, sh.receivedAt) DESC LIMIT 1
}
CALL (c) {
  OPTIONAL MATCH (c)<-[:OF]-(ss:Scan {kind: 'staff'})-[:BY]->(sf:Staff)
  RETURN sf ORDER BY ss.at DESC LIMIT 1
}
CALL (k, a, st, sf) {
  UNWIND [['store', st, k.storeRewardCents], ['staff', sf, k.staffRewardCents]] AS credit
  WITH k, a, credit[0] AS role, credit[1] AS target, credit[2] AS cents
  WHERE target IS NOT NULL AND cents > 0
  CREATE (cr:StoreCredit {id: a.id + '|' + role, role: role, amountCents: cents,
                          status: a.status, at: a.at, campaign: k.id})
  CREATE (cr)-[:TO]->(target), (cr)-[:FOR]->(a)
  SET k.spentCents = k.spentCents + cents
  RETURN collect(target.id) AS credited
}
RETURN a.id AS award, a.level AS level, a.amountCents AS amount, a.points AS points, credited
"""

_LOCK_CONSUMER: Final[LiteralString] = """
MERGE (co:Consumer {id: $actor})
SET co._lock = true
RETURN coalesce(co.points, 0) AS balance
"""

_POINTS: Final[LiteralString] = """
MATCH (co:Consumer {id: $actor})
MATCH (a:Award {id: $award})
SET co.points = coalesce(co.points, 0) + $delta
REMOVE co._lock
CREATE (e:PointsEntry {id: 'award|' + $award, delta: $delta, balance: co.points,
                       reason: 'prize', at: datetime($at)})
CREATE (e)-[:OF]->(co), (e)-[:FOR]->(a)
"""

_OUTCOMES: Final[LiteralString] = """
MATCH (d:RiskDecision)-[:ON]->(s:Scan {id: $scan})
OPTIONAL MATCH (a:Award {id: d.campaign + '|' + $code})-[:FOR]->(s)
RETURN d.campaign AS campaign, d.decision AS decision, d.reasons AS reasons, d.score AS score,
       d.anomaly AS anomaly, d.value AS value, a.id AS award, a.level AS level,
       a.amountCents AS amount, a.points AS points, a.status AS status,
       COLLECT { MATCH (t)<-[:TO]-(:StoreCredit)-[:FOR]->(a) RETURN t.id } AS credited
ORDER BY campaign
"""

_LOCK_AWARD: Final[LiteralString] = """
MATCH (a:Award {id: $award})
SET a._lock = true
RETURN a.status AS before, a.points AS points, [(a)-[:TO]->(co:Consumer) | co.id][0] AS actor
"""

_RELEASE: Final[LiteralString] = """
MATCH (a:Award {id: $award})
SET a.status = 'paid', a.releasedAt = datetime($at)
REMOVE a._lock
WITH a
OPTIONAL MATCH (cr:StoreCredit)-[:FOR]->(a)
SET cr.status = 'paid'
"""


_SPEND: Final[LiteralString] = """
MATCH (co:Consumer {id: $actor})
SET co.points = co.points - $points
REMOVE co._lock
CREATE (e:PointsEntry {id: 'order|' + $order, delta: -$points, balance: co.points,
                       reason: 'order', item: $item, order: $order, at: datetime($at)})
CREATE (e)-[:OF]->(co)
RETURN co.points AS balance
"""

_SPENT: Final[LiteralString] = """
MATCH (e:PointsEntry {id: 'order|' + $order})-[:OF]->(co:Consumer)
RETURN co.id AS actor, -e.delta AS points, e.balance AS balance
"""


@dataclass(frozen=True, slots=True)
class ScanFacts:
    """What the graph holds about a scan's code, consumer, device and place."""

    known: bool
    gtin: str | None
    other_scanners: int
    siblings: tuple[tuple[float, float], ...]
    previous: tuple[float, float, float] | None
    device_accounts: int
    device_recent: int
    phone_accounts: int
    ring_member: bool
    awarded_in: frozenset[str]
    regions: tuple[str, ...]
    #: Scans from the client address in its window (0 without an address).
    address_recent: int = 0
    #: The consumer's consumer scans before this one: count, distinct days, first and last
    #: (epoch seconds; ``None`` without any).
    history_scans: int = 0
    history_days: int = 0
    history_span: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """What to write for one scan in one campaign: the decision, and the level to award
    (``None``: no prize) with its status."""

    campaign: str
    scan: str
    code: str
    actor: str
    at: datetime
    decision: RiskDecision
    reasons: tuple[str, ...]
    score: float
    level: str | None = None
    status: AwardStatus = AwardStatus.PAID
    #: What the decision saw, kept for training and audit: the anomaly model's features,
    #: its score and the consumer's value score (each absent when not computed).
    features: tuple[float, ...] | None = None
    anomaly: float | None = None
    value: float | None = None


def _time(value: Any) -> datetime:
    native: datetime = value.to_native()
    return native


def campaign_from_record(record: Mapping[str, Any]) -> StoredCampaign:
    """The :class:`StoredCampaign` of one campaign row."""
    return StoredCampaign(
        id=record["id"],
        name=record["name"],
        start=_time(record["start"]),
        end=_time(record["end"]),
        budget=record["budget"] / 100,
        spent=(record["spent"] or 0) / 100,
        awarded=int(record["awarded"] or 0),
        products=tuple(record["products"] or ()),
        regions=tuple(record["regions"] or ()),
        levels=tuple(
            StoredLevel(
                level=lv[0],
                quantity=int(lv[1]),
                amount=lv[2] / 100,
                probability=float(lv[3]),
                points=int(lv[4]),
                remaining=int(lv[5]),
            )
            for lv in record["levels"]
        ),
        store_reward=(record["storeReward"] or 0) / 100,
        staff_reward=(record["staffReward"] or 0) / 100,
        max_boost=float(record["maxBoost"] or 0.0),
    )


class CampaignRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, spec: CampaignSpec, prefix: str = "") -> None:
        """Create or update ``spec`` in one transaction, keeping what was already awarded; a
        budget below the spend, a quantity below the awarded prizes or a dropped level that
        has awards is refused with :class:`InvalidField`."""
        levels = [
            {
                "level": lv.level,
                "rank": i,
                "quantity": lv.quantity,
                "amount": cents(lv.amount),
                "probability": lv.probability,
                "points": lv.points,
            }
            for i, lv in enumerate(spec.levels)
        ]

        def work(tx: Transaction) -> None:
            row = tx.run(_LOCK, id=spec.id).single(strict=True)
            problems: list[FieldProblem] = []
            if (row["spent"] or 0) > cents(spec.budget):
                problems.append(
                    FieldProblem(
                        prefix + "budget", f"below what is already spent ({row['spent'] / 100})"
                    )
                )
            wanted = {lv.level: lv.quantity for lv in spec.levels}
            for level, awarded in row["levels"]:
                if level not in wanted and awarded:
                    problems.append(
                        FieldProblem(prefix + "levels", f"level {level!r} has awards and must stay")
                    )
                elif level in wanted and wanted[level] < awarded:
                    problems.append(
                        FieldProblem(
                            prefix + "levels", f"level {level!r} has {awarded} awards already"
                        )
                    )
            if problems:
                raise InvalidField.of(problems)
            tx.run(
                _SAVE,
                id=spec.id,
                name=spec.name,
                start=spec.start.isoformat(),
                end=spec.end.isoformat(),
                budget=cents(spec.budget),
                products=list(spec.products),
                regions=list(spec.regions),
                storeReward=cents(spec.store_reward),
                staffReward=cents(spec.staff_reward),
                maxBoost=spec.max_boost,
                levels=levels,
            ).consume()

        self._db.write(work)

    def campaigns(self) -> list[StoredCampaign]:
        """Every scan-to-win campaign, by id."""
        records = self._db.read(_ALL + " ORDER BY id")
        return [campaign_from_record(r) for r in records]

    def campaign(self, campaign_id: str) -> StoredCampaign:
        records = self._db.read(_ONE, id=campaign_id)
        if not records:
            raise NotFound(f"no campaign {campaign_id!r}")
        return campaign_from_record(records[0])

    def scan_facts(
        self,
        *,
        code: str,
        scan: str,
        actor: str,
        device: str | None,
        region: str | None,
        at: datetime,
        burst_from: datetime,
        sibling_from: datetime,
        sibling_to: datetime,
        address: str | None = None,
        address_from: datetime | None = None,
    ) -> ScanFacts:
        """One read of everything the risk rules look at."""
        row = self._db.read(
            _FACTS,
            code=code,
            scan=scan,
            actor=actor,
            device=device,
            region=region,
            at=at.isoformat(),
            burstFrom=burst_from.isoformat(),
            sibFrom=sibling_from.isoformat(),
            sibTo=sibling_to.isoformat(),
            address=address,
            addressFrom=(address_from or at).isoformat(),
        )[0]
        previous = row["previous"]
        regions = tuple(row["regions"])
        if region is not None and region not in regions:
            regions = (region, *regions)
        return ScanFacts(
            known=bool(row["known"]),
            gtin=row["gtin"],
            other_scanners=int(row["otherScanners"]),
            siblings=tuple((float(a), float(b)) for a, b in row["siblings"]),
            previous=None
            if previous is None
            else (float(previous[0]), float(previous[1]), float(previous[2])),
            device_accounts=1 + max(int(row["deviceOthers"]), int(row["deviceUsers"])),
            device_recent=int(row["deviceRecent"]),
            phone_accounts=1 + int(row["phoneOthers"]),
            ring_member=bool(row["ring"]),
            awarded_in=frozenset(row["awardedIn"]),
            regions=regions,
            address_recent=int(row["addressRecent"]),
            history_scans=int(row["historyScans"]),
            history_days=int(row["historyDays"]),
            history_span=None
            if row["historyFirst"] is None
            else (float(row["historyFirst"]), float(row["historyLast"])),
        )

    def settle(self, s: Settlement) -> ScanOutcome:
        """Write the decision and, when a level is asked for and still available within the
        budget, the award with its store credits and points: all in one transaction under the
        campaign's lock."""
        params: dict[str, Any] = {
            "scan": s.scan,
            "campaign": s.campaign,
            "at": s.at.isoformat(),
        }

        def work(tx: Transaction) -> ScanOutcome:
            tx.run(
                _DECIDE,
                decision=s.decision.value,
                reasons=list(s.reasons),
                score=s.score,
                features=None if s.features is None else list(s.features),
                anomaly=s.anomaly,
                value=s.value,
                **params,
            ).consume()
            base = ScanOutcome(
                s.campaign, s.decision, s.reasons, s.score, anomaly=s.anomaly, value=s.value
            )
            if s.level is None:
                return base
            row = tx.run(
                _AWARD,
                level=s.level,
                status=s.status.value,
                actor=s.actor,
                award=award_key(s.campaign, s.code),
                **params,
            ).single()
            if row is None:
                return base
            points = int(row["points"] or 0)
            if points and s.status is AwardStatus.PAID:
                _credit_points(tx, s.actor, row["award"], points, s.at)
            return ScanOutcome(
                s.campaign,
                s.decision,
                s.reasons,
                s.score,
                level=row["level"],
                amount=row["amount"] / 100,
                points=points,
                status=s.status,
                award_id=row["award"],
                credited=tuple(row["credited"]),
                anomaly=s.anomaly,
                value=s.value,
            )

        return self._db.write(work)

    def outcomes(self, scan: str, code: str) -> list[ScanOutcome]:
        """What the campaigns decided for a scan already settled (a retried scan)."""
        out = []
        for r in self._db.read(_OUTCOMES, scan=scan, code=code):
            has = r["award"] is not None
            out.append(
                ScanOutcome(
                    r["campaign"],
                    RiskDecision(r["decision"]),
                    tuple(r["reasons"] or ()),
                    float(r["score"] or 0),
                    level=r["level"],
                    amount=r["amount"] / 100 if has else None,
                    points=int(r["points"] or 0) if has else None,
                    status=AwardStatus(r["status"]) if has else None,
                    award_id=r["award"],
                    credited=tuple(r["credited"]),
                    anomaly=r["anomaly"],
                    value=r["value"],
                )
            )
        return out

    def spend_points(self, actor: str, order: str, item: str, points: int, at: datetime) -> int:
        """Take ``points`` from the consumer's account for ``order`` (once per order) and return
        the balance; :class:`InvalidField` when the account holds fewer. The account's lock is
        taken before its balance is read, so concurrent orders never take it below zero."""
        return self._db.write(_spend, actor, order, item, points, at)

    def balance(self, actor: str) -> int:
        rows = self._db.read(
            "MATCH (co:Consumer {id: $actor}) RETURN coalesce(co.points, 0) AS p", actor=actor
        )
        return int(rows[0]["p"]) if rows else 0

    def release(self, award: str, at: datetime) -> bool:
        """Pay a held award (and its store credits), crediting its points; ``False`` when it
        was paid already. :class:`NotFound` when there is no such award."""

        def work(tx: Transaction) -> bool:
            row = tx.run(_LOCK_AWARD, award=award).single()
            if row is None:
                raise NotFound(f"no award {award!r}")
            if row["before"] != AwardStatus.HELD.value:
                tx.run("MATCH (a:Award {id: $award}) REMOVE a._lock", award=award).consume()
                return False
            tx.run(_RELEASE, award=award, at=at.isoformat()).consume()
            points = int(row["points"] or 0)
            if points and row["actor"] is not None:
                _credit_points(tx, row["actor"], award, points, at)
            return True

        return self._db.write(work)


def _spend(tx: Transaction, actor: str, order: str, item: str, points: int, at: datetime) -> int:
    done = tx.run(_SPENT, order=order).single()
    if done is not None:
        if done["actor"] != actor or done["points"] != points:
            raise InvalidField("order", f"order {order!r} was placed with other values")
        return int(done["balance"])
    row = tx.run(_LOCK_CONSUMER, actor=actor).single(strict=True)
    if row["balance"] < points:
        raise InvalidField("points", f"{points} asked, {row['balance']} in the account")
    return int(tx.run(_SPEND, actor=actor, order=order, item=item, points=points,
                      at=at.isoformat()).single(strict=True)["balance"])  # fmt: skip


def _credit_points(tx: Transaction, actor: str, award: str, delta: int, at: datetime) -> None:
    tx.run(_LOCK_CONSUMER, actor=actor).consume()
    tx.run(_POINTS, actor=actor, award=award, delta=delta, at=at.isoformat()).consume()
