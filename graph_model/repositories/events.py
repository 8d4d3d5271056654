"""The event log and its projection: writes captured EPCIS events and the graph they imply.

Every lookup by key carries ``USING INDEX SEEK``. The planner prices a plan from the committed
counts, so a statement first planned on an empty database (or before the transaction that
creates the nodes it looks up commits) may scan the whole index for every row; on the first
capture into a new database that cost 30 s for 1,264 status changes. The hint keeps the seek.

Projection statements are idempotent (MERGE on the event that caused each fact), so replaying
an event that is already projected changes nothing: a rebuild may overlap live captures.

Every statement takes a list of rows (``UNWIND $rows``) so one round trip writes a whole batch.
All writes of one batch go through the caller's transaction, so a rolled-back capture leaves
nothing behind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import UTC
from typing import Any, LiteralString

import neo4j

from graph_model.database import Database
from graph_model.projection import EpcKind, Projection

__all__ = ["ROWS", "EventRepository"]

# Rows carry their time as ISO 8601 text (graph_model.projection.wire_time); every statement
# that reads ``r.t`` starts here, turning it back into a datetime once per row.
ROWS: LiteralString = """
UNWIND $rows AS row
WITH row {.*, t: datetime(row.t)} AS r
"""

# De-duplication and insertion in one statement: only events not stored yet are created, and
# their ids come back, so a capture costs one round trip less.
INSERT_EVENTS: LiteralString = """
UNWIND $rows AS r
OPTIONAL MATCH (stored:Event {id: r.id}) USING INDEX SEEK stored:Event(id)
WITH r WHERE stored IS NULL
CREATE (e:Event {id: r.id})
SET e.hash = r.hash, e.type = r.type, e.action = r.action, e.eventTime = datetime(r.eventTime),
    e.eventTimeZoneOffset = r.tz, e.bizStep = r.bizStep, e.disposition = r.disposition,
    e.readPoint = r.readPoint, e.bizLocation = r.bizLocation, e.parentID = r.parentID,
    e.json = r.json, e.hashIgnore = r.hashIgnore, e.recordTime = datetime.realtime()
RETURN r.id AS id
"""

MERGE_BATCHES: LiteralString = (
    ROWS
    + """MERGE (b:Batch {id: r.batch})
  ON CREATE SET b.lot = r.lot, b.gtin = r.gtin
SET b.firstCommissionedAt = CASE
      WHEN b.firstCommissionedAt IS NULL OR b.firstCommissionedAt > r.t THEN r.t
      ELSE b.firstCommissionedAt END
MERGE (p:Product {gtin: r.gtin})
MERGE (b)-[:OF]->(p)
WITH b, r WHERE r.plant IS NOT NULL
MERGE (plant:Party {id: r.plant})
  ON CREATE SET plant:Plant
MERGE (b)-[m:MADE_AT {line: coalesce(r.line, '')}]->(plant)
"""
)

COMMISSION: LiteralString = (
    ROWS
    + """MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
OPTIONAL MATCH (b:Batch {id: r.batch}) USING INDEX SEEK b:Batch(id)
UNWIND range(0, size(r.ids) - 1) AS i
MERGE (c:Code {id: r.ids[i]})
SET c.serial = r.serials[i], c.gtin = r.gtin, c.lot = r.lot,
    c.commissionedAt = r.t, c.commissionEvent = r.event,
    c.status = CASE WHEN c.statusAt IS NULL OR c.statusAt <= r.t THEN r.status ELSE c.status END,
    c.statusAt = CASE WHEN c.statusAt IS NULL OR c.statusAt <= r.t THEN r.t ELSE c.statusAt END
MERGE (e)-[:CONCERNS]->(c)
FOREACH (_ IN CASE WHEN b IS NULL THEN [] ELSE [1] END | MERGE (c)-[:IN_BATCH]->(b))
"""
)


def _concerns(label: LiteralString) -> LiteralString:
    return (
        """
