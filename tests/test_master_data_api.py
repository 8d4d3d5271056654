"""``saveMasterData`` over HTTP GraphQL: a network of the test's own is saved, read back with
the repository, saved again without change, and every kind of bad item is named with nothing
written."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import neo4j
import pytest
from starlette.testclient import TestClient

import services.master_data
from graph_model.database import Database
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
)
from graph_model.repositories.master_data import MasterDataRepository

SAVE = """
mutation ($input: MasterDataInput!) {
  saveMasterData(input: $input) {
    __typename
    ... on MasterDataSaved { plants lines products distributors stores consumers supplies }
    ... on Problem { message problems { path reason } }
  }
}
"""

Payload = dict[str, list[dict[str, Any]]]


def _cp(ns: str) -> str:
    return f"{int(ns[1:], 16) % 10**7:07d}"


def _party(ns: str, n: int) -> str:
    return f"urn:epc:id:sgln:{_cp(ns)}.{n:05d}.0"


def _gtin(ns: str, n: int) -> str:
    body = f"0{_cp(ns)}{n:05d}"
    return body + gs1_check_digit(body)


def _wrong_check_digit(gtin: str) -> str:
    return gtin[:-1] + str((int(gtin[-1]) + 1) % 10)


def _region(ns: str) -> str:
    return f"{ns}-R"


def _payload(ns: str) -> Payload:
    """A plant with a line, two products, a national and a city distributor, two stores, a
    consumer, and the channel plant -> national -> city -> stores."""
    region = _region(ns)
    return {
        "plants": [
            {"id": _party(ns, 1), "name": "工厂", "regionCode": region, "lat": 22.5, "lon": 113.6}
        ],
        "lines": [{"plantId": _party(ns, 1), "number": 2, "name": "L2"}],
        "products": [
            {
                "gtin": _gtin(ns, 1),
                "name": "清茶",
                "brand": "Yima",
                "companyPrefix": _cp(ns),
                "category": "茶",
            },
            {"gtin": _gtin(ns, 2), "name": "啤酒", "brand": "Yima", "companyPrefix": _cp(ns)},
        ],
        "distributors": [
            {
                "id": _party(ns, 100),
                "name": "全国",
                "tier": 1,
                "regionCode": region,
                "lat": 22.5,
                "lon": 113.6,
            },
            {
                "id": _party(ns, 200),
                "name": "市级",
                "tier": 3,
                "regionCode": region,
                "lat": 22.5,
                "lon": 113.6,
                "authorized": [{"regionCode": region, "gtins": [_gtin(ns, 1)]}],
            },
        ],
        "stores": [
            {
                "id": _party(ns, 500 + n),
                "name": f"便利店{n}",
                "regionCode": region,
                "lat": 22.51,
                "lon": 113.61,
                "phone": f"1{_cp(ns)}{n}",
                "address": f"{ns}路{n}号",
                "device": f"d{ns}{n}",
            }
            for n in range(2)
        ],
        "consumers": [{"id": f"{ns}c1", "regionCode": region, "phone": f"1{_cp(ns)}9"}],
        "supplies": [
            {"supplierId": _party(ns, 1), "customerId": _party(ns, 100)},
            {"supplierId": _party(ns, 100), "customerId": _party(ns, 200)},
            {"supplierId": _party(ns, 200), "customerId": _party(ns, 500)},
            {"supplierId": _party(ns, 200), "customerId": _party(ns, 501)},
        ],
    }


_FOOTPRINT = """
CALL {
  MATCH (n:Party) WHERE n.id STARTS WITH $party RETURN n
  UNION MATCH (n:Line) WHERE n.id STARTS WITH $party RETURN n
  UNION MATCH (n:Product) WHERE n.gtin STARTS WITH $gtin RETURN n
  UNION MATCH (n:Consumer) WHERE n.id STARTS WITH $consumer RETURN n
}
OPTIONAL MATCH (n)-[r]-(m)
RETURN count(DISTINCT n) AS nodes, count(DISTINCT r) AS rels, count(DISTINCT m) AS around
"""


def _footprint(driver: neo4j.Driver, ns: str) -> tuple[int, int, int]:
    record = driver.execute_query(
        _FOOTPRINT,
        party=f"urn:epc:id:sgln:{_cp(ns)}.",
        gtin=f"0{_cp(ns)}",
        consumer=f"urn:yima:consumer:{ns}",
        routing_=neo4j.RoutingControl.READ,
    ).records[0]
    return record["nodes"], record["rels"], record["around"]


@pytest.fixture
def repo(db: Database, driver: neo4j.Driver, ns: str) -> MasterDataRepository:
    """The repository, with the test's own region in the graph."""
    repository = MasterDataRepository(db)
    repository.save(
        MasterData(regions=(Region(_region(ns), "测试市", "custom", None, 22.5, 113.6),))
    )
    return repository


