"""Supply-chain analytics (``yima supply``, GraphQL ``inventory``, ``freshness``,
``distribution``, ``sellThrough``, ``demandForecast``): read the channel's movements from the
code graph once per question and measure them with :mod:`algorithms.supply`.

A channel is a party and everything linked to it by supply contracts, up and down; without
one, every party in the graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, TypeVar

from algorithms.supply import (
    Arrival,
    Backtest,
    Balance,
    Breadth,
    ConsumerScan,
    Days,
    Difference,
    FefoViolation,
    Forecast,
    ForecastSettings,
    Kind,
    LotDates,
    LotStock,
    Movement,
    Node,
    Rate,
    Rollup,
    SlowMover,
    StockReport,
    Suggestion,
    SupplyInputError,
    Tier,
    arrival,
    backtest,
    balances,
    breadth,
    distribution_rates,
    dwell_days,
    fefo_violations,
    forecast,
    lot_dates,
    lot_stock,
    reconcile,
    rollup,
    slow_movers,
    suggest,
    transit_days,
    weekly_demand,
)
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.repositories.supply import SupplyRepository
from graph_model.supply import StockReportRow

__all__ = [
    "DistributionReport",
    "ForecastReport",
    "ForecastSettings",
    "FreshnessReport",
    "InventoryReport",
    "SellThroughReport",
    "SupplyService",
]

MAX_HORIZON_DAYS: Final = 3_650
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class InventoryReport:
    at: datetime
    nodes: dict[str, Node]
    balances: list[Balance]
    by_province: list[Rollup]
    by_region: list[Rollup]
    by_tier: list[Rollup]
    differences: list[Difference]


@dataclass(frozen=True, slots=True)
class FreshnessReport:
    at: datetime
    horizon_days: int
    nodes: dict[str, Node]
    lots: list[LotStock]
    violations: list[FefoViolation]

    @property
    def units_at_risk(self) -> int:
        return sum(s.units for s in self.lots if s.at_risk)


@dataclass(frozen=True, slots=True)
class DistributionReport:
    start: datetime
    end: datetime
    rates: list[Rate]
    breadth: list[Breadth]
    arrival: list[Arrival]


@dataclass(frozen=True, slots=True)
class SellThroughReport:
    at: datetime
    transit: list[Days]
    dwell: list[Days]
    slow_movers: list[SlowMover]


@dataclass(frozen=True, slots=True)
class ForecastReport:
    weeks: list[datetime]
    """The Mondays of the history's weeks."""
    forecasts: list[Forecast]
    backtest: Backtest
    suggestions: list[Suggestion]
    production: dict[str, float]


def _measured(run: Callable[[], T]) -> T:
    try:
        return run()
    except SupplyInputError as exc:
        raise InvalidField(exc.field, exc.reason) from None