UNWIND $rows AS r
MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
UNWIND r.ids AS id
MERGE (n:"""
        + label
        + """ {id: id})
MERGE (e)-[:CONCERNS]->(n)
"""
    )


def _status(label: LiteralString) -> LiteralString:
    # Apart from the links so that neither statement needs an Eager barrier.
    return (
        ROWS
        + """UNWIND r.ids AS id
MATCH (n:"""
        + label
        + """ {id: id}) USING INDEX SEEK n:"""
        + label
        + """(id)
WHERE n.statusAt IS NULL OR n.statusAt <= r.t
SET n.status = r.status, n.statusAt = r.t
"""
    )


def _pack(label: LiteralString) -> LiteralString:
    # A child is in at most one container at a time: the new membership closes the one open at
    # r.t and ends where a later one (captured earlier, out of order) begins.
    return (
        ROWS
        + """MERGE (p:Package {id: r.parent})
WITH p, r
UNWIND r.children AS cid
MERGE (c:"""
        + label
        + """ {id: cid})
WITH p, r, c
CALL (c, r) {
  MATCH (c)-[old:PACKED_IN]->()
  WHERE old.since < r.t AND (old.until IS NULL OR old.until > r.t)
  SET old.until = r.t
}
CALL (c, r) {
  OPTIONAL MATCH (c)-[later:PACKED_IN]->()
  WHERE later.since > r.t
  RETURN min(later.since) AS next
}
MERGE (c)-[m:PACKED_IN {addEvent: r.event}]->(p)
SET m.since = r.t, m.until = next
"""
    )


def _end_open(label: LiteralString, rel: LiteralString, target: LiteralString) -> LiteralString:
    # A DELETE ends the memberships open at r.t: of the listed children, or of all when the
    # event lists none.
    return (
        "MATCH (c:"
        + label
        + ")-[m:"
        + rel
        + "]->("
        + target
        + """)
WHERE (size(r.children) = 0 OR c.id IN r.children)
  AND m.since <= r.t AND (m.until IS NULL OR m.until > r.t)
SET m.until = r.t, m.deleteEvent = r.event
"""
    )


def _unpack(label: LiteralString) -> LiteralString:
    return (
        ROWS
        + "MATCH (p:Package {id: r.parent}) USING INDEX SEEK p:Package(id)\n"
        + _end_open(label, "PACKED_IN", "p")
    )


def _best_party(end: LiteralString) -> LiteralString:
    # One party per end of a shipment: the surest name either event of the movement gives
    # (the rank the projection computed; ties to the smaller id), whichever arrives first.
    rel: LiteralString = "FROM" if end == "from" else "TO"
    return (
        """
CALL (s, r) {
  WITH * WHERE r."""
        + end
        + """ IS NOT NULL
  OPTIONAL MATCH (s)-[old:"""
        + rel
        + """]->(was:Party)
  WITH s, r, old, was
  WHERE old IS NULL OR r."""
        + end
        + """Rank < s."""
        + end
        + """Rank OR (r."""
        + end
        + """Rank = s."""
        + end
        + """Rank AND r."""
        + end
        + """ < was.id)
  DELETE old
  MERGE (p:Party {id: r."""
        + end
        + """})
  MERGE (s)-[:"""
        + rel
        + """]->(p)
  SET s."""
        + end
        + """Rank = r."""
        + end
        + """Rank
}
"""
    )


_CARRIES: LiteralString = """
CALL (s, r) {
  UNWIND r.packages AS pid
  MERGE (p:Package {id: pid})
  MERGE (s)-[:CARRIES]->(p)
}
CALL (s, r) {
  UNWIND r.units AS uid
  MERGE (c:Code {id: uid})
  MERGE (s)-[:CARRIES]->(c)
}
"""

# The shipping event of a movement, and a receiving event quoting its despatch advice.
SHIPMENTS: LiteralString = (
    ROWS
    + """MERGE (s:Shipment {id: r.id})
