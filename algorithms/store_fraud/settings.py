"""Thresholds and weights of store-fraud detection, with the reason kinds it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from algorithms.store_fraud.errors import StoreFraudInputError

__all__ = ["IDENTITY_KINDS", "FraudSettings", "ReasonKind", "ScoringMethod"]

ScoringMethod = Literal["rules", "isolation_forest"]


class ReasonKind(StrEnum):
    """Why stores were grouped or flagged."""

    # identity: stores linked by what they share
    SHARED_PHONE = "shared_phone"
    SHARED_DEVICE = "shared_device"
    SHARED_OWNER = "shared_owner"
    SHARED_ADDRESS = "shared_address"
    COLOCATED = "colocated"
    REGISTRATION_BURST = "registration_burst"
    # behaviour: what the stores did
    OVER_REDEMPTION = "over_redemption"
    DEAD_ORDERS = "dead_orders"
    THRESHOLD_ORDERS = "threshold_orders"
    PAYOUT_TIMING = "payout_timing"
    DEVICE_MANY_STORES = "device_many_stores"
    STAFF_UNRECEIVED = "staff_unreceived"
    ANOMALY_MODEL = "anomaly_model"


IDENTITY_KINDS = frozenset(
    {
        ReasonKind.SHARED_PHONE,
        ReasonKind.SHARED_DEVICE,
        ReasonKind.SHARED_OWNER,
        ReasonKind.SHARED_ADDRESS,
        ReasonKind.COLOCATED,
        ReasonKind.REGISTRATION_BURST,
    }
)

_DEFAULT_WEIGHTS: dict[ReasonKind, float] = {
    ReasonKind.OVER_REDEMPTION: 0.8,
    ReasonKind.STAFF_UNRECEIVED: 0.8,
    ReasonKind.DEAD_ORDERS: 0.7,
    ReasonKind.THRESHOLD_ORDERS: 0.5,
    ReasonKind.PAYOUT_TIMING: 0.5,
    ReasonKind.DEVICE_MANY_STORES: 0.4,
}


@dataclass(frozen=True, slots=True)
class FraudSettings:
    """How detection links, measures and scores stores.

    Attributes
    ----------
    colocated_m : float
        Stores closer than this (metres) are co-located (DBSCAN ``eps``).
    burst_stores, burst_days : int, float
        One salesperson registering at least ``burst_stores`` stores within ``burst_days``.
    device_stores : int
        A device used at this many stores or more operates "many stores".
    sell_through_days : float
        An order not followed by a sale or consumer scan of the store's units within this
        many days is dead; orders younger than this are not judged.
    min_orders : int
        Orders (judged orders, for dead orders) a store needs before order signals count.
    dead_share : float
        Share of dead orders from which the signal counts.
    rebate_thresholds : tuple of int
        Order quantities (units) that earn a rebate; orders within ``threshold_band`` of one
        (just reaching it, or split into same-day orders just under it) are suspect.
    threshold_band : float
        Relative width of that band.
    threshold_share : float
        Share of suspect orders from which the signal counts.
    payout_days, payout_window_days : tuple of int, int
        Days of the month payouts are computed on, and how many days before one (the day
        itself included) count as "around" it.
    payout_share : float
        Share of activity around payout days from which the signal counts.
    min_activity : int
        Orders and redemptions a store needs before the payout signal counts.
    utc_offset_hours : float
        The brand's time zone, for days of the month.
    min_staff_scans, staff_unreceived_share : int, float
        Staff scans needed, and the share of unreceived units from which the signal counts.
    redemption_slack : float
        Redemptions may exceed received units by this share (returns, late receipts).
    weights : mapping of ReasonKind to float
        Weight of each behavioural signal in the store's noisy-or score.
    member_score : float
        A store joins a cluster from this behaviour score.
    single_factor : float
        A cluster of one store (nothing shared with another suspect) is scored this much
        lower: identity and behaviour together make a ring.
    threshold : float
        Clusters scoring at least this are flagged.
    method : {"rules", "isolation_forest"}
        Score stores by the rules' noisy-or (default; it wins on the planted world) or by
        scikit-learn's IsolationForest over the same measurements.
    seed : int
        Random state of the anomaly model.
    """

    colocated_m: float = 30.0
    burst_stores: int = 3
    burst_days: float = 3.0
    device_stores: int = 3
    sell_through_days: float = 60.0
    min_orders: int = 3
    dead_share: float = 0.6
    rebate_thresholds: tuple[int, ...] = (20, 50, 100)
    threshold_band: float = 0.05
    threshold_share: float = 0.5
    payout_days: tuple[int, ...] = (25,)
    payout_window_days: int = 3
    payout_share: float = 0.7
    min_activity: int = 4
    utc_offset_hours: float = 8.0
    min_staff_scans: int = 3
    staff_unreceived_share: float = 0.5
    redemption_slack: float = 0.1
    weights: dict[ReasonKind, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    member_score: float = 0.3
    single_factor: float = 0.6
    threshold: float = 0.5
    method: ScoringMethod = "rules"
    seed: int = 0

    def __post_init__(self) -> None:
        positive = {
            "colocated_m": self.colocated_m,
            "burst_days": self.burst_days,
            "sell_through_days": self.sell_through_days,
        }
        for name, value in positive.items():
            if not value > 0:
                raise StoreFraudInputError(f"settings.{name}", f"must be positive, got {value}")
        counts = {
            "burst_stores": self.burst_stores,
            "device_stores": self.device_stores,
            "min_orders": self.min_orders,
            "min_activity": self.min_activity,
            "min_staff_scans": self.min_staff_scans,
            "payout_window_days": self.payout_window_days,
        }
        for name, count in counts.items():
            if count < 1:
                raise StoreFraudInputError(f"settings.{name}", f"must be at least 1, got {count}")
        shares = {
            "dead_share": self.dead_share,
            "threshold_band": self.threshold_band,
            "threshold_share": self.threshold_share,
            "payout_share": self.payout_share,
            "staff_unreceived_share": self.staff_unreceived_share,
            "member_score": self.member_score,
            "single_factor": self.single_factor,
            "threshold": self.threshold,
            **{f"weights.{k}": w for k, w in self.weights.items()},
        }
        for name, share in shares.items():
            if not 0 <= share <= 1:
                raise StoreFraudInputError(f"settings.{name}", f"must be in [0, 1], got {share}")
        if any(not 1 <= d <= 31 for d in self.payout_days):
            raise StoreFraudInputError("settings.payout_days", "days of the month are 1 to 31")
        if any(t < 1 for t in self.rebate_thresholds):
            raise StoreFraudInputError("settings.rebate_thresholds", "must be positive")
        if self.method not in ("rules", "isolation_forest"):
            raise StoreFraudInputError("settings.method", f"unknown method {self.method!r}")