def save(client: TestClient, payload: Payload) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": SAVE, "variables": {"input": payload}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["saveMasterData"]
    return result


def problems_of(result: dict[str, Any]) -> set[tuple[str, str]]:
    """``(item, field)`` of every problem: ``stores[3].lat`` is ``("stores[3]", "lat")``."""
    assert result["__typename"] == "Problem", result
    found = set()
    for p in result["problems"]:
        match = re.fullmatch(r"(\w+\[\d+\]|input)(?:\.(.+))?", p["path"])
        assert match is not None, p
        found.add((match[1], match[2] or "-"))
    return found


SAVED = {
    "__typename": "MasterDataSaved",
    "plants": 1,
    "lines": 1,
    "products": 2,
    "distributors": 2,
    "stores": 2,
    "consumers": 1,
    "supplies": 4,
}


def test_a_full_save_reads_back_through_the_repository(
    client: TestClient, repo: MasterDataRepository, ns: str
) -> None:
    assert save(client, _payload(ns)) == SAVED
    region = _region(ns)
    assert repo.get_plant(_party(ns, 1)) == Plant(_party(ns, 1), "工厂", region, 22.5, 113.6)
    assert repo.get_line(_party(ns, 1)[:-1] + "2") == Line.at(_party(ns, 1), 2, "L2")
    assert repo.get_product(_gtin(ns, 1)) == Product(_gtin(ns, 1), "清茶", "Yima", _cp(ns), "茶")
    assert repo.get_product(_gtin(ns, 2)).category == ""
    assert repo.get_distributor(_party(ns, 200)) == Distributor(
        _party(ns, 200), "市级", 3, region, 22.5, 113.6, (Authorization(region, (_gtin(ns, 1),)),)
    )
    assert repo.get_distributor(_party(ns, 100)).authorized == ()
    assert repo.get_store(_party(ns, 501)) == Store(
        _party(ns, 501), "便利店1", region, 22.51, 113.61, f"1{_cp(ns)}1", f"{ns}路1号", f"d{ns}1"
    )
    assert repo.get_consumer(f"urn:yima:consumer:{ns}c1") == Consumer.of(
        f"{ns}c1", region, phone=f"1{_cp(ns)}9"
    )
    assert repo.customers_of(_party(ns, 200)) == [_party(ns, 500), _party(ns, 501)]
    assert repo.suppliers_of(_party(ns, 100)) == [_party(ns, 1)]


def test_saving_again_changes_nothing(
    client: TestClient, repo: MasterDataRepository, driver: neo4j.Driver, ns: str
) -> None:
    assert save(client, _payload(ns)) == SAVED
    before = _footprint(driver, ns)
    assert save(client, _payload(ns)) == SAVED
    assert _footprint(driver, ns) == before


def test_references_may_point_at_what_the_graph_already_holds(
    client: TestClient, repo: MasterDataRepository, ns: str
) -> None:
    payload = _payload(ns)
    assert save(client, {k: v for k, v in payload.items() if k != "supplies"})["stores"] == 2
    later = {
        "lines": [{"plantId": _party(ns, 1), "number": 3, "name": "L3"}],
        "supplies": payload["supplies"],
    }
    assert save(client, later)["supplies"] == 4
    assert repo.get_line(_party(ns, 1)[:-1] + "3").plant_id == _party(ns, 1)


def _set(kind: str, index: int, **fields: Any) -> Callable[[Payload, str], None]:
    def change(payload: Payload, ns: str) -> None:
        payload[kind][index].update({k: v(ns) if callable(v) else v for k, v in fields.items()})

    return change