FOREACH (_ IN CASE WHEN r.shipping THEN [1] ELSE [] END |
  SET s.shippedAt = r.t, s.shipEvent = r.event)
FOREACH (_ IN CASE WHEN r.shipping THEN [] ELSE [1] END |
  SET s.receivedAt = r.t, s.receiveEvent = r.event, s.receiptKeyed = true)
SET s.refs = reduce(acc = coalesce(s.refs, []), x IN r.refs |
      CASE WHEN x IN acc THEN acc ELSE acc + x END),
    s.consignment = r.consignment,
    s.fromOwner = CASE WHEN s.fromOwner IS NULL OR r.shipping AND r.fromOwner IS NOT NULL
                       THEN r.fromOwner ELSE s.fromOwner END,
    s.toOwner = CASE WHEN s.toOwner IS NULL OR r.shipping AND r.toOwner IS NOT NULL
                     THEN r.toOwner ELSE s.toOwner END,
    s.fromNames = COLLECT { UNWIND coalesce(s.fromNames, []) + r.fromNames AS x
                            RETURN DISTINCT x ORDER BY x },
    s.toNames = COLLECT { UNWIND coalesce(s.toNames, []) + r.toNames AS x
                          RETURN DISTINCT x ORDER BY x }
WITH s, r
"""
    + _best_party("from")
    + _best_party("to")
    + _CARRIES
)

# A receiving event quoting no despatch advice: a :Receipt, also a :Shipment while no recorded
# shipping event is known to end there (PAIR_RECEIPTS decides).
RECEIPTS: LiteralString = (
    ROWS
    + """MERGE (s:Receipt {id: r.event})
  ON CREATE SET s:Shipment
SET s.receivedAt = r.t, s.receiveEvent = r.event, s.refs = r.refs, s.fromOwner = r.fromOwner,
    s.toOwner = r.toOwner, s.fromNames = r.fromNames, s.toNames = r.toNames
WITH s, r
"""
    + _best_party("from")
    + _best_party("to")
    + _CARRIES
)


def _organisations(names: LiteralString) -> LiteralString:
    # The organisations a list of names stands for: a location known to belong to a party
    # stands for that party, any other name for itself.
    return (
        """COLLECT {
    UNWIND coalesce("""
        + names
        + """, []) AS n
    OPTIONAL MATCH (l:Location {id: n}) USING INDEX SEEK l:Location(id)
    OPTIONAL MATCH (l)-[:OF]->(o:Party)
    RETURN DISTINCT coalesce(o.id, n) AS x
  }"""
    )


# Whether a batch's shipments carried goods some stored receipt also carried: only then can
# they change a pairing. Most movements quote their despatch advice on both events and meet no
# receipt; asking first spares them PAIR_RECEIPTS, whose planning alone takes seconds.
RECEIPTS_NEAR: LiteralString = """
UNWIND $shipments AS id
MATCH (s:Shipment {id: id}) USING INDEX SEEK s:Shipment(id)
RETURN EXISTS { (s)-[:CARRIES]->()<-[:CARRIES]-(:Receipt) } AS near
ORDER BY near DESC LIMIT 1
"""

# Each receipt ends the latest shipment shipped before it that carried some of the same goods
# between compatible ends (each end unnamed by one of them, or naming a common organisation)
# and that no receiving event quoting its despatch advice ends already. The choice depends only
# on what is stored, so it is remade for every receipt a new shipment or receipt could concern
# and the result does not depend on the order of arrival.
PAIR_RECEIPTS: LiteralString = (
    """
