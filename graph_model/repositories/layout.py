"""Channel layout in the graph: demand per store, candidate sites, today's supply, stored
plans and the jobs that compute them.

Demand is read from the goods flow: units that shipments brought to a store (``shipped``:
codes carried directly or inside carried packages at ship time), units the store sold
(``sold``: ``retail_selling`` events at the store), or scans of units the store sold
(``scanned``). Today's supplier of a store is the party that shipped to it most often in the
period, else its contracted supplier (``SUPPLIES``, the nearest tier first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, LiteralString

import neo4j

from graph_model.database import Database
from graph_model.errors import NotFound
from graph_model.layout import (
    CandidateSite,
    DemandSource,
    PlanAssignment,
    PlanComparisonSummary,
    PlanSite,
    StoreDemand,
    StoredPlan,
)

__all__ = ["LayoutRepository", "plan_from_record"]

_PERIOD: Final[LiteralString] = "($from IS NULL OR t >= $from) AND ($to IS NULL OR t < $to)"

_STORE_FIELDS: Final[LiteralString] = """
RETURN st.id AS id, st.name AS name, st.lat AS lat, st.lon AS lon,
       head(COLLECT { MATCH (st)-[:IN]->(r:Region) RETURN r.code ORDER BY r.code }) AS region,
       demand
"""

_DEMAND: Final[Mapping[DemandSource, LiteralString]] = {
    DemandSource.SHIPPED: """
UNWIND $ids AS id
MATCH (st:Party {id: id}) WHERE st:Store
CALL (st) {
  MATCH (s:Shipment)-[:TO]->(st)
  WITH s, coalesce(s.shippedAt, s.receivedAt) AS t
  WHERE """
    + _PERIOD
    + """
  MATCH (s)-[:CARRIES]->(k)
  MATCH path = (c:Code)-[:PACKED_IN*0..3]->(k)
  WHERE all(r IN relationships(path) WHERE r.since <= t AND (r.until IS NULL OR r.until > t))
  RETURN count(DISTINCT c) AS demand
}
"""
    + _STORE_FIELDS,
    DemandSource.SOLD: """
UNWIND $ids AS id
MATCH (st:Party {id: id}) WHERE st:Store
CALL (st) {
  MATCH (e:Event {bizLocation: st.id})
  WITH e, e.eventTime AS t
  WHERE e.bizStep = 'retail_selling' AND """
    + _PERIOD
    + """
  MATCH (e)-[:CONCERNS]->(c:Code)
  RETURN count(DISTINCT c) AS demand
}
"""
    + _STORE_FIELDS,
    DemandSource.SCANNED: """
UNWIND $ids AS id
MATCH (st:Party {id: id}) WHERE st:Store
CALL (st) {
  MATCH (e:Event {bizLocation: st.id})
  WHERE e.bizStep = 'retail_selling'
  MATCH (e)-[:CONCERNS]->(:Code)<-[:OF]-(sc:Scan)
  WITH sc, sc.at AS t
  WHERE """
    + _PERIOD
    + """
  RETURN count(DISTINCT sc) AS demand
}
"""
    + _STORE_FIELDS,
}

# Stores with any flow of the kind in the period: the default scope of a plan.
_ACTIVE_STORES: Final[Mapping[DemandSource, LiteralString]] = {
    DemandSource.SHIPPED: """
MATCH (s:Shipment)-[:TO]->(st:Store)
WITH st, coalesce(s.shippedAt, s.receivedAt) AS t
WHERE """
    + _PERIOD
    + """
RETURN DISTINCT st.id AS id ORDER BY id
""",
    DemandSource.SOLD: """
MATCH (e:Event {bizStep: 'retail_selling'})
WITH e, e.eventTime AS t
WHERE """
    + _PERIOD
    + """
MATCH (st:Party {id: e.bizLocation}) WHERE st:Store
RETURN DISTINCT st.id AS id ORDER BY id
""",
    DemandSource.SCANNED: """
