"""Reads behind diversion detection and the cases it writes.

Scans of a window are read in time slices of at most ``page`` scans each, every slice as one
query returning its columns (no record per scan, no round trip per scan); the custody of the
packages those units travelled in is then read once per distinct package (``UNWIND``
batches), since the units of one case share it. Cases are written in batches, each in one
transaction: a case and all its links are written together or not at all.

Graph written here::

    (:DiversionCase {id, severity, score, units, scans, consumers, siblingUnits, days,
                     expectedConsumers, distanceKm, firstSeen, lastSeen, period, periodStart,
                     periodEnd, gtins, rules, rule, reasons, scanIds, detectedAt})
      -[:AGAINST]->(:Distributor)   -[:IN]->(:Region)   -[:INCLUDES]->(:Code)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, LiteralString

import neo4j

from graph_model.database import Database
from graph_model.diversion import (
    CaseFilter,
    CaseLevel,
    CasePage,
    DealerTerritory,
    Move,
    PathFacts,
    PathScan,
    RegionRow,
    ScanColumns,
    ScanTimeFacts,
    StoredCase,
    TerritoryRow,
)

__all__ = ["DiversionRepository", "case_from_record"]

DEFAULT_PAGE: Final = 50_000
HOLDER_BATCH: Final = 5_000
WRITE_UNITS: Final = 20_000  # units linked per write transaction, at most (whole cases)

_REGIONS: Final[LiteralString] = """
MATCH (r:Region)
OPTIONAL MATCH (r)-[:WITHIN]->(p:Region)
RETURN r.code AS code, head(collect(p.code)) AS parent, r.name AS name, r.lat AS lat,
       r.lon AS lon
"""

_TERRITORIES: Final[LiteralString] = """
MATCH (d:Distributor)
RETURN d.id AS id, d.name AS name,
       COLLECT { MATCH (d)-[a:AUTHORIZED_IN]->(r:Region)
                 RETURN [r.code, coalesce(a.products, [])] } AS grants,
       COLLECT { MATCH (d)-[:SUPPLIES]->(p:Party)-[:IN]->(r:Region)
                 RETURN [p.id, r.code] } AS contracts
"""

_DAYS: Final[LiteralString] = """
MATCH (s:Scan) WHERE s.at >= $from AND s.at < $to
RETURN s.at.epochSeconds / 86400 AS day, count(*) AS n
"""

_SCANS: Final[LiteralString] = """
MATCH (s:Scan) WHERE s.at >= $from AND s.at < $to
MATCH (s)-[:OF]->(c:Code)
OPTIONAL MATCH (s)-[:IN]->(g:Region)
WITH s, c, g,
     COLLECT { MATCH (c)-[m:PACKED_IN]->(k:Package) RETURN k.id ORDER BY m.since LIMIT 1 }
       AS box
RETURN collect(s.id) AS ids, collect(c.id) AS codes, collect(coalesce(c.gtin, '')) AS gtins,
       collect(s.at.epochSeconds) AS at, collect(coalesce(g.code, '')) AS regions,
       collect(coalesce(s.actor, s.device, s.id)) AS actors,
       collect(coalesce(s.lat, 'NaN')) AS lat, collect(coalesce(s.lon, 'NaN')) AS lon,
       collect(coalesce(head(box), '')) AS box
