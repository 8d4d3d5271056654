"""Master data of a brand's network: regions, plants, lines, products, parties and consumers.

Parties (plants, distributors, stores) are keyed by SGLN EPC URNs
(``urn:epc:id:sgln:CP.LOCREF.0``), the form EPCIS events carry in ``bizLocation``,
``readPoint``, ``sourceList`` and ``destinationList``. A production line is a sub-location of
its plant (``urn:epc:id:sgln:CP.PLANTREF.<line number>``); consumers are
``urn:yima:consumer:<id>``.

Every constructor checks its invariants, so a value that exists is a valid one; the loaders
build them from files and the repositories from Neo4j records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal

from graph_model.errors import InvalidField
from graph_model.identifiers.gs1 import gs1_check_digit, sgtin_urn, with_check_digit

if TYPE_CHECKING:
    from graph_model.referral import Referral

__all__ = [
    "CONSUMER_URN_PREFIX",
    "STAFF_ROLES",
    "Authorization",
    "Consumer",
    "Distributor",
    "Line",
    "MasterData",
    "Order",
    "Plant",
    "Product",
    "Region",
    "RegionLevel",
    "Staff",
    "StaffRole",
    "Store",
    "Supply",
    "Tier",
    "consumer_urn",
    "is_party_id",
]

RegionLevel = Literal["province", "prefecture", "custom"]
StaffRole = Literal["waiter", "manager"]
STAFF_ROLES: Final = ("waiter", "manager")
Tier = Literal[1, 2, 3]

CONSUMER_URN_PREFIX: Final = "urn:yima:consumer:"

_LEVELS: Final = frozenset({"province", "prefecture", "custom"})
_SGLN_RE: Final = re.compile(r"urn:epc:id:sgln:([0-9]{6,12})\.([0-9]{0,6})\.([!-~]{1,20})")
_GTIN_RE: Final = re.compile(r"[0-9]{14}")
_CONSUMER_RE: Final = re.compile(r"urn:yima:consumer:[A-Za-z0-9._~-]{1,64}")
_REGION_CODE_RE: Final = re.compile(r"[0-9A-Za-z_-]{1,32}")
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9._~:-]{1,64}")


def _require(condition: bool, message: str, field: str = "-") -> None:
    if not condition:
        raise InvalidField(field, message)


def _check_coordinates(kind: str, key: str, lat: float, lon: float) -> None:
    _require(-90.0 <= lat <= 90.0, f"{kind} {key}: lat must be within [-90, 90], got {lat}", "lat")
    _require(
        -180.0 <= lon <= 180.0, f"{kind} {key}: lon must be within [-180, 180], got {lon}", "lon"
    )


def is_party_id(text: str) -> bool:
    """Whether ``text`` is a party key: an SGLN URN whose extension is ``0``.

    >>> is_party_id("urn:epc:id:sgln:6917821.00001.0")
    True
    >>> is_party_id("urn:epc:id:sgln:6917821.00001.2")
    False
    """
    match = _SGLN_RE.fullmatch(text)
    return match is not None and len(match[1]) + len(match[2]) == 12 and match[3] == "0"


def _check_party_id(kind: str, party_id: str, field: str = "id") -> None:
    _require(
        is_party_id(party_id),
        f"{kind} id {party_id!r} must be an SGLN URN urn:epc:id:sgln:CP.LOCREF.0 "
        "(company prefix and location reference of 12 digits together)",
        field,
    )


def _check_region_code(kind: str, key: str, code: str, field: str = "region_code") -> None:
    _require(
        _REGION_CODE_RE.fullmatch(code) is not None,
        f"{kind} {key}: {field} {code!r} must be 1-32 letters, digits, '_' or '-'",
        field,
    )


def consumer_urn(local_id: str) -> str:
    """The consumer key for a brand's own consumer id (a member number, an app user id).

    >>> consumer_urn("c000042")
    'urn:yima:consumer:c000042'
    """
    urn = CONSUMER_URN_PREFIX + local_id
    _require(
        _CONSUMER_RE.fullmatch(urn) is not None,
        f"consumer id {local_id!r} must be 1-64 letters, digits or '._~-'",
        "id",
    )
    return urn


@dataclass(frozen=True, slots=True)
class Region:
    """An administrative region (province, prefecture-level city) or a brand's own territory.

    ``code`` is the 6-digit administrative division code (adcode) of GB/T 2260 for provinces
    and prefectures, and any brand-chosen key for custom territories. ``lat`` / ``lon`` are
    the seat of government, or a representative point of a custom polygon.
    """

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    lat: float
    lon: float
    polygon_geojson: str | None = None

    def __post_init__(self) -> None:
        _check_region_code("region", self.code, self.code, "code")
        _require(bool(self.name.strip()), f"region {self.code}: name must not be empty", "name")
        _require(
            self.level in _LEVELS,
            f"region {self.code}: level must be province, prefecture or custom, got {self.level!r}",
        )
        _require(
            self.parent_code != self.code,
            f"region {self.code}: parent_code must differ",
            "parent_code",
        )
        _check_coordinates("region", self.code, self.lat, self.lon)

    @classmethod
    def province(cls, code: str, name: str, lat: float, lon: float) -> Region:
        """A province-level division (province, autonomous region, municipality, SAR)."""
        return cls(code, name, "province", None, lat, lon)

    @classmethod
    def prefecture(cls, code: str, name: str, province_code: str, lat: float, lon: float) -> Region:
        """A prefecture-level division (prefecture-level city, league, autonomous prefecture)."""
        return cls(code, name, "prefecture", province_code, lat, lon)

    @classmethod
    def custom(
        cls,
        code: str,
        name: str,
        lat: float,
        lon: float,
        polygon_geojson: str,
        parent_code: str | None = None,
    ) -> Region:
        """A brand's own territory, outlined by a GeoJSON Polygon or MultiPolygon geometry."""
        return cls(code, name, "custom", parent_code, lat, lon, polygon_geojson)


