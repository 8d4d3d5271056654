"""The answer of ``demandForecast`` (计划): weekly demand ahead, its backtest, and the
allocation and production that follow."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from services.supply import ForecastReport

__all__ = ["Allocation", "DemandForecast", "ForecastBacktest", "Production", "WeeklyForecast"]


@strawberry.type(description="Weekly demand of one SKU in one province: history and ahead.")
class WeeklyForecast:
    gtin: str
    province: str
    history: list[float]
    weeks: list[float]


@strawberry.type(description="Model and seasonal-naive baseline scored on held-back weeks.")
class ForecastBacktest:
    weeks: int
    actual: float
    model_wape: float | None = strawberry.field(
        description="Null when the held-back weeks sold nothing."
    )
    baseline_wape: float | None
    season_used: int = strawberry.field(
        description="Season of the baseline in weeks (1: the last week, for short histories)."
    )


@strawberry.type(description="Demand ahead in a province beside the stock already there.")
class Allocation:
    gtin: str
    province: str
    demand: float
    stock: int
    allocate: float


@strawberry.type(description="Units to make: demand ahead beyond every unit in the channel.")
class Production:
    gtin: str
    units: float


@strawberry.type(description="Weekly demand per SKU × province for the weeks ahead.")
class DemandForecast:
    history_weeks: list[datetime] = strawberry.field(description="Mondays (UTC) of the history.")
    forecast_weeks: list[datetime]
    forecasts: list[WeeklyForecast]
    backtest: ForecastBacktest
    allocations: list[Allocation]
    production: list[Production]

    @classmethod
    def of(cls, r: ForecastReport, gtin: str | None) -> DemandForecast:
        horizon = len(r.forecasts[0].weeks) if r.forecasts else 0
        last = r.weeks[-1] if r.weeks else None
        ahead = [] if last is None else [last + timedelta(days=7 * (i + 1)) for i in range(horizon)]
        b = r.backtest
        return cls(
            history_weeks=list(r.weeks),
            forecast_weeks=ahead,
            forecasts=[
                WeeklyForecast(
                    gtin=f.gtin, province=f.province, history=list(f.history), weeks=list(f.weeks)
                )
                for f in r.forecasts
                if gtin is None or f.gtin == gtin
            ],
            backtest=ForecastBacktest(
                weeks=b.weeks,
                actual=b.actual,
                model_wape=b.model_wape,
                baseline_wape=b.baseline_wape,
                season_used=b.season_used,
            ),
            allocations=[
                Allocation(
                    gtin=s.gtin,
                    province=s.province,
                    demand=s.demand,
                    stock=s.stock,
                    allocate=s.allocate,
                )
                for s in r.suggestions
                if gtin is None or s.gtin == gtin
            ],
            production=[
                Production(gtin=g, units=u)
                for g, u in r.production.items()
                if gtin is None or g == gtin
            ],
        )
