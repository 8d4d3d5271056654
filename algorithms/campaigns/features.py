"""The feature vector of one scan for the anomaly model, from the facts risk control reads.

The same function makes the vector stored with each decision (what the model is trained on)
and the one the scan path scores, so training and scoring see the same numbers. Counts that
grow without bound enter as ``log1p``; the hour of day as a point on a circle.
"""

from __future__ import annotations

import math
from typing import Final

from algorithms.campaigns.risk import RiskFacts, travel_speed_kmh

__all__ = ["ANOMALY_FEATURES", "scan_features"]

ANOMALY_FEATURES: Final = (
    "other_scanners",
    "log_km_from_previous",
    "log_kmh_from_previous",
    "log_hours_since_previous",
    "device_accounts",
    "phone_accounts",
    "log_device_recent",
    "log_address_recent",
    "far_siblings",
    "log_history_scans",
    "hour_sin",
    "hour_cos",
)
#: What a consumer with no located scan before counts as: a long time ago, not far.
_NO_PREVIOUS_HOURS: Final = 24.0 * 90
_MAX_KMH: Final = 100_000.0


def scan_features(facts: RiskFacts, hour: float) -> list[float]:
    """One value per name of :data:`ANOMALY_FEATURES`; ``hour`` is the local hour of day
    (0 <= hour < 24, fractions allowed).

    >>> v = scan_features(RiskFacts(device_accounts=3), 6.0)
    >>> v[4], round(v[10], 3), round(v[11], 3)
    (3.0, 1.0, 0.0)
    """
    km = kmh = 0.0
    hours = _NO_PREVIOUS_HOURS
    if facts.here is not None and facts.previous is not None:
        km, kmh = travel_speed_kmh(facts.here, facts.previous)
        kmh = min(kmh, _MAX_KMH)
        hours = abs(facts.here[2] - facts.previous[2]) / 3600.0
    angle = 2 * math.pi * (hour % 24) / 24
    return [
        float(facts.other_scanners),
        math.log1p(km),
        math.log1p(kmh),
        math.log1p(hours),
        float(facts.device_accounts),
        float(facts.phone_accounts),
        math.log1p(facts.device_recent),
        math.log1p(facts.address_recent),
        float(facts.far_siblings),
        math.log1p(facts.history_scans),
        math.sin(angle),
        math.cos(angle),
    ]
