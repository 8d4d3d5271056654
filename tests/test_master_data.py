"""Master-data files → domain values → the graph, and back through ``from_record``."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph_model.database import Database
from graph_model.errors import InvalidField, NotFound
from graph_model.identifiers.gs1 import gs1_check_digit
from graph_model.master import (
    Authorization,
    Consumer,
    Distributor,
    Line,
    MasterData,
    Plant,
    Product,
    Region,
    Store,
    Supply,
)
from graph_model.repositories.master_data import MasterDataRepository
from graph_model.settings import DatabaseSettings
from loaders.demo import build_world
from loaders.master_data import (
    MasterDataFileError,
    master_data_to_json,
    read_master_data,
)
from services.master_data import load_master_files

# -- ids unique to a test ------------------------------------------------------------------


def _cp(ns: str) -> str:
    return f"{int(ns[1:], 16) % 10**9:09d}"


def _party(ns: str, n: int) -> str:
    return f"urn:epc:id:sgln:{_cp(ns)}.{n:03d}.0"


def _gtin(ns: str, n: int) -> str:
    body = f"0{_cp(ns)}{n:03d}"
    return body + gs1_check_digit(body)


def _world(ns: str) -> MasterData:
    """A small network of its own: two custom regions, a plant, a chain of distributors."""
    cp = _cp(ns)
    square = '{"coordinates":[[[113,22],[114,22],[114,23],[113,22]]],"type":"Polygon"}'
    province = Region.custom(f"{ns}-P", "测试省", 23.0, 113.5, square)
    city = Region(f"{ns}-C", "测试市", "custom", province.code, 22.5, 113.6, square)
    plant = Plant(_party(ns, 1), "工厂", city.code, 22.5, 113.6)
    tea, beer = (
        Product(_gtin(ns, 1), "清茶", "Yima", cp, "茶"),
        Product(_gtin(ns, 2), "啤酒", "Yima", cp),
    )
    national = Distributor(_party(ns, 100), "全国", 1, city.code, 22.5, 113.6, ())
    provincial = Distributor(
        _party(ns, 101), "省级", 2, city.code, 22.5, 113.6, (Authorization(province.code),)
    )
    city_dist = Distributor(
        _party(ns, 200), "市级", 3, city.code, 22.5, 113.6, (Authorization(city.code, (tea.gtin,)),)
    )
    store = Store(
        _party(ns, 500), "便利店", city.code, 22.51, 113.61, f"1{_cp(ns)}1", f"{ns}路1号", f"d{ns}"
    )
    consumer = Consumer.of(f"{ns}c1", city.code, phone=f"1{_cp(ns)}2", device=f"d{ns}c")
    chain = [plant.id, national.id, provincial.id, city_dist.id, store.id]
    return MasterData(
        regions=(province, city),
        plants=(plant,),
        lines=(Line.at(plant.id, 1, "一号线"), Line.at(plant.id, 2, "二号线")),
        products=(tea, beer),
        distributors=(national, provincial, city_dist),
        stores=(store,),
        consumers=(consumer,),
        supplies=tuple(Supply(a, b) for a, b in itertools.pairwise(chain)),
    )


def _graph_size(driver: neo4j.Driver, ns: str) -> tuple[int, int]:
    """Nodes and relationships touching this test's data."""
    records, _, _ = driver.execute_query(
        """
        MATCH (n) WHERE n.id STARTS WITH $party OR n.code STARTS WITH $ns
           OR n.gtin STARTS WITH $gtin OR n.id CONTAINS $ns OR n.number CONTAINS $cp
           OR n.text CONTAINS $ns
        OPTIONAL MATCH (n)-[r]-()
        RETURN count(DISTINCT n) AS nodes, count(DISTINCT r) AS rels
        """,
        party=f"urn:epc:id:sgln:{_cp(ns)}.",
        ns=ns,
        gtin=f"0{_cp(ns)}",
        cp=_cp(ns),
    )
    return int(records[0]["nodes"]), int(records[0]["rels"])