CALL {
  UNWIND $receipts AS id
  MATCH (r:Receipt {id: id}) USING INDEX SEEK r:Receipt(id)
  RETURN r
  UNION
  UNWIND $shipments AS id
  MATCH (s:Shipment {id: id}) USING INDEX SEEK s:Shipment(id)
  MATCH (s)-[:CARRIES]->()<-[:CARRIES]-(r:Receipt)
  WHERE s.shippedAt IS NULL OR r.receivedAt >= s.shippedAt
  RETURN r
}
CALL (r) {
  OPTIONAL MATCH (r)-[:CARRIES]->()<-[:CARRIES]-(s:Shipment)
  WHERE s.shipEvent IS NOT NULL AND s.shippedAt <= r.receivedAt
    AND NOT coalesce(s.receiptKeyed, false)
  WITH DISTINCT s WHERE s IS NOT NULL
  WITH s, """
    + _organisations("r.fromNames")
    + """ AS rf, """
    + _organisations("s.fromNames")
    + """ AS sf, """
    + _organisations("r.toNames")
    + """ AS rt, """
    + _organisations("s.toNames")
    + """ AS st
  WHERE (size(rf) = 0 OR size(sf) = 0 OR any(x IN rf WHERE x IN sf))
    AND (size(rt) = 0 OR size(st) = 0 OR any(x IN rt WHERE x IN st))
  WITH s ORDER BY s.shippedAt DESC, s.id
  RETURN head(collect(s)) AS best
}
CALL (r, best) {
  OPTIONAL MATCH (r)-[old:ENDS]->(was:Shipment)
  WITH old, was WHERE old IS NOT NULL AND (best IS NULL OR was <> best)
  DELETE old
  RETURN collect(was.id) AS dropped
}
CALL (r, best) {
  WITH * WHERE best IS NOT NULL
  MERGE (r)-[:ENDS]->(best)
  REMOVE r:Shipment
}
CALL (r, best) {
  WITH * WHERE best IS NULL
  SET r:Shipment
}
UNWIND dropped + CASE WHEN best IS NULL THEN [] ELSE [best.id] END AS touched
RETURN collect(DISTINCT touched) AS touched
"""
)

# A shipment ended by receipts is received when the first of them was.
SETTLE_RECEIPTS: LiteralString = """
UNWIND $ids AS id
MATCH (s:Shipment {id: id}) USING INDEX SEEK s:Shipment(id)
WITH s WHERE NOT coalesce(s.receiptKeyed, false)
CALL (s) {
  OPTIONAL MATCH (s)<-[:ENDS]-(r:Receipt)
  WITH r ORDER BY r.receivedAt, r.id
  RETURN head(collect(r)) AS first
}
SET s.receivedAt = first.receivedAt, s.receiveEvent = first.receiveEvent
"""

# Which organisation a location belongs to, as an event naming both states it.
LOCATIONS: LiteralString = """
UNWIND $rows AS r
MERGE (l:Location {id: r.location})
MERGE (p:Party {id: r.party})
MERGE (l)-[of:OF]->(p)
  ON CREATE SET of.event = r.event, of.declared = false
"""

SCANS: LiteralString = (
    ROWS
    + """MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
MERGE (c:Code {id: r.code})
MERGE (e)-[:CONCERNS]->(c)
MERGE (s:Scan {id: r.id})
SET s.kind = r.kind, s.at = r.t, s.event = r.event, s.actor = r.actor, s.device = r.device,
    s.address = r.address, s.clientScanId = r.clientScanId, s.lat = r.lat, s.lon = r.lon,
    s.region = r.region
