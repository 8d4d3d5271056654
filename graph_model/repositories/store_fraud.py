"""Store fraud in Neo4j: the facts detection reads, the clusters and store risks it writes.

Reads go page by page over the stores (by id, ``page`` stores a query), each page one query
whose subqueries gather a store's identity and behaviour, so memory on both sides stays flat
however many stores there are. A run writes its clusters in batches, one transaction each,
stamped with the run's id; clusters of earlier runs are deleted only after all of the new
ones are written, so a reader always sees a whole result. Cluster ids come from their stores,
so a rerun over the same graph rewrites the same nodes.

Graph written here::

    (:FraudCluster {id, score, flagged, reasons, regions, size, run, detectedAt})
        -[:INCLUDES]->(:Store {riskScore, riskReasons, riskAt})
    (:FraudCluster)-[:EVIDENCE {reason}]->(:Phone | :Device | :Address | :Person | :Order
                                           | :Scan)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, LiteralString

from graph_model.database import Database, Transaction
from graph_model.errors import NotFound
from graph_model.store_fraud import (
    EVIDENCE_KEYS,
    ClusterFilter,
    ClusterPage,
    ClusterRow,
    EvidenceGraph,
    EvidenceLink,
    EvidenceNode,
    OrderRecord,
    RiskReason,
    StoredCluster,
    StoreRecord,
    StoreRisk,
)

__all__ = [
    "StoreFraudRepository",
    "cluster_from_record",
    "store_record_from_record",
]

DEFAULT_PAGE: Final = 2_000
DEFAULT_BATCH: Final = 1_000
_SAMPLE: Final = 20

_STORE_FACTS: Final[LiteralString] = """
MATCH (s:Store) WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $page
OPTIONAL MATCH (s)-[:OWNED_BY]->(owner:Person)
OPTIONAL MATCH (s)-[:REGISTERED_BY]->(seller:Person)
CALL (s) {
  OPTIONAL MATCH (s)-[:USES]->(i)
  RETURN collect(DISTINCT CASE WHEN i:Phone THEN i.number END) AS phones,
         collect(DISTINCT CASE WHEN i:Device THEN i.id END) AS devices,
         collect(DISTINCT CASE WHEN i:Address THEN i.text END) AS addresses
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:WORKS_AT]-(:Staff)-[:USES]->(i)
  RETURN collect(DISTINCT CASE WHEN i:Phone THEN i.number END) AS staffPhones,
         collect(DISTINCT CASE WHEN i:Device THEN i.id END) AS staffDevices
}
CALL (s) {
  OPTIONAL MATCH (s)-[:PLACED]->(o:Order)
  WITH o WHERE o IS NOT NULL
  RETURN collect([o.id, o.quantity, o.at.epochSeconds,
                  EXISTS { (o)<-[:FULFILS]-(:Shipment) }]) AS orders
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:TO]-(:Shipment)-[:CARRIES]->(x)
  OPTIONAL MATCH (c:Code)-[:PACKED_IN*0..3]->(x)
  WITH DISTINCT c WHERE c IS NOT NULL
  RETURN collect(c) AS received
}
CALL (received) {
  UNWIND received AS c
  OPTIONAL MATCH (c)<-[:OF]-(cs:Scan {kind: 'consumer'})
  WITH c, min(cs.at) AS scanned,
       CASE WHEN c.status = 'sold' THEN c.statusAt END AS sold
  WITH CASE WHEN scanned IS NULL THEN sold WHEN sold IS NULL THEN scanned
            WHEN sold < scanned THEN sold ELSE scanned END AS t
  WITH t WHERE t IS NOT NULL
  RETURN collect(t.epochSeconds) AS sales
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:BY]-(r:Scan {kind: 'store'})
  WITH r WHERE r IS NOT NULL
  RETURN collect(r) AS byStore
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:WORKS_AT]-(:Staff)<-[:BY]-(r:Scan)
  WITH r WHERE r IS NOT NULL
  RETURN collect(r) AS byStaff
}
CALL (byStore, byStaff, received) {
  UNWIND byStore + byStaff AS r
  MATCH (r)-[:OF]->(c:Code)
  WITH r, c WHERE NOT c IN received
  RETURN collect(r.id)[..$sample] AS foreign,
         count(CASE WHEN r IN byStaff THEN 1 END) AS staffForeign
}
RETURN s.id AS id, s.lat AS lat, s.lon AS lon, owner.id AS owner, seller.id AS seller,
       s.registeredAt.epochSeconds AS registeredAt,
       phones + [p IN staffPhones WHERE NOT p IN phones] AS phones,
       devices
         + [d IN staffDevices WHERE NOT d IN devices]
         + [d IN COLLECT { UNWIND byStore + byStaff AS r
                           WITH DISTINCT r.device AS d WHERE d IS NOT NULL RETURN d }
            WHERE NOT d IN devices AND NOT d IN staffDevices] AS devices,
       addresses, orders, size(received) AS received, sales,
       [r IN byStore + byStaff | r.at.epochSeconds] AS redemptions,
       size(byStaff) AS staffScans, staffForeign, foreign,
       COUNT { MATCH (s)<-[:TO]-(:StoreCredit) }
         + COUNT { MATCH (s)<-[:WORKS_AT]-(:Staff)<-[:TO]-(:StoreCredit) } AS credits
