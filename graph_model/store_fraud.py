"""Store fraud as the graph holds it: the store rows detection reads and the clusters it
writes.

Detection reads each store's identity (``USES`` phones, devices, addresses, its staff's,
``OWNED_BY`` and ``REGISTERED_BY`` people, registration time, GPS) and behaviour (orders and
whether a shipment fulfilled them, units received, redemptions by the store and its staff,
sales and consumer scans of the units it received); it writes
``(:FraudCluster {id, score, reasons})-[:INCLUDES]->(:Store)`` with ``-[:EVIDENCE {reason}]->``
the shared attribute and fact nodes, and each store's own ``riskScore`` and ``riskReasons``.
These are the plain values that cross that boundary; the rules live in
:mod:`algorithms.store_fraud`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

__all__ = [
    "EVIDENCE_KEYS",
    "ClusterFilter",
    "ClusterPage",
    "ClusterRow",
    "EvidenceGraph",
    "EvidenceLink",
    "EvidenceNode",
    "OrderRecord",
    "RiskReason",
    "StoreRecord",
    "StoreRisk",
    "StoredCluster",
]

#: The nodes a reason may point at: label -> key property (a whitelist: labels are never
#: taken from input).
EVIDENCE_KEYS: Final = {
    "Phone": "number",
    "Device": "id",
    "Address": "text",
    "Person": "id",
    "Order": "id",
    "Scan": "id",
}


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: str
    quantity: int
    at: float
    fulfilled: bool


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """What the graph holds about one store (times in epoch seconds)."""

    id: str
    lat: float | None
    lon: float | None
    owner: str | None
    registered_by: str | None
    registered_at: float | None
    phones: tuple[str, ...]
    devices: tuple[str, ...]
    addresses: tuple[str, ...]
    orders: tuple[OrderRecord, ...]
    received_units: int
    redemptions: int
    redemption_times: tuple[float, ...]
    sell_through_times: tuple[float, ...]
    staff_scans: int
    staff_unreceived: int
    unreceived_scan_ids: tuple[str, ...]
    #: Campaign credits (BC联动) the store and its staff earned from consumers' winning scans.
    credits: int = 0


@dataclass(frozen=True, slots=True)
class RiskReason:
    """A reason as stored and shown: ``kind`` and a sentence."""

    kind: str
    detail: str

    def text(self) -> str:
        return f"{self.kind}: {self.detail}"

    @classmethod
    def parse(cls, text: str) -> RiskReason:
        """The reason of a stored ``kind: detail`` text.

        >>> RiskReason.parse("shared_phone: 3 stores share phone 138")
        RiskReason(kind='shared_phone', detail='3 stores share phone 138')
        """
        kind, _, detail = text.partition(": ")
        return cls(kind, detail)


@dataclass(frozen=True, slots=True)
class ClusterRow:
    """A cluster to write, with its evidence as ``(reason kind, label, key)``."""

    id: str
    score: float
    flagged: bool
    store_ids: tuple[str, ...]
    reasons: tuple[RiskReason, ...]
    evidence: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class StoredCluster:
    id: str
    score: float
    flagged: bool
    reasons: tuple[RiskReason, ...]
    stores: tuple[tuple[str, str | None], ...]  # (id, name)
    regions: tuple[str, ...]
    detected_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClusterFilter:
    """``min_score`` None: the flagged clusters; ``region``: clusters with a store in it (or
    in a region within it)."""

    min_score: float | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterPage:
    clusters: tuple[StoredCluster, ...]
    total: int


@dataclass(frozen=True, slots=True)
class StoreRisk:
    store_id: str
    score: float
    reasons: tuple[RiskReason, ...]
    cluster_id: str | None
    assessed_at: datetime | None


@dataclass(frozen=True, slots=True)
class EvidenceNode:
    id: str  # the element id, unique within one answer
    label: str
    key: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    source: str
    target: str
    type: str


@dataclass(frozen=True, slots=True)
class EvidenceGraph:
    cluster_id: str
    nodes: tuple[EvidenceNode, ...] = ()
    links: tuple[EvidenceLink, ...] = field(default=())
