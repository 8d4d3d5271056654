"""Master data in Neo4j: regions, plants, lines, products, parties, consumers, the channel.

Graph written here::

    (:Region {code, name, level, lat, lon, location, polygon})-[:WITHIN]->(:Region)
    (:Plant:Party {id, name, lat, lon, location})-[:IN]->(:Region)
    (:Line {id, name, number})-[:AT]->(:Plant)
    (:Product {gtin, name, brand, companyPrefix, category})
    (:Distributor:Party {id, name, tier, …})-[:IN]->(:Region)
    (:Distributor)-[:AUTHORIZED_IN {products: [gtin]}]->(:Region)
    (:Store:Party {id, name, …})-[:IN]->(:Region)
    (:Consumer {id, createdAt})-[:IN]->(:Region)
    (:Store|Consumer)-[:USES]->(:Phone {number} | :Device {id} | :Address {text})
    (:Consumer)-[:USES]->(:PayoutAccount {id})
    (:Party)-[:SUPPLIES]->(:Party)
    (:Store {registeredAt})-[:OWNED_BY]->(:Person {id}), (:Store)-[:REGISTERED_BY]->(:Person)
    (:Revision {id: 'master-data', token, at})
    (:Staff {id, role})-[:WORKS_AT]->(:Store), (:Staff)-[:USES]->(:Phone | :Device)
    (:Store)-[:PLACED]->(:Order {id, quantity, at, gtin})-[:TO]->(:Distributor),
    (:Order)-[:OF]->(:Product)

Writes are ``UNWIND $rows`` + ``MERGE`` in batches, so loading the same data twice changes
nothing, and loading changed data replaces what it describes (a store's new phone replaces
the old ``USES``, a distributor's authorizations are the ones given). References (a store's
region, a supply's parties) must exist in the graph or in the same call: a missing one raises
:class:`~graph_model.errors.NotFound` and, since everything runs in one transaction, nothing
is written.

Constraints relied on (from :mod:`graph_model.schema`): unique ``Party.id``, ``Plant.id``,
``Distributor.id``, ``Store.id``, ``Line.id``, ``Product.gtin``, ``Region.code``,
``Consumer.id``, ``Phone.number``, ``Device.id``, ``Address.text``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, LiteralString, TypeVar

import neo4j

from graph_model.database import Database
from graph_model.errors import NotFound
from graph_model.master import (
    Authorization,
    Consumer,
    Distributor,
    Line,
    MasterData,
    Order,
    Plant,
    Product,
    Region,
    RegionLevel,
    Staff,
    Store,
    Supply,
)

__all__ = [
    "MasterDataRepository",
    "SaveCounts",
    "consumer_from_record",
    "distributor_from_record",
    "line_from_record",
    "plant_from_record",
    "product_from_record",
    "region_from_record",
    "store_from_record",
]

Row = dict[str, Any]
T = TypeVar("T")
DEFAULT_BATCH: Final = 5_000

# -- writes ---------------------------------------------------------------------------------
# Lookups by key carry USING INDEX SEEK: planned against the counts of an empty database, a
# lookup may otherwise become a scan of the whole index for every row (see events.py).

_MERGE_REGIONS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (r:Region {code: row.code})
SET r.name = row.name, r.level = row.level, r.lat = row.lat, r.lon = row.lon,
    r.location = point({latitude: row.lat, longitude: row.lon}), r.polygon = row.polygon
"""

