"""The answer of ``distribution``: 铺货率 per SKU × province, SKU breadth, 到达率 per SKU."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.supply import DistributionReport

__all__ = ["Arrival", "DistributionRate", "SkuBreadth", "SupplyDistribution"]


@strawberry.type(description="Share of a province's stores that received a SKU in the window.")
class DistributionRate:
    gtin: str
    province: str
    target_stores: int
    stocked_stores: int
    rate: float


@strawberry.type(description="SKUs the stores of a province received in the window.")
class SkuBreadth:
    province: str
    stores: int
    skus: int
    mean_skus_per_store: float


@strawberry.type(description="Of the units plants shipped of lots made in the window, the "
                 "share a store received and the share a consumer scanned.")  # fmt: skip
class Arrival:
    gtin: str
    shipped: int
    reached_store: int
    reached_consumer: int
    store_rate: float
    consumer_rate: float


@strawberry.type(description="Distribution and arrival over [from, to).")
class SupplyDistribution:
    start: datetime = strawberry.field(name="from")
    end: datetime = strawberry.field(name="to")
    rates: list[DistributionRate]
    breadth: list[SkuBreadth]
    arrival: list[Arrival]

    @classmethod
    def of(cls, r: DistributionReport, gtin: str | None) -> SupplyDistribution:
        return cls(
            start=r.start,
            end=r.end,
            rates=[
                DistributionRate(
                    gtin=x.gtin,
                    province=x.province,
                    target_stores=x.targets,
                    stocked_stores=x.stocked,
                    rate=x.rate,
                )
                for x in r.rates
                if gtin is None or x.gtin == gtin
            ],
            breadth=[
                SkuBreadth(
                    province=b.province,
                    stores=b.stores,
                    skus=b.skus,
                    mean_skus_per_store=b.mean_skus_per_store,
                )
                for b in r.breadth
            ],
            arrival=[
                Arrival(
                    gtin=a.gtin,
                    shipped=a.shipped,
                    reached_store=a.reached_store,
                    reached_consumer=a.reached_consumer,
                    store_rate=a.store_rate,
                    consumer_rate=a.consumer_rate,
                )
                for a in r.arrival
                if gtin is None or a.gtin == gtin
            ],
        )