# -- domain values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Plant("urn:epc:id:sgln:1.2.0", "x", "440300", 1, 1), "SGLN URN"),
        (lambda: Plant("urn:epc:id:sgln:6917821.00001.0", "x", "440300", 91, 1), "lat must"),
        (lambda: Product("06917821100015", "x", "b", "6917821"), "check digit must be 4"),
        (lambda: Product("06917821100014", "x", "b", "6917822"), "company_prefix"),
        (
            lambda: Distributor("urn:epc:id:sgln:6917821.00001.0", "x", 4, "440300", 1, 1),
            "tier must be 1",
        ),
        (lambda: Consumer("c1", "440300"), "urn:yima:consumer"),
        (
            lambda: Line("urn:epc:id:sgln:6917821.00002.1", "urn:epc:id:sgln:6917821.00001.0", "l"),
            "line id",
        ),
        (
            lambda: Supply("urn:epc:id:sgln:6917821.00001.0", "urn:epc:id:sgln:6917821.00001.0"),
            "cannot supply itself",
        ),
        (lambda: Region("440300", "x", "city", None, 1, 1), "level must be"),  # type: ignore[arg-type]
    ],
)
def test_domain_values_check_their_invariants(build: Any, match: str) -> None:
    with pytest.raises(InvalidField, match=match):
        build()


def test_domain_errors_name_their_field() -> None:
    with pytest.raises(InvalidField) as info:
        Store("urn:epc:id:sgln:6917821.01000.0", "s", "440300", 1.0, 999.0)
    assert info.value.path == "lon"


def test_product_parts_and_sgtin() -> None:
    p = Product.from_parts("6917821", "10001", "清香", "一码")
    assert p.gtin == "06917821100014" and p.item_ref == "010001"
    assert p.sgtin("ABC") == "urn:epc:id:sgtin:6917821.010001.ABC"
    assert Authorization("440300").covers(p.gtin)
    assert not Authorization("440300", ("06917821100021",)).covers(p.gtin)


# -- files ---------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _csv_files(folder: Path, master: MasterData) -> list[Path]:
    folder.mkdir(exist_ok=True)
    regions = [
        [r.code, r.name, r.level, r.parent_code or "", r.lat, r.lon, r.polygon_geojson or ""]
        for r in master.regions
    ]
    dists = [
        [
            d.id,
            d.name,
            d.tier,
            d.region_code,
            d.lat,
            d.lon,
            ";".join(a.region_code for a in d.authorized),
            ";".join(g for a in d.authorized for g in a.gtins),
        ]
        for d in master.distributors
    ]
    return [
        _write_csv(
            folder / "regions.csv",
            ["code", "name", "level", "parent_code", "lat", "lon", "polygon_geojson"],
            regions,
        ),
        _write_csv(
            folder / "plants.csv",
            ["id", "name", "region_code", "lat", "lon"],
            [[p.id, p.name, p.region_code, p.lat, p.lon] for p in master.plants],
        ),
        _write_csv(
            folder / "lines.csv",
            ["plant_id", "number", "name"],
            [[x.plant_id, x.id.rpartition(".")[2], x.name] for x in master.lines],
        ),
        _write_csv(
            folder / "products.csv",
            ["gtin", "name", "brand", "company_prefix", "category"],
            [[p.gtin, p.name, p.brand, p.company_prefix, p.category] for p in master.products],
        ),
        _write_csv(
            folder / "distributors.csv",
            [
                "id",
                "name",
                "tier",
                "region_code",
                "lat",
                "lon",
                "authorized_regions",
                "authorized_gtins",
            ],
            dists,
        ),
        _write_csv(
            folder / "stores.csv",
            ["id", "name", "region_code", "lat", "lon", "phone", "address", "device"],
            [
                [s.id, s.name, s.region_code, s.lat, s.lon, s.phone, s.address, s.device]
                for s in master.stores
            ],
        ),
        _write_csv(
            folder / "consumers.csv",
            ["id", "region_code", "phone", "device"],
            [
                [c.id.removeprefix("urn:yima:consumer:"), c.region_code, c.phone, c.device]
                for c in master.consumers
            ],
        ),
        _write_csv(
            folder / "supplies.csv",
            ["supplier_id", "customer_id"],
            [[s.supplier_id, s.customer_id] for s in master.supplies],
        ),
    ]


def test_csv_files_read_back_to_the_same_values(tmp_path: Path) -> None:
    master = _world("tabcdef0123")
    assert read_master_data(_csv_files(tmp_path / "csv", master)) == master
    assert read_master_data([tmp_path / "csv"]) == master


def test_json_form_reads_back_the_demo_world(tmp_path: Path) -> None:
    world = build_world(3_000, 4)
    path = tmp_path / "world.json"
    path.write_text(json.dumps(master_data_to_json(world.master), ensure_ascii=False), "utf-8")
    read = read_master_data([path])
    assert read.stores == world.master.stores
    assert read.distributors == world.master.distributors
    assert read.supplies == world.master.supplies
    assert read.consumers == world.master.consumers