_LINK_REGIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (r:Region {code: row.code}) USING INDEX SEEK r:Region(code)
OPTIONAL MATCH (r)-[old:WITHIN]->(other:Region)
WHERE row.parent IS NULL OR other.code <> row.parent
DELETE old
WITH DISTINCT r, row
WHERE row.parent IS NOT NULL
MATCH (p:Region {code: row.parent}) USING INDEX SEEK p:Region(code)
MERGE (r)-[:WITHIN]->(p)
"""

# A save that changes the channel gives the master data a new revision token in the same
# transaction, so a reader that caches a territory (the scan-time diversion check) can tell by
# one property read whether its copy still holds. A token, not a counter: a database restored
# from a dump cannot repeat a revision another database had.
_NEW_REVISION: Final[LiteralString] = """
MERGE (v:Revision {id: 'master-data'})
SET v.token = randomUUID(), v.at = datetime()
"""

_REVISION: Final[LiteralString] = """
MATCH (v:Revision {id: 'master-data'}) RETURN v.token AS token
"""


def _revise(t: neo4j.ManagedTransaction) -> None:
    t.run(_NEW_REVISION).consume()


# Shared tail of every located party or consumer: exactly one IN to its region.
_IN_REGION: Final[LiteralString] = """
WITH n, row
CALL (n, row) {
  OPTIONAL MATCH (n)-[old:IN]->(other:Region)
  WHERE other.code <> row.region
  DELETE old
}
WITH n, row
MATCH (r:Region {code: row.region}) USING INDEX SEEK r:Region(code)
MERGE (n)-[:IN]->(r)
"""

# Identity nodes a store or consumer uses; stale links go first.
_USES: Final[LiteralString] = """
WITH n, row
CALL (n, row) {
  OPTIONAL MATCH (n)-[u:USES]->(i)
  WHERE NOT (coalesce(i:Phone AND i.number = row.phone, false)
             OR coalesce(i:Device AND i.id = row.device, false)
             OR coalesce(i:Address AND i.text = row.address, false)
             OR coalesce(i:PayoutAccount AND i.id = row.payout, false))
  DELETE u
}
FOREACH (v IN CASE WHEN row.phone IS NULL THEN [] ELSE [row.phone] END |
  MERGE (ph:Phone {number: v}) MERGE (n)-[:USES]->(ph))
FOREACH (v IN CASE WHEN row.device IS NULL THEN [] ELSE [row.device] END |
  MERGE (dv:Device {id: v}) MERGE (n)-[:USES]->(dv))
FOREACH (v IN CASE WHEN row.address IS NULL THEN [] ELSE [row.address] END |
  MERGE (ad:Address {text: v}) MERGE (n)-[:USES]->(ad))
FOREACH (v IN CASE WHEN row.payout IS NULL THEN [] ELSE [row.payout] END |
  MERGE (pa:PayoutAccount {id: v}) MERGE (n)-[:USES]->(pa))
"""

_MERGE_PLANTS: Final[LiteralString] = (
    """
UNWIND $rows AS row
MERGE (n:Party {id: row.id})
SET n:Plant, n.name = row.name, n.lat = row.lat, n.lon = row.lon,
    n.location = point({latitude: row.lat, longitude: row.lon})
"""
    + _IN_REGION
)

_MERGE_LINES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (p:Plant {id: row.plant}) USING INDEX SEEK p:Plant(id)
MERGE (l:Line {id: row.id})
SET l.name = row.name, l.number = row.number
WITH l, p
CALL (l, p) {
  OPTIONAL MATCH (l)-[old:AT]->(other:Plant)
  WHERE other <> p
  DELETE old
}
MERGE (l)-[:AT]->(p)
"""

_MERGE_PRODUCTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (p:Product {gtin: row.gtin})
SET p.name = row.name, p.brand = row.brand, p.companyPrefix = row.companyPrefix,
    p.category = row.category
"""

_MERGE_DISTRIBUTORS: Final[LiteralString] = (
    """
UNWIND $rows AS row
MERGE (n:Party {id: row.id})
SET n:Distributor, n.name = row.name, n.tier = row.tier, n.lat = row.lat, n.lon = row.lon,
    n.location = point({latitude: row.lat, longitude: row.lon})
WITH n, row
CALL (n, row) {
  OPTIONAL MATCH (n)-[old:AUTHORIZED_IN]->(r:Region)
  WHERE NOT r.code IN [a IN row.authorized | a.region]
  DELETE old
}
WITH n, row
CALL (n, row) {
  UNWIND row.authorized AS a
  MATCH (r:Region {code: a.region}) USING INDEX SEEK r:Region(code)
  MERGE (n)-[x:AUTHORIZED_IN]->(r)
  SET x.products = a.gtins
}
"""
    + _IN_REGION
)

# The people a store names (owner, registering salesperson); stale links go first.
_PEOPLE: Final[LiteralString] = """
WITH n, row
CALL (n, row) {
  OPTIONAL MATCH (n)-[old:OWNED_BY|REGISTERED_BY]->(p:Person)
  WHERE NOT coalesce(type(old) = 'OWNED_BY' AND p.id = row.owner, false)
    AND NOT coalesce(type(old) = 'REGISTERED_BY' AND p.id = row.registeredBy, false)
  DELETE old
}
FOREACH (v IN CASE WHEN row.owner IS NULL THEN [] ELSE [row.owner] END |
  MERGE (o:Person {id: v}) MERGE (n)-[:OWNED_BY]->(o))
