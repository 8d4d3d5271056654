"""Channel layout on the graph: demand, candidate sites and today's supply read from a small
world of the test's own, plans solved, compared with today's layout and stored; the demo world
planned end to end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import neo4j
import pytest

from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound
from graph_model.jobs import JobKind
from graph_model.layout import LayoutRequest
from graph_model.master import Distributor, MasterData, Region, Store, Supply
from graph_model.repositories.jobs import JobRepository
from graph_model.repositories.layout import LayoutRepository
from graph_model.repositories.master_data import MasterDataRepository
from services.capture import CaptureService
from services.layout import LayoutService
from tests.factories import document


@dataclass(frozen=True)
class World:
    """Two city distributors: A serves two stores beside it; B serves two stores in city C,
    110 km away, so the best 2-site plan opens A and city C."""

    ns: str
    a: str
    b: str
    stores: tuple[str, ...]
    city_c: str

    @property
    def near_a(self) -> tuple[str, ...]:
        return self.stores[:2]

    @property
    def in_c(self) -> tuple[str, ...]:
        return self.stores[2:]


def _party(cp: str, n: int) -> str:
    return f"urn:epc:id:sgln:{cp}.{n:03d}.0"


def _shipment(ns: str, n: int, source: str, target: str, units: int) -> list[dict[str, Any]]:
    epcs = [f"urn:epc:id:sgtin:6901234.012345.{ns}s{n}u{i}" for i in range(units)]
    parties = {
        "sourceList": [{"type": "owning_party", "source": source}],
        "destinationList": [{"type": "owning_party", "destination": target}],
        "bizTransactionList": [{"type": "desadv", "bizTransaction": f"urn:yima:desadv:{ns}-{n}"}],
    }
    base = {"type": "ObjectEvent", "action": "OBSERVE", "eventTimeZoneOffset": "+08:00",
            "epcList": epcs, **parties}  # fmt: skip
    return [
        {**base, "eventID": f"urn:uuid:00000000-0000-4000-8001-{ns[-10:]}{n:02d}",
         "eventTime": f"2026-02-0{1 + n}T09:00:00+08:00", "bizStep": "shipping",
         "disposition": "in_transit", "bizLocation": {"id": source}},
        {**base, "eventID": f"urn:uuid:00000000-0000-4000-8002-{ns[-10:]}{n:02d}",
         "eventTime": f"2026-02-0{1 + n}T15:00:00+08:00", "bizStep": "receiving",
         "disposition": "in_progress", "bizLocation": {"id": target}},
    ]  # fmt: skip


def make_world(db: Database, driver: neo4j.Driver, ns: str) -> World:
    cp = "8" + "".join(str(ord(c) % 10) for c in ns)[:8]
    province = Region.province(f"{ns}P", "Testshire", 32.0, 121.0)
    a = Region.prefecture(f"{ns}A", "A City", province.code, 31.0, 121.0)
    b = Region.prefecture(f"{ns}B", "B City", province.code, 32.0, 121.0)
    c = Region.prefecture(f"{ns}C", "C City", province.code, 33.0, 121.0)
    dist_a = Distributor(_party(cp, 1), "A Trading", 3, a.code, 31.0, 121.0)
    dist_b = Distributor(_party(cp, 2), "B Trading", 3, b.code, 32.0, 121.0)
    stores = (
        Store(_party(cp, 11), "A1", a.code, 31.02, 121.01),
        Store(_party(cp, 12), "A2", a.code, 30.98, 120.99),
        Store(_party(cp, 13), "C1", c.code, 33.01, 121.0),
        Store(_party(cp, 14), "C2", c.code, 32.99, 121.0),
    )
    supplies = tuple(
        Supply((dist_a if s.region_code == a.code else dist_b).id, s.id) for s in stores
    )
    MasterDataRepository(db).save(
        MasterData(regions=(province, a, b, c), distributors=(dist_a, dist_b), stores=stores,
                   supplies=supplies)
    )  # fmt: skip
    events: list[dict[str, Any]] = []
    for n, (store, units) in enumerate(zip(stores, (10, 20, 30, 40), strict=True)):
        events += _shipment(ns, n, supplies[n].supplier_id, store.id, units)
    assert not CaptureService(db).capture_document(document(events)).problems
    return World(ns, dist_a.id, dist_b.id, tuple(s.id for s in stores), c.code)


@pytest.fixture
def world(db: Database, driver: neo4j.Driver, ns: str) -> World:
    return make_world(db, driver, ns)


def test_demand_counts_units_shipped_in_the_period(
    db: Database, driver: neo4j.Driver, world: World
) -> None:
    repo = LayoutRepository(db)
    demand = {s.id: s.demand for s in repo.store_demand(world.stores, "shipped")}
    assert demand == dict(zip(world.stores, (10.0, 20.0, 30.0, 40.0), strict=True))
    # 2026-02-01..03 (+08:00): the first two shipments only; the bound is given off UTC.
    since = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    until = datetime.fromisoformat("2026-02-03T00:00:00+08:00")
    later = {s.id: s.demand for s in repo.store_demand(world.stores, "shipped", since, until)}
    assert list(later.values()) == [10.0, 20.0, 0.0, 0.0]
    assert set(world.stores) <= set(repo.active_store_ids("shipped", since))
    assert repo.region_store_ids(f"{world.ns}P") == sorted(world.stores)


def test_candidates_and_todays_supply(db: Database, driver: neo4j.Driver, world: World) -> None:
    repo = LayoutRepository(db)
    assert [s.id for s in repo.distributors_of(world.stores)] == [world.a, world.b]
    cities = repo.cities_of(world.stores)
    assert sorted(c.id for c in cities) == [f"{world.ns}{x}" for x in "ABC"]
    assert {c.kind for c in cities} == {"region"}
    today = repo.current_supply(world.stores)
    assert today == {s: world.a for s in world.near_a} | {s: world.b for s in world.in_c}


def test_plan_moves_the_far_stores_to_their_city_and_is_stored(
    db: Database, driver: neo4j.Driver, world: World
) -> None:
    service = LayoutService(db)
    request = LayoutRequest(k=2, store_ids=world.stores, radius_km=50, method="exact")
    plan = service.plan(request)
    assert {s.id for s in plan.open_sites} == {world.a, world.city_c}
    assert plan.proven_optimal and plan.lower_bound is not None and plan.gap is not None
    comparison = plan.comparison
    assert set(comparison.stores_reassigned) == set(world.in_c)
    assert comparison.cost_saved is not None and comparison.current_cost is not None
    assert comparison.cost_saved > 0.9 * comparison.current_cost - plan.cost
    assert comparison.demand_within_radius == 1.0
    assert comparison.current_demand_within_radius == pytest.approx(30 / 100)
    closed = [s for s in plan.sites if not s.opened]
    assert [(s.id, s.current) for s in closed] == [(world.b, True)]
    stored = LayoutRepository(db).get_plan(plan.id)
    assert stored == plan
    records, _, _ = driver.execute_query(
        "MATCH (p:LayoutPlan {id: $id}) RETURN COUNT { (p)-[:OPENS]->() } AS opens, "
        "COUNT { (p)-[:CLOSES]->() } AS closes, COUNT { (p)-[:ASSIGNS]->(:Store) } AS assigns",
        id=plan.id,
    )
    assert dict(records[0]) == {"opens": 2, "closes": 1, "assigns": 4}


def test_heuristic_plans_never_claim_optimality(
    db: Database, driver: neo4j.Driver, world: World
) -> None:
    service = LayoutService(db)
    plan = service.solve(
        service.prepare(LayoutRequest(k=2, store_ids=world.stores, method="heuristic"))
    )
    assert plan.lower_bound is None and plan.gap is None and not plan.proven_optimal


def test_keeping_todays_sites_and_capacities(
    db: Database, driver: neo4j.Driver, world: World
) -> None:
    service = LayoutService(db)
    kept = service.plan(LayoutRequest(k=3, store_ids=world.stores, keep_current_sites=True))
    assert {world.a, world.b, world.city_c} == {s.id for s in kept.open_sites}
    capacitated = service.plan(
        LayoutRequest(
            model="capacitated", k=2, store_ids=world.stores, include_cities=False,
            default_capacity=60,
        )
    )  # fmt: skip
    assert all(s.demand <= 60 for s in capacitated.open_sites)
    # A capacitated heuristic plan states its own Lagrangian bound: its gap is never hidden.
    heuristic = service.plan(
        LayoutRequest(
            model="capacitated", k=2, store_ids=world.stores, include_cities=False,
            default_capacity=60, method="heuristic",
        )
    )  # fmt: skip
    assert heuristic.lower_bound is not None and heuristic.gap is not None
    assert heuristic.lower_bound <= heuristic.cost + 1e-6 and 0 <= heuristic.gap < 1


@pytest.mark.parametrize(
    ("options", "field", "match"),
    [
        ({"k": 9, "include_cities": False}, "k", "only 2 candidate sites"),
        ({"k": None}, "k", "needs the number of sites"),
        ({"model": "capacitated", "k": 1, "default_capacity": 50}, "capacities", "less than"),
        ({"model": "capacitated", "k": 2, "default_capacity": 35}, "capacities", "largest"),
        ({"model": "capacitated", "k": 2}, "capacities", "no capacity"),
        ({"k": 2, "must_open": ("nowhere",)}, "mustOpen", "nowhere"),
        ({"k": 2, "radius_km": -1.0}, "radiusKm", "non-negative"),
    ],
)
def test_bad_requests_name_the_field(
    db: Database,
    driver: neo4j.Driver,
    world: World,
    options: dict[str, Any],
    field: str,
    match: str,
) -> None:
    with pytest.raises(InvalidField, match=match) as caught:
        LayoutService(db).prepare(LayoutRequest(store_ids=world.stores, **options))
    assert caught.value.path == field


def test_stores_without_coordinates_are_named(
    db: Database, driver: neo4j.Driver, world: World
) -> None:
    bare = world.stores[0].replace(".011.0", ".099.0")
    driver.execute_query("MERGE (s:Party {id: $id}) SET s:Store", id=bare)
    with pytest.raises(InvalidField, match="no coordinates") as caught:
        LayoutService(db).prepare(
            LayoutRequest(k=2, store_ids=(*world.stores, bare), demand_source="shipped")
        )
    assert caught.value.path == "stores" and bare in str(caught.value)


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1.0, 2.0]] * 3, "3 rows for 4 stores"),
        ([[1.0, 2.0]] * 3 + [[1.0]], "row 3 has 1 entries"),
        ([[1.0, 2.0]] * 3 + [[1.0, -2.0]], r"entry \[3\]\[1\] is -2"),
    ],
)
def test_a_supplied_matrix_is_checked(
    db: Database, driver: neo4j.Driver, world: World, matrix: list[list[float]], match: str
) -> None:
    request = LayoutRequest.with_matrix(world.stores, (world.a, world.b), matrix, k=1)
    with pytest.raises(InvalidField, match=match) as caught:
        LayoutService(db).prepare(request)
    assert caught.value.path == "distanceMatrix"


def test_a_supplied_matrix_decides(db: Database, driver: neo4j.Driver, world: World) -> None:
    # Road distances that make B the better single site although A is nearer as the crow flies.
    matrix = [[50.0, 10.0], [50.0, 10.0], [50.0, 10.0], [50.0, 10.0]]
    request = LayoutRequest.with_matrix(world.stores, (world.a, world.b), matrix, k=1)
    plan = LayoutService(db).plan(request)
    assert [s.id for s in plan.open_sites] == [world.b] and plan.distance == "matrix"
    assert plan.cost == pytest.approx(100 * 10.0)


def test_unknown_plans_and_jobs(db: Database, driver: neo4j.Driver, ns: str) -> None:
    repo = LayoutRepository(db)
    with pytest.raises(NotFound, match="no layout plan"):
        repo.get_plan(ns)
    with pytest.raises(NotFound, match="no layout job"):
        JobRepository(db).get(ns, JobKind.LAYOUT)


def test_the_demo_world_is_planned_end_to_end(db: Database, driver: neo4j.Driver) -> None:
    from loaders.demo import build_world
    from services.demo import load_demo

    load_demo(db, units=2000, seed=4711)
    stores = tuple(s.id for s in build_world(2000, 4711).master.stores)
    plan = LayoutService(db).plan(LayoutRequest(k=3, store_ids=stores, radius_km=60, time_limit=10))
    assert len(plan.assignments) == len(stores) and len(plan.open_sites) == 3
    assert plan.total_demand > 0 and plan.comparison.current_cost is not None
    assert plan.gap is not None
    # Other tests' worlds reuse these store ids, so a store's demand depends on what else the
    # session loaded; the capacity is one that any three sites can always serve.
    largest = max(a.demand for a in plan.assignments)
    capacity = max(1.2 * plan.total_demand / 3, largest + plan.total_demand / 3)
    capacitated = LayoutService(db).plan(
        LayoutRequest(
            model="capacitated", k=3, store_ids=stores, radius_km=60, time_limit=10,
            default_capacity=capacity, method="heuristic",
        )
    )  # fmt: skip
    assert capacitated.gap is not None and capacitated.lower_bound is not None
    assert all(s.demand <= capacity + 1e-6 for s in capacitated.open_sites)
