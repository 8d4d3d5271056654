"""Reads behind campaign analytics, each one query answered as one record of rows (columns,
not a record per row): the scans a campaign decided (a day at a time), the units a brand's
plants shipped with how many of them consumers scanned, regions and parties with the
provinces they lie in, and a consumer's own scans.

Nothing is written here; the figures are measured from what the scan path and capture stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, LiteralString

from graph_model.database import Database
from graph_model.errors import NotFound

__all__ = ["CampaignAnalyticsRepository", "CoveredScan", "PlaceRow", "ShippedRow"]

#: Consumers asked about in one query.
_BATCH: Final = 20_000

# One time slice of the scans a campaign decided (the Scan.at index narrows it first).
_COVERED: Final[LiteralString] = """
MATCH (s:Scan) USING INDEX s:Scan(at)
WHERE $from <= s.at < $to
MATCH (s)<-[:ON]-(:RiskDecision)-[:IN]->(:Campaign {id: $id})
OPTIONAL MATCH (s)-[:OF]->(c:Code)
OPTIONAL MATCH (a:Award {campaign: $id, status: 'paid'})-[:FOR]->(s)
RETURN collect([s.actor, s.at.epochSeconds, s.region, c.id, c.gtin, a.level,
                a.amountCents]) AS rows
"""

_REGIONS: Final[LiteralString] = """
UNWIND $codes AS code
MATCH (r:Region {code: code})
OPTIONAL MATCH (r)-[:WITHIN*0..3]->(p:Region {level: 'province'})
WITH code, r, head(collect(coalesce(p.name, p.code))) AS province
RETURN collect([code, coalesce(r.name, code), province, []]) AS rows
"""

_PARTIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (p:Party {id: id})
OPTIONAL MATCH (p)-[:IN]->(:Region)-[:WITHIN*0..3]->(w:Region)
WITH id, p, collect(DISTINCT w) AS within
RETURN collect([id, coalesce(p.name, id),
                head([w IN within WHERE w.level = 'province' | coalesce(w.name, w.code)]),
                [w IN within | w.code]]) AS rows
"""

# Each unit of the products (all: ``$products`` null) a plant shipped up to ``$to``, counted
# once at its first shipment from a plant (through the containers it was in at ship time),
# by the party it went to; scanned when a consumer scanned it in [$from, $to].
_SHIPPED: Final[LiteralString] = """
MATCH (p:Product) WHERE $products IS NULL OR p.gtin IN $products
MATCH (p)<-[:OF]-(:Batch)<-[:IN_BATCH]-(c:Code)
CALL (c) {
  MATCH path = (c)-[:PACKED_IN*0..4]->(k)<-[:CARRIES]-(s:Shipment)-[:FROM]->(:Plant)
  WHERE s.shippedAt <= $to
    AND all(r IN relationships(path)[..-2]
            WHERE r.since <= s.shippedAt AND (r.until IS NULL OR r.until > s.shippedAt))
  RETURN s ORDER BY s.shippedAt LIMIT 1
}
MATCH (s)-[:TO]->(d:Party)
WITH d.id AS party, p.gtin AS gtin,
     EXISTS { MATCH (c)<-[:OF]-(x:Scan {kind: 'consumer'}) WHERE $from <= x.at <= $to }
       AS scanned
WITH party, gtin, count(*) AS units, count(CASE WHEN scanned THEN 1 END) AS scanned
RETURN collect([party, gtin, units, scanned]) AS rows
"""

_EARLIER: Final[LiteralString] = """
UNWIND $consumers AS id
MATCH (:Consumer {id: id})<-[:BY]-(x:Scan {kind: 'consumer'}) WHERE x.at < $before
WITH id, min(x.at) AS first
RETURN collect([id, first.epochSeconds]) AS rows
"""

_CONSUMER: Final[LiteralString] = """
MATCH (co:Consumer {id: $id})
OPTIONAL MATCH (co)<-[:BY]-(s:Scan {kind: 'consumer'}) WHERE $from <= s.at <= $to
OPTIONAL MATCH (s)-[:OF]->(c:Code)
CALL (s) {
  OPTIONAL MATCH (a:Award {status: 'paid'})-[:FOR]->(s)
  WHERE $campaign IS NULL OR a.campaign = $campaign
  RETURN sum(coalesce(a.amountCents, 0)) AS cents
}
WITH co, collect([s.at.epochSeconds, s.region, c.id, c.gtin, cents]) AS rows
RETURN rows, COLLECT { MATCH (co)<-[:BY]-(x:Scan {kind: 'consumer'}) WHERE x.at < $from
                       RETURN min(x.at).epochSeconds } AS earlier
"""