FOREACH (v IN CASE WHEN row.registeredBy IS NULL THEN [] ELSE [row.registeredBy] END |
  MERGE (r:Person {id: v}) MERGE (n)-[:REGISTERED_BY]->(r))
"""

_MERGE_STORES: Final[LiteralString] = (
    """
UNWIND $rows AS row
MERGE (n:Party {id: row.id})
SET n:Store, n.name = row.name, n.lat = row.lat, n.lon = row.lon,
    n.location = point({latitude: row.lat, longitude: row.lon}),
    n.registeredAt = CASE WHEN row.registeredAt IS NULL THEN null
                          ELSE datetime(row.registeredAt) END
"""
    + _USES
    + _PEOPLE
    + _IN_REGION
)

_MERGE_STAFF: Final[LiteralString] = (
    """
UNWIND $rows AS row
MATCH (st:Store {id: row.store}) USING INDEX SEEK st:Store(id)
MERGE (n:Staff {id: row.id})
SET n.role = row.role
WITH n, row, st
CALL (n, st) {
  OPTIONAL MATCH (n)-[old:WORKS_AT]->(other:Store)
  WHERE other <> st
  DELETE old
}
MERGE (n)-[:WORKS_AT]->(st)
"""
    + _USES
)

_MERGE_ORDERS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (st:Store {id: row.store}) USING INDEX SEEK st:Store(id)
MATCH (d:Distributor {id: row.distributor}) USING INDEX SEEK d:Distributor(id)
MATCH (p:Product {gtin: row.gtin}) USING INDEX SEEK p:Product(gtin)
MERGE (o:Order {id: row.id})
SET o.quantity = row.quantity, o.at = datetime(row.at), o.gtin = row.gtin
WITH o, row, st, d, p
CALL (o, st, d, p) {
  OPTIONAL MATCH (o)-[old:PLACED|TO|OF]-(x)
  WHERE (type(old) = 'PLACED' AND x <> st) OR (type(old) = 'TO' AND x <> d)
     OR (type(old) = 'OF' AND x <> p)
  DELETE old
}
MERGE (st)-[:PLACED]->(o)
MERGE (o)-[:TO]->(d)
MERGE (o)-[:OF]->(p)
"""

_MISSING_STORES: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (p:Store {id: key})
WITH key, p WHERE p IS NULL
RETURN collect(key) AS missing
"""

_MISSING_DISTRIBUTORS: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (p:Distributor {id: key})
WITH key, p WHERE p IS NULL
RETURN collect(key) AS missing
"""

_MERGE_CONSUMERS: Final[LiteralString] = (
    """
UNWIND $rows AS row
MERGE (n:Consumer {id: row.id})
SET n.createdAt = CASE WHEN row.createdAt IS NULL THEN n.createdAt
                       ELSE datetime(row.createdAt) END
"""
    + _USES
    + _IN_REGION
)

_MERGE_SUPPLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Party {id: row.supplier}) USING INDEX SEEK a:Party(id)
MATCH (b:Party {id: row.customer}) USING INDEX SEEK b:Party(id)
MERGE (a)-[:SUPPLIES]->(b)
"""

_MISSING_REGIONS: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (r:Region {code: key})
WITH key, r WHERE r IS NULL
RETURN collect(key) AS missing
"""

_MISSING_PARTIES: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (p:Party {id: key})
WITH key, p WHERE p IS NULL
RETURN collect(key) AS missing
"""

_MISSING_PLANTS: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (p:Plant {id: key})
WITH key, p WHERE p IS NULL
RETURN collect(key) AS missing
"""

