"""The identity graph of stores: what they share, where they sit, who registered them.

Stores are joined to attribute nodes (a phone, a device, an owner, an address, a spot several
stores stand on, a salesperson's burst of registrations) that at least two stores share; the
connected components of that bipartite graph (networkx) are the identity groups.
Co-located stores are found with scikit-learn's DBSCAN on the haversine metric (ball tree),
so near-identical GPS points become one spot however the stores spell their addresses.

References: Ester, Kriegel, Sander and Xu, "A Density-Based Algorithm for Discovering Clusters
in Large Spatial Databases with Noise", KDD 1996 (DBSCAN); Hopcroft and Tarjan, "Efficient
algorithms for graph manipulation", CACM 16(6), 1973 (connected components).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from sklearn.cluster import DBSCAN

from algorithms.store_fraud.errors import StoreFraudInputError
from algorithms.store_fraud.facts import StoreFacts
from algorithms.store_fraud.settings import FraudSettings, ReasonKind

__all__ = [
    "EARTH_RADIUS_M",
    "Attribute",
    "IdentityGraph",
    "colocated_spots",
    "identity_graph",
    "registration_bursts",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
_DAY = 86_400.0


@dataclass(frozen=True, slots=True, order=True)
class Attribute:
    """Something stores share: ``kind`` says what, ``key`` which one (a phone number, a spot's
    index, ``salesperson#burst``)."""

    kind: ReasonKind
    key: str


@dataclass(frozen=True, slots=True)
class IdentityGraph:
    """Stores and the attributes two or more of them share.

    ``attributes`` maps each store to its shared attributes, ``members`` each attribute to
    its stores (sorted), ``groups`` are the connected components of two or more stores.
    """

    attributes: Mapping[str, tuple[Attribute, ...]]
    members: Mapping[Attribute, tuple[str, ...]]
    groups: tuple[tuple[str, ...], ...]

    def shared_by(self, stores: Iterable[str]) -> dict[Attribute, tuple[str, ...]]:
        """Every attribute that two or more of ``stores`` share, with those stores."""
        wanted = set(stores)
        out: dict[Attribute, tuple[str, ...]] = {}
        for store in wanted:
            for attr in self.attributes.get(store, ()):
                if attr not in out:
                    inside = tuple(s for s in self.members[attr] if s in wanted)
                    if len(inside) >= 2:
                        out[attr] = inside
        return out


def colocated_spots(
    ids: Sequence[str], lat: np.ndarray, lon: np.ndarray, radius_m: float
) -> dict[str, int]:
    """The spot (DBSCAN cluster index) of every store within ``radius_m`` of another.

    >>> import numpy as np
    >>> colocated_spots(["a", "b", "c"], np.array([31.0, 31.0001, 32.0]),
    ...                 np.array([121.0, 121.0, 121.0]), 30.0)
    {'a': 0, 'b': 0}
    """
    if len(ids) != len(lat) or len(ids) != len(lon):
        raise StoreFraudInputError("stores", "ids, lat and lon differ in length")
    if len(ids) < 2:
        return {}
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
        raise StoreFraudInputError("lat", "coordinates out of range")
    points = np.radians(np.column_stack([lat, lon]))
    labels = DBSCAN(
        eps=radius_m / EARTH_RADIUS_M, min_samples=2, metric="haversine", algorithm="ball_tree"
    ).fit_predict(points)
    return {store: int(label) for store, label in zip(ids, labels, strict=True) if label >= 0}


def registration_bursts(
    registrations: Iterable[tuple[str, str, float]], size: int, window_days: float
) -> dict[str, str]:
    """The burst each store belongs to: ``salesperson#k`` when the salesperson registered at
    least ``size`` stores within ``window_days`` (consecutive registrations of such a window
    chain into one burst).

    ``registrations`` are ``(store, salesperson, at)``.

    >>> regs = [(f"s{i}", "li", i * 3600.0) for i in range(4)] + [("s9", "li", 90 * 86400.0)]
    >>> sorted(registration_bursts(regs, size=4, window_days=1).items())
    [('s0', 'li#0'), ('s1', 'li#0'), ('s2', 'li#0'), ('s3', 'li#0')]
    """
    by_person: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for store, person, at in registrations:
        by_person[person].append((at, store))
    window = window_days * _DAY
    out: dict[str, str] = {}
    for person, regs in by_person.items():
        if len(regs) < size:
            continue
        regs.sort()
        times = np.array([t for t, _ in regs])
        # dense[i]: the window starting at registration i holds `size` registrations or more
        ends = np.searchsorted(times, times + window, side="right")
        in_burst = np.zeros(len(regs), dtype=bool)
        for i in np.flatnonzero(ends - np.arange(len(regs)) >= size):
            in_burst[i : ends[i]] = True
        burst, last = -1, -np.inf
        for i in np.flatnonzero(in_burst):
            if times[i] - last > window:
                burst += 1
            last = times[i]
            out[regs[i][1]] = f"{person}#{burst}"
    return out


def identity_graph(stores: Sequence[StoreFacts], settings: FraudSettings) -> IdentityGraph:
    """Link ``stores`` by every attribute two or more of them share and group them.

    >>> from algorithms.store_fraud.facts import StoreFacts
    >>> g = identity_graph([StoreFacts("a", phones=("138",)), StoreFacts("b", phones=("138",)),
    ...                     StoreFacts("c", phones=("139",))], FraudSettings())
    >>> g.groups
    (('a', 'b'),)
    """
    raw: dict[Attribute, set[str]] = defaultdict(set)
    for s in stores:
        for kind, values in (
            (ReasonKind.SHARED_PHONE, s.phones),
            (ReasonKind.SHARED_DEVICE, s.devices),
            (ReasonKind.SHARED_ADDRESS, s.addresses),
            (ReasonKind.SHARED_OWNER, (s.owner,) if s.owner else ()),
        ):
            for value in values:
                raw[Attribute(kind, value)].add(s.id)
    located = [s for s in stores if s.lat is not None and s.lon is not None]
    spots = colocated_spots(
        [s.id for s in located],
        np.array([s.lat for s in located], dtype=float),
        np.array([s.lon for s in located], dtype=float),
        settings.colocated_m,
    )
    for store, spot in spots.items():
        raw[Attribute(ReasonKind.COLOCATED, str(spot))].add(store)
    registrations = [
        (s.id, s.registered_by, s.registered_at)
        for s in stores
        if s.registered_by is not None and s.registered_at is not None
    ]
    bursts = registration_bursts(registrations, settings.burst_stores, settings.burst_days)
    for store, burst in bursts.items():
        raw[Attribute(ReasonKind.REGISTRATION_BURST, burst)].add(store)

    members = {a: tuple(sorted(ids)) for a, ids in raw.items() if len(ids) >= 2}
    attributes: dict[str, list[Attribute]] = defaultdict(list)
    graph: nx.Graph[object] = nx.Graph()
    for attr, ids in members.items():
        for store in ids:
            attributes[store].append(attr)
            graph.add_edge(("store", store), attr)
    groups = sorted(
        tuple(sorted(n[1] for n in component if isinstance(n, tuple)))
        for component in nx.connected_components(graph)
    )
    return IdentityGraph(
        {s: tuple(sorted(a)) for s, a in attributes.items()}, members, tuple(groups)
    )
