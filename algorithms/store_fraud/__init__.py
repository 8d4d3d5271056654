"""Store fraud (虚增门店 · 虚假订单 · 跑冒滴漏): fake stores, fake orders and leaking store
incentives, found as clusters of stores that share identity and misbehave.

:func:`detect_store_fraud` takes :class:`StoreFacts` (identity and behaviour as plain values)
and returns :class:`FraudCluster` s with scores and reasons, each reason naming the nodes
behind it; :func:`quality` measures clusters against planted truth.
"""

from algorithms.store_fraud.anomaly import FEATURES, feature_matrix, isolation_scores
from algorithms.store_fraud.clusters import (
    Detection,
    FraudCluster,
    Reason,
    StoreRisk,
    detect_store_fraud,
)
from algorithms.store_fraud.errors import StoreFraudInputError
from algorithms.store_fraud.evaluation import Quality, quality
from algorithms.store_fraud.facts import OrderFact, StoreFacts
from algorithms.store_fraud.identity import (
    Attribute,
    IdentityGraph,
    colocated_spots,
    identity_graph,
    registration_bursts,
)
from algorithms.store_fraud.settings import IDENTITY_KINDS, FraudSettings, ReasonKind
from algorithms.store_fraud.signals import Evidence, Signal, noisy_or, store_signals

__all__ = [
    "FEATURES",
    "IDENTITY_KINDS",
    "Attribute",
    "Detection",
    "Evidence",
    "FraudCluster",
    "FraudSettings",
    "IdentityGraph",
    "OrderFact",
    "Quality",
    "Reason",
    "ReasonKind",
    "Signal",
    "StoreFacts",
    "StoreFraudInputError",
    "StoreRisk",
    "colocated_spots",
    "detect_store_fraud",
    "feature_matrix",
    "identity_graph",
    "isolation_scores",
    "noisy_or",
    "quality",
    "registration_bursts",
    "store_signals",
]