def _authorize(gtin: Callable[[str], str] | str = "", region: str = "") -> Callable[..., None]:
    def change(payload: Payload, ns: str) -> None:
        given = payload["distributors"][1]["authorized"][0]
        if gtin:
            given["gtins"] = [given["gtins"][0], gtin(ns) if callable(gtin) else gtin]
        if region:
            given["regionCode"] = region

    return change


@pytest.mark.parametrize(
    ("change", "path", "field"),
    [
        (_set("stores", 1, lat=123.0), "stores[1]", "lat"),
        (_set("stores", 0, lon=-181.0), "stores[0]", "lon"),
        (_set("stores", 0, name="  "), "stores[0]", "name"),
        (_set("plants", 0, id="urn:epc:id:sgln:123.45.0"), "plants[0]", "id"),
        (_set("lines", 0, number=0), "lines[0]", "number"),
        (_set("products", 1, gtin=lambda ns: _gtin(ns, 2)[:-1] + "x"), "products[1]", "gtin"),
        (
            _set("products", 1, gtin=lambda ns: _wrong_check_digit(_gtin(ns, 2))),
            "products[1]",
            "gtin",
        ),
        (_set("products", 0, companyPrefix="1234567"), "products[0]", "companyPrefix"),
        (_set("distributors", 0, tier=4), "distributors[0]", "tier"),
        (_authorize(gtin="123"), "distributors[1]", "authorized[0].gtins[1]"),
        (_authorize(region="no such code!"), "distributors[1]", "authorized[0].regionCode"),
        (_set("consumers", 0, id="who am i?"), "consumers[0]", "id"),
        (_set("supplies", 0, customerId=lambda ns: _party(ns, 1)), "supplies[0]", "customerId"),
        # keys given twice, and one party id used for two kinds
        (_set("stores", 1, id=lambda ns: _party(ns, 500)), "stores[1]", "id"),
        (_set("stores", 0, id=lambda ns: _party(ns, 100)), "stores[0]", "id"),
        (
            _set(
                "supplies",
                1,
                customerId=lambda ns: _party(ns, 100),
                supplierId=lambda ns: _party(ns, 1),
            ),
            "supplies[1]",
            "-",
        ),
        # references to what is neither given nor in the graph
        (_set("stores", 1, regionCode="NOWHERE-0"), "stores[1]", "regionCode"),
        (_set("consumers", 0, regionCode="NOWHERE-0"), "consumers[0]", "regionCode"),
        (_authorize(region="NOWHERE-0"), "distributors[1]", "authorized[0].regionCode"),
        (_authorize(gtin=lambda ns: _gtin(ns, 9)), "distributors[1]", "authorized[0].gtins[1]"),
        (_set("lines", 0, plantId=lambda ns: _party(ns, 2)), "lines[0]", "plantId"),
        (_set("supplies", 3, supplierId=lambda ns: _party(ns, 999)), "supplies[3]", "supplierId"),
    ],
)
def test_a_bad_item_is_named_and_nothing_is_written(
    client: TestClient,
    repo: MasterDataRepository,
    driver: neo4j.Driver,
    ns: str,
    change: Callable[[Payload, str], None],
    path: str,
    field: str,
) -> None:
    payload = copy.deepcopy(_payload(ns))
    change(payload, ns)
    result = save(client, payload)
    assert problems_of(result) == {(path, field)}, result
    assert all(p["reason"] for p in result["problems"])
    assert _footprint(driver, ns) == (0, 0, 0)


def test_every_bad_item_is_listed_at_once(
    client: TestClient, repo: MasterDataRepository, ns: str
) -> None:
    payload = copy.deepcopy(_payload(ns))
    payload["stores"][0]["lat"] = 95.0
    payload["stores"][1]["lat"] = 96.0
    payload["plants"][0]["regionCode"] = "NOWHERE-0"
    assert problems_of(save(client, payload)) == {("stores[0]", "lat"), ("stores[1]", "lat")}
    payload["stores"][0]["lat"] = payload["stores"][1]["lat"] = 0.0
    payload["consumers"][0]["regionCode"] = "NOWHERE-1"
    assert problems_of(save(client, payload)) == {
        ("plants[0]", "regionCode"),
        ("consumers[0]", "regionCode"),
    }


def test_a_request_too_big_is_refused_before_any_check(
    client: TestClient, ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.master_data, "MAX_ITEMS", 5)
    assert problems_of(save(client, _payload(ns))) == {("input", "-")}
