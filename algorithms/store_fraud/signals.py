"""Behavioural signals of one store, each a strength in [0, 1] with the facts behind it.

=====================  =====================================================================
signal                 the store ...
=====================  =====================================================================
over_redemption        redeemed more caps than units it ever received (beyond a slack)
dead_orders            ordered, but its units were never sold or scanned by a consumer after
threshold_orders       orders just reaching a rebate threshold, or split into same-day
                       orders just under one
payout_timing          is active (orders, redemptions) only in the days before payouts
device_many_stores     is operated from a device that operates many stores
staff_unreceived       staff scanned caps of units the store never received
=====================  =====================================================================

A store's behaviour score is the noisy-or ``1 - Π (1 - w_k s_k)`` of its signals (Pearl,
*Probabilistic Reasoning in Intelligent Systems*, 1988, §4.3.2): one strong signal counts,
several count more, none can pass 1.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone  # noqa: F401 (doctest)

from algorithms.store_fraud.facts import OrderFact, StoreFacts
from algorithms.store_fraud.settings import FraudSettings, ReasonKind

__all__ = ["Evidence", "PayoutCalendar", "Signal", "noisy_or", "store_signals"]

#: A node the graph side can find: (label, key), e.g. ``("Order", "po-17")``.
Evidence = tuple[str, str]
_DAY = 86_400.0
_MAX_EVIDENCE = 20


@dataclass(frozen=True, slots=True)
class Signal:
    """One behavioural signal of one store."""

    kind: ReasonKind
    strength: float
    detail: str
    evidence: tuple[Evidence, ...] = ()


def noisy_or(strengths: Mapping[ReasonKind, float], weights: Mapping[ReasonKind, float]) -> float:
    """``1 - Π (1 - w_k s_k)``.

    >>> noisy_or({ReasonKind.DEAD_ORDERS: 1.0, ReasonKind.PAYOUT_TIMING: 1.0},
    ...          {ReasonKind.DEAD_ORDERS: 0.5, ReasonKind.PAYOUT_TIMING: 0.5})
    0.75
    """
    keep = 1.0
    for kind, strength in strengths.items():
        keep *= 1.0 - weights.get(kind, 0.0) * min(1.0, max(0.0, strength))
    return 1.0 - keep


def _orders(orders: tuple[OrderFact, ...]) -> tuple[Evidence, ...]:
    return tuple(("Order", o.id) for o in orders[:_MAX_EVIDENCE])


def over_redemption(s: StoreFacts, settings: FraudSettings) -> Signal | None:
    allowed = s.received_units * (1 + settings.redemption_slack) + 2
    if s.redemptions <= allowed:
        return None
    # Half as many again as ever received is as strong as it gets.
    strength = min(1.0, 2.0 * (s.redemptions - s.received_units) / max(s.received_units, 1))
    return Signal(
        ReasonKind.OVER_REDEMPTION,
        strength,
        f"{s.redemptions} redemptions against {s.received_units} units ever received",
        tuple(("Scan", i) for i in s.evidence_scans[:_MAX_EVIDENCE]),
    )


def dead_orders(s: StoreFacts, as_of: float, settings: FraudSettings) -> Signal | None:
    horizon = settings.sell_through_days * _DAY
    judged = [o for o in s.orders if o.at + horizon <= as_of]
    if len(judged) < settings.min_orders:
        return None
    sales = sorted(s.sell_through_times)
    dead = []
    for order in judged:
        k = bisect.bisect_right(sales, order.at)
        if k == len(sales) or sales[k] > order.at + horizon:
            dead.append(order)
    share = len(dead) / len(judged)
    if share < settings.dead_share:
        return None
    return Signal(
        ReasonKind.DEAD_ORDERS,
        share,
        f"{len(dead)} of {len(judged)} orders never followed by a sale or consumer scan "
        f"within {settings.sell_through_days:g} days",
        _orders(tuple(dead)),
    )


def threshold_orders(s: StoreFacts, settings: FraudSettings) -> Signal | None:
    if len(s.orders) < settings.min_orders or not settings.rebate_thresholds:
        return None
    band = settings.threshold_band
    count: dict[int, int] = {}
    total: dict[int, int] = {}
    for o in s.orders:
        day = int(o.at // _DAY)
        count[day] = count.get(day, 0) + 1
        total[day] = total.get(day, 0) + o.quantity
    suspect: list[OrderFact] = []
    for o in s.orders:
        q = o.quantity
        reaching = any(t <= q <= t * (1 + band) for t in settings.rebate_thresholds)
        day = int(o.at // _DAY)
        split = count[day] > 1 and any(
            t * (1 - 2 * band) <= q < t <= total[day] for t in settings.rebate_thresholds
        )
        if reaching or split:
            suspect.append(o)
    share = len(suspect) / len(s.orders)
    if share < settings.threshold_share:
        return None
    marks = ", ".join(str(t) for t in settings.rebate_thresholds)
    return Signal(
        ReasonKind.THRESHOLD_ORDERS,
        share,
        f"{len(suspect)} of {len(s.orders)} orders just at or split under a rebate threshold "
        f"({marks} units)",
        _orders(tuple(suspect)),
    )


class PayoutCalendar:
    """Which local days lie within the payout window: the days up to a payout day (the last
    day of a month shorter than the payout day standing for it). Days are counted since the
    epoch in the brand's time zone; a day is looked up once and remembered.

    >>> cal = PayoutCalendar(FraudSettings(payout_days=(25,), payout_window_days=3))
    >>> day = 86_400.0
    >>> t = datetime(2025, 3, 23, 12, tzinfo=timezone(timedelta(hours=8))).timestamp()
    >>> cal.near(t), cal.near(t + 2 * day), cal.near(t + 3 * day)
    (True, True, False)
    """

    __slots__ = ("_known", "_offset", "_settings")

    def __init__(self, settings: FraudSettings) -> None:
        self._settings = settings
        self._offset = settings.utc_offset_hours * 3_600
        self._known: dict[int, bool] = {}

    def near(self, at: float) -> bool:
        day = int((at + self._offset) // _DAY)
        found = self._known.get(day)
        if found is None:
            found = self._known[day] = self._judge(day)
        return found

    def _judge(self, day: int) -> bool:
        date = datetime.fromtimestamp(day * _DAY, UTC).date()
        for back in range(self._settings.payout_window_days):
            d = date + timedelta(days=back)
            last = (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            if any(d.day == min(p, last.day) for p in self._settings.payout_days):
                return True
        return False


def payout_timing(
    s: StoreFacts, settings: FraudSettings, calendar: PayoutCalendar | None = None
) -> Signal | None:
    times = [o.at for o in s.orders] + list(s.redemption_times)
    if len(times) < settings.min_activity:
        return None
    cal = calendar or PayoutCalendar(settings)
    near = sum(1 for t in times if cal.near(t))
    share = near / len(times)
    if share < settings.payout_share:
        return None
    days = ", ".join(str(d) for d in settings.payout_days)
    return Signal(
        ReasonKind.PAYOUT_TIMING,
        share,
        f"{near} of {len(times)} orders and redemptions in the {settings.payout_window_days} "
        f"days up to a payout day ({days})",
        _orders(tuple(o for o in s.orders if cal.near(o.at))),
    )


def device_many_stores(
    s: StoreFacts, stores_of_device: Mapping[str, int], settings: FraudSettings
) -> Signal | None:
    busy = [(stores_of_device.get(d, 1), d) for d in s.devices]
    busy = [(n, d) for n, d in busy if n >= settings.device_stores]
    if not busy:
        return None
    n, device = max(busy)
    return Signal(
        ReasonKind.DEVICE_MANY_STORES,
        1.0,
        f"device {device} operates {n} stores",
        tuple(("Device", d) for _, d in sorted(busy)),
    )


def staff_unreceived(s: StoreFacts, settings: FraudSettings) -> Signal | None:
    if s.staff_scans < settings.min_staff_scans:
        return None
    share = s.staff_unreceived / s.staff_scans
    if share < settings.staff_unreceived_share:
        return None
    return Signal(
        ReasonKind.STAFF_UNRECEIVED,
        share,
        f"staff scanned {s.staff_unreceived} of {s.staff_scans} caps of units the store never "
        "received",
        tuple(("Scan", i) for i in s.evidence_scans[:_MAX_EVIDENCE]),
    )


def store_signals(
    s: StoreFacts,
    *,
    as_of: float,
    stores_of_device: Mapping[str, int],
    settings: FraudSettings,
    calendar: PayoutCalendar | None = None,
) -> tuple[Signal, ...]:
    """Every signal of ``s`` that counts, strongest (by weighted strength) first.

    ``as_of`` is the end of the data (orders younger than the sell-through horizon before it
    are not judged); ``stores_of_device`` counts the stores each device operates.

    >>> from algorithms.store_fraud.facts import OrderFact, StoreFacts
    >>> fake = StoreFacts("s1", orders=tuple(OrderFact(f"o{i}", 20, i * 86400.0, True)
    ...                                      for i in range(5)), redemptions=40)
    >>> [x.kind.value for x in store_signals(fake, as_of=400 * 86400.0,
    ...                                      stores_of_device={}, settings=FraudSettings())]
    ['over_redemption', 'dead_orders', 'threshold_orders']
    """
    found = [
        over_redemption(s, settings),
        dead_orders(s, as_of, settings),
        threshold_orders(s, settings),
        payout_timing(s, settings, calendar),
        device_many_stores(s, stores_of_device, settings),
        staff_unreceived(s, settings),
    ]
    signals = [x for x in found if x is not None and x.strength > 0 and math.isfinite(x.strength)]
    weights = settings.weights
    return tuple(sorted(signals, key=lambda x: (-weights.get(x.kind, 0) * x.strength, x.kind)))