def test_bad_row_names_file_row_field_and_reason(tmp_path: Path) -> None:
    files = _csv_files(tmp_path, _world("tabcdef0123"))
    stores = tmp_path / "stores.csv"
    text = stores.read_text("utf-8").splitlines()
    cells = text[1].split(",")
    cells[3] = "north"
    stores.write_text("\n".join([text[0], text[1], ",".join(cells)]) + "\n", "utf-8")
    with pytest.raises(MasterDataFileError) as info:
        read_master_data(files)
    (problem,) = info.value.row_problems
    assert problem.file == str(stores) and problem.row == "3" and problem.field == "lat"
    assert "valid number" in problem.reason
    assert str(problem).startswith(f"{stores}: row 3: lat: ")


@pytest.mark.parametrize(
    ("header", "row", "field", "reason"),
    [
        (["id", "name", "region_code", "lat"], None, "lon", "required column is missing"),
        (["id", "name", "region_code", "lat", "lon", "colour"], None, "colour", "unknown column"),
        (
            ["id", "name", "region_code", "lat", "lon"],
            ["urn:epc:id:sgln:1.2.0", "x", "440300", "1", "1"],
            "id",
            "SGLN URN",
        ),
        (
            ["id", "name", "region_code", "lat", "lon"],
            ["urn:epc:id:sgln:6917821.00001.0", "", "440300", "1", "1"],
            "name",
            "at least 1 character",
        ),
        (
            ["id", "name", "region_code", "lat", "lon"],
            ["urn:epc:id:sgln:6917821.00001.0", "x", "440300", "1", "200"],
            "lon",
            "less than or equal to 180",
        ),
        (
            ["id", "name", "region_code", "lat", "lon"],
            ["urn:epc:id:sgln:6917821.00001.0", "x", "44 03", "1", "2"],
            "region_code",
            "must be 1-32 letters",
        ),
    ],
)
def test_bad_plants_are_rejected(
    tmp_path: Path, header: list[str], row: list[str] | None, field: str, reason: str
) -> None:
    path = _write_csv(tmp_path / "plants.csv", header, [row] if row else [])
    with pytest.raises(MasterDataFileError) as info:
        read_master_data([path])
    problem = info.value.row_problems[0]
    assert (problem.field, problem.row) == (field, "2" if row else "1")
    assert reason in problem.reason


def test_references_duplicates_and_file_names_are_checked(tmp_path: Path) -> None:
    plant = ["urn:epc:id:sgln:6917821.00001.0", "x", "999999", "1", "1"]
    plants = _write_csv(
        tmp_path / "plants.csv", ["id", "name", "region_code", "lat", "lon"], [plant]
    )
    with pytest.raises(MasterDataFileError, match="region_code 999999 is unknown"):
        read_master_data([plants])
    twice = _write_csv(
        tmp_path / "stores.csv",
        ["id", "name", "region_code", "lat", "lon"],
        [[plant[0], "s", "440300", "1", "1"], [plant[0], "s", "440300", "1", "1"]],
    )
    with pytest.raises(MasterDataFileError, match="is given before"):
        read_master_data([twice])
    other = tmp_path / "shops.csv"
    other.write_text("id\n", "utf-8")
    with pytest.raises(MasterDataFileError, match="not a master-data file"):
        read_master_data([other])
    with pytest.raises(MasterDataFileError, match="no files given"):
        read_master_data([])


def test_json_errors_name_the_list_entry(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps({"plants": [{"id": "urn:epc:id:sgln:6917821.00001.0", "name": "p"}], "x": []}),
        "utf-8",
    )
    with pytest.raises(MasterDataFileError) as info:
        read_master_data([path])
    found = {(p.row, p.field) for p in info.value.row_problems}
    assert ("plants[1]", "region_code") in found and ("-", "x") in found
    path.write_text("{", "utf-8")
    with pytest.raises(MasterDataFileError, match="not valid JSON"):
        read_master_data([path])


def test_geojson_territories_are_regions(tmp_path: Path) -> None:
    ring = [[113, 22], [114, 22], [114, 23], [113, 22]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "SOUTH-1", "name": "华南一区", "parent_code": "440000"},
    }
    path = tmp_path / "t.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    (region,) = read_master_data([path]).regions
    assert region.code == "SOUTH-1" and region.level == "custom" and region.parent_code == "440000"


# -- the graph -----------------------------------------------------------------------------