_MISSING_PRODUCTS: Final[LiteralString] = """
UNWIND $keys AS key
OPTIONAL MATCH (p:Product {gtin: key})
WITH key, p WHERE p IS NULL
RETURN collect(key) AS missing
"""

# -- reads ----------------------------------------------------------------------------------

_GET_REGION: Final[LiteralString] = """
MATCH (r:Region {code: $key})
OPTIONAL MATCH (r)-[:WITHIN]->(p:Region)
RETURN r {.code, .name, .level, .lat, .lon, .polygon, parent: p.code} AS region
"""

_GET_REGIONS_WITHIN: Final[LiteralString] = """
MATCH (r:Region)-[:WITHIN]->(p:Region {code: $key})
RETURN r {.code, .name, .level, .lat, .lon, .polygon, parent: p.code} AS region
ORDER BY r.code
"""

_GET_PLANT: Final[LiteralString] = """
MATCH (n:Plant {id: $key})
OPTIONAL MATCH (n)-[:IN]->(r:Region)
RETURN n {.id, .name, .lat, .lon, region: r.code} AS plant
"""

_GET_LINE: Final[LiteralString] = """
MATCH (l:Line {id: $key})-[:AT]->(p:Plant)
RETURN l {.id, .name, plant: p.id} AS line
"""

_GET_PRODUCT: Final[LiteralString] = """
MATCH (p:Product {gtin: $key})
RETURN p {.gtin, .name, .brand, .companyPrefix, .category} AS product
"""

_GET_DISTRIBUTOR: Final[LiteralString] = """
MATCH (n:Distributor {id: $key})
OPTIONAL MATCH (n)-[:IN]->(r:Region)
CALL (n) {
  OPTIONAL MATCH (n)-[a:AUTHORIZED_IN]->(ar:Region)
  WITH a, ar ORDER BY ar.code
  RETURN collect(CASE WHEN ar IS NULL THEN null
                      ELSE {region: ar.code, gtins: a.products} END) AS authorized
}
RETURN n {.id, .name, .tier, .lat, .lon, region: r.code, authorized: authorized} AS distributor
"""

_IDENTITIES: Final[LiteralString] = """
CALL (n) {
  OPTIONAL MATCH (n)-[:USES]->(i)
  RETURN head(collect(CASE WHEN i:Phone THEN i.number END)) AS phone,
         head(collect(CASE WHEN i:Device THEN i.id END)) AS device,
         head(collect(CASE WHEN i:Address THEN i.text END)) AS address,
         head(collect(CASE WHEN i:PayoutAccount THEN i.id END)) AS payout
}
"""

_GET_STORE: Final[LiteralString] = (
    """
MATCH (n:Store {id: $key})
OPTIONAL MATCH (n)-[:IN]->(r:Region)
"""
    + _IDENTITIES
    + """
OPTIONAL MATCH (n)-[:OWNED_BY]->(owner:Person)
OPTIONAL MATCH (n)-[:REGISTERED_BY]->(seller:Person)
RETURN n {.id, .name, .lat, .lon, .registeredAt, region: r.code, phone: phone, device: device,
          address: address, owner: owner.id, registeredBy: seller.id} AS store
"""
)

_GET_CONSUMER: Final[LiteralString] = (
    """
MATCH (n:Consumer {id: $key})
OPTIONAL MATCH (n)-[:IN]->(r:Region)
"""
    + _IDENTITIES
    + """
RETURN n {.id, .createdAt, region: r.code, phone: phone, device: device,
          payout: payout} AS consumer
"""
)

_GET_SUPPLIERS: Final[LiteralString] = """
MATCH (s:Party)-[:SUPPLIES]->(:Party {id: $key})
RETURN s.id AS id ORDER BY id
"""

_GET_CUSTOMERS: Final[LiteralString] = """
MATCH (:Party {id: $key})-[:SUPPLIES]->(c:Party)
RETURN c.id AS id ORDER BY id
"""

# -- record mappers -------------------------------------------------------------------------