MERGE (s)-[:OF]->(c)
WITH s, r
CALL (s, r) {
  WITH * WHERE r.actor IS NOT NULL AND r.kind = 'consumer'
  MERGE (a:Consumer {id: r.actor})
  MERGE (s)-[:BY]->(a)
}
CALL (s, r) {
  WITH * WHERE r.actor IS NOT NULL AND NOT r.kind IN ['consumer', 'staff']
  MERGE (a:Party {id: r.actor})
  MERGE (s)-[:BY]->(a)
}
CALL (s, r) {
  WITH * WHERE r.actor IS NOT NULL AND r.kind = 'staff'
  MERGE (a:Staff {id: r.actor})
  MERGE (s)-[:BY]->(a)
}
CALL (s, r) {
  WITH * WHERE r.region IS NOT NULL
  MATCH (g:Region {code: r.region}) USING INDEX SEEK g:Region(code)
  MERGE (s)-[:IN]->(g)
}
"""
)


def _linked(rel: LiteralString, label: LiteralString, key: LiteralString) -> LiteralString:
    return (
        """
CALL (e, r) {
  UNWIND r."""
        + key
        + """ AS id
  MERGE (n:"""
        + label
        + """ {id: id})
  MERGE (e)-[:"""
        + rel
        + """]->(n)
}
"""
    )


def _linked_batches(rel: LiteralString, key: LiteralString) -> LiteralString:
    return (
        """
CALL (e, r) {
  UNWIND r."""
        + key
        + """ AS batch
  MERGE (b:Batch {id: batch.id})
    ON CREATE SET b.lot = batch.lot, b.gtin = batch.gtin
  MERGE (p:Product {gtin: batch.gtin})
  MERGE (b)-[:OF]->(p)
  MERGE (e)-[:"""
        + rel
        + """]->(b)
}
"""
    )


# A transformation links its event to every input and output, instance or lot, so a trace
# walks from an output back to its inputs and a recall from an input lot forward.
TRANSFORMATIONS: LiteralString = (
    """
UNWIND $rows AS r
MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
"""
    + _linked("INPUT", "Code", "inputUnits")
    + _linked("INPUT", "Package", "inputPackages")
    + _linked_batches("INPUT", "inputBatches")
    + _linked("OUTPUT", "Code", "outputUnits")
    + _linked("OUTPUT", "Package", "outputPackages")
    + _linked_batches("OUTPUT", "outputBatches")
)


def _associate(label: LiteralString) -> LiteralString:
    # An AssociationEvent ADD attaches units or packages to an asset (a sensor, a returnable
    # crate) from r.t; a DELETE ends the association open at r.t (of the listed children, or
    # of all when none are listed). Several assets may be attached at once.
    return (
        ROWS
        + """MERGE (a:Asset {id: r.asset})
WITH a, r
MATCH (e:Event {id: r.event}) USING INDEX SEEK e:Event(id)
MERGE (e)-[:CONCERNS]->(a)
WITH a, r
CALL (a, r) {
  WITH * WHERE r.add
  UNWIND r.children AS cid
  MERGE (c:"""
        + label
        + """ {id: cid})
  MERGE (c)-[m:ASSOCIATED_WITH {addEvent: r.event}]->(a)
  SET m.since = r.t
}
CALL (a, r) {
  WITH * WHERE NOT r.add
  """
        + _end_open(label, "ASSOCIATED_WITH", "a")
        + """}
