"""Supply-chain analytics from the code graph: inventory, freshness (保鲜度), distribution
(铺货率) and arrival (到达率), sell-through and velocity, and the weekly demand forecast for
planning (计划).

Every measure is arithmetic on one ledger of :class:`Movement` s (units of a lot produced,
received, shipped or sold at a party at a moment) and the :class:`Node` s of the channel.
"""

from algorithms.supply.distribution import (
    Arrival,
    Breadth,
    Rate,
    arrival,
    breadth,
    distribution_rates,
)
from algorithms.supply.errors import SupplyInputError
from algorithms.supply.facts import DAY, Kind, LotDates, Movement, Node, Tier, lot_dates
from algorithms.supply.forecast import (
    Backtest,
    Forecast,
    ForecastSettings,
    Suggestion,
    backtest,
    forecast,
    seasonal_naive,
    suggest,
    wape,
)
from algorithms.supply.freshness import FefoViolation, LotStock, fefo_violations, lot_stock
from algorithms.supply.inventory import (
    Balance,
    Difference,
    Rollup,
    StockReport,
    balances,
    reconcile,
    rollup,
)
from algorithms.supply.velocity import (
    ConsumerScan,
    Days,
    SlowMover,
    dwell_days,
    slow_movers,
    transit_days,
)
from algorithms.supply.weeks import weekly_demand

__all__ = [
    "DAY",
    "Arrival",
    "Backtest",
    "Balance",
    "Breadth",
    "ConsumerScan",
    "Days",
    "Difference",
    "FefoViolation",
    "Forecast",
    "ForecastSettings",
    "Kind",
    "LotDates",
    "LotStock",
    "Movement",
    "Node",
    "Rate",
    "Rollup",
    "SlowMover",
    "StockReport",
    "Suggestion",
    "SupplyInputError",
    "Tier",
    "arrival",
    "backtest",
    "balances",
    "breadth",
    "distribution_rates",
    "dwell_days",
    "fefo_violations",
    "forecast",
    "lot_dates",
    "lot_stock",
    "reconcile",
    "rollup",
    "seasonal_naive",
    "slow_movers",
    "suggest",
    "transit_days",
    "wape",
    "weekly_demand",
]