def region_from_record(record: Mapping[str, Any]) -> Region:
    """The :class:`Region` of a ``region`` map (see the read queries of this module)."""
    m = record["region"]
    level: RegionLevel = m["level"]
    return Region(m["code"], m["name"], level, m["parent"], m["lat"], m["lon"], m.get("polygon"))


def plant_from_record(record: Mapping[str, Any]) -> Plant:
    """The :class:`Plant` of a ``plant`` map."""
    m = record["plant"]
    return Plant(m["id"], m["name"], m["region"], m["lat"], m["lon"])


def line_from_record(record: Mapping[str, Any]) -> Line:
    """The :class:`Line` of a ``line`` map."""
    m = record["line"]
    return Line(m["id"], m["plant"], m["name"])


def product_from_record(record: Mapping[str, Any]) -> Product:
    """The :class:`Product` of a ``product`` map."""
    m = record["product"]
    return Product(m["gtin"], m["name"], m["brand"], m["companyPrefix"], m["category"] or "")


def distributor_from_record(record: Mapping[str, Any]) -> Distributor:
    """The :class:`Distributor` of a ``distributor`` map."""
    m = record["distributor"]
    authorized = tuple(
        Authorization(a["region"], tuple(a["gtins"] or ())) for a in m["authorized"] if a
    )
    return Distributor(
        m["id"], m["name"], int(m["tier"]), m["region"], m["lat"], m["lon"], authorized
    )


def store_from_record(record: Mapping[str, Any]) -> Store:
    """The :class:`Store` of a ``store`` map."""
    m = record["store"]
    return Store(
        m["id"],
        m["name"],
        m["region"],
        m["lat"],
        m["lon"],
        phone=m["phone"],
        address=m["address"],
        device=m["device"],
        owner=m.get("owner"),
        registered_at=None if m.get("registeredAt") is None else m["registeredAt"].to_native(),
        registered_by=m.get("registeredBy"),
    )


def consumer_from_record(record: Mapping[str, Any]) -> Consumer:
    """The :class:`Consumer` of a ``consumer`` map."""
    m = record["consumer"]
    created = m.get("createdAt")
    return Consumer(
        m["id"],
        m["region"],
        phone=m["phone"],
        device=m["device"],
        payout=m.get("payout"),
        created_at=None if created is None else created.to_native(),
    )


# -- rows -----------------------------------------------------------------------------------


def _region_row(r: Region) -> Row:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent_code,
        "lat": r.lat,
        "lon": r.lon,
        "polygon": r.polygon_geojson,
    }


def _plant_row(p: Plant) -> Row:
    return {"id": p.id, "name": p.name, "region": p.region_code, "lat": p.lat, "lon": p.lon}


def _line_row(line: Line) -> Row:
    number = line.id.rpartition(".")[2]
    return {
        "id": line.id,
        "plant": line.plant_id,
        "name": line.name,
        "number": int(number) if number.isdigit() else number,
    }


def _product_row(p: Product) -> Row:
    return {
        "gtin": p.gtin,
        "name": p.name,
        "brand": p.brand,
        "companyPrefix": p.company_prefix,
        "category": p.category,
    }


def _distributor_row(d: Distributor) -> Row:
    return {
        "id": d.id,
        "name": d.name,
        "tier": d.tier,
        "region": d.region_code,
        "lat": d.lat,
        "lon": d.lon,
        "authorized": [{"region": a.region_code, "gtins": list(a.gtins)} for a in d.authorized],
    }


def _store_row(s: Store) -> Row:
    return {
        "id": s.id,
        "name": s.name,
        "region": s.region_code,
        "lat": s.lat,
        "lon": s.lon,
        "phone": s.phone,
        "device": s.device,
        "address": s.address,
        "payout": None,
        "owner": s.owner,
        "registeredAt": None if s.registered_at is None else _utc(s.registered_at),
        "registeredBy": s.registered_by,
    }


def _staff_row(x: Staff) -> Row:
    return {
        "id": x.id,
        "store": x.store_id,
        "role": x.role,
        "phone": x.phone,
        "device": x.device,
        "address": None,
        "payout": None,
    }


def _order_row(o: Order) -> Row:
    return {
        "id": o.id,
        "store": o.store_id,
        "distributor": o.distributor_id,
        "gtin": o.gtin,
        "quantity": o.quantity,
        "at": _utc(o.at),
    }


