"""Input of ``saveMasterData``: the master-data kinds as lists, in the JSON file's shape.

The fields mirror the columns of the master-data files (:mod:`loaders.master_data`) in
camelCase; their values are checked by the same row models, so a GraphQL client and a CSV
file meet the same rules.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

__all__ = [
    "AuthorizationInput",
    "ConsumerInput",
    "DistributorInput",
    "LineInput",
    "MasterDataInput",
    "OrderInput",
    "PlantInput",
    "ProductInput",
    "StaffInput",
    "StoreInput",
    "SupplyInput",
]

_PARTY_ID = "SGLN URN urn:epc:id:sgln:CP.LOCREF.0 (company prefix and location: 12 digits)."
_REGION = "Region code (adcode or custom territory) already in the graph."


@strawberry.input(description="A factory.")
class PlantInput:
    id: str = strawberry.field(description=_PARTY_ID)
    name: str
    region_code: str = strawberry.field(description=_REGION)
    lat: float
    lon: float


@strawberry.input(
    description="Production line NUMBER of a plant: its id is the plant's SGLN with the number "
    "as extension."
)
class LineInput:
    plant_id: str = strawberry.field(description="The plant, given here or in the graph.")
    number: int = strawberry.field(description="1 to 999,999.")
    name: str


@strawberry.input(description="A trade item.")
class ProductInput:
    gtin: str = strawberry.field(description="GTIN-14 with its check digit.")
    name: str
    brand: str
    company_prefix: str = strawberry.field(description="The 6-12 digits after the indicator.")
    category: str | None = None


@strawberry.input(description="Where a distributor may sell, and what.")
class AuthorizationInput:
    region_code: str = strawberry.field(description=_REGION)
    gtins: list[str] = strawberry.field(
        default_factory=list,
        description="Products authorized there, given here or in the graph; empty: every one.",
    )


@strawberry.input(description="A distributor with its authorizations.")
class DistributorInput:
    id: str = strawberry.field(description=_PARTY_ID)
    name: str
    tier: int = strawberry.field(description="1 national, 2 provincial, 3 city.")
    region_code: str = strawberry.field(description=_REGION)
    lat: float
    lon: float
    authorized: list[AuthorizationInput] = strawberry.field(
        default_factory=list, description="The authorizations; they replace the stored ones."
    )


@strawberry.input(description="A retail store, with the identities stores are linked by.")
class StoreInput:
    id: str = strawberry.field(description=_PARTY_ID)
    name: str
    region_code: str = strawberry.field(description=_REGION)
    lat: float
    lon: float
    phone: str | None = None
    address: str | None = None
    device: str | None = None
    owner: str | None = strawberry.field(default=None, description="Who owns the store.")
    registered_at: datetime | None = strawberry.field(
        default=None, description="When the store was registered (with an offset)."
    )
    registered_by: str | None = strawberry.field(
        default=None, description="The salesperson who registered the store."
    )


@strawberry.input(description="A waiter or manager of a store; their scans name ID as actor.")
class StaffInput:
    id: str = strawberry.field(description="1-64 letters, digits or '._~:-'.")
    store_id: str = strawberry.field(description="A store given here or in the graph.")
    role: str = strawberry.field(description="waiter or manager.")
    phone: str | None = None
    device: str | None = None


@strawberry.input(
    description="A store's order to its distributor; a shipping event fulfilling it names ID "
    "as a po business transaction."
)
class OrderInput:
    id: str
    store_id: str = strawberry.field(description="A store given here or in the graph.")
    distributor_id: str = strawberry.field(description="A distributor given here or in the graph.")
    gtin: str = strawberry.field(description="GTIN-14 of a product given here or in the graph.")
    quantity: int = strawberry.field(description="Units (not cases).")
    at: datetime = strawberry.field(description="When it was placed (with an offset).")


@strawberry.input(description="A consumer who scans codes.")
class ConsumerInput:
    id: str = strawberry.field(
        description="The brand's own consumer id, or a urn:yima:consumer: URN."
    )
    region_code: str = strawberry.field(description=_REGION)
    phone: str | None = None
    device: str | None = None


@strawberry.input(description="A contracted channel: SUPPLIER may supply CUSTOMER.")
class SupplyInput:
    supplier_id: str = strawberry.field(description="A party given here or in the graph.")
    customer_id: str = strawberry.field(description="A party given here or in the graph.")


@strawberry.input(description="Master data to merge; every list may be left out.")
class MasterDataInput:
    plants: list[PlantInput] = strawberry.field(default_factory=list)
    lines: list[LineInput] = strawberry.field(default_factory=list)
    products: list[ProductInput] = strawberry.field(default_factory=list)
    distributors: list[DistributorInput] = strawberry.field(default_factory=list)
    stores: list[StoreInput] = strawberry.field(default_factory=list)
    consumers: list[ConsumerInput] = strawberry.field(default_factory=list)
    supplies: list[SupplyInput] = strawberry.field(default_factory=list)
    staff: list[StaffInput] = strawberry.field(default_factory=list)
    orders: list[OrderInput] = strawberry.field(default_factory=list)
