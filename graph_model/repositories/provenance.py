"""Reads behind provenance, recall and verification: one Cypher query per question.

Each read takes a list of keys (``UNWIND $ids``) so that a request asking about several codes
at once (GraphQL aliases, a DataLoader batch) still costs one round trip. A unit's custody is
read through the containers it was in *at ship time*; its events are those concerning the
unit, or a container during the unit's time in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, LiteralString

import neo4j

from graph_model.database import Database
from graph_model.provenance import LotRef, LotSummary, LotUnit, Provenance, VerifyFacts

__all__ = ["ProvenanceRepository", "UnitPage"]


def _party(var: LiteralString) -> LiteralString:
    return (
        "CASE WHEN "
        + var
        + " IS NULL THEN null ELSE {id: "
        + var
        + ".id, name: "
        + var
        + ".name, labels: labels("
        + var
        + "), tier: "
        + var
        + ".tier} END"
    )


def _organisation_node(var: LiteralString, keep: LiteralString) -> LiteralString:
    # ``var`` replaced by the organisation it stands for: a location that belongs to an
    # organisation (an event naming both said so) stands for it, so counts per holder add up
    # the SGLN and the PGLN of one organisation.
    return (
        "CALL ("
        + var
        + ") {\n  OPTIONAL MATCH (:Location {id: "
        + var
        + ".id})-[of:OF]->(o:Party)\n"
        "  WITH o, of ORDER BY coalesce(of.declared, false) DESC, o.id LIMIT 1\n"
        "  RETURN coalesce(o, "
        + var
        + ") AS organisation\n}\nWITH "
        + keep
        + ", organisation AS "
        + var
        + "\n"
    )


def _us(time: LiteralString) -> LiteralString:
    # A time as microseconds since the epoch (null stays null). The driver turns each
    # temporal value into a neo4j.time.DateTime in Python at some 70 us apiece, most of the
    # client's cost of a trace's thirty-odd times; an integer costs nothing to read, and
    # graph_model.provenance.native_time reads it back as the same UTC instant. Before 1970
    # epochSeconds rounds towards zero while microsecond still counts up from the second below.
    return (
        "("
        + time
        + ".epochSeconds - CASE WHEN "
        + time
        + ".nanosecond > 0 AND "
        + time
        + ".epochSeconds <= 0 AND "
        + time
        + " < datetime({epochSeconds: 0}) THEN 1 ELSE 0 END) * 1000000 + "
        + time
        + ".microsecond"
    )


TRACE: LiteralString = (
    """