def _utc(moment: datetime) -> str:
    # Everything stored is UTC: Neo4j compares datetimes of different offsets by local time.
    return moment.astimezone(UTC).isoformat()


def _consumer_row(c: Consumer) -> Row:
    return {
        "id": c.id,
        "region": c.region_code,
        "phone": c.phone,
        "device": c.device,
        "address": None,
        "payout": c.payout,
        "createdAt": None if c.created_at is None else c.created_at.isoformat(),
    }


def _supply_row(s: Supply) -> Row:
    return {"supplier": s.supplier_id, "customer": s.customer_id}


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """How many values of each kind a save wrote (merged, whether new or not)."""

    regions: int = 0
    plants: int = 0
    lines: int = 0
    products: int = 0
    distributors: int = 0
    stores: int = 0
    consumers: int = 0
    supplies: int = 0
    referrals: int = 0
    refused_referrals: int = 0
    staff: int = 0
    orders: int = 0

    @classmethod
    def of(cls, master: MasterData) -> SaveCounts:
        return cls(
            len(master.regions),
            len(master.plants),
            len(master.lines),
            len(master.products),
            len(master.distributors),
            len(master.stores),
            len(master.consumers),
            len(master.supplies),
            len(master.referrals),
            staff=len(master.staff),
            orders=len(master.orders),
        )


_SaveKind = Callable[[neo4j.ManagedTransaction, Sequence[Any]], None]


# Keyed lookups of ``existing``; the label comes from this table, never from the caller.
_EXISTING: Final[dict[str, LiteralString]] = {
    "regions": "UNWIND $keys AS k MATCH (n:Region {code: k}) RETURN n.code AS key",
    "plants": "UNWIND $keys AS k MATCH (n:Plant {id: k}) RETURN n.id AS key",
    "products": "UNWIND $keys AS k MATCH (n:Product {gtin: k}) RETURN n.gtin AS key",
    "parties": "UNWIND $keys AS k MATCH (n:Party {id: k}) RETURN n.id AS key",
}


