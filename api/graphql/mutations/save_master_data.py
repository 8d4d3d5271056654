"""``saveMasterData``: merge plants, lines, products, distributors, stores, consumers and the
contracted channel, all or nothing (:func:`services.master_data.save_master_items`).

Regions are not part of the input: they are loaded with ``yima master load`` (China's
provinces and prefectures, custom territories).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.types.master_data_input import MasterDataInput
from api.graphql.types.problem import Problem
from graph_model.errors import InvalidField
from graph_model.repositories.master_data import MasterDataRepository, SaveCounts
from services.master_data import items_of, save_master_items

__all__ = ["MasterDataSaved", "SaveMasterDataResult", "save_master_data"]


@strawberry.type(description="Master data merged; how many items of each kind were written.")
class MasterDataSaved:
    plants: int
    lines: int
    products: int
    distributors: int
    stores: int
    consumers: int
    supplies: int
    staff: int
    orders: int

    @classmethod
    def from_counts(cls, counts: SaveCounts) -> MasterDataSaved:
        return cls(
            plants=counts.plants,
            lines=counts.lines,
            products=counts.products,
            distributors=counts.distributors,
            stores=counts.stores,
            consumers=counts.consumers,
            supplies=counts.supplies,
            staff=counts.staff,
            orders=counts.orders,
        )


SaveMasterDataResult = Annotated[
    MasterDataSaved | Problem, strawberry.union("SaveMasterDataResult")
]


async def save_master_data(
    info: Info[Context, Any], input: MasterDataInput
) -> SaveMasterDataResult:
    """Merge master data in one transaction: everything, or nothing when any item is bad."""
    repo = MasterDataRepository(info.context.services.db)
    try:
        counts = await asyncio.to_thread(save_master_items, items_of(input), repo)
    except InvalidField as exc:
        return Problem.of(exc)
    return MasterDataSaved.from_counts(counts)