def _utc(path: str, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidField(path, "must carry a UTC offset")
    return moment.astimezone(UTC)


class SupplyService:
    """Inventory, freshness, distribution, sell-through and the demand forecast of a channel."""

    def __init__(self, db: Database) -> None:
        self.repository = SupplyRepository(db)
        self._of: dict[str, str] = {}  # location -> organisation, set by scope()

    # -- reading -------------------------------------------------------------------------

    def scope(self, channel: str | None) -> tuple[list[str] | None, dict[str, Node]]:
        """The party and location ids of ``channel`` (``None``: every party) and the nodes
        by id: a location that belongs to an organisation counts as that organisation, so
        goods an event names at a site and goods named at its owner add up at one node."""
        ids: list[str] | None = None
        if channel is not None:
            ids = self.repository.channel(channel)
            if not ids:
                raise InvalidField("channel", f"no party {channel!r}")
        self._of = self.repository.organisations(ids)
        if ids is not None:
            ids = sorted({*ids, *self._of, *self._of.values()})
        nodes = {
            p.id: Node(p.id, p.name, Tier.of(p.labels, p.tier), p.region, p.province)
            for p in self.repository.parties(ids)
            if p.id not in self._of
        }
        return ids, nodes

    def _org(self, party: str) -> str:
        return self._of.get(party, party)

    def movements(
        self, until: datetime, ids: Sequence[str] | None, *, sales: bool = True
    ) -> list[Movement]:
        return [
            Movement(self._org(r.party), r.gtin, r.lot, Kind(r.kind), r.at, r.units)
            for r in self.repository.movements(until, ids, sales=sales)
        ]

    def scans(self, until: datetime, ids: Sequence[str] | None) -> list[ConsumerScan]:
        return [
            ConsumerScan(
                None if r.store is None else self._org(r.store),
                r.gtin,
                r.lot,
                r.sold_at,
                r.scanned_at,
            )
            for r in self.repository.consumer_scans(until, ids)
        ]

    def dates(
        self, movements: Sequence[Movement], shelf_life_days: int | None
    ) -> dict[tuple[str, str], LotDates]:
        rows = self.repository.lots({(m.gtin, m.lot) for m in movements})
        made = {(r.gtin, r.lot): r.made for r in rows}
        expiry = {(r.gtin, r.lot): r.expires for r in rows if r.expires is not None}
        shelf = {g: shelf_life_days for g, _ in made} if shelf_life_days else {}
        return lot_dates(made, expiry, shelf)

    # -- questions -----------------------------------------------------------------------

    def load_reports(self, rows: Sequence[StockReportRow]) -> int:
        """Store declared stock (``stock_reports.csv``) for reconciliation."""
        return self.repository.save_reports(rows) if rows else 0

    def inventory(self, at: datetime, channel: str | None = None) -> InventoryReport:
        """Stock by node and SKU at ``at``, by province and tier, and every stock report up to
        ``at`` beside what the codes say."""
        at = _utc("at", at)
        ids, nodes = self.scope(channel)
        moves = self.movements(at, ids)
        reports = [
            StockReport(self._org(r.party), r.gtin, r.quantity, r.at)
            for r in self.repository.reports(at, ids)
        ]
        rows = _measured(lambda: balances(moves, at))
        return InventoryReport(
            at,
            nodes,
            rows,
            rollup(rows, nodes, "province"),
            rollup(rows, nodes, "region"),
            rollup(rows, nodes, "tier"),
            _measured(lambda: reconcile(reports, moves)),
        )

    def freshness(
        self,
        at: datetime,
        horizon_days: int = 30,
        shelf_life_days: int | None = None,
        channel: str | None = None,
    ) -> FreshnessReport:
        """Lots on hand with their age and remaining life, what expires within
        ``horizon_days``, and FEFO violations up to ``at``; a lot's expiry comes from its
        ILMD, else from ``shelf_life_days`` after it was made."""
        at = _utc("at", at)
        if not 0 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidField("horizonDays", f"must be between 0 and {MAX_HORIZON_DAYS}")
        if shelf_life_days is not None and not 1 <= shelf_life_days <= MAX_HORIZON_DAYS:
            raise InvalidField("shelfLifeDays", f"must be between 1 and {MAX_HORIZON_DAYS}")
        ids, nodes = self.scope(channel)
        moves = self.movements(at, ids)
        dates = self.dates(moves, shelf_life_days)
        lots = _measured(lambda: lot_stock(moves, dates, at, horizon_days))
        return FreshnessReport(at, horizon_days, nodes, lots, fefo_violations(moves, dates))

    def distribution(
        self,
        start: datetime,
        end: datetime,
        channel: str | None = None,
        *,
        with_arrival: bool = True,
    ) -> DistributionReport:
        """Distribution rate per SKU × province and SKU breadth per province over
        ``[start, end)`` from the stores' receipts in the window; with ``with_arrival``, also
        arrival per SKU (which follows the window's lots through every tier)."""
        start, end = _utc("from", start), _utc("to", end)
        if end <= start:
            raise InvalidField("to", "must be after from")
        ids, nodes = self.scope(channel)
        stores = [n.id for n in nodes.values() if n.tier is Tier.STORE]
        stores += [site for site, org in self._of.items() if org in set(stores)]
        received = [
            Movement(self._org(r.party), r.gtin, r.lot, Kind.RECEIVED, r.at, r.units)
            for r in self.repository.receipts(start, end, stores if ids is not None else None)
        ]
        gtins = self.repository.gtins(ids) | {m.gtin for m in received}
        arrived: list[Arrival] = []
        if with_arrival:
            moves = self.movements(end, ids, sales=False)
            scanned: dict[tuple[str, str], int] = defaultdict(int)
            for s in self.scans(end, ids):
                scanned[(s.gtin, s.lot)] += 1
            arrived = _measured(lambda: arrival(moves, nodes, scanned, start, end))
        return DistributionReport(
            start,
            end,
            _measured(lambda: distribution_rates(received, nodes, gtins, start, end)),
            _measured(lambda: breadth(received, nodes, start, end)),
            arrived,
        )

    def sell_through(
        self,
        at: datetime,
        window_days: int = 28,
        threshold_days: float = 60.0,
        channel: str | None = None,
    ) -> SellThroughReport:
        """Days plant → store → consumer by province, days held per tier, and the node × SKU
        whose stock outlasts ``threshold_days`` at the pace of the last ``window_days``."""
        at = _utc("at", at)
        if not 0 < threshold_days <= MAX_HORIZON_DAYS:
            raise InvalidField("thresholdDays", f"must be between 0 and {MAX_HORIZON_DAYS}")
        ids, nodes = self.scope(channel)
        moves = self.movements(at, ids)
        dates = self.dates(moves, None)
        return SellThroughReport(
            at,
            transit_days(moves, nodes, dates, self.scans(at, ids)),
            dwell_days(moves, nodes),
            _measured(lambda: slow_movers(moves, at, window_days, threshold_days)),
        )

    def demand_forecast(
        self,
        end: datetime,
        settings: ForecastSettings | None = None,
        channel: str | None = None,
    ) -> ForecastReport:
        """Weekly demand per SKU × province for ``settings.horizon`` weeks after the whole
        weeks before ``end``, its backtest against the seasonal-naive baseline, and the
        allocation and production that follow from the stock at ``end``."""
        end = _utc("to", end)
        settings = settings or ForecastSettings()
        _measured(settings.check)
        ids, nodes = self.scope(channel)
        moves = self.movements(end, ids)
        weeks, series = weekly_demand(moves, nodes, self.scans(end, ids), end)
        if not series:
            raise InvalidField("to", "no sales or consumer scans before this time")
        tested = _measured(lambda: backtest(series, settings))
        ahead = _measured(lambda: forecast(series, settings))
        stock: dict[tuple[str, str], int] = defaultdict(int)
        for b in balances(moves, end):
            node = nodes.get(b.party)
            upstream = node is None or node.tier in (Tier.PLANT, Tier.NATIONAL)
            province = "" if upstream or node is None else (node.province or "unknown")
            stock[(b.gtin, province)] += b.on_hand
        suggestions, production = suggest(ahead, stock)
        return ForecastReport(weeks, ahead, tested, suggestions, production)
