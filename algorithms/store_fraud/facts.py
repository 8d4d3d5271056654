"""What detection knows of a store: its identity and what happened there, as plain values.

Times are seconds since the epoch (UTC); the graph side turns stored datetimes into them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OrderFact", "StoreFacts"]


@dataclass(frozen=True, slots=True)
class OrderFact:
    """One order a store placed with its distributor.

    ``fulfilled`` says whether a shipment named the order (a ``po`` business transaction).
    """

    id: str
    quantity: int
    at: float
    fulfilled: bool = False


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """A store's identity and behaviour.

    Attributes
    ----------
    id : str
        The store's party id.
    lat, lon : float or None
        Where the store says it is.
    owner, registered_by : str or None
        The person who owns the store and the salesperson who registered it.
    registered_at : float or None
        When it was registered (epoch seconds).
    phones, devices, addresses : tuple of str
        Identity attributes of the store and of its staff (devices include those its scans
        were made with).
    orders : tuple of OrderFact
        Orders the store placed.
    received_units : int
        Units shipments ever brought to the store.
    redemptions : int
        Cap redemptions and shelf checks by the store or its staff.
    redemption_times : tuple of float
        When those happened.
    sell_through_times : tuple of float
        When units the store received were sold or scanned by a consumer.
    staff_scans, staff_unreceived : int
        Scans by the store's staff, and how many of them were of units the store never
        received.
    evidence_scans : tuple of str
        Ids of scans that show over-redemption or unreceived units (a sample), so a reason
        can point at them.
    """

    id: str
    lat: float | None = None
    lon: float | None = None
    owner: str | None = None
    registered_by: str | None = None
    registered_at: float | None = None
    phones: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    orders: tuple[OrderFact, ...] = ()
    received_units: int = 0
    redemptions: int = 0
    redemption_times: tuple[float, ...] = ()
    sell_through_times: tuple[float, ...] = ()
    staff_scans: int = 0
    staff_unreceived: int = 0
    evidence_scans: tuple[str, ...] = ()