MATCH (e:Event {bizStep: 'retail_selling'})
MATCH (st:Party {id: e.bizLocation}) WHERE st:Store
RETURN DISTINCT st.id AS id ORDER BY id
""",
}

_REGION_STORES: Final[LiteralString] = """
MATCH (:Region {code: $region})<-[:WITHIN*0..4]-(:Region)<-[:IN]-(st:Store)
RETURN DISTINCT st.id AS id ORDER BY id
"""

_SITE_FIELDS: Final[LiteralString] = """
RETURN DISTINCT d.id AS id, 'party' AS kind, d.name AS name, d.lat AS lat, d.lon AS lon,
       d.capacity AS capacity, d.fixedCost AS fixedCost
ORDER BY id
"""

_DISTRIBUTORS: Final[LiteralString] = (
    """
UNWIND $ids AS id
MATCH (d:Party)-[:SUPPLIES*1..3]->(:Party {id: id})
WHERE d:Distributor OR d:Warehouse
"""
    + _SITE_FIELDS
)

_CITIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (:Party {id: id})-[:IN]->(:Region)-[:WITHIN*0..3]->(province:Region {level: 'province'})
MATCH (city:Region {level: 'prefecture'})-[:WITHIN]->(province)
RETURN DISTINCT city.code AS id, 'region' AS kind, city.name AS name, city.lat AS lat,
       city.lon AS lon, null AS capacity, null AS fixedCost
ORDER BY id
"""

_SITES_BY_ID: Final[LiteralString] = """
UNWIND $ids AS id
OPTIONAL MATCH (p:Party {id: id})
OPTIONAL MATCH (r:Region {code: id})
WITH id, p, r WHERE p IS NOT NULL OR r IS NOT NULL
RETURN id, CASE WHEN p IS NOT NULL THEN 'party' ELSE 'region' END AS kind,
       coalesce(p.name, r.name) AS name, coalesce(p.lat, r.lat) AS lat,
       coalesce(p.lon, r.lon) AS lon, p.capacity AS capacity, p.fixedCost AS fixedCost
"""

_CURRENT_SUPPLY: Final[LiteralString] = (
    """
UNWIND $ids AS id
MATCH (st:Party {id: id})
RETURN st.id AS store,
  COLLECT {
    MATCH (s:Shipment)-[:TO]->(st)
    MATCH (s)-[:FROM]->(f:Party)
    WITH f, s, coalesce(s.shippedAt, s.receivedAt) AS t
    WHERE """
    + _PERIOD
    + """
    RETURN f.id
  } AS shippers,
  head(COLLECT {
    MATCH (f:Party)-[:SUPPLIES]->(st)
    RETURN f.id ORDER BY coalesce(f.tier, 0) DESC, f.id
  }) AS supplier
"""
)

_SAVE_PLAN: Final[LiteralString] = """
CREATE (p:LayoutPlan)
SET p = $props
WITH p
CALL (p) {
  UNWIND $sites AS s
  OPTIONAL MATCH (party:Party {id: s.id}) WHERE s.kind = 'party'
  OPTIONAL MATCH (region:Region {code: s.id}) WHERE s.kind = 'region'
  WITH s, coalesce(party, region) AS n
  WHERE n IS NOT NULL
  FOREACH (_ IN CASE WHEN s.opened THEN [1] ELSE [] END |
    CREATE (p)-[:OPENS {stores: s.stores, demand: s.demand, current: s.current}]->(n))
  FOREACH (_ IN CASE WHEN s.opened THEN [] ELSE [1] END |
    CREATE (p)-[:CLOSES {stores: s.stores, demand: s.demand, current: s.current}]->(n))
}
CALL (p) {
  UNWIND $assignments AS a
  MATCH (st:Party {id: a.store})
  CREATE (p)-[:ASSIGNS {site: a.site, distanceKm: a.distanceKm, demand: a.demand,
                        cost: a.cost, currentSite: a.currentSite}]->(st)
}
RETURN p.id AS id
"""

