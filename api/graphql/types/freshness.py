"""The answer of ``freshness`` (保鲜度): lots on hand with their age and remaining life,
what expires soon, and first-expired-first-out violations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.supply import FreshnessReport

__all__ = ["FefoViolation", "Freshness", "LotStock"]


@strawberry.type(description="Units of one lot a node holds at the date.")
class LotStock:
    party: strawberry.ID
    gtin: str
    lot: str
    units: int
    made: datetime | None
    expires: datetime | None = strawberry.field(
        description="From the lot's ILMD, else made + shelfLifeDays; null when neither says."
    )
    age_days: float | None
    days_left: float | None
    at_risk: bool = strawberry.field(description="Expired, or expiring within horizonDays.")


@strawberry.type(description="A node shipped a lot while a lot expiring earlier stayed behind.")
class FefoViolation:
    party: strawberry.ID
    gtin: str
    at: datetime
    shipped_lot: str
    shipped_units: int
    shipped_expires: datetime
    older_lot: str
    older_expires: datetime
    older_units_left: int


@strawberry.type(description="Freshness of the stock at a date.")
class Freshness:
    at: datetime
    horizon_days: int
    units_on_hand: int
    units_at_risk: int
    lot_count: int = strawberry.field(description="Node × lot rows before `first`.")
    lots: list[LotStock]
    violations: list[FefoViolation]

    @classmethod
    def of(cls, r: FreshnessReport, at_risk_only: bool, first: int) -> Freshness:
        rows = [s for s in r.lots if s.at_risk or not at_risk_only]
        return cls(
            at=r.at,
            horizon_days=r.horizon_days,
            units_on_hand=sum(s.units for s in r.lots),
            units_at_risk=r.units_at_risk,
            lot_count=len(rows),
            lots=[
                LotStock(
                    party=strawberry.ID(s.party),
                    gtin=s.gtin,
                    lot=s.lot,
                    units=s.units,
                    made=s.made,
                    expires=s.expires,
                    age_days=s.age_days,
                    days_left=s.days_left,
                    at_risk=s.at_risk,
                )
                for s in rows[:first]
            ],
            violations=[
                FefoViolation(
                    party=strawberry.ID(v.party),
                    gtin=v.gtin,
                    at=v.at,
                    shipped_lot=v.shipped_lot,
                    shipped_units=v.shipped_units,
                    shipped_expires=v.shipped_expires,
                    older_lot=v.older_lot,
                    older_expires=v.older_expires,
                    older_units_left=v.older_units_left,
                )
                for v in r.violations[:first]
            ],
        )
