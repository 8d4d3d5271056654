"""Store-fraud clusters: stores that share identity and behave like fakes.

1. **Identity** (:func:`~algorithms.store_fraud.identity.identity_graph`): stores joined by
   shared phones, devices, owners, addresses, co-located GPS and registration bursts; its
   connected components are the identity groups.
2. **Behaviour** (:mod:`algorithms.store_fraud.signals`): each store's signals and their
   noisy-or score (or the IsolationForest score, see :mod:`~algorithms.store_fraud.anomaly`).
3. **Clusters.** The stores scoring at least :attr:`FraudSettings.member_score` are linked by
   the attributes two or more of *them* share; each connected component is a cluster. Its
   score is the mean of its members' scores, times :attr:`FraudSettings.single_factor` for a
   cluster of one. A chain under one owner, a mall at one address or a family sharing a phone
   is an identity group but not a cluster unless its stores misbehave: shared attributes
   alone never flag anyone.

Every reason names the nodes behind it (the shared phone, the dead orders, the scans of
unreceived units), so an auditor can open them.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from algorithms.store_fraud.anomaly import feature_matrix, isolation_scores
from algorithms.store_fraud.errors import StoreFraudInputError
from algorithms.store_fraud.facts import StoreFacts
from algorithms.store_fraud.identity import Attribute, IdentityGraph, identity_graph
from algorithms.store_fraud.settings import IDENTITY_KINDS, FraudSettings, ReasonKind
from algorithms.store_fraud.signals import (
    Evidence,
    PayoutCalendar,
    Signal,
    noisy_or,
    store_signals,
)

__all__ = ["Detection", "FraudCluster", "Reason", "StoreRisk", "detect_store_fraud"]

_EVIDENCE_LABEL = {
    ReasonKind.SHARED_PHONE: "Phone",
    ReasonKind.SHARED_DEVICE: "Device",
    ReasonKind.SHARED_ADDRESS: "Address",
    ReasonKind.SHARED_OWNER: "Person",
    ReasonKind.REGISTRATION_BURST: "Person",
}
_WHAT = {
    ReasonKind.SHARED_PHONE: "phone",
    ReasonKind.SHARED_DEVICE: "device",
    ReasonKind.SHARED_ADDRESS: "address",
    ReasonKind.SHARED_OWNER: "owner",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: ``kind``, a sentence, and the nodes that show it."""

    kind: ReasonKind
    detail: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class StoreRisk:
    """One store's behaviour score and the signals behind it."""

    store_id: str
    score: float
    reasons: tuple[Reason, ...] = ()
    cluster_id: str | None = None


@dataclass(frozen=True, slots=True)
class FraudCluster:
    """Stores that share identity and misbehave together (or one store on its own).

    ``id`` is ``sfc-`` and 16 hex digits of the SHA-256 of the sorted store ids, so the same
    stores give the same id on every run; ``flagged`` says whether ``score`` reaches the
    threshold.
    """

    id: str
    score: float
    store_ids: tuple[str, ...]
    reasons: tuple[Reason, ...]
    flagged: bool

    @staticmethod
    def id_of(store_ids: Iterable[str]) -> str:
        """The stable id of a set of stores.

        >>> FraudCluster.id_of(["b", "a"]) == FraudCluster.id_of(["a", "b"])
        True
        """
        digest = hashlib.sha256("\n".join(sorted(store_ids)).encode()).hexdigest()
        return f"sfc-{digest[:16]}"


@dataclass(frozen=True, slots=True)
class Detection:
    """What one run found: clusters (strongest first), every store's risk, the identity
    groups, and the seconds each stage took."""

    clusters: tuple[FraudCluster, ...]
    risks: dict[str, StoreRisk]
    identity: IdentityGraph
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> tuple[FraudCluster, ...]:
        return tuple(c for c in self.clusters if c.flagged)


def _identity_reason(attr: Attribute, stores: Sequence[str]) -> Reason:
    n = len(stores)
    if attr.kind == ReasonKind.COLOCATED:
        detail = f"{n} stores within metres of each other"
        evidence: tuple[Evidence, ...] = ()
    elif attr.kind == ReasonKind.REGISTRATION_BURST:
        person = attr.key.rpartition("#")[0]
        detail = f"{n} stores registered by {person} in one burst"
        evidence = (("Person", person),)
    else:
        detail = f"{n} stores share {_WHAT[attr.kind]} {attr.key}"
        evidence = ((_EVIDENCE_LABEL[attr.kind], attr.key),)
    return Reason(attr.kind, detail, evidence)


def _behaviour_reasons(
    members: Sequence[str], signals: dict[str, tuple[Signal, ...]]
) -> list[Reason]:
    by_kind: dict[ReasonKind, list[Signal]] = defaultdict(list)
    for store in members:
        for sig in signals.get(store, ()):
            by_kind[sig.kind].append(sig)
    reasons = []
    for kind, found in by_kind.items():
        if len(members) == 1:
            detail = found[0].detail
        else:
            detail = f"{len(found)} of {len(members)} stores: " + found[0].detail
            if len(found) > 1:
                detail += " (first of them)"
        evidence = tuple(dict.fromkeys(e for sig in found for e in sig.evidence))[:50]
        reasons.append((-len(found), kind, Reason(kind, detail, evidence)))
    return [r for *_, r in sorted(reasons, key=lambda x: (x[0], x[1]))]


