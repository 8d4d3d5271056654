"""Reads behind supply analytics, each one query answered as one record of rows:
goods carried by shipments (units counted through the containers they were in at ship
time), units made at plants, units sold at stores, first consumer scans, the parties of a
channel and the lots' dates; and the stock reports dealers declare.

``parties`` narrows every read to a channel: ``None`` reads the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, LiteralString

import neo4j

from graph_model.database import Database
from graph_model.supply import (
    SALE_STEPS,
    ConsumerScanRow,
    LotRow,
    MovementRow,
    PartyRow,
    StockReportRow,
    ilmd_date,
)

__all__ = ["SupplyRepository"]

CHANNEL: LiteralString = """
MATCH (p:Party {id: $id})
CALL (p) {
  MATCH (p)-[:SUPPLIES*0..6]->(q:Party) RETURN q
  UNION
  MATCH (q:Party)-[:SUPPLIES*1..6]->(p) RETURN q
}
RETURN collect(DISTINCT q.id) AS ids
"""

_PARTIES: LiteralString = """
OPTIONAL MATCH (p)-[:IN]->(r:Region)
WITH p, head(collect(r)) AS r
OPTIONAL MATCH (r)-[:WITHIN*0..3]->(g:Region {level: 'province'})
WITH p, r, head(collect(g)) AS g
RETURN collect([p.id, coalesce(p.name, p.id), labels(p), p.tier, r.code, g.code]) AS rows
"""
PARTIES: LiteralString = "MATCH (p:Party)" + _PARTIES
CHANNEL_PARTIES: LiteralString = "UNWIND $ids AS id MATCH (p:Party {id: id})" + _PARTIES

# Per shipment: what it carried, by lot, counted through the containers it carried as they
# were packed at ship time (a receipt without a shipping event: at its receipt).
# Each read in two forms: over the whole graph, or starting from the channel's parties
# (``$ids``), so a channel costs what its own goods cost whatever else the graph holds.
_ALL_SHIPMENTS: LiteralString = """
MATCH (s:Shipment)
WHERE coalesce(s.shippedAt, s.receivedAt) <= $until
"""
_CHANNEL_SHIPMENTS: LiteralString = """
UNWIND $ids AS id
MATCH (:Party {id: id})<-[:FROM|TO]-(s:Shipment)
WITH DISTINCT s WHERE coalesce(s.shippedAt, s.receivedAt) <= $until
"""
# Per shipment: what it carried, by lot, counted through the containers it carried as they
# were packed at ship time (a receipt without a shipping event: at its receipt).
_SHIPMENT_LINES: LiteralString = """
OPTIONAL MATCH (s)-[:FROM]->(f:Party)
OPTIONAL MATCH (s)-[:TO]->(d:Party)
CALL (s) {
  WITH s, coalesce(s.shippedAt, s.receivedAt) AS t
  MATCH (s)-[:CARRIES]->(k)
  MATCH path = (k)<-[:PACKED_IN*0..4]-(c:Code)
  WHERE all(r IN relationships(path) WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  WITH DISTINCT c
  RETURN c.gtin AS gtin, coalesce(c.lot, '') AS lot, count(*) AS units
}
RETURN collect([f.id, d.id, s.shippedAt.epochSeconds, s.receivedAt.epochSeconds, gtin, lot,
                units]) AS rows
"""
SHIPMENT_LINES: LiteralString = _ALL_SHIPMENTS + _SHIPMENT_LINES
CHANNEL_SHIPMENT_LINES: LiteralString = _CHANNEL_SHIPMENTS + _SHIPMENT_LINES
# Shipments received in [$from, $to): by the parties ``$ids``, or by any store.
RECEIPTS: LiteralString = (
    """
MATCH (s:Shipment)-[:TO]->(:Store) WHERE $from <= s.receivedAt < $to
WITH DISTINCT s
"""
    + _SHIPMENT_LINES
)
CHANNEL_RECEIPTS: LiteralString = (
    """
UNWIND $ids AS id
MATCH (:Party {id: id})<-[:TO]-(s:Shipment) WHERE $from <= s.receivedAt < $to
WITH DISTINCT s
"""
    + _SHIPMENT_LINES
)

_PRODUCTION: LiteralString = """
WHERE b.firstCommissionedAt <= $until
CALL (b) {
  MATCH (c:Code)-[:IN_BATCH]->(b) WHERE c.commissionedAt <= $until
  RETURN c.commissionedAt.epochSeconds AS at, count(*) AS units
}
RETURN collect([pl.id, b.gtin, b.lot, at, units]) AS rows
"""
PRODUCTION: LiteralString = "MATCH (b:Batch)-[:MADE_AT]->(pl:Party)" + _PRODUCTION
CHANNEL_PRODUCTION: LiteralString = (
    "UNWIND $ids AS id MATCH (b:Batch)-[:MADE_AT]->(pl:Party {id: id})" + _PRODUCTION
)

_SALES: LiteralString = """
CALL (e) {
  MATCH (e)-[:CONCERNS]->(c:Code)
  RETURN c.gtin AS gtin, coalesce(c.lot, '') AS lot, count(*) AS units
}
RETURN collect([e.bizLocation, gtin, lot, e.eventTime.epochSeconds, units]) AS rows
"""
SALES: LiteralString = (
    "MATCH (e:Event) WHERE e.bizStep IN $steps AND e.eventTime <= $until" + _SALES
)
CHANNEL_SALES: LiteralString = (
    """
UNWIND $ids AS id
MATCH (e:Event {bizLocation: id}) WHERE e.bizStep IN $steps AND e.eventTime <= $until
"""
    + _SALES
)

CONSUMER_SCANS: LiteralString = """
MATCH (s:Scan {kind: 'consumer'})-[:OF]->(c:Code)
WHERE s.at <= $until
WITH c, min(s.at) AS scanned
CALL (c) {
  OPTIONAL MATCH (c)<-[:CONCERNS]-(e:Event) WHERE e.bizStep IN $steps
  RETURN e ORDER BY e.eventTime LIMIT 1
}
RETURN collect([e.bizLocation, c.gtin, coalesce(c.lot, ''), e.eventTime.epochSeconds,
                scanned.epochSeconds]) AS rows
"""
# Within a channel: the units its stores sold, and their first consumer scans.
CHANNEL_CONSUMER_SCANS: LiteralString = """
UNWIND $ids AS id
MATCH (e:Event {bizLocation: id})-[:CONCERNS]->(c:Code) WHERE e.bizStep IN $steps
WITH c, e ORDER BY e.eventTime
WITH c, head(collect(e)) AS e
MATCH (s:Scan {kind: 'consumer'})-[:OF]->(c) WHERE s.at <= $until
WITH c, e, min(s.at) AS scanned
RETURN collect([e.bizLocation, c.gtin, coalesce(c.lot, ''), e.eventTime.epochSeconds,
                scanned.epochSeconds]) AS rows
"""

# A lot's expiry as its commissioning event's ILMD states it, read from the stored JSON.
LOTS: LiteralString = """
UNWIND $batches AS id
MATCH (b:Batch {id: id})
CALL (b) {
  MATCH (c:Code)-[:IN_BATCH]->(b) WHERE c.commissionEvent IS NOT NULL
  RETURN c.commissionEvent AS event LIMIT 1
}
OPTIONAL MATCH (e:Event {id: event})
WITH b, e.json AS json
RETURN collect([b.gtin, b.lot, b.firstCommissionedAt.epochSeconds,
                [k IN ['itemExpirationDate', 'bestBeforeDate', 'sellByDate']
                 | CASE WHEN json CONTAINS k THEN substring(split(json, k)[1], 0, 48) END]])
         AS rows
"""

# Locations and the organisations they belong to (a declaration wins over what events
# implied), for the ids given either way round, or for the whole graph.
_ORGANISATIONS: LiteralString = """
WITH l, o, of ORDER BY coalesce(of.declared, false) DESC, o.id
WITH l, head(collect(o)) AS o
RETURN collect([l.id, o.id]) AS rows
"""
ORGANISATIONS: LiteralString = "MATCH (l:Location)-[of:OF]->(o:Party)" + _ORGANISATIONS
CHANNEL_ORGANISATIONS: LiteralString = (
    """
UNWIND $ids AS id
CALL (id) {
  MATCH (l:Location {id: id})-[of:OF]->(o:Party) RETURN l, o, of
  UNION
  MATCH (l:Location)-[of:OF]->(o:Party {id: id}) RETURN l, o, of
}
"""
    + _ORGANISATIONS
)

NAMES: LiteralString = """
CALL () {
  UNWIND $gtins AS g MATCH (p:Product {gtin: g}) RETURN p.gtin AS key, p.name AS name
  UNION
  UNWIND $codes AS c MATCH (r:Region {code: c}) RETURN r.code AS key, r.name AS name
}
RETURN collect([key, name]) AS rows
"""

SAVE_REPORTS: LiteralString = """
UNWIND $rows AS r
MERGE (s:StockReport {id: r.id})
SET s.party = r.party, s.gtin = r.gtin, s.quantity = r.quantity, s.at = datetime(r.at)
WITH s, r
OPTIONAL MATCH (p:Party {id: r.party})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (s)-[:BY]->(p))
RETURN count(s) AS saved
"""

REPORTS: LiteralString = """
MATCH (s:StockReport)
WHERE s.at <= $until AND ($ids IS NULL OR s.party IN $ids)
RETURN collect([s.party, s.gtin, s.quantity, s.at.epochSeconds]) AS rows
"""


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _rows(records: list[neo4j.Record]) -> list[list[Any]]:
    # One record holding every row as a list: reading a million records costs far more than
    # one record of a million lists, and a list keeps its nulls where collect() drops them.
    return list(records[0]["rows"]) if records else []


class SupplyRepository:
    """Supply-chain facts read from events and custody as stored."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _read(self, query: LiteralString, **params: Any) -> list[list[Any]]:
        return _rows(self.db.read(query, **params))

    def channel(self, party: str) -> list[str]:
        """``party`` and every party linked to it by supply contracts, up and down."""
        records = self.db.read(CHANNEL, id=party)
        return list(records[0]["ids"]) if records else []

    def organisations(self, ids: Sequence[str] | None) -> dict[str, str]:
        """The organisation each location belongs to: of the locations and organisations
        ``ids`` names (``None``: every one stored)."""
        query = ORGANISATIONS if ids is None else CHANNEL_ORGANISATIONS
        return {location: org for location, org in self._read(query, ids=ids) if location != org}

    def parties(self, ids: Sequence[str] | None) -> list[PartyRow]:
        return [
            PartyRow(i, n, tuple(labels), t, r, g)
            for i, n, labels, t, r, g in self._read(
                PARTIES if ids is None else CHANNEL_PARTIES, ids=ids
            )
        ]

    def movements(
        self, until: datetime, ids: Sequence[str] | None, *, sales: bool = True
    ) -> list[MovementRow]:
        """Every unit made, received, shipped or (with ``sales``) sold up to ``until`` at the
        parties ``ids`` (a shipment between a party of ``ids`` and one outside counts at the
        one inside)."""
        wanted = None if ids is None else set(ids)
        out: list[MovementRow] = []
        channel = ids is not None
        for src, dst, shipped, received, gtin, lot, units in self._read(
            CHANNEL_SHIPMENT_LINES if channel else SHIPMENT_LINES, until=until, ids=ids
        ):
            t_ship, t_recv = _time(shipped), _time(received)
            if src and t_ship and t_ship <= until and (wanted is None or src in wanted):
                out.append(MovementRow(src, gtin, lot, "shipped", t_ship, units))
            if dst and t_recv and t_recv <= until and (wanted is None or dst in wanted):
                out.append(MovementRow(dst, gtin, lot, "received", t_recv, units))
        out.extend(
            MovementRow(p, g, lot or "", "produced", _time(t) or until, n)
            for p, g, lot, t, n in self._read(
                CHANNEL_PRODUCTION if channel else PRODUCTION, until=until, ids=ids
            )
        )
        if sales:
            out.extend(
                MovementRow(p, g, lot, "sold", _time(t) or until, n)
                for p, g, lot, t, n in self._read(
                    CHANNEL_SALES if channel else SALES,
                    until=until,
                    ids=ids,
                    steps=list(SALE_STEPS),
                )
                if p is not None
            )
        return out

    def gtins(self, ids: Sequence[str] | None) -> set[str]:
        """The SKUs the plants of ``ids`` made (``None``: every product)."""
        if ids is None:
            return {r["gtin"] for r in self.db.read("MATCH (p:Product) RETURN p.gtin AS gtin")}
        records = self.db.read(
            "UNWIND $ids AS id MATCH (:Party {id: id})<-[:MADE_AT]-(b:Batch) "
            "RETURN DISTINCT b.gtin AS gtin",
            ids=ids,
        )
        return {r["gtin"] for r in records}

    def receipts(
        self, start: datetime, end: datetime, ids: Sequence[str] | None
    ) -> list[MovementRow]:
        """What the parties ``ids`` (``None``: every store) received in ``[start, end)``."""
        query = RECEIPTS if ids is None else CHANNEL_RECEIPTS
        return [
            MovementRow(dst, gtin, lot, "received", received, units)
            for _, dst, _, t, gtin, lot, units in self._read(
                query, ids=ids, **{"from": start, "to": end}
            )
            if dst is not None and (received := _time(t)) is not None
        ]

    def consumer_scans(self, until: datetime, ids: Sequence[str] | None) -> list[ConsumerScanRow]:
        """Each unit's first consumer scan up to ``until`` and the sale before it; within a
        channel, only units a store of the channel sold."""
        query = CONSUMER_SCANS if ids is None else CHANNEL_CONSUMER_SCANS
        rows = self._read(query, until=until, ids=ids, steps=list(SALE_STEPS))
        return [
            ConsumerScanRow(store, g, lot, _time(sold), _time(scanned) or until)
            for store, g, lot, sold, scanned in rows
        ]

    def lots(self, keys: Iterable[tuple[str, str]]) -> list[LotRow]:
        """The dates of the lots ``(gtin, lot)`` that are stored."""
        batches = sorted({f"{g}|{lot}" for g, lot in keys})
        out = []
        for gtin, lot, made, tails in self._read(LOTS, batches=batches):
            expires = next((d for d in map(ilmd_date, tails) if d is not None), None)
            if made is not None:
                out.append(LotRow(gtin, lot, datetime.fromtimestamp(made, UTC), expires))
        return out

    def names(self, gtins: Iterable[str], codes: Iterable[str]) -> dict[str, str]:
        """Product names by GTIN and region names by code, of those stored."""
        rows = self._read(NAMES, gtins=sorted(set(gtins)), codes=sorted(set(codes)))
        return {key: name for key, name in rows if name}

    def save_reports(self, rows: Sequence[StockReportRow]) -> int:
        """Store the declarations in one transaction; a row declared again replaces itself."""
        params = [
            {"id": r.id, "party": r.party, "gtin": r.gtin, "quantity": r.quantity,
             "at": r.at.astimezone(UTC).isoformat()}
            for r in rows
        ]  # fmt: skip

        def work(tx: neo4j.ManagedTransaction) -> int:
            return int(tx.run(SAVE_REPORTS, rows=params).single(strict=True)["saved"])

        return self.db.write(work)

    def reports(self, until: datetime, ids: Sequence[str] | None) -> list[StockReportRow]:
        return [
            StockReportRow(p, g, q, datetime.fromtimestamp(t, UTC))
            for p, g, q, t in self._read(REPORTS, until=until, ids=ids)
        ]