class MasterDataRepository:
    """Reads and writes master data.

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

    @property
    def db(self) -> Database:
        return self._db

    # -- writes ---------------------------------------------------------------------------

    def _write(
        self, work: Callable[[neo4j.ManagedTransaction], T], tx: neo4j.ManagedTransaction | None
    ) -> T:
        if tx is not None:
            return work(tx)
        return self._db.write(work)

    def _run(self, tx: neo4j.ManagedTransaction, query: LiteralString, rows: list[Row]) -> None:
        for i in range(0, len(rows), self._batch):
            tx.run(query, rows=rows[i : i + self._batch]).consume()

    @staticmethod
    def _require(
        tx: neo4j.ManagedTransaction, query: LiteralString, keys: Iterable[str], what: str
    ) -> None:
        wanted = sorted(set(keys))
        if not wanted:
            return
        record = tx.run(query, keys=wanted).single(strict=True)
        missing: list[str] = record["missing"]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise NotFound(f"{what}: {len(missing)} unknown ({shown})")

    def save(
        self,
        master: MasterData,
        tx: neo4j.ManagedTransaction | None = None,
        *,
        atomic: bool = True,
    ) -> SaveCounts:
        """Write all of ``master``: regions first, the channel last.

        With ``atomic`` (the default) everything is one transaction. Without it, and with no
        ``tx``, every ``batch_size`` items of a kind are their own transaction (regions, which
        may name each other as parents, stay whole): for very large master data (a
        million-unit demo world has 83,000 consumers, more than one transaction may hold in
        a 1 GB server heap), where a partial load is harmless because loading again
        completes it.

        Raises
        ------
        NotFound
            When a region, plant, party or product that the data refers to is neither in the
            graph nor in ``master``; nothing of that slice (with ``atomic``: nothing at all) is
            written then.
        """
        kinds: list[tuple[_SaveKind, Sequence[Any]]] = [
            (self._save_regions, master.regions),
            (self._save_plants, master.plants),
            (self._save_lines, master.lines),
            (self._save_products, master.products),
            (self._save_distributors, master.distributors),
            (self._save_stores, master.stores),
            (self._save_consumers, master.consumers),
            (self._save_supplies, master.supplies),
            (self._save_staff, master.staff),
            (self._save_orders, master.orders),
        ]

        # What a territory is made of: the region tree, where parties sit, grants, contracts.
        channel = {self._save_regions, self._save_plants, self._save_distributors,
                   self._save_stores, self._save_supplies}  # fmt: skip

        def work(t: neo4j.ManagedTransaction) -> None:
            for save, items in kinds:
                save(t, items)
            if any(items for save, items in kinds if save in channel):
                _revise(t)

        if atomic or tx is not None:
            self._write(work, tx)
            return SaveCounts.of(master)
        # The slices of one kind may name nothing else of that kind, except regions (parents).
        for save, items in kinds:
            size = max(1, len(items)) if save == self._save_regions else self._batch
            for i in range(0, len(items), size):
                self._write_slice(save, items[i : i + size], revise=save in channel)
        return SaveCounts.of(master)

    def _write_slice(self, save: _SaveKind, items: Sequence[Any], *, revise: bool) -> None:
        def work(t: neo4j.ManagedTransaction) -> None:
            save(t, items)
            if revise:
                _revise(t)

        self._db.write(work)

    def revision(self) -> str | None:
        """The master data's revision token: a new one with every save that changes the
        channel (regions, parties' places, grants, supply contracts); None before the first."""
        records = self._db.read(_REVISION)
        return records[0]["token"] if records else None

    def _save_regions(self, t: neo4j.ManagedTransaction, regions: Sequence[Region]) -> None:
        if not regions:
            return
        rows = [_region_row(r) for r in regions]
        given = {r.code for r in regions}
        self._require(
            t,
            _MISSING_REGIONS,
            (r.parent_code for r in regions if r.parent_code and r.parent_code not in given),
            "parent regions",
        )
        self._run(t, _MERGE_REGIONS, rows)
        self._run(t, _LINK_REGIONS, rows)

    def _save_plants(self, t: neo4j.ManagedTransaction, plants: Sequence[Plant]) -> None:
        if plants:
            self._require(t, _MISSING_REGIONS, (p.region_code for p in plants), "plant regions")
            self._run(t, _MERGE_PLANTS, [_plant_row(p) for p in plants])

    def _save_lines(self, t: neo4j.ManagedTransaction, lines: Sequence[Line]) -> None:
        if lines:
            self._require(t, _MISSING_PLANTS, (x.plant_id for x in lines), "plants of lines")
            self._run(t, _MERGE_LINES, [_line_row(x) for x in lines])

    def _save_products(self, t: neo4j.ManagedTransaction, products: Sequence[Product]) -> None:
        if products:
            self._run(t, _MERGE_PRODUCTS, [_product_row(p) for p in products])

    def _save_distributors(
        self, t: neo4j.ManagedTransaction, distributors: Sequence[Distributor]
    ) -> None:
        if not distributors:
            return
        codes = [d.region_code for d in distributors]
        codes += [a.region_code for d in distributors for a in d.authorized]
        self._require(t, _MISSING_REGIONS, codes, "distributor regions")
        gtins = (g for d in distributors for a in d.authorized for g in a.gtins)
        self._require(t, _MISSING_PRODUCTS, gtins, "authorized products")
        self._run(t, _MERGE_DISTRIBUTORS, [_distributor_row(d) for d in distributors])

    def _save_stores(self, t: neo4j.ManagedTransaction, stores: Sequence[Store]) -> None:
        if stores:
            self._require(t, _MISSING_REGIONS, (s.region_code for s in stores), "store regions")
            self._run(t, _MERGE_STORES, [_store_row(s) for s in stores])

    def _save_consumers(self, t: neo4j.ManagedTransaction, consumers: Sequence[Consumer]) -> None:
        if consumers:
            codes = (c.region_code for c in consumers if c.region_code is not None)
            self._require(t, _MISSING_REGIONS, codes, "consumer regions")
            self._run(t, _MERGE_CONSUMERS, [_consumer_row(c) for c in consumers])

    def _save_supplies(self, t: neo4j.ManagedTransaction, supplies: Sequence[Supply]) -> None:
        if supplies:
            ids = [s.supplier_id for s in supplies] + [s.customer_id for s in supplies]
            self._require(t, _MISSING_PARTIES, ids, "parties of the channel")
            self._run(t, _MERGE_SUPPLIES, [_supply_row(s) for s in supplies])

    def _save_staff(self, t: neo4j.ManagedTransaction, staff: Sequence[Staff]) -> None:
        if staff:
            self._require(t, _MISSING_STORES, (x.store_id for x in staff), "stores of staff")
            self._run(t, _MERGE_STAFF, [_staff_row(x) for x in staff])

    def _save_orders(self, t: neo4j.ManagedTransaction, orders: Sequence[Order]) -> None:
        if orders:
            self._require(t, _MISSING_STORES, (o.store_id for o in orders), "stores of orders")
            self._require(
                t, _MISSING_DISTRIBUTORS, (o.distributor_id for o in orders), "order distributors"
            )
            self._require(t, _MISSING_PRODUCTS, (o.gtin for o in orders), "ordered products")
            self._run(t, _MERGE_ORDERS, [_order_row(o) for o in orders])

    # -- reads ----------------------------------------------------------------------------

    def _one(self, query: LiteralString, key: str, what: str) -> neo4j.Record:
        records = self._db.read(query, key=key)
        if not records:
            raise NotFound(f"{what} {key!r} does not exist")
        return records[0]

    def _ids(self, query: LiteralString, key: str) -> list[str]:
        return [str(r["id"]) for r in self._db.read(query, key=key)]

    def existing(self, kind: str, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` that the graph holds, for ``kind`` ``regions``, ``plants``,
        ``products`` or ``parties``: one query, however many keys."""
        query = _EXISTING.get(kind)
        if query is None:
            raise ValueError(f"kind must be one of {sorted(_EXISTING)}, got {kind!r}")
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        return {str(r["key"]) for r in self._db.read(query, keys=wanted)}

    def get_region(self, code: str) -> Region:
        """The region ``code``; raises :class:`NotFound` when missing."""
        return region_from_record(self._one(_GET_REGION, code, "region"))

    def regions_within(self, code: str) -> list[Region]:
        """The regions directly within region ``code`` (a province's prefectures)."""
        records = self._db.read(_GET_REGIONS_WITHIN, key=code)
        return [region_from_record(r) for r in records]

    def get_plant(self, plant_id: str) -> Plant:
        """The plant ``plant_id``; raises :class:`NotFound` when missing."""
        return plant_from_record(self._one(_GET_PLANT, plant_id, "plant"))

    def get_line(self, line_id: str) -> Line:
        """The line ``line_id``; raises :class:`NotFound` when missing."""
        return line_from_record(self._one(_GET_LINE, line_id, "line"))

    def get_product(self, gtin: str) -> Product:
        """The product ``gtin``; raises :class:`NotFound` when missing."""
        return product_from_record(self._one(_GET_PRODUCT, gtin, "product"))

    def get_distributor(self, distributor_id: str) -> Distributor:
        """The distributor ``distributor_id``; raises :class:`NotFound` when missing."""
        return distributor_from_record(self._one(_GET_DISTRIBUTOR, distributor_id, "distributor"))

    def get_store(self, store_id: str) -> Store:
        """The store ``store_id``; raises :class:`NotFound` when missing."""
        return store_from_record(self._one(_GET_STORE, store_id, "store"))

    def get_consumer(self, consumer_id: str) -> Consumer:
        """The consumer ``consumer_id``; raises :class:`NotFound` when missing."""
        return consumer_from_record(self._one(_GET_CONSUMER, consumer_id, "consumer"))

    def suppliers_of(self, party_id: str) -> list[str]:
        """Ids of the parties contracted to supply ``party_id``."""
        return self._ids(_GET_SUPPLIERS, party_id)

    def customers_of(self, party_id: str) -> list[str]:
        """Ids of the parties ``party_id`` is contracted to supply."""
        return self._ids(_GET_CUSTOMERS, party_id)
