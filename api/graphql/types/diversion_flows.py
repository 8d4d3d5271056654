"""``DiversionFlows``: where one product's units went and how fast (流量 · 流向 · 流速)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.types.diversion_case import DiversionRegion
from services.diversion import Flow, FlowReport, Leg, Velocity

__all__ = ["DiversionFlows", "FlowLeg", "FlowVelocity", "RegionFlow"]


@strawberry.type(description="Units of the product that went from one region to another.")
class RegionFlow:
    period: str
    origin: DiversionRegion
    destination: DiversionRegion
    units: int
    crossed: bool = strawberry.field(description="Whether the units left their origin region.")


@strawberry.type(description="Days on one leg, over the units that completed it.")
class FlowLeg:
    units: int
    median_days: float | None
    p90_days: float | None


@strawberry.type(description="How fast units made in one period moved through the channel.")
class FlowVelocity:
    period: str
    units: int
    plant_to_store: FlowLeg
    store_to_consumer: FlowLeg
    plant_to_consumer: FlowLeg


@strawberry.type(description="Flows of one product in a window.")
class DiversionFlows:
    gtin: str
    period_from: datetime
    period_to: datetime
    moved: list[RegionFlow] = strawberry.field(
        description="Units moved between regions by shipments (region of sender -> receiver)."
    )
    ended: list[RegionFlow] = strawberry.field(
        description="Where units ended (first consumer scan) against where they were sent "
        "(their last receiver's region)."
    )
    velocity: list[FlowVelocity] = strawberry.field(
        description="Days plant -> store -> consumer, by period of manufacture."
    )

    @classmethod
    def from_domain(cls, report: FlowReport) -> DiversionFlows:
        def region(code: str) -> DiversionRegion:
            place = report.places.get(code)
            return DiversionRegion(code=code, name=None if place is None else place[0])

        def flow(f: Flow) -> RegionFlow:
            return RegionFlow(
                period=f.period,
                origin=region(f.origin),
                destination=region(f.destination),
                units=f.units,
                crossed=f.crossed,
            )

        def speed(v: Velocity) -> FlowVelocity:
            def leg(x: Leg) -> FlowLeg:
                return FlowLeg(
                    units=x.units,
                    median_days=x.median_days,
                    p90_days=x.p90_days,
                )

            return FlowVelocity(
                period=v.period,
                units=v.units,
                plant_to_store=leg(v.plant_to_store),
                store_to_consumer=leg(v.store_to_consumer),
                plant_to_consumer=leg(v.plant_to_consumer),
            )

        return cls(
            gtin=report.gtin,
            period_from=report.start,
            period_to=report.end,
            moved=[flow(f) for f in report.moved],
            ended=[flow(f) for f in report.ended],
            velocity=[speed(v) for v in report.velocity],
        )