"""
    )


ASSOCIATIONS = {EpcKind.UNIT: _associate("Code"), EpcKind.PACKAGE: _associate("Package")}

CONCERNS = {EpcKind.UNIT: _concerns("Code"), EpcKind.PACKAGE: _concerns("Package")}
STATUS = {EpcKind.UNIT: _status("Code"), EpcKind.PACKAGE: _status("Package")}
PACKS = {EpcKind.UNIT: _pack("Code"), EpcKind.PACKAGE: _pack("Package")}
UNPACKS = {EpcKind.UNIT: _unpack("Code"), EpcKind.PACKAGE: _unpack("Package")}

# A shipping event naming store orders (``po``) fulfils them.
FULFILMENTS: LiteralString = """
UNWIND $rows AS r
MATCH (s:Shipment {id: r.shipment}) USING INDEX SEEK s:Shipment(id)
UNWIND r.orders AS oid
MERGE (o:Order {id: oid})
MERGE (s)-[:FULFILS]->(o)
"""

# The projected part of the graph; everything else (events, master data) survives a rebuild.
PROJECTED_LABELS: tuple[LiteralString, ...] = (
    "Scan", "Receipt", "Shipment", "Code", "Package", "Batch", "Asset",
)  # fmt: skip

CHUNK = 5000


def _chunks(
    rows: Sequence[dict[str, Any]], size: int, weight: str | None = None
) -> Iterator[Sequence[dict[str, Any]]]:
    """Slices of ``rows`` holding at most ``size`` items, counting the list ``weight`` per row."""
    if weight is None:
        for i in range(0, len(rows), size):
            yield rows[i : i + size]
        return
    start, load = 0, 0
    for i, row in enumerate(rows):
        load += max(1, len(row[weight]))
        if load >= size:
            yield rows[start : i + 1]
            start, load = i + 1, 0
    if start < len(rows):
        yield rows[start:]


def _association_rows(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Association rows per child label; a DELETE listing no child ends every association of
    the asset, of both kinds."""
    out: dict[str, list[dict[str, Any]]] = {EpcKind.UNIT: [], EpcKind.PACKAGE: []}
    for row in rows:
        whole = not row["add"] and not row["units"] and not row["packages"]
        for label, key in ((EpcKind.UNIT, "units"), (EpcKind.PACKAGE, "packages")):
            if row[key] or whole:
                out[label].append({**row, "children": row[key]})
    return out


def _run(tx: neo4j.ManagedTransaction, statement: LiteralString, **params: Any) -> neo4j.Result:
    # A cached plan is kept however the counts have moved since. Every lookup in these
    # statements is pinned to its index, so a newer plan would not be better, and on a new
    # database, whose counts move with every capture, replanning the larger statements cost
    # seconds a document on a loaded 2-core machine.
    return tx.run("CYPHER replan=skip " + statement, params)


_ROW_STATEMENTS: tuple[LiteralString, ...] = (
    INSERT_EVENTS, MERGE_BATCHES, COMMISSION, *CONCERNS.values(), *STATUS.values(),
    *PACKS.values(), *UNPACKS.values(), LOCATIONS, SHIPMENTS, RECEIPTS, SCANS, TRANSFORMATIONS,
    *ASSOCIATIONS.values(), FULFILMENTS,
)  # fmt: skip
#: Every projection statement with parameters of the types capture passes, for
#: :meth:`EventRepository.plan_statements`.
PLANNED: tuple[tuple[LiteralString, dict[str, Any]], ...] = (
    *((statement, {"rows": []}) for statement in _ROW_STATEMENTS),
    (RECEIPTS_NEAR, {"shipments": []}),
    (PAIR_RECEIPTS, {"receipts": [], "shipments": []}),
    (SETTLE_RECEIPTS, {"ids": []}),
)