"""

# Shipments that carried the holder, or a package holding it at ship time.
_MOVES: Final[LiteralString] = """
CALL (h) {
  MATCH path = (h)-[:PACKED_IN*0..4]->(k)
  WITH k, relationships(path) AS rs
  MATCH (k)<-[:CARRIES]-(sh:Shipment)
  WITH sh, rs, coalesce(sh.shippedAt, sh.receivedAt) AS t
  WHERE all(r IN rs WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  WITH DISTINCT sh
  MATCH (sh)-[:TO]->(to:Party)
  OPTIONAL MATCH (sh)-[:FROM]->(fr:Party)
  OPTIONAL MATCH (to)-[:IN]->(tr:Region)
  RETURN collect([coalesce(sh.receivedAt, sh.shippedAt).epochSeconds, to.id,
                  to:Distributor, tr.code, fr.id, sh.shipEvent, sh.receiveEvent]) AS moves
}
"""

_HOLDERS: Final[LiteralString] = (
    """
CALL {
  UNWIND $packages AS id
  MATCH (h:Package {id: id}) USING INDEX SEEK h:Package(id)
  RETURN h
  UNION ALL
  UNWIND $codes AS id
  MATCH (h:Code {id: id}) USING INDEX SEEK h:Code(id)
  RETURN h
}
"""
    + _MOVES
    + """
RETURN h.id AS id, moves,
       COLLECT { MATCH (h)-[m:PACKED_IN]->(p:Package) RETURN p.id ORDER BY m.since LIMIT 1 }
         AS up
"""
)

# The scan-time check: the distributor answering for the unit at $at (the last one that
# received it, else the narrowest grant covering the region its last shipment went into), the
# scanned region's chain and the master data's revision, in one read. The distributor's
# territory is read apart (_TERRITORY) and kept by the service until the revision changes.
_SCAN_TIME: Final[LiteralString] = """
MATCH (c:Code {id: $code}) USING INDEX SEEK c:Code(id)
WHERE c.commissionedAt IS NOT NULL
CALL (c) {
  OPTIONAL MATCH path = (c)-[:PACKED_IN*0..4]->(k)
  WITH k, relationships(path) AS rs
  OPTIONAL MATCH (k)<-[:CARRIES]-(sh:Shipment)
  WITH sh, rs, coalesce(sh.shippedAt, sh.receivedAt) AS t
  WHERE sh IS NOT NULL AND t <= $at
    AND all(r IN rs WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  WITH DISTINCT sh, coalesce(sh.receivedAt, sh.shippedAt) AS got
  MATCH (sh)-[:TO]->(to:Party)
  WITH to, got ORDER BY got DESC
  WITH collect(to) AS receivers
  RETURN head([x IN receivers WHERE x:Distributor]) AS holder, head(receivers) AS last
}
CALL (c, holder, last) {
  OPTIONAL MATCH (last)-[:IN]->(:Region)-[w:WITHIN*0..6]->(:Region)
                 <-[a:AUTHORIZED_IN]-(d:Distributor)
  WHERE holder IS NULL AND (size(coalesce(a.products, [])) = 0 OR c.gtin IN a.products)
  WITH d, size(w) AS depth, COUNT { (d)-[:AUTHORIZED_IN]->() } AS grants
  ORDER BY depth, grants, d.id
  RETURN head(collect(d)) AS granted
}
WITH c, coalesce(holder, granted) AS d
OPTIONAL MATCH (g:Region {code: $region})
OPTIONAL MATCH (v:Revision {id: 'master-data'})
RETURN coalesce(c.gtin, '') AS gtin, d.id AS responsible, d.name AS responsibleName,
       g.name AS regionName, v.token AS revision,
       COLLECT { MATCH p = (g)-[:WITHIN*0..6]->(x:Region) RETURN x.code ORDER BY length(p) }
         AS regionChain
"""

# A distributor's territory: its grants and its supply contracts (hundreds of stores in a
# real channel, grouped by region so that each region's chain is walked once).
_TERRITORY: Final[LiteralString] = """
MATCH (d:Distributor {id: $distributor})
CALL (d) {
  OPTIONAL MATCH (d)-[a:AUTHORIZED_IN]->(r:Region)
  WITH a, r WHERE r IS NOT NULL
  RETURN collect([r.code, coalesce(a.products, [])]) AS grants,
         collect(COLLECT { MATCH p = (r)-[:WITHIN*0..6]->(x:Region)
                           RETURN x.code ORDER BY length(p) }) AS grantChains
}
CALL (d) {
  OPTIONAL MATCH (d)-[:SUPPLIES]->(q:Party)-[:IN]->(r:Region)
  WITH q, r WHERE r IS NOT NULL
  WITH r, collect(q.id) AS stores
  RETURN collect([r.code, stores]) AS contracts,
         collect(COLLECT { MATCH p = (r)-[:WITHIN*0..6]->(x:Region)
                           RETURN x.code ORDER BY length(p) }) AS contractChains
}
RETURN grants, contracts, grantChains + contractChains AS chains
"""

_PATH: Final[LiteralString] = (
    """
MATCH (h:Code {id: $code}) USING INDEX SEEK h:Code(id)
WHERE h.commissionedAt IS NOT NULL
OPTIONAL MATCH (ce:Event {id: h.commissionEvent})
OPTIONAL MATCH (plant:Party {id: ce.bizLocation})
OPTIONAL MATCH (plant)-[:IN]->(pr:Region)
"""
    + _MOVES
    + """
CALL (h) {
  OPTIONAL MATCH (h)<-[:OF]-(s:Scan)
  OPTIONAL MATCH (s)-[:IN]->(g:Region)
  WITH s, g WHERE s IS NOT NULL
  RETURN collect([s.id, s.at, coalesce(s.actor, s.device, s.id), g.code, s.event]) AS scans
}
WITH h, ce, plant, pr, moves, scans,
     [m IN moves | m[1]] + [m IN moves | m[4]] + [plant.id] AS parties
RETURN coalesce(h.gtin, '') AS gtin, h.commissionedAt AS madeAt, plant.id AS plant,
       pr.code AS plantRegion, ce.id AS commissionEvent, moves, scans,
       COLLECT { MATCH (a:Party)-[:SUPPLIES]->(b:Party)
                 WHERE a.id IN parties AND b.id IN parties RETURN [a.id, b.id] } AS supplies,
       COLLECT { MATCH (p:Party) WHERE p.id IN parties AND p.name IS NOT NULL
                 RETURN [p.id, p.name] } AS names
"""
)

_STALE: Final[LiteralString] = """
MATCH (c:DiversionCase)
WHERE c.periodStart >= $from AND c.periodEnd <= $to AND NOT c.id IN $keep
DETACH DELETE c
"""

_WRITE: Final[LiteralString] = """
UNWIND $cases AS k
MERGE (c:DiversionCase {id: k.id})
SET c = k.props
WITH c, k
CALL (c) {
  MATCH (c)-[r:AGAINST|IN|INCLUDES]->()
  DELETE r
}
WITH c, k
CALL (c, k) {
  MATCH (d:Distributor {id: k.distributor}) USING INDEX SEEK d:Distributor(id)
  MERGE (c)-[:AGAINST]->(d)
}
CALL (c, k) {
  MATCH (g:Region {code: k.region}) USING INDEX SEEK g:Region(code)
  MERGE (c)-[:IN]->(g)
}
CALL (c, k) {
  UNWIND k.codes AS code
  MATCH (u:Code {id: code}) USING INDEX SEEK u:Code(id)
  CREATE (c)-[:INCLUDES]->(u)
}
"""

_CASE_FIELDS: Final[LiteralString] = """
OPTIONAL MATCH (c)-[:AGAINST]->(d:Party)
OPTIONAL MATCH (c)-[:IN]->(g:Region)
RETURN c {.*} AS c, d.name AS distributorName, g.name AS regionName,
       COLLECT { MATCH (c)-[:INCLUDES]->(u:Code) RETURN u.id ORDER BY u.id LIMIT 1 } AS sample
"""

_CASE_MATCH: Final[LiteralString] = """
MATCH (c:DiversionCase)
WHERE ($distributor IS NULL OR c.distributor = $distributor)
  AND ($region IS NULL OR c.region = $region
       OR EXISTS { (c)-[:IN]->(:Region)-[:WITHIN*1..6]->(:Region {code: $region}) })
  AND ($from IS NULL OR c.lastSeen >= $from)
  AND ($to IS NULL OR c.firstSeen < $to)
  AND c.severityRank >= $rank
"""

_CASE_PAGE: Final[LiteralString] = (
    _CASE_MATCH
    + """
WITH c ORDER BY c.score DESC, c.id SKIP $skip LIMIT $limit
"""
    + _CASE_FIELDS
)

_CASE_COUNT: Final[LiteralString] = _CASE_MATCH + "RETURN count(c) AS n"

_CASE_GET: Final[LiteralString] = "MATCH (c:DiversionCase {id: $id}) WITH c " + _CASE_FIELDS

_FLOW_MOVES: Final[LiteralString] = """
MATCH (sh:Shipment)
WHERE coalesce(sh.shippedAt, sh.receivedAt) >= $from
  AND coalesce(sh.shippedAt, sh.receivedAt) < $to
MATCH (sh)-[:FROM]->(:Party)-[:IN]->(o:Region)
MATCH (sh)-[:TO]->(:Party)-[:IN]->(t:Region)
WITH sh, o, t, coalesce(sh.shippedAt, sh.receivedAt) AS at
CALL (sh, at) {
  MATCH (sh)-[:CARRIES]->(k)
  MATCH path = (u:Code {gtin: $gtin})-[:PACKED_IN*0..3]->(k)
  WHERE all(r IN relationships(path) WHERE r.since <= at AND (r.until IS NULL OR r.until > at))
  RETURN count(DISTINCT u) AS units
}
WITH o, t, at, units WHERE units > 0
RETURN collect(at.epochSeconds) AS at, collect(o.code) AS origins,
       collect(t.code) AS destinations, collect(units) AS units
"""

# Per unit of the product made in the window: when it was made, when a store received it and
# when a consumer first scanned it; where it was sent (its last receiver's region) and where
# it was first scanned by a consumer.
_FLOW_UNITS: Final[LiteralString] = (
    """
MATCH (:Product {gtin: $gtin})<-[:OF]-(b:Batch)
WHERE b.firstCommissionedAt < $to
MATCH (h:Code)-[:IN_BATCH]->(b)
WHERE h.commissionedAt >= $from AND h.commissionedAt < $to
"""
    + _MOVES
    + """
CALL (h) {
  OPTIONAL MATCH (h)<-[:OF]-(s:Scan {kind: 'consumer'})
  OPTIONAL MATCH (s)-[:IN]->(g:Region)
  WITH s, g ORDER BY s.at
  RETURN head(collect([s.at.epochSeconds, g.code])) AS firstScan
}
RETURN collect(h.commissionedAt.epochSeconds) AS made, collect(moves) AS moves,
       collect(firstScan) AS firstScans
"""
)

_STORE_IDS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (s:Store {id: id}) USING INDEX SEEK s:Store(id)
RETURN collect(s.id) AS ids
"""

_REGION_NAMES: Final[LiteralString] = """
UNWIND $codes AS code
MATCH (r:Region {code: code}) USING INDEX SEEK r:Region(code)
RETURN r.code AS code, r.name AS name, r.lat AS lat, r.lon AS lon
"""

_PARTY_NAMES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (p:Party {id: id}) USING INDEX SEEK p:Party(id)
RETURN p.id AS id, p.name AS name
"""


def _utc(value: Any) -> datetime:
    moment: datetime = value.to_native() if hasattr(value, "to_native") else value
    return moment.astimezone(UTC)


def _text(values: Sequence[Any]) -> list[str | None]:
    return [v if v else None for v in values]


def _floats(values: Sequence[Any]) -> list[float | None]:
    return [None if v == "NaN" else float(v) for v in values]


def _move(row: Sequence[Any]) -> Move:
    at, party, distributor, region, source, ship, receive = row
    return Move(
        int(at), party, bool(distributor), region, source, tuple(e for e in (ship, receive) if e)
    )


def case_from_record(record: Mapping[str, Any]) -> StoredCase:
    """The :class:`StoredCase` of a case read (``c``, names and ``sample``)."""
    c = record["c"]
    sample = record["sample"]
    return StoredCase(
        id=c["id"],
        distributor_id=c["distributor"],
        distributor_name=record["distributorName"],
        region_code=c["region"],
        region_name=record["regionName"],
        period=c["period"],
        period_start=_utc(c["periodStart"]),
        period_end=_utc(c["periodEnd"]),
        units=int(c["units"]),
        scans=int(c["scans"]),
        consumers=int(c["consumers"]),
        sibling_units=int(c["siblingUnits"]),
        days=int(c["days"]),
        expected_consumers=float(c["expectedConsumers"]),
        distance_km=c.get("distanceKm"),
        first_seen=_utc(c["firstSeen"]),
        last_seen=_utc(c["lastSeen"]),
        gtins=tuple(c["gtins"]),
        rules=tuple(c["rules"]),
        score=float(c["score"]),
        severity=CaseLevel(c["severity"]),
        reasons=tuple(c["reasons"]),
        detected_at=_utc(c["detectedAt"]),
        sample_code=sample[0] if sample else None,
        scan_ids=tuple(c.get("scanIds") or ()),
    )


def _case_params(case: StoredCase) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": case.id,
        "distributor": case.distributor_id,
        "region": case.region_code,
        "period": case.period,
        "periodStart": case.period_start,
        "periodEnd": case.period_end,
        "units": case.units,
        "scans": case.scans,
        "consumers": case.consumers,
        "siblingUnits": case.sibling_units,
        "days": case.days,
        "expectedConsumers": case.expected_consumers,
        "distanceKm": case.distance_km,
        "firstSeen": case.first_seen,
        "lastSeen": case.last_seen,
        "gtins": list(case.gtins),
        "rules": list(case.rules),
        "rule": case.rule,
        "score": case.score,
        "severity": case.severity.value,
        "severityRank": case.severity.rank,
        "reasons": list(case.reasons),
        "scanIds": list(case.scan_ids),
        "detectedAt": case.detected_at,
    }
    return {
        "id": case.id,
        "distributor": case.distributor_id,
        "region": case.region_code,
        "codes": list(case.codes),
        "props": {k: v for k, v in props.items() if v is not None},
    }


def _slices(days: Sequence[tuple[int, int]], page: int) -> list[tuple[int, int, int]]:
    """Consecutive day ranges ``[first, last]`` of at most ``page`` scans (a busier day is a
    slice of its own), with their scan counts."""
    out: list[tuple[int, int, int]] = []
    start: int | None = None
    end = total = 0
    for day, n in sorted(days):
        if start is not None and total + n > page:
            out.append((start, end, total))
            start = None
        if start is None:
            start, total = day, 0
        end, total = day, total + n
    if start is not None:
        out.append((start, end, total))
    return out


class DiversionRepository:
    """Reads scans, custody and territories for diversion; writes and reads cases."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the channel ----------------------------------------------------------------------

    def regions(self) -> list[RegionRow]:
        """Every region with its parent and seat."""
        return [
            RegionRow(r["code"], r["parent"], r["name"] or r["code"], r["lat"], r["lon"])
            for r in self.db.read(_REGIONS)
        ]

    def territories(self) -> list[TerritoryRow]:
        """Every distributor's grants and contracted parties."""
        return [
            TerritoryRow(
                r["id"],
                r["name"],
                tuple((code, tuple(products)) for code, products in r["grants"]),
                tuple((party, code) for party, code in r["contracts"]),
            )
            for r in self.db.read(_TERRITORIES)
        ]

    # -- scans of a window ----------------------------------------------------------------

    def scan_count(self, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Scans per UTC day (days since 1970) in ``[start, end)``."""
        records = self.db.read(_DAYS, **{"from": start, "to": end})
        return [(int(r["day"]), int(r["n"])) for r in records]

    def scan_pages(
        self, start: datetime, end: datetime, *, page: int = DEFAULT_PAGE
    ) -> Iterator[ScanColumns]:
        """The scans of ``[start, end)`` in time slices of about ``page`` scans (a day is
        never split), each slice read as one query."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for first, last, _ in _slices(self.scan_count(start, end), page):
            lo = max(start, epoch + timedelta(days=first))
            hi = min(end, epoch + timedelta(days=last + 1))
            (record,) = self.db.read(_SCANS, **{"from": lo, "to": hi})
            yield ScanColumns(
                ids=record["ids"],
                codes=record["codes"],
                gtins=record["gtins"],
                at=record["at"],
                regions=_text(record["regions"]),
                actors=record["actors"],
                lat=_floats(record["lat"]),
                lon=_floats(record["lon"]),
                box=_text(record["box"]),
            )

    def custody(
        self, packages: Sequence[str], codes: Sequence[str], *, batch: int = HOLDER_BATCH
    ) -> Iterator[tuple[str, tuple[Move, ...], str | None]]:
        """``(holder id, its moves, the package it was first packed in)`` of every package
        and loose unit named, in batches of ``batch``."""
        for i in range(0, max(len(packages), len(codes)), batch):
            records = self.db.read(
                _HOLDERS, packages=list(packages[i : i + batch]), codes=list(codes[i : i + batch])
            )
            for r in records:
                up = r["up"]
                yield r["id"], tuple(_move(m) for m in r["moves"]), (up[0] if up else None)

    # -- one unit -------------------------------------------------------------------------

    def scan_time_facts(self, code: str, region: str | None, at: datetime) -> ScanTimeFacts | None:
        """What every scan-time check reads, in one read; None for a unit never commissioned."""
        records = self.db.read(_SCAN_TIME, code=code, region=region, at=at)
        if not records:
            return None
        r = records[0]
        return ScanTimeFacts(
            gtin=r["gtin"],
            responsible_id=r["responsible"],
            responsible_name=r["responsibleName"],
            region_chain=tuple(r["regionChain"]),
            region_name=r["regionName"],
            revision=r["revision"],
        )

    def territory(self, distributor_id: str) -> DealerTerritory:
        """Distributor ``distributor_id``'s grants and contracts with their regions' chains
        (empty for a distributor the graph does not hold)."""
        records = self.db.read(_TERRITORY, distributor=distributor_id)
        if not records:
            return DealerTerritory((), {}, {})
        r = records[0]
        return DealerTerritory(
            grants=tuple((code, tuple(products)) for code, products in r["grants"]),
            contracts={code: tuple(parties) for code, parties in r["contracts"]},
            chains={chain[0]: tuple(chain) for chain in r["chains"] if chain},
        )

    def path_facts(self, code: str) -> PathFacts | None:
        """One unit's history for its diversion path; None for a unit never commissioned."""
        records = self.db.read(_PATH, code=code)
        if not records:
            return None
        r = records[0]
        scans = tuple(
            PathScan(sid, _utc(at), actor, region, event)
            for sid, at, actor, region, event in r["scans"]
        )
        return PathFacts(
            code=code,
            gtin=r["gtin"],
            made_at=None if r["madeAt"] is None else _utc(r["madeAt"]),
            plant_id=r["plant"],
            plant_region=r["plantRegion"],
            commission_event=r["commissionEvent"],
            moves=tuple(_move(m) for m in r["moves"]),
            scans=scans,
            supplies=frozenset((a, b) for a, b in r["supplies"]),
            names=dict((k, v) for k, v in r["names"]),
        )

    # -- cases ----------------------------------------------------------------------------

    def replace_cases(
        self,
        cases: Sequence[StoredCase],
        start: datetime,
        end: datetime,
        *,
        units_per_batch: int = WRITE_UNITS,
    ) -> int:
        """Write ``cases`` (a case of the same id is replaced, links and all) and delete the
        stored cases of periods wholly inside ``[start, end)`` that are not among them.
        Batches of whole cases, each one transaction; the deletion goes with the first."""
        batches: list[list[dict[str, Any]]] = [[]]
        size = 0
        for case in cases:
            if batches[-1] and size + len(case.codes) > units_per_batch:
                batches.append([])
                size = 0
            batches[-1].append(_case_params(case))
            size += len(case.codes)
        keep = [c.id for c in cases]
        for i, batch in enumerate(batches):
            self.db.write(self._write, batch, start if i == 0 else None, end, keep)
        return len(cases)

    @staticmethod
    def _write(
        tx: neo4j.ManagedTransaction,
        batch: list[dict[str, Any]],
        start: datetime | None,
        end: datetime,
        keep: list[str],
    ) -> None:
        if start is not None:
            tx.run(_STALE, {"from": start, "to": end, "keep": keep}).consume()
        if batch:
            tx.run(_WRITE, cases=batch).consume()

    def cases(self, where: CaseFilter, *, first: int, offset: int) -> CasePage:
        """A page of stored cases under ``where``, most severe first."""
        params: dict[str, Any] = {
            "distributor": where.distributor,
            "region": where.region,
            "from": where.seen_from,
            "to": where.seen_to,
            "rank": where.min_level.rank,
        }
        total = int(self.db.read(_CASE_COUNT, **params)[0]["n"])
        records = self.db.read(_CASE_PAGE, skip=offset, limit=first, **params)
        return CasePage(tuple(case_from_record(r) for r in records), total, offset)

    def case(self, case_id: str) -> StoredCase | None:
        records = self.db.read(_CASE_GET, id=case_id)
        return case_from_record(records[0]) if records else None

    # -- flows ----------------------------------------------------------------------------

    def shipment_flows(
        self, gtin: str, start: datetime, end: datetime
    ) -> tuple[list[int], list[str], list[str], list[int]]:
        """Shipments of the window carrying units of ``gtin``: ship time, origin and
        destination regions, units."""
        (r,) = self.db.read(_FLOW_MOVES, gtin=gtin, **{"from": start, "to": end})
        return r["at"], r["origins"], r["destinations"], r["units"]

    def unit_journeys(
        self, gtin: str, start: datetime, end: datetime
    ) -> list[tuple[int, tuple[Move, ...], tuple[int, str | None] | None]]:
        """Units of ``gtin`` made in the window: made at, moves, first consumer scan (time,
        region)."""
        (r,) = self.db.read(_FLOW_UNITS, gtin=gtin, **{"from": start, "to": end})
        out = []
        for made, moves, scan in zip(r["made"], r["moves"], r["firstScans"], strict=True):
            first = None if scan is None or scan[0] is None else (int(scan[0]), scan[1])
            out.append((int(made), tuple(_move(m) for m in moves), first))
        return out

    def stores(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stores."""
        return set(self.db.read(_STORE_IDS, ids=list(ids))[0]["ids"])

    def region_names(self, codes: Sequence[str]) -> dict[str, tuple[str, float, float]]:
        return {
            r["code"]: (r["name"], r["lat"], r["lon"])
            for r in self.db.read(_REGION_NAMES, codes=list(codes))
        }

    def party_names(self, ids: Sequence[str]) -> dict[str, str | None]:
        return {r["id"]: r["name"] for r in self.db.read(_PARTY_NAMES, ids=list(ids))}