_GET_PLAN: Final[LiteralString] = """
MATCH (p:LayoutPlan {id: $id})
RETURN p,
  COLLECT {
    MATCH (p)-[o:OPENS|CLOSES]->(n)
    RETURN {id: coalesce(n.id, n.code), kind: CASE WHEN n:Region THEN 'region' ELSE 'party' END,
            name: n.name, lat: n.lat, lon: n.lon, stores: o.stores, demand: o.demand,
            opened: type(o) = 'OPENS', current: o.current}
  } AS sites,
  COLLECT {
    MATCH (p)-[a:ASSIGNS]->(st)
    RETURN {store: st.id, site: a.site, distanceKm: a.distanceKm, demand: a.demand,
            cost: a.cost, currentSite: a.currentSite}
  } AS assignments
"""


def _utc(moment: datetime | None) -> datetime | None:
    # Neo4j compares datetimes of different offsets by local time: always pass UTC.
    return None if moment is None else moment.astimezone(UTC)


class LayoutRepository:
    """Reads and writes of channel layout; reads go to any cluster member."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return self._db.read(query, **params)

    def active_store_ids(
        self,
        source: DemandSource,
        period_from: datetime | None = None,
        period_to: datetime | None = None,
    ) -> list[str]:
        """Stores with any flow of ``source`` in the period, sorted."""
        records = self._read(
            _ACTIVE_STORES[source], **{"from": _utc(period_from), "to": _utc(period_to)}
        )
        return [r["id"] for r in records]

    def region_store_ids(self, region_code: str) -> list[str]:
        """Stores in region ``region_code`` or in a region within it, sorted."""
        return [r["id"] for r in self._read(_REGION_STORES, region=region_code)]

    def store_demand(
        self,
        store_ids: Sequence[str],
        source: DemandSource,
        period_from: datetime | None = None,
        period_to: datetime | None = None,
    ) -> list[StoreDemand]:
        """Demand of each store of ``store_ids`` that exists, in the order given."""
        records = self._read(
            _DEMAND[source],
            ids=list(store_ids),
            **{"from": _utc(period_from), "to": _utc(period_to)},
        )
        return [StoreDemand.from_record(r) for r in records]

    def distributors_of(self, store_ids: Sequence[str]) -> list[CandidateSite]:
        """Distributors and warehouses up to three ``SUPPLIES`` steps above the stores."""
        return [CandidateSite.from_record(r) for r in self._read(_DISTRIBUTORS, ids=store_ids)]

    def cities_of(self, store_ids: Sequence[str]) -> list[CandidateSite]:
        """Prefecture cities of the provinces the stores are in."""
        return [CandidateSite.from_record(r) for r in self._read(_CITIES, ids=store_ids)]

    def sites(self, site_ids: Sequence[str]) -> list[CandidateSite]:
        """The parties or regions named by ``site_ids`` (party id or region code); unknown
        ids are left out."""
        return [CandidateSite.from_record(r) for r in self._read(_SITES_BY_ID, ids=site_ids)]

    def current_supply(
        self,
        store_ids: Sequence[str],
        period_from: datetime | None = None,
        period_to: datetime | None = None,
    ) -> dict[str, str]:
        """Today's supplier of each store that has one: its main shipper in the period, else
        its contracted supplier."""
        records = self._read(
            _CURRENT_SUPPLY,
            ids=list(store_ids),
            **{"from": _utc(period_from), "to": _utc(period_to)},
        )
        current: dict[str, str] = {}
        for r in records:
            shippers = Counter(r["shippers"])
            if shippers:
                # The most frequent shipper; the smallest id among equals, for a stable answer.
                current[r["store"]] = min(shippers, key=lambda f: (-shippers[f], f))
            elif r["supplier"] is not None:
                current[r["store"]] = r["supplier"]
        return current

    def save_plan(self, plan: StoredPlan, tx: neo4j.ManagedTransaction | None = None) -> str:
        """Store ``plan`` with its ``OPENS`` / ``CLOSES`` sites and ``ASSIGNS`` stores."""
        params = _plan_params(plan)
        if tx is not None:
            tx.run(_SAVE_PLAN, params).consume()
            return plan.id
        self._db.write(lambda t: t.run(_SAVE_PLAN, params).consume())
        return plan.id

    def get_plan(self, plan_id: str) -> StoredPlan:
        """The stored plan ``plan_id``.

        Raises
        ------
        NotFound
            When no plan has that id.
        """
        records = self._read(_GET_PLAN, id=plan_id)
        if not records:
            raise NotFound(f"id: no layout plan {plan_id!r}")
        return plan_from_record(records[0])


def _plan_params(plan: StoredPlan) -> dict[str, Any]:
    c = plan.comparison
    props: dict[str, Any] = {
        "id": plan.id,
        "model": plan.model,
        "kind": plan.kind,
        "method": plan.method,
        "k": plan.k,
        "cost": plan.cost,
        "lowerBound": plan.lower_bound,
        "gap": plan.gap,
        "provenOptimal": plan.proven_optimal,
        "seconds": plan.seconds,
        "createdAt": _utc(plan.created_at),
        "demandSource": plan.demand_source,
        "periodFrom": _utc(plan.period_from),
        "periodTo": _utc(plan.period_to),
        "radiusKm": plan.radius_km,
        "distance": plan.distance,
        "totalDemand": plan.total_demand,
        "storeCount": len(plan.assignments),
        "siteCount": len(plan.open_sites),
        "currentCost": c.current_cost,
        "costSaved": c.cost_saved,
        "storesReassigned": list(c.stores_reassigned),
        "demandWithinRadius": c.demand_within_radius,
        "currentDemandWithinRadius": c.current_demand_within_radius,
        "coverageGapStores": list(c.coverage_gap_stores),
        "coverageGapRegions": list(c.coverage_gap_regions),
    }
    return {
        "props": {k: v for k, v in props.items() if v is not None},
        "sites": [
            {
                "id": s.id,
                "kind": s.kind,
                "stores": s.stores,
                "demand": s.demand,
                "opened": s.opened,
                "current": s.current,
            }
            for s in plan.sites
        ],
        "assignments": [
            {
                "store": a.store_id,
                "site": a.site_id,
                "distanceKm": a.distance_km,
                "demand": a.demand,
                "cost": a.cost,
                "currentSite": a.current_site_id,
            }
            for a in plan.assignments
        ],
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def plan_from_record(record: Mapping[str, Any]) -> StoredPlan:
    """Map ``{p, sites, assignments}``: the plan node and its two relationship lists."""
    p = record["p"]
    sites = tuple(sorted((PlanSite.from_record(s) for s in record["sites"]), key=lambda s: s.id))
    assignments = tuple(
        sorted(
            (PlanAssignment.from_record(a) for a in record["assignments"]),
            key=lambda a: a.store_id,
        )
    )
    return StoredPlan(
        id=p["id"],
        model=p["model"],
        kind=p["kind"],
        method=p["method"],
        k=p.get("k"),
        cost=float(p["cost"]),
        lower_bound=_float(p.get("lowerBound")),
        gap=_float(p.get("gap")),
        proven_optimal=bool(p.get("provenOptimal")),
        seconds=float(p["seconds"]),
        created_at=p["createdAt"].to_native(),
        demand_source=p["demandSource"],
        period_from=p["periodFrom"].to_native() if p.get("periodFrom") else None,
        period_to=p["periodTo"].to_native() if p.get("periodTo") else None,
        radius_km=_float(p.get("radiusKm")),
        distance=p["distance"],
        total_demand=float(p["totalDemand"]),
        sites=sites,
        assignments=assignments,
        comparison=PlanComparisonSummary(
            current_cost=_float(p.get("currentCost")),
            cost_saved=_float(p.get("costSaved")),
            stores_reassigned=tuple(p.get("storesReassigned") or ()),
            demand_within_radius=_float(p.get("demandWithinRadius")),
            current_demand_within_radius=_float(p.get("currentDemandWithinRadius")),
            coverage_gap_stores=tuple(p.get("coverageGapStores") or ()),
            coverage_gap_regions=tuple(p.get("coverageGapRegions") or ()),
        ),
    )