def detect_store_fraud(
    stores: Sequence[StoreFacts],
    *,
    as_of: float,
    settings: FraudSettings | None = None,
) -> Detection:
    """Find store-fraud clusters among ``stores``.

    Parameters
    ----------
    stores
        Every store to judge, with its identity and behaviour.
    as_of
        The end of the data, epoch seconds: orders younger than the sell-through horizon
        before it are not judged dead.
    settings
        Thresholds and weights; :class:`FraudSettings` by default.

    Raises
    ------
    StoreFraudInputError
        When a store is given twice or a coordinate is out of range.

    Examples
    --------
    Three fake stores on one phone that order and redeem caps without stock, and a chain of
    four honest stores under one owner:

    >>> from algorithms.store_fraud.facts import OrderFact, StoreFacts
    >>> day = 86_400.0
    >>> fake = [StoreFacts(f"f{i}", phones=("138",), redemptions=30, orders=tuple(
    ...     OrderFact(f"o{i}{k}", 7, k * 9 * day, True) for k in range(4))) for i in range(3)]
    >>> chain = [StoreFacts(f"c{i}", owner="wang", received_units=50, redemptions=10,
    ...     sell_through_times=tuple(k * 3 * day for k in range(60)), orders=tuple(
    ...     OrderFact(f"p{i}{k}", 12, k * 9 * day, True) for k in range(4))) for i in range(4)]
    >>> found = detect_store_fraud(fake + chain, as_of=400 * day)
    >>> [(c.store_ids, c.flagged) for c in found.clusters]
    [(('f0', 'f1', 'f2'), True)]
    >>> [r.kind.value for r in found.clusters[0].reasons]
    ['dead_orders', 'over_redemption', 'shared_phone']
    >>> found.identity.groups
    (('c0', 'c1', 'c2', 'c3'), ('f0', 'f1', 'f2'))
    """
    settings = settings or FraudSettings()
    seen: set[str] = set()
    for s in stores:
        if s.id in seen:
            raise StoreFraudInputError("stores", f"store {s.id!r} is given twice")
        seen.add(s.id)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    identity = identity_graph(stores, settings)
    seconds["identity"] = time.perf_counter() - started

    started = time.perf_counter()
    device_stores: Counter[str] = Counter()
    for s in stores:
        device_stores.update(set(s.devices))
    calendar = PayoutCalendar(settings)
    signals = {
        s.id: store_signals(
            s, as_of=as_of, stores_of_device=device_stores, settings=settings, calendar=calendar
        )
        for s in stores
    }
    weights = settings.weights
    if settings.method == "isolation_forest":
        links = {
            s: len({m for a in attrs for m in identity.members[a]}) - 1
            for s, attrs in identity.attributes.items()
        }
        scores = isolation_scores(feature_matrix(stores, signals, links), settings)
        behaviour = {s.id: float(x) for s, x in zip(stores, scores, strict=True)}
    else:
        behaviour = {
            s.id: noisy_or({x.kind: x.strength for x in signals[s.id]}, weights) for s in stores
        }
    seconds["behaviour"] = time.perf_counter() - started

    started = time.perf_counter()
    suspects = {s for s, b in behaviour.items() if b >= settings.member_score}
    graph: nx.Graph[object] = nx.Graph()
    for store in suspects:
        graph.add_node(("store", store))
        for attr in identity.attributes.get(store, ()):
            graph.add_edge(("store", store), attr)
    clusters: list[FraudCluster] = []
    cluster_of: dict[str, str] = {}
    for component in nx.connected_components(graph):
        members = tuple(sorted(n[1] for n in component if isinstance(n, tuple)))
        mean = sum(behaviour[m] for m in members) / len(members)
        score = mean * (settings.single_factor if len(members) == 1 else 1.0)
        shared = identity.shared_by(members)
        identity_reasons = [
            _identity_reason(attr, inside)
            for attr, inside in sorted(shared.items(), key=lambda x: (-len(x[1]), x[0]))
        ]
        reasons = _behaviour_reasons(members, signals) + identity_reasons
        if all(r.kind in IDENTITY_KINDS for r in reasons):
            reasons.insert(0, Reason(ReasonKind.ANOMALY_MODEL, f"anomaly score {mean:.2f}"))
        cluster = FraudCluster(
            FraudCluster.id_of(members),
            round(score, 4),
            members,
            tuple(reasons),
            score >= settings.threshold,
        )
        clusters.append(cluster)
        for m in members:
            cluster_of[m] = cluster.id
    risks = {
        s.id: StoreRisk(
            s.id,
            round(behaviour[s.id], 4),
            tuple(Reason(x.kind, x.detail, x.evidence) for x in signals[s.id]),
            cluster_of.get(s.id),
        )
        for s in stores
    }
    clusters.sort(key=lambda c: (-c.score, c.id))
    seconds["clusters"] = time.perf_counter() - started
    return Detection(tuple(clusters), risks, identity, seconds)