class EventRepository:
    """Reads and writes ``:Event`` nodes and the projection derived from them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def plan_statements(self) -> int:
        """Have the server plan every projection statement as capture runs it (``EXPLAIN``:
        planned and cached, nothing run); returns how many.

        On a new database the first document otherwise waits for the plans of the statements
        it needs, seconds each on a loaded machine (``PAIR_RECEIPTS`` took 4.5 s to plan).
        """

        def plan(tx: neo4j.ManagedTransaction) -> None:
            for statement, params in PLANNED:
                _run(tx, "EXPLAIN " + statement, **params).consume()

        self._db.write(plan)
        return len(PLANNED)

    def insert_events(
        self, tx: neo4j.ManagedTransaction, rows: Sequence[dict[str, Any]]
    ) -> set[str]:
        """Create the ``:Event`` nodes of ``rows`` not stored yet; returns the ids created."""
        created: set[str] = set()
        for chunk in _chunks(rows, 2000):
            created.update(record["id"] for record in _run(tx, INSERT_EVENTS, rows=chunk))
        return created

    def declare_errors(self, tx: neo4j.ManagedTransaction, rows: Sequence[tuple[str, str]]) -> None:
        """Record error declarations against stored events (the event log stays append-only:
        the original is kept and marked, the declaring copy is kept beside it)."""
        tx.run(
            """
            UNWIND $rows AS r
            MATCH (e:Event {id: r[0]}) USING INDEX SEEK e:Event(id)
            SET e.errorDeclared = true, e.errorDeclarationJson = r[1]
            """,
            rows=[list(r) for r in rows],
        ).consume()

    def write(
        self, tx: neo4j.ManagedTransaction, projection: Projection, *, with_events: bool = True
    ) -> None:
        """Write ``projection`` in the caller's transaction (events first, then the graph)."""

        def run(statement: LiteralString, **params: Any) -> neo4j.Result:
            return _run(tx, statement, **params)

        if with_events:
            self.insert_events(tx, projection.events)
        batches = {r["batch"]: r for r in projection.commissions if r["batch"]}
        if batches:
            run(MERGE_BATCHES, rows=list(batches.values())).consume()
        for rows in _chunks(projection.commissions, CHUNK, "ids"):
            run(COMMISSION, rows=rows).consume()
        for label, statement in CONCERNS.items():
            for rows in _chunks(projection.concerns[label], CHUNK, "ids"):
                run(statement, rows=rows).consume()
            with_status = [r for r in projection.concerns[label] if r["status"] is not None]
            for rows in _chunks(with_status, CHUNK, "ids"):
                run(STATUS[label], rows=rows).consume()
        for label, statement in PACKS.items():
            for rows in _chunks(projection.packs[label], CHUNK, "children"):
                run(statement, rows=rows).consume()
        for label, statement in UNPACKS.items():
            for rows in _chunks(projection.unpacks[label], CHUNK, "children"):
                run(statement, rows=rows).consume()
        if projection.locations:
            run(LOCATIONS, rows=projection.locations).consume()
        for rows in _chunks(projection.shipments, 1000):
            run(SHIPMENTS, rows=rows).consume()
        for rows in _chunks(projection.receipts, 1000):
            run(RECEIPTS, rows=rows).consume()
        self._pair_receipts(tx, projection)
        for rows in _chunks(projection.scans, CHUNK):
            run(SCANS, rows=rows).consume()
        for rows in _chunks(projection.transformations, 1000):
            run(TRANSFORMATIONS, rows=rows).consume()
        for label, rows in _association_rows(projection.associations).items():
            if rows:
                run(ASSOCIATIONS[label], rows=rows).consume()
        for rows in _chunks(projection.fulfilments, CHUNK):
            run(FULFILMENTS, rows=rows).consume()

    @staticmethod
    def _pair_receipts(tx: neo4j.ManagedTransaction, projection: Projection) -> None:
        """Pair the receipts this batch could concern with the shipments they end."""
        receipts = [r["event"] for r in projection.receipts]
        shipments = list(dict.fromkeys(r["id"] for r in projection.shipments))
        if not receipts and not shipments:
            return
        if not receipts and not any(_run(tx, RECEIPTS_NEAR, shipments=shipments).value()):
            return
        touched: set[str] = set()
        for i in range(0, max(len(receipts), len(shipments)), 1000):
            record = _run(
                tx,
                PAIR_RECEIPTS,
                receipts=receipts[i : i + 1000],
                shipments=shipments[i : i + 1000],
            ).single()
            if record is not None:
                touched.update(record["touched"])
        if touched:
            _run(tx, SETTLE_RECEIPTS, ids=sorted(touched)).consume()

    # -- rebuild --------------------------------------------------------------------------
    def clear_projection(self) -> None:
        """Delete the projected graph, keeping events and master data."""
        with self._db.driver.session(database=self._db.name) as session:
            for label in PROJECTED_LABELS:
                session.run(
                    "MATCH (n:" + label + ") CALL (n) { DETACH DELETE n } "
                    "IN TRANSACTIONS OF 10000 ROWS"
                ).consume()

    def iter_event_json(self, page: int = 5000) -> Iterator[list[tuple[str, str]]]:
        """``(id, raw JSON)`` of every stored event in event-time order, a page at a time."""
        last_time: Any = None
        last_id = ""
        while True:
            records = self._db.read(
                """
                MATCH (e:Event)
                WHERE e.json IS NOT NULL
                  AND ($t IS NULL OR e.eventTime > $t OR (e.eventTime = $t AND e.id > $id))
                RETURN e.id AS id, e.eventTime AS t, e.json AS json
                ORDER BY e.eventTime, e.id LIMIT $page
                """,
                t=last_time,
                id=last_id,
                page=page,
            )
            if not records:
                return
            # Back as an offset time: the driver hands UTC out as the named zone "UTC", and Neo4j
            # holds a named-zone time unequal to the same instant at offset Z, so the events
            # sharing the last time of a page would be skipped.
            last_time = records[-1]["t"].to_native().astimezone(UTC)
            last_id = records[-1]["id"]
            yield [(r["id"], r["json"]) for r in records]

    # -- rebuild of a part ----------------------------------------------------------------
    def events_around(self, epcs: Collection[str]) -> list[str]:
        """Ids of the events that shaped ``epcs``: every event concerning one of them, then
        every event concerning an EPC those events concern, until nothing new is found (a
        unit's case and pallet and the shipments that carried them, and their other units).
        """
        frontier, seen_epcs, events = set(epcs), set(epcs), set[str]()
        while frontier:
            found = self._db.read(
                """
                UNWIND $ids AS id
                OPTIONAL MATCH (c:Code {id: id})
                OPTIONAL MATCH (p:Package {id: id})
                WITH coalesce(c, p) AS n WHERE n IS NOT NULL
                MATCH (e:Event)-[:CONCERNS]->(n)
                WITH DISTINCT e WHERE NOT e.id IN $seen
                MATCH (e)-[:CONCERNS]->(m)
                RETURN e.id AS event, collect(m.id) AS epcs
                """,
                ids=list(frontier),
                seen=list(events),
            )
            events.update(r["event"] for r in found)
            reached = {epc for r in found for epc in r["epcs"]}
            frontier = reached - seen_epcs
            seen_epcs |= reached
        return sorted(events)

    def event_json(self, ids: Collection[str]) -> list[tuple[str, str]]:
        """``(id, raw JSON)`` of the stored events ``ids``, in event-time order."""
        records = self._db.read(
            """
            UNWIND $ids AS id
            MATCH (e:Event {id: id}) WHERE e.json IS NOT NULL
            RETURN e.id AS id, e.json AS json ORDER BY e.eventTime, e.id
            """,
            ids=list(ids),
        )
        return [(r["id"], r["json"]) for r in records]

    @staticmethod
    def clear_around(tx: neo4j.ManagedTransaction, events: Collection[str]) -> None:
        """Delete what ``events`` projected (their units, packages, scans, shipments), in the
        caller's transaction; batches stay, shared with units outside the part."""
        tx.run(
            """
            UNWIND $ids AS id
            MATCH (e:Event {id: id})-[:CONCERNS]->(n)
            WITH collect(DISTINCT n) AS nodes
            UNWIND nodes AS n
            OPTIONAL MATCH (scan:Scan)-[:OF]->(n)
            OPTIONAL MATCH (shipment:Shipment|Receipt)-[:CARRIES]->(n)
            WITH nodes, collect(DISTINCT scan) + collect(DISTINCT shipment) AS derived
            FOREACH (d IN derived | DETACH DELETE d)
            FOREACH (n IN nodes | DETACH DELETE n)
            """,
            ids=list(events),
        ).consume()