@dataclass(frozen=True, slots=True)
class CoveredScan:
    """A scan a campaign decided: consumer, epoch seconds, region code, unit, product, and
    the paid prize (level, cents) if it won one."""

    consumer: str | None
    at: float
    region: str | None
    code: str | None
    gtin: str | None
    level: str | None
    cents: int


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A region or a party: its name, the province it lies in (by name) and every region
    code it lies within."""

    key: str
    name: str
    province: str | None
    within: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShippedRow:
    party: str
    gtin: str
    units: int
    scanned: int


def _rows(records: Sequence[Any]) -> list[list[Any]]:
    return list(records[0]["rows"]) if records else []


class CampaignAnalyticsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def covered_scans(
        self,
        campaign_id: str,
        start: datetime,
        end: datetime,
        slice_: timedelta = timedelta(days=1),
    ) -> list[CoveredScan]:
        """Every scan the campaign decided in ``[start, end)``, read one time slice of
        ``slice_`` at a time so no answer holds more than a slice's scans."""
        out: list[CoveredScan] = []
        lo = start
        while lo < end:
            hi = min(end, lo + slice_)
            out.extend(
                CoveredScan(r[0], float(r[1]), r[2], r[3], r[4], r[5], int(r[6] or 0))
                for r in _rows(self._db.read(_COVERED, id=campaign_id, **{"from": lo, "to": hi}))
            )
            lo = hi
        return out

    def regions(self, codes: Sequence[str]) -> dict[str, PlaceRow]:
        """The regions of ``codes`` with their names and provinces (unknown codes left out)."""
        rows = _rows(self._db.read(_REGIONS, codes=sorted(set(codes))))
        return {r[0]: PlaceRow(r[0], r[1], r[2], tuple(r[3])) for r in rows}

    def parties(self, ids: Sequence[str]) -> dict[str, PlaceRow]:
        """The parties of ``ids`` with the province and the regions they lie in."""
        rows = _rows(self._db.read(_PARTIES, ids=sorted(set(ids))))
        return {r[0]: PlaceRow(r[0], r[1], r[2], tuple(r[3])) for r in rows}

    def shipped(
        self, products: Sequence[str] | None, start: datetime, end: datetime
    ) -> list[ShippedRow]:
        """Units of ``products`` (``None``: all) plants shipped up to ``end``, by destination
        party and product, with those a consumer scanned between ``start`` and ``end``."""
        rows = _rows(
            self._db.read(
                _SHIPPED,
                products=None if products is None else list(products),
                **{"from": start, "to": end},
            )
        )
        return [ShippedRow(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def first_scans_before(self, consumers: Sequence[str], before: datetime) -> dict[str, float]:
        """Each consumer's first consumer scan before ``before`` (epoch seconds), for those
        who have one."""
        out: dict[str, float] = {}
        for i in range(0, len(consumers), _BATCH):
            chunk = list(consumers[i : i + _BATCH])
            rows = _rows(self._db.read(_EARLIER, consumers=chunk, before=before))
            out.update((r[0], float(r[1])) for r in rows)
        return out

    def consumer_scans(
        self, consumer: str, start: datetime, end: datetime, campaign: str | None
    ) -> tuple[list[tuple[float, str | None, str, str | None, int]], float | None]:
        """A consumer's scans between ``start`` and ``end`` (epoch seconds, region, unit,
        product, prize cents paid, in ``campaign`` when given) and their first scan before
        ``start``; :class:`NotFound` when there is no such consumer."""
        records = self._db.read(
            _CONSUMER, id=consumer, campaign=campaign, **{"from": start, "to": end}
        )
        if not records:
            raise NotFound(f"no consumer {consumer!r}")
        scans = [
            (float(r[0]), r[1], r[2], r[3], int(r[4] or 0))
            for r in records[0]["rows"]
            if r[0] is not None
        ]
        earlier = records[0]["earlier"]
        first = earlier[0] if earlier else None
        return scans, None if first is None else float(first)
