"""The answer of ``inventory``: stock by node and SKU at a date, rolled up, and reconciled."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.supply import InventoryReport

__all__ = ["Inventory", "NodeStock", "StockDifference", "StockRollup"]


@strawberry.type(description="What one node did with one SKU up to the date, and what it holds.")
class NodeStock:
    party: strawberry.ID
    name: str | None
    tier: str = strawberry.field(description="plant, national, provincial, city, store or other.")
    province: str | None
    gtin: str
    produced: int
    received: int
    shipped: int
    sold: int
    on_hand: int = strawberry.field(description="produced + received − shipped − sold.")


@strawberry.type(description="Stock of one SKU summed over a province's or a tier's nodes.")
class StockRollup:
    key: str = strawberry.field(description="The province or region code, or the tier.")
    gtin: str
    nodes: int
    on_hand: int


@strawberry.type(description="Stock a dealer declared beside the stock the codes say.")
class StockDifference:
    party: strawberry.ID
    gtin: str
    at: datetime
    declared: int
    computed: int
    difference: int = strawberry.field(description="declared − computed.")


@strawberry.type(description="Stock on hand from the code graph at a date.")
class Inventory:
    at: datetime
    total_on_hand: int
    node_count: int = strawberry.field(description="Node × SKU rows before `first`.")
    nodes: list[NodeStock]
    by_province: list[StockRollup]
    by_region: list[StockRollup] = strawberry.field(
        description="By the region each node is in (a prefecture-level city for the demo)."
    )
    by_tier: list[StockRollup]
    differences: list[StockDifference] = strawberry.field(
        description="Every declared stock (stock_reports.csv) up to the date."
    )

    @classmethod
    def of(cls, r: InventoryReport, party: str | None, gtin: str | None, first: int) -> Inventory:
        rows = [
            b
            for b in r.balances
            if (party is None or b.party == party) and (gtin is None or b.gtin == gtin)
        ]
        nodes = []
        for b in rows[:first]:
            node = r.nodes.get(b.party)
            nodes.append(
                NodeStock(
                    party=strawberry.ID(b.party),
                    name=node.name if node else None,
                    tier=str(node.tier) if node else "other",
                    province=node.province if node else None,
                    gtin=b.gtin,
                    produced=b.produced,
                    received=b.received,
                    shipped=b.shipped,
                    sold=b.sold,
                    on_hand=b.on_hand,
                )
            )
        return cls(
            at=r.at,
            total_on_hand=sum(b.on_hand for b in rows),
            node_count=len(rows),
            nodes=nodes,
            by_province=[
                StockRollup(key=x.key, gtin=x.gtin, nodes=x.nodes, on_hand=x.on_hand)
                for x in r.by_province
                if gtin is None or x.gtin == gtin
            ],
            by_region=[
                StockRollup(key=x.key, gtin=x.gtin, nodes=x.nodes, on_hand=x.on_hand)
                for x in r.by_region
                if gtin is None or x.gtin == gtin
            ],
            by_tier=[
                StockRollup(key=x.key, gtin=x.gtin, nodes=x.nodes, on_hand=x.on_hand)
                for x in r.by_tier
                if gtin is None or x.gtin == gtin
            ],
            differences=[
                StockDifference(
                    party=strawberry.ID(d.party),
                    gtin=d.gtin,
                    at=d.at,
                    declared=d.declared,
                    computed=d.computed,
                    difference=d.difference,
                )
                for d in r.differences
                if (party is None or d.party == party) and (gtin is None or d.gtin == gtin)
            ],
        )