def test_save_then_read_every_kind(db: Database, driver: neo4j.Driver, ns: str) -> None:
    master = _world(ns)
    repo = MasterDataRepository(db, batch_size=2)
    counts = repo.save(master)
    assert counts.stores == 1 and counts.supplies == 4
    assert [repo.get_region(r.code) for r in master.regions] == list(master.regions)
    assert repo.regions_within(master.regions[0].code) == [master.regions[1]]
    assert repo.get_plant(master.plants[0].id) == master.plants[0]
    assert [repo.get_line(x.id) for x in master.lines] == list(master.lines)
    assert [repo.get_product(p.gtin) for p in master.products] == list(master.products)
    assert [repo.get_distributor(d.id) for d in master.distributors] == list(master.distributors)
    assert repo.get_store(master.stores[0].id) == master.stores[0]
    assert repo.get_consumer(master.consumers[0].id) == master.consumers[0]
    assert repo.customers_of(master.plants[0].id) == [master.distributors[0].id]
    assert repo.suppliers_of(master.stores[0].id) == [master.distributors[2].id]


def test_every_party_has_the_party_label(db: Database, driver: neo4j.Driver, ns: str) -> None:
    master = _world(ns)
    MasterDataRepository(db).save(master)
    records, _, _ = driver.execute_query(
        "UNWIND $ids AS id MATCH (p:Party {id: id}) RETURN labels(p) AS labels ORDER BY id",
        ids=sorted(master.party_ids()),
    )
    assert len(records) == len(master.party_ids())
    assert all("Party" in r["labels"] and len(r["labels"]) == 2 for r in records)


def test_loading_twice_changes_nothing(db: Database, driver: neo4j.Driver, ns: str) -> None:
    repo = MasterDataRepository(db)
    repo.save(_world(ns))
    once = _graph_size(driver, ns)
    repo.save(_world(ns))
    assert _graph_size(driver, ns) == once
    assert once[0] >= 14


