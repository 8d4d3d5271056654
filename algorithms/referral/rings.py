"""Referral rings (self-referral farms): invite trees filled with accounts one person runs.

A farm shows itself twice. Its accounts share identity: a device, a phone number, the account
rewards are paid to. And they behave unlike people: many accounts made on one device (or
with one number) within the hour, referees who scan exactly once, right after joining, to
claim the reward, and never again, everyone scanning at the same place. A family shares a
device too, and colleagues scan at one office, so identity alone never makes a ring:
:func:`detect_rings` groups candidates by identity and decides by behaviour.

1. **Candidates.** A bipartite graph joins each account to its devices, phones and payout
   accounts, counting only accounts linked by some referral and attributes that at least
   two accounts *of the same invite tree* (connected component of the referrals) share.
   Its connected components (networkx) are joined where ``merge_links`` referrals or more
   run between two of them (a referrer sharing nothing counts as one of their own): each
   result is a candidate group.
2. **Signals**, each in [0, 1] and counted beyond what a family can reach
   (:attr:`RingSettings.family_size`):

   ``shared_identity``  most members on one attribute;
   ``account_burst``    most members on one attribute made within ``burst_window``;
   ``one_shot``         referees who scanned exactly once, within ``claim_window`` of being
                        referred (their share, times how far their number passes 2);
   ``one_place``        most members whose scans are mostly at one place.

3. **Score** ``1 - Π (1 - w_k v_k)`` (a noisy-or of weighted signals); a group scoring at
   least :attr:`RingSettings.threshold` is a ring. Every signal that counted becomes a reason
   naming its attributes, so an investigator can open the shared nodes.

Why behaviour and not the referral graph's structure alone: structural ranking of fake
accounts (SybilRank: Cao, Sirivianos, Yang and Pregueiro, "Aiding the Detection of Fake
Accounts in Large Scale Social Online Services", NSDI 2012) relies on few links between fakes
and real people, which a farmer who joined through a real cascade breaks; bursts of activity
are a known mark of coordinated fake accounts (Fei, Mukherjee, Liu, Hsu, Castellanos and
Ghosh, "Exploiting Burstiness in Reviews for Review Spammer Detection", ICWSM 2013).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import networkx as nx
import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from algorithms.referral.accounts import Account
from algorithms.referral.errors import ReferralInputError
from algorithms.referral.forest import Referral
from algorithms.referral.signals import (
    Reason,
    RingSettings,
    SignalKind,
    account_burst,
    one_place,
    one_shot,
    shared_identity,
)

__all__ = ["Ring", "detect_rings", "score_groups"]

Node = str | tuple[str, int]


@dataclass(frozen=True, slots=True)
class Ring:
    """A candidate group and how strongly it looks like a farm.

    Attributes
    ----------
    id : str
        ``ring-`` and 16 hex digits of the SHA-256 of the sorted member ids: the same members
        give the same id on every run.
    score : float
        In [0, 1].
    members : tuple of str
        Sorted consumer ids.
    attributes : tuple of str
        Every attribute two or more members share, sorted.
    reasons : tuple of Reason
        The signals that counted, strongest first.
    signals : tuple of (kind, value)
        Every signal's value, counted or not.
    """

    id: str
    score: float
    members: tuple[str, ...]
    attributes: tuple[str, ...]
    reasons: tuple[Reason, ...]
    signals: tuple[tuple[SignalKind, float], ...] = field(default=())

    @staticmethod
    def id_of(members: Iterable[str]) -> str:
        """The stable id of a group of members.

        >>> Ring.id_of(["b", "a"]) == Ring.id_of(["a", "b"])
        True
        """
        digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
        return f"ring-{digest[:16]}"


def detect_rings(
    referrals: Iterable[Referral],
    accounts: Iterable[Account],
    settings: RingSettings | None = None,
) -> tuple[Ring, ...]:
    """The referral rings among ``accounts``: groups scoring at least the threshold.

    Parameters
    ----------
    referrals
        ``(referrer, referee, at)`` of every campaign to search (a consumer may be referred
        once in each).
    accounts
        What is known of the consumers; consumers of ``referrals`` without an account are
        taken to share nothing.
    settings
        Thresholds and weights; :class:`RingSettings` by default.

    Returns
    -------
    tuple of Ring
        Strongest first (then by id).

    Raises
    ------
    ReferralInputError
        When a time lacks an offset or an account id repeats.

    Examples
    --------
    Eight accounts made within the hour on one device, referred by the device's owner, each
    scanning once right after, at one place; and a family of three on one device:

    >>> from datetime import datetime, timedelta, timezone
    >>> from algorithms.referral.accounts import Account, Scan
    >>> t = datetime(2025, 3, 3, 20, tzinfo=timezone(timedelta(hours=8)))
    >>> farm = [Account("boss", t - timedelta(days=90), devices=("d1",))] + [
    ...     Account(f"f{k}", t + timedelta(minutes=5 * k), devices=("d1",),
    ...             scans=(Scan(t + timedelta(hours=2), "cell-9"),))
    ...     for k in range(8)
    ... ]
    >>> family = [Account("mum", t - timedelta(days=300), devices=("d2",)),
    ...           Account("gran", t, devices=("d2",), scans=(Scan(t + timedelta(hours=1)),)),
    ...           Account("kid", t, devices=("d2",), scans=(Scan(t + timedelta(hours=1)),))]
    >>> referrals = [("boss", f"f{k}", t + timedelta(minutes=5 * k)) for k in range(8)]
    >>> referrals += [("mum", "gran", t), ("mum", "kid", t)]
    >>> [ring] = detect_rings(referrals, farm + family)
    >>> len(ring.members), ring.score > 0.9, [r.kind for r in ring.reasons]
    (9, True, ['one_shot', 'account_burst', 'shared_identity', 'one_place'])
    >>> ring.reasons[1].detail, ring.reasons[1].attributes
    ('8 accounts made on device:d1 within 35 minutes', ('device:d1',))
    """
    settings = settings or RingSettings()
    return tuple(
        ring
        for ring in score_groups(referrals, accounts, settings)
        if ring.score >= settings.threshold
    )


def score_groups(
    referrals: Iterable[Referral],
    accounts: Iterable[Account],
    settings: RingSettings | None = None,
) -> tuple[Ring, ...]:
    """Every candidate group, scored, strongest first: :func:`detect_rings` before the
    threshold, for tuning and for looking at the groups that fell short."""
    settings = settings or RingSettings()
    edges = list(referrals)
    for referrer, referee, at in edges:
        if at.utcoffset() is None:
            raise ReferralInputError(
                "at", f"referral {referrer!r} -> {referee!r} has no offset", (referrer, referee)
            )
    by_id: dict[str, Account] = {}
    for account in accounts:
        if account.id in by_id:
            raise ReferralInputError("accounts", f"{account.id!r} appears twice", (account.id,))
        by_id[account.id] = account
    graph = _identity_graph(edges, by_id, settings)
    referred_at: dict[str, datetime] = {}
    for _, referee, at in edges:
        if referee not in referred_at or at < referred_at[referee]:
            referred_at[referee] = at
    rings = [
        _score(group, graph, by_id, referred_at, settings)
        for group in _groups(graph, edges, settings)
    ]
    return tuple(sorted(rings, key=lambda r: (-r.score, r.id)))


def _identity_graph(
    edges: list[Referral], by_id: dict[str, Account], settings: RingSettings
) -> nx.Graph[Node]:
    """Accounts joined to the attributes they share within their invite tree."""
    index: dict[str, int] = {}
    for referrer, referee, _ in edges:
        index.setdefault(referrer, len(index))
        index.setdefault(referee, len(index))
    pairs = np.array([(index[a], index[b]) for a, b, _ in edges], dtype=np.int64).reshape(-1, 2)
    adjacency = coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
        shape=(len(index), len(index)),
    )
    tree: list[int] = connected_components(adjacency, directed=False)[1].tolist()

    holders: dict[tuple[str, int], list[str]] = {}
    for cid, i in index.items():
        account = by_id.get(cid)
        if account is None:
            continue
        for kind, value in account.attributes():
            holders.setdefault((f"{kind}:{value}", tree[i]), []).append(cid)
    # Accounts are str nodes; an attribute is the node (attribute id, invite tree), a tuple so
    # that no consumer id can ever collide with it.
    graph: nx.Graph[Node] = nx.Graph()
    for node, cids in holders.items():
        # Most attributes belong to one account: skip them before building a set.
        if len(cids) >= 2 and 2 <= len(set(cids)) <= settings.max_attribute_accounts:
            graph.add_nodes_from(cids)
            graph.add_edges_from((node, cid) for cid in cids)
    return graph


def _groups(
    graph: nx.Graph[Node], edges: list[Referral], settings: RingSettings
) -> list[list[str]]:
    """The identity graph's components, those joined by ``merge_links`` referrals or more
    taken as one; a referrer who shares nothing counts as a component of their own.

    So a farm whose fakes split over a pool of numbers is one group, with the farmer who
    invited them, while a family whose member referred one stranger stays apart from the
    stranger's group.
    """
    parts = [
        sorted(n for n in part if isinstance(n, str)) for part in nx.connected_components(graph)
    ]
    identified = len(parts)
    part_of = {cid: k for k, members in enumerate(parts) for cid in members}
    links: Counter[tuple[int, int]] = Counter()
    for referrer, referee, _ in edges:
        b = part_of.get(referee)
        if b is None:
            continue
        a = part_of.get(referrer)
        if a is None:
            a = part_of[referrer] = len(parts)
            parts.append([referrer])
        if a != b:
            links[min(a, b), max(a, b)] += 1
    joined: nx.Graph[int] = nx.Graph()
    joined.add_nodes_from(range(identified))
    joined.add_edges_from(pair for pair, count in links.items() if count >= settings.merge_links)
    return [
        sorted(cid for k in group for cid in parts[k])
        for group in nx.connected_components(joined)
        if min(group) < identified  # referrers joined to no component are no group
    ]


def _score(
    members: list[str],
    graph: nx.Graph[Node],
    by_id: dict[str, Account],
    referred_at: dict[str, datetime],
    settings: RingSettings,
) -> Ring:
    accounts = [by_id.get(cid) or Account(cid) for cid in members]
    shared: dict[str, list[Account]] = {}
    for account in accounts:
        for attribute, _ in graph.neighbors(account.id) if account.id in graph else ():
            shared.setdefault(attribute, []).append(account)
    measured = [
        shared_identity(shared, settings),
        account_burst(shared, settings),
        one_shot(accounts, referred_at, settings),
        one_place(accounts, settings),
    ]
    weights = dict(settings.weights)
    weighted = [(weights.get(kind, 0.0) * value, reason) for kind, value, reason in measured]
    miss = math.prod(1.0 - w for w, _ in weighted)
    reasons = [reason for w, reason in sorted(weighted, key=lambda wr: -wr[0]) if w > 0]
    return Ring(
        id=Ring.id_of(members),
        score=round(1.0 - miss, 6),
        members=tuple(members),
        attributes=tuple(sorted(shared)),
        reasons=tuple(reasons),
        signals=tuple((kind, value) for kind, value, _ in measured),
    )