ORDER BY id
"""

_WRITE_CLUSTERS: Final[LiteralString] = """
UNWIND $rows AS r
MERGE (c:FraudCluster {id: r.id})
SET c.score = r.score, c.flagged = r.flagged, c.reasons = r.reasons, c.size = size(r.stores),
    c.run = $run, c.detectedAt = datetime($at)
WITH c, r
CALL (c) {
  OPTIONAL MATCH (c)-[old:INCLUDES|EVIDENCE]->()
  DELETE old
}
CALL (c, r) {
  UNWIND r.stores AS sid
  MATCH (st:Store {id: sid}) USING INDEX SEEK st:Store(id)
  MERGE (c)-[:INCLUDES]->(st)
  WITH st
  OPTIONAL MATCH (st)-[:IN]->(:Region)-[:WITHIN*0..4]->(g:Region)
  RETURN collect(DISTINCT g.code) AS regions
}
SET c.regions = regions
WITH c, r
CALL (c, r) {
  UNWIND r.phones AS e
  MATCH (n:Phone {number: e[1]}) USING INDEX SEEK n:Phone(number)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
CALL (c, r) {
  UNWIND r.devices AS e
  MATCH (n:Device {id: e[1]}) USING INDEX SEEK n:Device(id)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
CALL (c, r) {
  UNWIND r.addresses AS e
  MATCH (n:Address {text: e[1]}) USING INDEX SEEK n:Address(text)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
CALL (c, r) {
  UNWIND r.people AS e
  MATCH (n:Person {id: e[1]}) USING INDEX SEEK n:Person(id)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
CALL (c, r) {
  UNWIND r.orders AS e
  MATCH (n:Order {id: e[1]}) USING INDEX SEEK n:Order(id)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
CALL (c, r) {
  UNWIND r.scans AS e
  MATCH (n:Scan {id: e[1]}) USING INDEX SEEK n:Scan(id)
  MERGE (c)-[x:EVIDENCE {reason: e[0]}]->(n)
}
"""

_WRITE_RISKS: Final[LiteralString] = """
UNWIND $rows AS r
MATCH (st:Store {id: r.id}) USING INDEX SEEK st:Store(id)
SET st.riskScore = r.score, st.riskReasons = r.reasons, st.riskAt = datetime($at)
"""

_DROP_OLD: Final[LiteralString] = """
MATCH (c:FraudCluster) WHERE c.run IS NULL OR c.run <> $run
WITH c LIMIT $batch
DETACH DELETE c
RETURN count(*) AS deleted
"""

_CLUSTER_MAP: Final[LiteralString] = """
c {.id, .score, .flagged, .reasons, .regions, .detectedAt,
   stores: COLLECT { MATCH (c)-[:INCLUDES]->(s:Store) RETURN [s.id, s.name] AS x
                     ORDER BY s.id }}
"""

_CLUSTERS: Final[LiteralString] = (
    """
MATCH (c:FraudCluster)
WHERE ($min IS NULL AND c.flagged OR c.score >= $min)
  AND ($region IS NULL OR $region IN c.regions)
WITH c ORDER BY c.score DESC, c.id
WITH collect(c) AS matching
UNWIND matching[$offset..$offset + $first] AS c
RETURN size(matching) AS total, """
    + _CLUSTER_MAP
    + """ AS cluster
"""
)

_COUNT_CLUSTERS: Final[LiteralString] = """
MATCH (c:FraudCluster)
WHERE ($min IS NULL AND c.flagged OR c.score >= $min)
  AND ($region IS NULL OR $region IN c.regions)
RETURN count(c) AS total
"""

_CLUSTER: Final[LiteralString] = (
    """
MATCH (c:FraudCluster {id: $id})
RETURN """
    + _CLUSTER_MAP
    + """ AS cluster
"""
)

_STORE_RISK: Final[LiteralString] = """
MATCH (s:Store {id: $id})
OPTIONAL MATCH (c:FraudCluster)-[:INCLUDES]->(s)
RETURN s.id AS id, s.riskScore AS score, s.riskReasons AS reasons, s.riskAt AS at,
       c.id AS cluster
"""

_EVIDENCE: Final[LiteralString] = """
MATCH (c:FraudCluster {id: $id})
CALL (c) {
  MATCH (c)-[r:INCLUDES|EVIDENCE]->(n)
  RETURN collect(DISTINCT n) AS around, collect(r) AS own
}
WITH c, [c] + around AS nodes, own
CALL (nodes) {
  UNWIND nodes AS a
  MATCH (a)-[r]->(b)
  WHERE b IN nodes AND NOT a:FraudCluster
  RETURN collect(DISTINCT r) AS between
}
RETURN [n IN nodes | {id: elementId(n), label: head(labels(n)),
                      labels: labels(n),
                      key: coalesce(n.id, n.number, n.text), name: n.name}] AS nodes,
       [r IN own + between | {source: elementId(startNode(r)), target: elementId(endNode(r)),
                              type: type(r)}] AS links
"""


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def store_record_from_record(record: Mapping[str, Any]) -> StoreRecord:
    """The :class:`StoreRecord` of one row of the facts query."""
    orders = tuple(
        OrderRecord(str(o[0]), int(o[1] or 0), float(o[2]), bool(o[3]))
        for o in record["orders"]
        if o[2] is not None
    )
    return StoreRecord(
        id=record["id"],
        lat=record["lat"],
        lon=record["lon"],
        owner=record["owner"],
        registered_by=record["seller"],
        registered_at=_seconds(record["registeredAt"]),
        phones=tuple(record["phones"]),
        devices=tuple(record["devices"]),
        addresses=tuple(record["addresses"]),
        orders=orders,
        received_units=int(record["received"]),
        redemptions=len(record["redemptions"]),
        redemption_times=tuple(float(t) for t in record["redemptions"] if t is not None),
        sell_through_times=tuple(float(t) for t in record["sales"]),
        staff_scans=int(record["staffScans"]),
        staff_unreceived=int(record["staffForeign"]),
        unreceived_scan_ids=tuple(record["foreign"]),
        credits=int(record["credits"]),
    )


def _reasons(texts: Sequence[str] | None) -> tuple[RiskReason, ...]:
    return tuple(RiskReason.parse(t) for t in texts or ())


def cluster_from_record(record: Mapping[str, Any]) -> StoredCluster:
    """The :class:`StoredCluster` of a ``cluster`` map."""
    m = record["cluster"]
    at = m.get("detectedAt")
    return StoredCluster(
        id=m["id"],
        score=float(m["score"]),
        flagged=bool(m["flagged"]),
        reasons=_reasons(m["reasons"]),
        stores=tuple((s[0], s[1]) for s in m["stores"]),
        regions=tuple(m["regions"] or ()),
        detected_at=None if at is None else at.to_native(),
    )


def _cluster_row(c: ClusterRow) -> dict[str, Any]:
    by_label: dict[str, list[list[str]]] = {label: [] for label in EVIDENCE_KEYS}
    for reason, label, key in c.evidence:
        if label in by_label:
            by_label[label].append([reason, key])
    return {
        "id": c.id,
        "score": c.score,
        "flagged": c.flagged,
        "stores": list(c.store_ids),
        "reasons": [r.text() for r in c.reasons],
        "phones": by_label["Phone"],
        "devices": by_label["Device"],
        "addresses": by_label["Address"],
        "people": by_label["Person"],
        "orders": by_label["Order"],
        "scans": by_label["Scan"],
    }


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class StoreFraudRepository:
    """Reads what store-fraud detection needs and writes what it finds.

    Parameters
    ----------
    db
        The database handle; the caller owns it.
    page
        Stores a read query gathers.
    batch
        Clusters (and, times five, store risks) a write transaction holds.
    """

    def __init__(self, db: Database, page: int = DEFAULT_PAGE, batch: int = DEFAULT_BATCH) -> None:
        if page < 1 or batch < 1:
            raise ValueError("page and batch must be at least 1")
        self._db = db
        self._page = page
        self._batch = batch

    # -- reads for detection ------------------------------------------------------------

    def store_pages(self) -> Iterator[list[StoreRecord]]:
        """Every store's facts, a page at a time, by id."""
        after = ""
        while True:
            records = self._db.read(_STORE_FACTS, after=after, page=self._page, sample=_SAMPLE)
            if not records:
                return
            page = [store_record_from_record(r) for r in records]
            yield page
            after = page[-1].id

    # -- writes ---------------------------------------------------------------------------

    def write_clusters(self, clusters: Sequence[ClusterRow], run: str, at: datetime) -> None:
        """Write ``clusters`` stamped with ``run``, one transaction per batch."""

        def work(tx: Transaction, rows: list[dict[str, Any]]) -> None:
            tx.run(_WRITE_CLUSTERS, rows=rows, run=run, at=at.isoformat()).consume()

        for chunk in _chunks(clusters, self._batch):
            self._db.write(work, [_cluster_row(c) for c in chunk])

    def write_risks(
        self, risks: Sequence[tuple[str, float, Sequence[RiskReason]]], at: datetime
    ) -> None:
        """Set each store's own risk score and reasons, one transaction per batch."""

        def work(tx: Transaction, rows: list[dict[str, Any]]) -> None:
            tx.run(_WRITE_RISKS, rows=rows, at=at.isoformat()).consume()

        for chunk in _chunks(risks, self._batch * 5):
            rows = [
                {"id": sid, "score": score, "reasons": [r.text() for r in reasons]}
                for sid, score, reasons in chunk
            ]
            self._db.write(work, rows)

    def drop_other_runs(self, run: str) -> int:
        """Delete the clusters of every run but ``run``, a batch a transaction."""

        def work(tx: Transaction) -> int:
            record = tx.run(_DROP_OLD, run=run, batch=self._batch * 5).single(strict=True)
            return int(record["deleted"])

        total = 0
        while deleted := self._db.write(work):
            total += deleted
        return total

    # -- reads for answers ----------------------------------------------------------------

    def clusters(self, where: ClusterFilter, *, first: int, offset: int) -> ClusterPage:
        """A page of stored clusters, strongest first, under ``where``."""
        params = {"min": where.min_score, "region": where.region}
        if first == 0:
            total = self._db.read(_COUNT_CLUSTERS, **params)[0]["total"]
            return ClusterPage((), int(total))
        records = self._db.read(_CLUSTERS, offset=offset, first=first, **params)
        if not records:
            total = self._db.read(_COUNT_CLUSTERS, **params)[0]["total"]
            return ClusterPage((), int(total))
        return ClusterPage(tuple(cluster_from_record(r) for r in records), int(records[0]["total"]))

    def cluster(self, cluster_id: str) -> StoredCluster:
        """The cluster ``cluster_id``; raises :class:`NotFound` when missing."""
        records = self._db.read(_CLUSTER, id=cluster_id)
        if not records:
            raise NotFound(f"fraud cluster {cluster_id!r} does not exist")
        return cluster_from_record(records[0])

    def store_risk(self, store_id: str) -> StoreRisk | None:
        """The store's risk as the last run left it (None: never assessed); raises
        :class:`NotFound` when there is no such store."""
        records = self._db.read(_STORE_RISK, id=store_id)
        if not records:
            raise NotFound(f"store {store_id!r} does not exist")
        r = records[0]
        if r["score"] is None:
            return None
        at = r["at"]
        return StoreRisk(
            r["id"],
            float(r["score"]),
            _reasons(r["reasons"]),
            r["cluster"],
            None if at is None else at.to_native(),
        )

    def evidence(self, cluster_id: str) -> EvidenceGraph:
        """The cluster, its stores, its evidence nodes and every relationship among them."""
        records = self._db.read(_EVIDENCE, id=cluster_id)
        if not records:
            raise NotFound(f"fraud cluster {cluster_id!r} does not exist")
        r = records[0]
        nodes = tuple(
            EvidenceNode(n["id"], _label(n["labels"]), str(n["key"]), n["name"]) for n in r["nodes"]
        )
        links = tuple(EvidenceLink(x["source"], x["target"], x["type"]) for x in r["links"])
        return EvidenceGraph(cluster_id, nodes, links)


_SHOWN_LABELS: Final = ("FraudCluster", "Store", *EVIDENCE_KEYS)


def _label(labels: Sequence[str]) -> str:
    # A store is also a Party: name it by the label that says what it is.
    for label in _SHOWN_LABELS:
        if label in labels:
            return label
    return labels[0] if labels else "Node"