def test_changed_data_replaces_what_it_describes(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    master = _world(ns)
    repo = MasterDataRepository(db)
    repo.save(master)
    store = master.stores[0]
    moved = Store(store.id, store.name, master.regions[0].code, 1.0, 2.0, "13900000000", None, None)
    dist = master.distributors[2]
    reauthorized = Distributor(
        dist.id,
        dist.name,
        3,
        dist.region_code,
        dist.lat,
        dist.lon,
        (Authorization(master.regions[0].code),),
    )
    repo.save(MasterData(stores=(moved,), distributors=(reauthorized,)))
    assert repo.get_store(store.id) == moved
    assert repo.get_distributor(dist.id) == reauthorized
    records, _, _ = driver.execute_query(
        "MATCH (:Store {id: $id})-[u:USES]->() RETURN count(u) AS n", id=store.id
    )
    assert records[0]["n"] == 1


def test_missing_ids_raise_not_found(db: Database, driver: neo4j.Driver, ns: str) -> None:
    repo = MasterDataRepository(db)
    with pytest.raises(NotFound, match=f"store '{_party(ns, 999)}' does not exist"):
        repo.get_store(_party(ns, 999))
    with pytest.raises(NotFound, match="region"):
        repo.get_region(f"{ns}-nowhere")


def test_a_dangling_reference_writes_nothing(db: Database, driver: neo4j.Driver, ns: str) -> None:
    master = _world(ns)
    broken = MasterData(
        regions=master.regions,
        plants=master.plants,
        stores=master.stores,
        supplies=(Supply(master.plants[0].id, _party(ns, 777)),),
    )
    with pytest.raises(NotFound, match=r"parties of the channel: 1 unknown"):
        MasterDataRepository(db).save(broken)
    assert _graph_size(driver, ns) == (0, 0)


def test_writes_join_the_callers_transaction(db: Database, driver: neo4j.Driver, ns: str) -> None:
    master = _world(ns)
    repo = MasterDataRepository(db)

    def work(tx: neo4j.ManagedTransaction) -> None:
        repo.save(MasterData(regions=master.regions, plants=master.plants), tx)
        raise RuntimeError("abandon")

    with driver.session() as session, pytest.raises(RuntimeError, match="abandon"):
        session.execute_write(work)
    assert _graph_size(driver, ns) == (0, 0)
    with driver.session() as session:
        session.execute_write(lambda tx: repo.save(master, tx))
    assert repo.get_plant(master.plants[0].id) == master.plants[0]


def test_load_files_writes_all_or_nothing(
    db: Database, driver: neo4j.Driver, ns: str, tmp_path: Path
) -> None:
    master = _world(ns)
    files = _csv_files(tmp_path, master)
    repo = MasterDataRepository(db)
    bad = tmp_path / "consumers.csv"
    bad.write_text(bad.read_text("utf-8") + f"{ns}c2,{ns}-C,,,extra\n", "utf-8")
    with pytest.raises(MasterDataFileError, match=r"consumers\.csv: row 3"):
        load_master_files(files, repo, with_china_regions=False)
    assert _graph_size(driver, ns) == (0, 0)
    _csv_files(tmp_path, master)
    counts = load_master_files(files, repo, with_china_regions=False)
    assert counts.plants == 1 and counts.consumers == 1
    assert repo.get_consumer(master.consumers[0].id) == master.consumers[0]


def test_china_regions_load_with_their_hierarchy(db: Database, driver: neo4j.Driver) -> None:
    from loaders.regions import china_regions

    repo = MasterDataRepository(db)
    repo.save(MasterData(regions=china_regions()))
    shenzhen = repo.get_region("440300")
    assert shenzhen.name == "深圳市" and shenzhen.parent_code == "440000"
    assert len(repo.regions_within("440000")) == 21


def test_non_atomic_save_writes_kind_by_kind(db: Database, driver: neo4j.Driver, ns: str) -> None:
    master = _world(ns)
    repo = MasterDataRepository(db, batch_size=1)
    assert repo.save(master, atomic=False).consumers == 1
    assert repo.get_distributor(master.distributors[1].id) == master.distributors[1]
    assert repo.suppliers_of(master.distributors[0].id) == [master.plants[0].id]


def test_non_atomic_save_commits_each_slice_and_stops_at_a_bad_one(
    db: Database, driver: neo4j.Driver, ns: str
) -> None:
    master = _world(ns)
    city = master.regions[1].code
    consumers = (
        Consumer.of(f"{ns}s1", city),
        Consumer.of(f"{ns}s2", city),
        Consumer.of(f"{ns}s3", f"{ns}-nowhere"),
        Consumer.of(f"{ns}s4", city),
    )
    repo = MasterDataRepository(db, batch_size=2)
    with pytest.raises(NotFound, match=f"consumer regions: 1 unknown \\({ns}-nowhere\\)"):
        repo.save(dataclasses.replace(master, consumers=consumers), atomic=False)
    # Slices of two: the first is committed, the one with the unknown region is not, and the
    # save stops there (the channel, written after consumers, is not reached).
    assert repo.get_consumer(consumers[1].id) == consumers[1]
    for missing in consumers[2:]:
        with pytest.raises(NotFound):
            repo.get_consumer(missing.id)
    assert repo.suppliers_of(master.distributors[0].id) == []


def test_cli_loads_files_and_rejects_bad_ones_before_the_database(
    db: Database,
    driver: neo4j.Driver,
    ns: str,
    tmp_path: Path,
    database_settings: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from cli.master import app

    monkeypatch.setenv("YIMA_NEO4J_URI", database_settings.uri)
    monkeypatch.setenv("YIMA_NEO4J_DATABASE", database_settings.database)
    if database_settings.password:
        monkeypatch.setenv("YIMA_NEO4J_USER", database_settings.user or "neo4j")
        monkeypatch.setenv("YIMA_NEO4J_PASSWORD", database_settings.password)
    master = _world(ns)
    folder = tmp_path / "files"
    _csv_files(folder, master)
    bad = folder / "products.csv"
    good = bad.read_text("utf-8")
    bad.write_text(good.replace(master.products[0].gtin, master.products[0].gtin[:-1] + "x"))
    result = CliRunner().invoke(app, ["load", str(folder), "--no-china-regions"])
    assert result.exit_code == 1
    assert (
        "rejected, nothing written" in result.output
        and "products.csv: row 2: gtin" in result.output
    )
    assert _graph_size(driver, ns) == (0, 0)
    bad.write_text(good, "utf-8")
    result = CliRunner().invoke(app, ["load", str(folder), "--no-china-regions"])
    assert result.exit_code == 0, result.output
    assert "loaded 2 regions, 1 plants, 2 lines" in result.output
    assert MasterDataRepository(db).get_store(master.stores[0].id) == master.stores[0]


def test_a_save_that_changes_the_channel_gives_a_new_revision(db: Database, ns: str) -> None:
    # Readers that keep a distributor's territory (the scan-time diversion check) compare it.
    repo = MasterDataRepository(db)
    master = _world(ns)
    repo.save(master)
    first = repo.revision()
    assert first is not None
    repo.save(MasterData(consumers=master.consumers, products=master.products))
    assert repo.revision() == first  # nothing a territory is made of
    repo.save(MasterData(supplies=master.supplies[:1]))
    second = repo.revision()
    assert second not in (None, first)
    repo.save(MasterData(stores=master.stores), atomic=False)  # sliced: each slice revises
    assert repo.revision() not in (None, first, second)