UNWIND $ids AS id
MATCH (c:Code {id: id}) WHERE c.commissionedAt IS NOT NULL
// Containers nest a few levels at most (unit, case, pallet); the bound of 4 keeps a corrupted
// cycle from turning into an unbounded expansion.
OPTIONAL MATCH (c)-[:IN_BATCH]->(b:Batch)
OPTIONAL MATCH (p:Product {gtin: c.gtin})
OPTIONAL MATCH (ce:Event {id: c.commissionEvent})
OPTIONAL MATCH (plant:Party {id: ce.bizLocation})
OPTIONAL MATCH (line:Line {id: ce.readPoint})
CALL (c) {
  MATCH path = (c)-[:PACKED_IN*1..4]->(:Package)
  RETURN collect({ids: [n IN tail(nodes(path)) | n.id],
                  spans: [r IN relationships(path) | ["""
    + _us("r.since")
    + ", "
    + _us("r.until")
    + """]]}) AS paths
}
CALL (c) {
  MATCH path = (c)-[:PACKED_IN*0..4]->(k)
  WITH k, relationships(path) AS rs
  MATCH (k)<-[:CARRIES]-(s:Shipment)
  WITH k, s, rs, coalesce(s.shippedAt, s.receivedAt) AS t
  WHERE all(r IN rs WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  WITH s, collect(k.id)[0] AS via
  // The receipt ending the shipment may name an end more surely (a 3PL in possession).
  OPTIONAL MATCH (s)<-[:ENDS]-(x:Receipt)
  WITH s, via, x ORDER BY x.receivedAt, x.id
  WITH s, via, head(collect(x)) AS x
  OPTIONAL MATCH (s)-[:FROM]->(f0:Party)
  OPTIONAL MATCH (s)-[:TO]->(d0:Party)
  OPTIONAL MATCH (x)-[:FROM]->(xf:Party)
  OPTIONAL MATCH (x)-[:TO]->(xd:Party)
  WITH s, via, x,
       CASE WHEN xf IS NOT NULL AND (f0 IS NULL OR x.fromRank < s.fromRank) THEN xf ELSE f0 END
         AS f,
       CASE WHEN xd IS NOT NULL AND (d0 IS NULL OR x.toRank < s.toRank) THEN xd ELSE d0 END
         AS d
  OPTIONAL MATCH (fow:Party {id: s.fromOwner})
  OPTIONAL MATCH (tow:Party {id: coalesce(s.toOwner, x.toOwner)})
  RETURN collect({id: s.id, shippedAt: """
    + _us("s.shippedAt")
    + ", receivedAt: "
    + _us("s.receivedAt")
    + """, refs: s.refs,
                  shipEvent: s.shipEvent, receiveEvent: s.receiveEvent, via: via,
                  from: """
    + _party("f")
    + """, to: """
    + _party("d")
    + """, fromOwner: """
    + _party("fow")
    + """, toOwner: """
    + _party("tow")
    + """}) AS shipments
}
CALL (c) {
  MATCH path = (c)-[:PACKED_IN*0..4]->(k)
  WITH k, relationships(path) AS rs
  WITH k,
       reduce(a = null, r IN rs | CASE WHEN a IS NULL OR r.since > a THEN r.since ELSE a END)
         AS since,
       reduce(a = null, r IN rs | CASE WHEN r.until IS NULL THEN a
                                       WHEN a IS NULL OR r.until < a THEN r.until ELSE a END)
         AS until
  MATCH (k)<-[:CONCERNS]-(e:Event)
  WHERE (since IS NULL OR e.eventTime >= since) AND (until IS NULL OR e.eventTime <= until)
  WITH e, collect(k.id)[0] AS via
  RETURN collect({id: e.id, hash: e.hash, type: e.type, action: e.action,
                  eventTime: """
    + _us("e.eventTime")
    + """, bizStep: e.bizStep, disposition: e.disposition,
                  readPoint: e.readPoint, bizLocation: e.bizLocation, via: via,
                  json: CASE WHEN $raw THEN e.json END}) AS events
}
// What the unit (or its lot) was made from: transformations back to their inputs, a few levels.
CALL (c, b) {
  UNWIND [c] + CASE WHEN b IS NULL THEN [] ELSE [b] END AS x
  MATCH (x) ((made)<-[:OUTPUT]-(t:Event)-[:INPUT]->(used)){1,4} (i)
  WITH i, t[-1] AS t, size(t) AS depth
  OPTIONAL MATCH (ie:Event {id: i.commissionEvent})
  RETURN collect(DISTINCT {id: i.id, labels: labels(i), gtin: i.gtin, lot: i.lot,
                           event: t.id, at: """
    + _us("t.eventTime")
    + """, depth: depth,
                           madeAt: ie.bizLocation, commissionedAt: """
    + _us("i.commissionedAt")
    + """})
         AS inputs
}
CALL (c) {
  MATCH (c)-[m:ASSOCIATED_WITH]->(a:Asset)
  RETURN collect({asset: a.id, since: """
    + _us("m.since")
    + ", until: "
    + _us("m.until")
    + """}) AS assets
}
// The organisations the locations named above belong to (read in graph_model.provenance).
CALL (shipments, ce) {
  UNWIND [ce.bizLocation] + [x IN shipments | x.from.id] + [x IN shipments | x.to.id]
         + [x IN shipments | x.fromOwner.id] + [x IN shipments | x.toOwner.id] AS named
  WITH DISTINCT named WHERE named IS NOT NULL
  MATCH (:Location {id: named})-[of:OF]->(o:Party)
  WITH named, o ORDER BY coalesce(of.declared, false) DESC, o.id
  WITH named, head(collect(o)) AS o
  RETURN collect({location: named, party: """
    + _party("o")
    + """}) AS organisations
}
CALL (c) {
  MATCH (c)<-[:OF]-(s:Scan)
  OPTIONAL MATCH (s)-[:IN]->(g:Region)
  RETURN collect(s {.id, .kind, at: """
    + _us("s.at")
    + """, .actor, .device, .lat, .lon, .region,
                    .clientScanId, .event, regionName: g.name}) AS scans
}
RETURN c.id AS code, c.status AS status, """
    + _us("c.statusAt")
    + """ AS statusAt, c.gtin AS gtin,
       c.serial AS serial, c.lot AS lot, b.id AS batch, p.name AS productName,
       """
    + _us("c.commissionedAt")
    + """ AS commissionedAt, c.commissionEvent AS commissionEvent,
       ce.readPoint AS line, line.name AS lineName,
       CASE WHEN plant IS NULL AND ce.bizLocation IS NOT NULL
            THEN {id: ce.bizLocation, labels: ['Plant']} ELSE """
    + _party("plant")
    + """ END AS plant,
       paths, shipments, events, scans, inputs, assets, organisations
"""
)

VERIFY: LiteralString = """
UNWIND $ids AS id
OPTIONAL MATCH (c:Code {id: id})
CALL (c) {
  OPTIONAL MATCH (c)<-[:OF]-(s:Scan) WHERE NOT coalesce(s.event, '') IN $exclude
  WITH s ORDER BY s.at, s.id
  RETURN count(s) AS total,
         count(CASE WHEN s.kind = 'consumer' THEN 1 END) AS consumer,
         collect(DISTINCT CASE WHEN s.kind = 'consumer' THEN s.region END) AS consumerRegions,
         head(collect(s)) AS first, last(collect(s.at)) AS lastAt
}
CALL (c) {
  OPTIONAL MATCH (c)<-[:OF]-(s:Scan)
  WHERE NOT coalesce(s.event, '') IN $exclude AND s.region IS NOT NULL
  WITH s.region AS region, count(s) AS n
  RETURN collect({region: region, n: n}) AS regions
}
OPTIONAL MATCH (p:Product {gtin: c.gtin})
OPTIONAL MATCH (g:Region {code: first.region})
RETURN id AS code, c.commissionedAt AS commissionedAt, c.status AS status,
       c.statusAt AS statusAt, c.gtin AS gtin, c.lot AS lot, p.name AS productName,
       total, consumer, consumerRegions, regions, lastAt,
       first.at AS firstAt, first.region AS firstRegion, first.kind AS firstKind,
       g.name AS firstRegionName
"""

# -- lots ----------------------------------------------------------------------------------

# Units of one batch, or of one product commissioned in [$from, $to).
_LOT_UNITS: LiteralString = """
MATCH (b:Batch {id: $batch})
OPTIONAL MATCH (b)-[:MADE_AT]->(pl:Party)
WITH b, head(collect(pl)) AS plant
MATCH (c:Code)-[:IN_BATCH]->(b)
"""

_WINDOW_UNITS: LiteralString = """
MATCH (:Product {gtin: $gtin})<-[:OF]-(b:Batch)
WHERE b.firstCommissionedAt < $to
OPTIONAL MATCH (b)-[:MADE_AT]->(pl:Party)
WITH b, head(collect(pl)) AS plant
MATCH (c:Code)-[:IN_BATCH]->(b)
WHERE c.commissionedAt >= $from AND c.commissionedAt < $to
"""

# Per unit: the shipments that carried it (directly or in a container it was in at ship
# time), oldest first. Units sharing the same shipments, category and scan flag are then
# counted together, so the per-holder work is done once per group, not once per unit.
_UNIT_SHIPMENTS: LiteralString = """
CALL (c) {
  OPTIONAL MATCH path = (c)-[:PACKED_IN*0..4]->()<-[:CARRIES]-(s:Shipment)
  WITH s, relationships(path) AS rs, coalesce(s.shippedAt, s.receivedAt) AS t
  WHERE s IS NOT NULL
    AND all(r IN rs[..-1] WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  WITH DISTINCT s, t ORDER BY t, s.id
  RETURN collect(s) AS ships
}
"""

_CATEGORY: LiteralString = """
WITH c, plant, ships, ships[-1] AS last
WITH c, plant, ships,
     CASE WHEN last IS NOT NULL AND last.receivedAt IS NULL THEN 'inTransit'
          WHEN c.status IS NULL OR c.status = 'active' THEN 'inStock'
          WHEN c.status IN ['sold', 'consumed'] THEN 'sold'
          WHEN c.status IN ['recalled', 'destroyed', 'decommissioned'] THEN 'withdrawn'
          ELSE 'unaccounted' END AS category,
     EXISTS { (c)<-[:OF]-(:Scan {kind: 'consumer'}) } AS scanned
"""

LOT_SUMMARY: LiteralString = (
    """
CALL () {
"""
    + "{units}"
    + """
  RETURN count(c) AS units, min(c.commissionedAt) AS firstAt, max(c.commissionedAt) AS lastAt
}
CALL () {
"""
    + "{units}"
    + """
  WITH c.status AS status, count(*) AS n
  RETURN collect({status: status, n: n}) AS statuses
}
CALL () {
"""
    + "{units}"
    + _UNIT_SHIPMENTS
    + _CATEGORY
    + """
  WITH plant, ships, category, scanned, count(*) AS n
  WITH plant, ships, category, scanned, n, ships[-1] AS last
  WITH plant, ships, category, scanned, n,
       CASE WHEN last IS NULL THEN plant
            WHEN last.receivedAt IS NULL THEN [(last)-[:FROM]->(f) | f][0]
            ELSE [(last)-[:TO]->(d) | d][0] END AS holder
  CALL (plant, ships, category, scanned, n, holder) {
    WITH * WHERE plant IS NOT NULL
    RETURN plant AS party, n AS rec, 0 AS shp, null AS at, null AS cat, 0 AS scans
    UNION ALL
    UNWIND ships AS s
    MATCH (s)-[:TO]->(d:Party) WHERE s.receivedAt IS NOT NULL
    RETURN d AS party, n AS rec, 0 AS shp, s.receivedAt AS at, null AS cat, 0 AS scans
    UNION ALL
    UNWIND ships AS s
    MATCH (s)-[:FROM]->(f:Party)
    RETURN f AS party, 0 AS rec, n AS shp, null AS at, null AS cat, 0 AS scans
    UNION ALL
    WITH * WHERE holder IS NOT NULL
    RETURN holder AS party, 0 AS rec, 0 AS shp, null AS at, category AS cat,
           CASE WHEN scanned THEN n ELSE 0 END AS scans
  }
"""
    + _organisation_node("party", "rec, shp, at, cat, scans, n")
    + """
  WITH party, sum(rec) AS received, sum(shp) AS shipped,
       sum(CASE cat WHEN 'inStock' THEN n ELSE 0 END) AS inStock,
       sum(CASE cat WHEN 'sold' THEN n ELSE 0 END) AS sold,
       sum(CASE cat WHEN 'inTransit' THEN n ELSE 0 END) AS inTransit,
       sum(CASE cat WHEN 'withdrawn' THEN n ELSE 0 END) AS withdrawn,
       sum(CASE cat WHEN 'unaccounted' THEN n ELSE 0 END) AS unaccounted,
       sum(scans) AS scanned, min(at) AS firstReceivedAt, max(at) AS lastReceivedAt
  RETURN collect({party: """
    + _party("party")
    + """, received: received, shipped: shipped, inStock: inStock, sold: sold,
                  inTransit: inTransit, withdrawn: withdrawn, unaccounted: unaccounted,
                  scanned: scanned, firstReceivedAt: firstReceivedAt,
                  lastReceivedAt: lastReceivedAt}) AS holders
}
// Where the lot went through transformations: every output it became, by output lot.
CALL () {
"""
    + "{units}"
    + """
  WITH collect(DISTINCT b) + collect(c) AS start
  OPTIONAL MATCH (lb:Batch {id: $batch})
  UNWIND start + CASE WHEN lb IS NULL THEN [] ELSE [lb] END AS x
  WITH DISTINCT x WHERE EXISTS { (x)<-[:INPUT]-(:Event) }
  MATCH (x) ((used)<-[:INPUT]-(t:Event)-[:OUTPUT]->(made)){1,4} (o)
  OPTIONAL MATCH (o)-[:IN_BATCH]->(ob:Batch)
  WITH coalesce(CASE WHEN o:Batch THEN o END, ob) AS batch, o, t[-1] AS t
  WITH batch, count(DISTINCT CASE WHEN o:Code THEN o END) AS units,
       collect(DISTINCT CASE WHEN o:Package THEN o.id END) AS packages,
       collect(DISTINCT t.id) AS events
  OPTIONAL MATCH (batch)-[:OF]->(bp:Product)
  RETURN collect({batch: batch.id, gtin: batch.gtin, lot: batch.lot, productName: bp.name,
                  units: units, packages: packages, events: events}) AS outputs
}
OPTIONAL MATCH (p:Product {gtin: $gtin})
RETURN $batch AS batch, $gtin AS gtin, $lot AS lot, p.name AS productName, units, firstAt,
       lastAt, statuses, holders, outputs
"""
)

_PAGE_UNITS: LiteralString = """
WITH c, plant WHERE $status IS NULL OR coalesce(c.status, 'active') IN $status
"""

_UNIT_ROW: LiteralString = """
WITH c, plant, ships, category, scanned, ships[-1] AS last
WITH c, plant, ships, category, scanned,
     CASE WHEN last IS NULL THEN plant
          WHEN last.receivedAt IS NULL THEN [(last)-[:FROM]->(f) | f][0]
          ELSE [(last)-[:TO]->(d) | d][0] END AS holder
""" + _organisation_node("holder", "c, plant, ships, category, scanned")

_UNIT_MAP: LiteralString = (
    "{code: c.id, serial: c.serial, status: c.status, inTransit: category = 'inTransit', "
    "scans: COUNT { (c)<-[:OF]-(:Scan) }, holder: " + _party("holder") + "}"
)

# Without a holder filter only the page's units need their shipments read.
UNITS_PAGE: LiteralString = (
    "{units}"
    + _PAGE_UNITS
    + """
WITH c, plant ORDER BY c.id
WITH collect([c, plant]) AS chosen
WITH size(chosen) AS total,
     [x IN chosen WHERE $after IS NULL OR x[0].id > $after][..$limit] AS page
UNWIND (CASE WHEN size(page) = 0 THEN [null] ELSE page END) AS x
CALL (x) {
  WITH x WHERE x IS NOT NULL
  WITH x[0] AS c, x[1] AS plant
"""
    + _UNIT_SHIPMENTS
    + _CATEGORY
    + _UNIT_ROW
    + """
  RETURN """
    + _UNIT_MAP
    + """ AS row
}
RETURN total, collect(row) AS rows
"""
)

UNITS_PAGE_BY_HOLDER: LiteralString = (
    "{units}"
    + _PAGE_UNITS
    + _UNIT_SHIPMENTS
    + _CATEGORY
    + _UNIT_ROW
    + """
WITH c, holder, category WHERE holder.id = $holder
WITH c, holder, category ORDER BY c.id
WITH collect([c, holder, category]) AS chosen
WITH size(chosen) AS total,
     [x IN chosen WHERE $after IS NULL OR x[0].id > $after][..$limit] AS page
UNWIND (CASE WHEN size(page) = 0 THEN [null] ELSE page END) AS x
CALL (x) {
  WITH x WHERE x IS NOT NULL
  WITH x[0] AS c, x[1] AS holder, x[2] AS category
  RETURN """
    + _UNIT_MAP
    + """ AS row
}
RETURN total, collect(row) AS rows
"""
)

BATCHES_OF_LOT: LiteralString = """
MATCH (b:Batch {lot: $lot})
RETURN b.id AS batch, b.gtin AS gtin ORDER BY b.id LIMIT 20
"""


def _with_units(query: LiteralString, units: LiteralString) -> LiteralString:
    # ``{units}`` marks where the unit selection goes; both pieces are constants.
    head, *rest = query.split("{units}")
    out: LiteralString = head
    for part in rest:
        out = out + units + part
    return out


class UnitPage:
    """One page of a lot's units and the total under the same filters."""

    __slots__ = ("total", "units")

    def __init__(self, total: int, units: Sequence[LotUnit]) -> None:
        self.total = total
        self.units = tuple(units)


class ProvenanceRepository:
    """Provenance of units, recall of lots and the facts behind verification."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return self._db.read(query, **params)

    def trace(self, codes: Sequence[str], *, raw: bool = False) -> dict[str, Provenance]:
        """Provenance of every commissioned unit among ``codes`` (canonical EPCs).

        Codes never commissioned are missing from the result. ``raw`` adds each event's JSON.
        """
        records = self._read(TRACE, ids=list(dict.fromkeys(codes)), raw=raw)
        return {r["code"]: Provenance.from_record(r) for r in records}

    def plan_reads(self) -> None:
        """Have the server plan the trace and verification reads (``EXPLAIN``, nothing run),
        so that the first ``code(id)`` or scan of a process finds them cached."""
        self._read("EXPLAIN " + TRACE, ids=[], raw=False)
        self._read("EXPLAIN " + VERIFY, ids=[], exclude=[])

    def verify_facts(
        self, codes: Sequence[str], *, exclude_events: Sequence[str] = ()
    ) -> dict[str, VerifyFacts]:
        """Verification facts of every code in ``codes``, issued or not.

        Scans recorded by ``exclude_events`` are left out, so a retried scan is judged as the
        first attempt was.
        """
        records = self._read(VERIFY, ids=list(dict.fromkeys(codes)), exclude=list(exclude_events))
        return {r["code"]: VerifyFacts.from_record(r) for r in records}

    def batches_of_lot(self, lot: str) -> list[str]:
        """Batch keys (``gtin|lot``) having lot number ``lot``, at most 20."""
        return [r["batch"] for r in self._read(BATCHES_OF_LOT, lot=lot)]

    def lot_summary(self, ref: LotRef) -> LotSummary | None:
        """Where the units of the batch ``ref`` are and were; None for an unknown batch."""
        if ref.batch is None:
            raise ValueError("lot_summary needs a lot with its GTIN")
        query = _with_units(LOT_SUMMARY, _LOT_UNITS)
        records = self._read(query, batch=ref.batch, gtin=ref.gtin, lot=ref.lot)
        summary = LotSummary.from_record(records[0])
        return summary if summary.units or summary.outputs else None

    def window_summary(self, gtin: str, start: datetime, end: datetime) -> LotSummary:
        """Where the units of product ``gtin`` commissioned in ``[start, end)`` are and were."""
        query = _with_units(LOT_SUMMARY, _WINDOW_UNITS)
        records = self._read(query, gtin=gtin, batch=None, lot=None, **{"from": start, "to": end})
        return LotSummary.from_record(records[0])

    def lot_units(
        self,
        ref: LotRef | None,
        *,
        limit: int,
        window: tuple[str, datetime, datetime] | None = None,
        after: str | None = None,
        holder: str | None = None,
        statuses: Sequence[str] | None = None,
    ) -> UnitPage:
        """A page of the batch's (or the window's) units in code order, with current holders."""
        units = _LOT_UNITS if window is None else _WINDOW_UNITS
        if window is None and (ref is None or ref.batch is None):
            raise ValueError("lot_units needs a lot with its GTIN, or a product window")
        query = _with_units(UNITS_PAGE if holder is None else UNITS_PAGE_BY_HOLDER, units)
        gtin, start, end = window or (None, None, None)
        records = self._read(
            query,
            batch=None if ref is None else ref.batch,
            gtin=gtin,
            limit=limit,
            after=after,
            holder=holder,
            status=None if statuses is None else list(statuses),
            **{"from": start, "to": end},
        )
        if not records:
            return UnitPage(0, ())
        record = records[0]
        return UnitPage(int(record["total"]), [LotUnit.from_record(r) for r in record["rows"]])
