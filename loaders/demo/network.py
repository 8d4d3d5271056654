"""The demo brand's network, drawn from China's real provinces and prefecture-level cities.

Sizes scale with the number of units to make: about one province per 40,000 units (2 to 31),
one city distributor per 4,000 units, one store per 35 units and one consumer per 12.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from graph_model.identifiers.gs1 import sgln_urn
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
from loaders.demo.catalog import BRAND, COMPANY_PREFIX, PRODUCTS, ROADS, STORE_KINDS, STORE_WORDS
from loaders.demo.world import Route, World
from loaders.regions import china_regions

__all__ = ["NetworkSize", "build_network"]

# Mainland China: the SARs and Taiwan have their own distribution and are left out.
_OUTSIDE_MAINLAND = frozenset({"710000", "810000", "820000"})
_MAX_STORES = 98_999  # five-digit location references 01000-99999 under the company prefix


@dataclass(frozen=True, slots=True)
class NetworkSize:
    """How many of each party a world of ``units`` units has."""

    provinces: int
    cities: int
    stores: int
    consumers: int

    @classmethod
    def for_units(cls, units: int, available_cities: int) -> NetworkSize:
        provinces = min(31, max(2, round(units / 40_000)))
        cities = min(available_cities, max(provinces, units // 4_000))
        stores = min(_MAX_STORES, max(cities, units // 35))
        consumers = max(10, units // 12)
        return cls(provinces, cities, stores, consumers)


def _party(number: int) -> str:
    return sgln_urn(COMPANY_PREFIX, f"{number:05d}")


def _jitter(rng: random.Random, region: Region, spread: float) -> tuple[float, float]:
    lat = min(89.0, max(-89.0, region.lat + rng.gauss(0.0, spread)))
    lon = min(179.0, max(-179.0, region.lon + rng.gauss(0.0, spread)))
    return round(lat, 6), round(lon, 6)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _device(rng: random.Random) -> str:
    return f"dev-{rng.getrandbits(64):016x}"


def _short(name: str) -> str:
    for suffix in ("市", "地区", "盟", "自治州"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _province_short(name: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _products() -> tuple[Product, ...]:
    return tuple(
        Product.from_parts(COMPANY_PREFIX, ref, name, BRAND, category)
        for ref, name, category, _ in PRODUCTS
    )


def _choose_cities(
    rng: random.Random,
    size: NetworkSize,
    provinces: Sequence[Region],
    by_province: dict[str, list[Region]],
) -> dict[str, list[Region]]:
    # The capital (lowest code) of every province first, then further cities at random.
    chosen = {p.code: [by_province[p.code][0]] for p in provinces}
    rest = [c for p in provinces for c in by_province[p.code][1:]]
    rng.shuffle(rest)
    for city in rest[: size.cities - len(provinces)]:
        chosen[city.parent_code or ""].append(city)
    return {code: sorted(cities, key=lambda r: r.code) for code, cities in chosen.items()}


def build_network(units: int, seed: int, start: datetime) -> World:
    """The plain world (no anomalies) of ``units`` units for ``seed``."""
    rng = random.Random(f"yima-demo-network:{seed}")
    regions = china_regions()
    by_province: dict[str, list[Region]] = {}
    for r in regions:
        if r.level == "prefecture" and r.parent_code not in _OUTSIDE_MAINLAND:
            by_province.setdefault(r.parent_code or "", []).append(r)
    province_of = {r.code: r for r in regions if r.level == "province"}
    available = sum(len(v) for v in by_province.values())
    size = NetworkSize.for_units(units, available)
    provinces = sorted(
        rng.sample([province_of[c] for c in sorted(by_province)], size.provinces),
        key=lambda r: r.code,
    )
    cities_of = _choose_cities(rng, size, provinces, by_province)
    all_cities = [c for p in provinces for c in cities_of[p.code]]

    plants: list[Plant] = []
    lines: list[Line] = []
    for i, city in enumerate(
        sorted(
            rng.sample(all_cities, min(len(all_cities), rng.randint(2, 3))), key=lambda r: r.code
        )
    ):
        lat, lon = _jitter(rng, city, 0.1)
        plant = Plant(_party(i + 1), f"{BRAND}{_short(city.name)}工厂", city.code, lat, lon)
        plants.append(plant)
        lines.extend(
            Line.at(plant.id, n, f"{_short(city.name)}{n}号线")
            for n in range(1, rng.randint(2, 4) + 1)
        )

    hub = rng.choice(provinces)
    hub_city = cities_of[hub.code][0]
    lat, lon = _jitter(rng, hub_city, 0.05)
    national = Distributor(
        _party(100),
        f"{BRAND}全国销售有限公司",
        1,
        hub_city.code,
        lat,
        lon,
        tuple(Authorization(p.code) for p in provinces),
    )
    provincials: list[Distributor] = []
    city_dists: list[Distributor] = []
    for i, province in enumerate(provinces):
        capital = cities_of[province.code][0]
        lat, lon = _jitter(rng, capital, 0.05)
        provincials.append(
            Distributor(
                _party(101 + i),
                f"{_province_short(province.name)}{BRAND}商贸有限公司",
                2,
                capital.code,
                lat,
                lon,
                (Authorization(province.code),),
            )
        )
    for i, city in enumerate(all_cities):
        lat, lon = _jitter(rng, city, 0.05)
        city_dists.append(
            Distributor(
                _party(200 + i),
                f"{_short(city.name)}{rng.choice(STORE_WORDS)}酒类经销有限公司",
                3,
                city.code,
                lat,
                lon,
                (Authorization(city.code),),
            )
        )

    # Stores: every city gets one, the rest go by a heavy-tailed city size.
    city_weight = [rng.paretovariate(1.2) for _ in all_cities]
    store_city = list(range(len(all_cities)))
    store_city += rng.choices(
        range(len(all_cities)), weights=city_weight, k=size.stores - len(all_cities)
    )
    store_city.sort()
    stores: list[Store] = []
    for i, ci in enumerate(store_city):
        city = all_cities[ci]
        lat, lon = _jitter(rng, city, 0.08)
        short = _short(city.name)
        stores.append(
            Store(
                _party(1000 + i),
                f"{short}{rng.choice(STORE_WORDS)}{rng.choice(STORE_KINDS)}",
                city.code,
                lat,
                lon,
                phone=_phone(rng),
                address=f"{city.name}{rng.choice(ROADS)}路{rng.randint(1, 999)}号",
                device=_device(rng) if rng.random() < 0.6 else None,
            )
        )

    stores_in_city = [0] * len(all_cities)
    for ci in store_city:
        stores_in_city[ci] += 1
    consumer_city = rng.choices(range(len(all_cities)), weights=stores_in_city, k=size.consumers)
    consumers = [
        Consumer.of(
            f"c{i:07d}",
            all_cities[ci].code,
            phone=_phone(rng) if rng.random() < 0.9 else None,
            device=_device(rng),
        )
        for i, ci in enumerate(consumer_city)
    ]

    routes: list[Route] = [Route(p.id, national.id, 1.0) for p in plants]
    city_index = {c.code: i for i, c in enumerate(all_cities)}
    for province, dist in zip(provinces, provincials, strict=True):
        in_province = sum(stores_in_city[city_index[c.code]] for c in cities_of[province.code])
        routes.append(Route(national.id, dist.id, float(in_province)))
        routes.extend(
            Route(dist.id, cd.id, float(stores_in_city[city_index[cd.region_code]]))
            for cd in city_dists
            if cd.region_code[:2] == province.code[:2]
        )
    dist_of_city = {cd.region_code: cd for cd in city_dists}
    routes.extend(
        Route(dist_of_city[s.region_code].id, s.id, round(rng.uniform(0.3, 3.0), 3)) for s in stores
    )

    master = MasterData(
        regions=regions,
        plants=tuple(plants),
        lines=tuple(lines),
        products=_products(),
        distributors=(national, *provincials, *city_dists),
        stores=tuple(stores),
        consumers=tuple(consumers),
        supplies=tuple(Supply(r.supplier_id, r.customer_id) for r in routes),
    )
    return World(seed, units, COMPANY_PREFIX, BRAND, start, master, tuple(routes))