@dataclass(frozen=True, slots=True)
class Plant:
    """A factory; ``id`` is its SGLN URN."""

    id: str
    name: str
    region_code: str
    lat: float
    lon: float

    def __post_init__(self) -> None:
        _check_party_id("plant", self.id)
        _check_region_code("plant", self.id, self.region_code)
        _check_coordinates("plant", self.id, self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class Line:
    """A production line: the plant's SGLN with the line number as extension."""

    id: str
    plant_id: str
    name: str

    def __post_init__(self) -> None:
        _check_party_id("plant", self.plant_id, "plant_id")
        _require(
            self.id.rpartition(".")[0] == self.plant_id.rpartition(".")[0]
            and self.id != self.plant_id
            and _SGLN_RE.fullmatch(self.id) is not None,
            f"line id {self.id!r} must be the plant's SGLN {self.plant_id} with the line "
            "number as extension",
            "id",
        )

    @classmethod
    def at(cls, plant_id: str, number: int, name: str) -> Line:
        """Line ``number`` (1, 2, …) of plant ``plant_id``.

        >>> Line.at("urn:epc:id:sgln:6917821.00001.0", 2, "L2").id
        'urn:epc:id:sgln:6917821.00001.2'
        """
        _require(number >= 1, f"line number must be at least 1, got {number}", "number")
        return cls(plant_id.rpartition(".")[0] + f".{number}", plant_id, name)


@dataclass(frozen=True, slots=True)
class Product:
    """A trade item, keyed by its GTIN-14.

    ``company_prefix`` is the brand's GS1 company prefix; with it the GTIN splits into the
    parts of an SGTIN URN.
    """

    gtin: str
    name: str
    brand: str
    company_prefix: str
    category: str = ""

    def __post_init__(self) -> None:
        _require(
            _GTIN_RE.fullmatch(self.gtin) is not None,
            f"product gtin {self.gtin!r} must have 14 digits",
            "gtin",
        )
        _require(
            gs1_check_digit(self.gtin[:13]) == self.gtin[13],
            f"product gtin {self.gtin}: check digit must be {gs1_check_digit(self.gtin[:13])}",
            "gtin",
        )
        _require(
            self.company_prefix.isdigit()
            and 6 <= len(self.company_prefix) <= 12
            and self.gtin[1:].startswith(self.company_prefix),
            f"product {self.gtin}: company_prefix {self.company_prefix!r} must be the 6-12 "
            "digits after the indicator digit",
            "company_prefix",
        )
        _require(bool(self.name.strip()), f"product {self.gtin}: name must not be empty", "name")

    @classmethod
    def from_parts(
        cls, company_prefix: str, item_ref: str, name: str, brand: str, category: str = ""
    ) -> Product:
        """The product whose GTIN-14 is indicator 0, ``company_prefix``, ``item_ref``, check.

        >>> Product.from_parts("6917821", "10001", "Tea 500ml", "Yima").gtin
        '06917821100014'
        """
        body = "0" + company_prefix + item_ref
        _require(len(body) == 13, "company prefix and item reference must have 12 digits")
        return cls(with_check_digit(body), name, brand, company_prefix, category)

    @property
    def item_ref(self) -> str:
        """Indicator digit followed by the item reference, as in an SGTIN URN."""
        return self.gtin[0] + self.gtin[1 + len(self.company_prefix) : 13]

    def sgtin(self, serial: str) -> str:
        """The SGTIN URN of one unit of this product."""
        return sgtin_urn(self.company_prefix, self.item_ref, serial)


@dataclass(frozen=True, slots=True)
class Authorization:
    """Where a distributor may sell: a region and the products (empty: every product)."""

    region_code: str
    gtins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_region_code("authorization", self.region_code, self.region_code)
        for gtin in self.gtins:
            _require(
                _GTIN_RE.fullmatch(gtin) is not None,
                f"authorization {self.region_code}: gtin {gtin!r} must have 14 digits",
                "gtins",
            )

    def covers(self, gtin: str) -> bool:
        """Whether this authorization includes product ``gtin``."""
        return not self.gtins or gtin in self.gtins


@dataclass(frozen=True, slots=True)
class Distributor:
    """A distributor; ``tier`` 1 is national, 2 provincial, 3 city."""

    id: str
    name: str
    tier: int
    region_code: str
    lat: float
    lon: float
    authorized: tuple[Authorization, ...] = ()

    def __post_init__(self) -> None:
        _check_party_id("distributor", self.id)
        _require(
            self.tier in (1, 2, 3),
            f"distributor {self.id}: tier must be 1 (national), 2 (provincial) or 3 (city), "
            f"got {self.tier}",
            "tier",
        )
        _check_region_code("distributor", self.id, self.region_code)
        _check_coordinates("distributor", self.id, self.lat, self.lon)
        codes = [a.region_code for a in self.authorized]
        _require(
            len(codes) == len(set(codes)),
            f"distributor {self.id}: authorized lists a region more than once",
            "authorized",
        )


@dataclass(frozen=True, slots=True)
class Store:
    """A retail store, with the identity attributes fraud analysis links stores by:
    ``owner`` and ``registered_by`` (the salesperson who registered it) name people, and
    ``registered_at`` says when it was registered."""

    id: str
    name: str
    region_code: str
    lat: float
    lon: float
    phone: str | None = None
    address: str | None = None
    device: str | None = None
    owner: str | None = None
    registered_at: datetime | None = None
    registered_by: str | None = None

    def __post_init__(self) -> None:
        _check_party_id("store", self.id)
        _check_region_code("store", self.id, self.region_code)
        _check_coordinates("store", self.id, self.lat, self.lon)
        _require(
            self.registered_at is None or self.registered_at.utcoffset() is not None,
            f"store {self.id}: registered_at needs a time zone offset",
            "registered_at",
        )


@dataclass(frozen=True, slots=True)
class Staff:
    """A waiter or manager of a store; staff scans name ``id`` as their actor."""

    id: str
    store_id: str
    role: StaffRole
    phone: str | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        _require(
            _TOKEN_RE.fullmatch(self.id) is not None,
            f"staff id {self.id!r} must be 1-64 letters, digits or '._~:-'",
            "id",
        )
        _check_party_id("store", self.store_id, "store_id")
        _require(
            self.role in STAFF_ROLES,
            f"staff {self.id}: role must be waiter or manager, got {self.role!r}",
            "role",
        )


@dataclass(frozen=True, slots=True)
class Order:
    """A store's order to its distributor: ``quantity`` units of ``gtin`` at ``at``. A
    shipping event fulfilling it names ``id`` as a ``po`` business transaction."""

    id: str
    store_id: str
    distributor_id: str
    gtin: str
    quantity: int
    at: datetime

    def __post_init__(self) -> None:
        _require(
            0 < len(self.id) <= 128 and not self.id.isspace(),
            f"order id {self.id!r} must be 1-128 characters",
            "id",
        )
        _check_party_id("store", self.store_id, "store_id")
        _check_party_id("distributor", self.distributor_id, "distributor_id")
        _require(
            _GTIN_RE.fullmatch(self.gtin) is not None,
            f"order {self.id}: gtin {self.gtin!r} must have 14 digits",
            "gtin",
        )
        _require(self.quantity >= 1, f"order {self.id}: quantity must be at least 1", "quantity")
        _require(
            self.at.utcoffset() is not None, f"order {self.id}: at needs a time zone offset", "at"
        )


@dataclass(frozen=True, slots=True)
class Consumer:
    """A consumer who scans codes; ``id`` is ``urn:yima:consumer:<id>``.

    ``region_code`` may be unknown (a consumer a referral names before the brand knows where
    they live); ``payout`` is the account their rewards are paid to and ``created_at`` when
    their account was made, which referral-ring detection reads.
    """

    id: str
    region_code: str | None
    phone: str | None = None
    device: str | None = None
    payout: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        _require(
            _CONSUMER_RE.fullmatch(self.id) is not None,
            f"consumer id {self.id!r} must be urn:yima:consumer:<1-64 letters, digits, '._~-'>",
            "id",
        )
        if self.region_code is not None:
            _check_region_code("consumer", self.id, self.region_code)
        _require(
            self.created_at is None or self.created_at.utcoffset() is not None,
            f"consumer {self.id}: created_at needs a time zone offset",
            "created_at",
        )

    @classmethod
    def of(
        cls, local_id: str, region_code: str, phone: str | None = None, device: str | None = None
    ) -> Consumer:
        """The consumer with the brand's own id ``local_id``."""
        return cls(consumer_urn(local_id), region_code, phone, device)


@dataclass(frozen=True, slots=True)
class Supply:
    """A contracted channel: ``supplier_id`` may supply ``customer_id``."""

    supplier_id: str
    customer_id: str

    def __post_init__(self) -> None:
        _check_party_id("supplier", self.supplier_id, "supplier_id")
        _check_party_id("customer", self.customer_id, "customer_id")
        _require(
            self.supplier_id != self.customer_id,
            f"supply {self.supplier_id}: a party cannot supply itself",
            "customer_id",
        )


@dataclass(frozen=True, slots=True)
class MasterData:
    """Everything master data holds, in the order it must be written."""

    regions: tuple[Region, ...] = ()
    plants: tuple[Plant, ...] = ()
    lines: tuple[Line, ...] = ()
    products: tuple[Product, ...] = ()
    distributors: tuple[Distributor, ...] = ()
    stores: tuple[Store, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    supplies: tuple[Supply, ...] = field(default=())
    referrals: tuple[Referral, ...] = ()
    staff: tuple[Staff, ...] = ()
    orders: tuple[Order, ...] = ()

    def __len__(self) -> int:
        return (
            len(self.regions)
            + len(self.plants)
            + len(self.lines)
            + len(self.products)
            + len(self.distributors)
            + len(self.stores)
            + len(self.consumers)
            + len(self.supplies)
            + len(self.referrals)
            + len(self.staff)
            + len(self.orders)
        )

    def party_ids(self) -> frozenset[str]:
        """Ids of every plant, distributor and store."""
        return frozenset(
            [p.id for p in self.plants]
            + [d.id for d in self.distributors]
            + [s.id for s in self.stores]
        )

    def check_references(
        self,
        known_region_codes: frozenset[str] = frozenset(),
        known_party_ids: frozenset[str] | None = frozenset(),
    ) -> list[str]:
        """Problems with references between the values, as messages (empty when sound).

        Region codes resolve against this data's own regions and ``known_region_codes``; party
        ids of lines and supplies against this data's parties and ``known_party_ids``, or are
        not checked when ``known_party_ids`` is None (the repository checks them against the
        graph).
        """
        problems: list[str] = []
        regions = known_region_codes | {r.code for r in self.regions}
        parties = None if known_party_ids is None else known_party_ids | self.party_ids()
        plants = None if known_party_ids is None else known_party_ids | {p.id for p in self.plants}
        products = {p.gtin for p in self.products}
        for r in self.regions:
            if r.parent_code is not None and r.parent_code not in regions:
                problems.append(f"region {r.code}: parent_code {r.parent_code} is unknown")
        located: list[tuple[str, str, str]] = [
            *(("plant", p.id, p.region_code) for p in self.plants),
            *(("distributor", d.id, d.region_code) for d in self.distributors),
            *(("store", s.id, s.region_code) for s in self.stores),
            *(
                ("consumer", c.id, c.region_code)
                for c in self.consumers
                if c.region_code is not None
            ),
        ]
        for kind, key, code in located:
            if code not in regions:
                problems.append(f"{kind} {key}: region_code {code} is unknown")
        for d in self.distributors:
            for a in d.authorized:
                if a.region_code not in regions:
                    problems.append(
                        f"distributor {d.id}: authorized region {a.region_code} is unknown"
                    )
                problems.extend(
                    f"distributor {d.id}: authorized gtin {g} is not a known product"
                    for g in a.gtins
                    if products and g not in products
                )
        for line in self.lines:
            if plants is not None and line.plant_id not in plants:
                problems.append(f"line {line.id}: plant_id {line.plant_id} is unknown")
        for s in self.supplies:
            for end, key in (("supplier_id", s.supplier_id), ("customer_id", s.customer_id)):
                if parties is not None and key not in parties:
                    problems.append(f"supply {s.supplier_id}->{s.customer_id}: {end} is unknown")
        stores = {s.id for s in self.stores}
        distributors = {d.id for d in self.distributors}
        for member in self.staff:
            if parties is not None and member.store_id not in stores | parties:
                problems.append(f"staff {member.id}: store_id {member.store_id} is unknown")
        for o in self.orders:
            ends = (
                ("store_id", o.store_id, stores),
                ("distributor_id", o.distributor_id, distributors),
            )
            for end, key, given in ends:
                if parties is not None and key not in given | parties:
                    problems.append(f"order {o.id}: {end} {key} is unknown")
            if products and o.gtin not in products:
                problems.append(f"order {o.id}: gtin {o.gtin} is not a known product")
        return problems
