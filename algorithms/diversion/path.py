"""A unit's diversion path: its custody steps, whether each stayed in the authorized
channel, and the leak hop where it left.

A transfer stays in the channel when a contract (``SUPPLIES``) covers sender and receiver,
or when the receiver sits where the sending distributor may sell the product; a scan stays
in it when it lies inside the territory of the distributor answering for the unit at that
moment (see :func:`~algorithms.diversion.classify.classify_one`). The first step that does
neither is the leak: an off-contract shipment, or — when the unit surfaces with no shipment
recorded after its last custodian — stock that left that custodian's records unrecorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from algorithms.diversion.classify import ScanClass, classify_one
from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.regions import RegionTree
from algorithms.diversion.territory import Territory

__all__ = [
    "Channel",
    "CustodyStep",
    "DiversionPath",
    "LeakHop",
    "LeakKind",
    "PathStep",
    "StepKind",
    "diversion_path",
    "responsible_distributor",
]


class StepKind(StrEnum):
    """What moved the unit: made at a plant, transferred to a party, scanned by someone."""

    MADE = "made"
    TRANSFER = "transfer"
    SCAN = "scan"


@dataclass(frozen=True, slots=True)
class CustodyStep:
    """One step of a unit's history.

    ``party_id`` is the plant (``MADE``), the receiver (``TRANSFER``) or the scanner
    (``SCAN``); ``source_id`` the sender of a transfer (None: the holder before it);
    ``evidence`` the event ids (shipping, receiving) or the scan id behind the step.
    """

    kind: StepKind
    at: datetime
    party_id: str
    region_code: str | None
    source_id: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Channel:
    """The authorized channel: contracts ``(supplier, customer)``, every distributor's
    territory (which also says who is a distributor) and the region tree."""

    supplies: frozenset[tuple[str, str]]
    territories: Mapping[str, Territory]
    tree: RegionTree


@dataclass(frozen=True, slots=True)
class PathStep:
    """A custody step, whether it stayed in the authorized channel, and why."""

    step: CustodyStep
    in_channel: bool
    reason: str


class LeakKind(StrEnum):
    """How a unit left the authorized channel."""

    OFF_CONTRACT_SHIPMENT = "off_contract_shipment"
    UNRECORDED_TRANSFER = "unrecorded_transfer"


@dataclass(frozen=True, slots=True)
class LeakHop:
    """Where the unit left the channel: the last custodian in it and the first step out,
    with the event and scan ids that show it."""

    kind: LeakKind
    last_in_channel: CustodyStep | None
    first_out: CustodyStep
    evidence: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class DiversionPath:
    """A unit's custody steps in time order, and its leak hop if it left the channel."""

    code: str
    gtin: str
    steps: tuple[PathStep, ...]
    leak: LeakHop | None


def _check(steps: Sequence[CustodyStep], channel: Channel) -> None:
    for i, step in enumerate(steps):
        if step.at.tzinfo is None:
            raise DiversionInputError(f"steps[{i}].at", f"must be timezone-aware, got {step.at}")
        if step.region_code is not None and step.region_code not in channel.tree:
            raise DiversionInputError(
                f"steps[{i}].region_code", f"{step.region_code!r} is not in the region tree"
            )


def responsible_distributor(
    steps: Sequence[CustodyStep], gtin: str, channel: Channel
) -> str | None:
    """The distributor answering for a unit after ``steps``: the last distributor that
    received it, else the distributor whose territory its last transfer went into (the most
    specific grant covering the product, then the narrowest territory, then the id); None
    when neither exists.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> tree = RegionTree.from_parents({"44": None, "4403": "44"})
    >>> channel = Channel(frozenset(), {"prov": Territory.of("prov", ["44"]),
    ...                                 "city": Territory.of("city", ["4403"])}, tree)
    >>> at = datetime(2025, 4, 1, tzinfo=UTC)
    >>> responsible_distributor([CustodyStep(StepKind.TRANSFER, at, "store", "4403", "plant")],
    ...                         "g", channel)
    'city'
    """
    moves = [s for s in steps if s.kind is not StepKind.SCAN]
    for step in reversed(moves):
        if step.kind is StepKind.TRANSFER and step.party_id in channel.territories:
            return step.party_id
    last = next((s for s in reversed(moves) if s.kind is StepKind.TRANSFER), None)
    if last is None or last.region_code is None:
        return None
    chain = channel.tree.chains[last.region_code]
    # Most specific first: the deepest covering grant, then the narrowest territory, then id.
    best: tuple[int, int, str] | None = None
    for distributor, territory in channel.territories.items():
        for grant in territory.grants:
            if grant.region_code in chain and grant.covers(gtin):
                rank = (
                    -len(channel.tree.chains[grant.region_code]),
                    len(territory.grants),
                    distributor,
                )
                best = rank if best is None or rank < best else best
    return None if best is None else best[2]


def _transfer(
    step: CustodyStep, holder: str | None, gtin: str, channel: Channel
) -> tuple[bool, str]:
    sender = step.source_id or holder
    if sender is None:
        return False, f"{step.party_id} received it from an unknown sender"
    if (sender, step.party_id) in channel.supplies:
        return True, f"contracted supply {sender} -> {step.party_id}"
    territory = channel.territories.get(sender)
    if territory is not None and step.region_code is not None:
        cls, why = classify_one(territory, step.region_code, gtin, channel.tree)
        if cls in (ScanClass.INSIDE, ScanClass.AUTHORIZED_PRODUCT, ScanClass.CONTRACTED):
            return True, f"{step.party_id} sits where {sender} may sell: {why}"
    where = step.region_code or "an unknown region"
    return False, f"{sender} shipped to {step.party_id} in {where} with no contract"


def _scan(
    step: CustodyStep, before: Sequence[CustodyStep], gtin: str, channel: Channel
) -> tuple[bool, str]:
    responsible = responsible_distributor(before, gtin, channel)
    territory = None if responsible is None else channel.territories[responsible]
    cls, why = classify_one(territory, step.region_code, gtin, channel.tree)
    if cls is ScanClass.OUTSIDE:
        return False, f"scanned outside the channel: {why}"
    if cls in (ScanClass.UNLOCATED, ScanClass.UNATTRIBUTED):
        return True, f"not judged: {why}"
    return True, why


def diversion_path(
    code: str, gtin: str, steps: Sequence[CustodyStep], channel: Channel
) -> DiversionPath:
    """The custody path of unit ``code`` (product ``gtin``) and its leak hop.

    Parameters
    ----------
    steps
        The unit's history: made, every transfer of the unit or a package it was in
        (sender, receiver and the receiver's region), every scan; any order (sorted by time,
        ties kept in the given order).
    channel
        Contracts, territories and regions.

    Examples
    --------
    A city distributor received the unit, and it surfaced 2,000 km away with no shipment:

    >>> from datetime import datetime, timedelta, UTC
    >>> tree = RegionTree.from_parents({"4403": None, "1101": None})
    >>> channel = Channel(frozenset({("plant", "city")}),
    ...                   {"city": Territory.of("city", ["4403"])}, tree)
    >>> t = datetime(2025, 4, 1, tzinfo=UTC)
    >>> path = diversion_path("u1", "g", [
    ...     CustodyStep(StepKind.MADE, t, "plant", "4403", evidence=("e1",)),
    ...     CustodyStep(StepKind.TRANSFER, t + timedelta(1), "city", "4403", "plant", ("e2",)),
    ...     CustodyStep(StepKind.SCAN, t + timedelta(9), "c7", "1101", evidence=("s1",)),
    ... ], channel)
    >>> [s.in_channel for s in path.steps], path.leak.kind.value, path.leak.evidence
    ([True, True, False], 'unrecorded_transfer', ('e2', 's1'))
    """
    _check(steps, channel)
    ordered = sorted(steps, key=lambda s: s.at)
    marked: list[PathStep] = []
    leak: LeakHop | None = None
    holder: CustodyStep | None = None
    for i, step in enumerate(ordered):
        if leak is not None:
            marked.append(PathStep(step, False, f"after the leak at {leak.first_out.party_id}"))
            continue
        if step.kind is StepKind.MADE:
            inside, why = True, f"made at {step.party_id}"
        elif step.kind is StepKind.TRANSFER:
            inside, why = _transfer(step, holder.party_id if holder else None, gtin, channel)
        else:
            inside, why = _scan(step, ordered[:i], gtin, channel)
        marked.append(PathStep(step, inside, why))
        if inside and step.kind is not StepKind.SCAN:
            holder = step
        elif not inside:
            leak = _leak(step, holder, why)
    return DiversionPath(code, gtin, tuple(marked), leak)


def _leak(step: CustodyStep, holder: CustodyStep | None, why: str) -> LeakHop:
    evidence = (*(holder.evidence if holder else ()), *step.evidence)
    where = step.region_code or "an unknown region"
    if step.kind is StepKind.TRANSFER:
        kind = LeakKind.OFF_CONTRACT_SHIPMENT
        summary = f"{why} on {step.at.date().isoformat()}"
    else:
        kind = LeakKind.UNRECORDED_TRANSFER
        last = (
            f"left {holder.party_id}'s records after {holder.at.date().isoformat()} "
            if holder
            else "had no recorded custodian "
        )
        summary = (
            f"it {last}with no recorded shipment and surfaced in {where} on "
            f"{step.at.date().isoformat()}"
        )
    return LeakHop(kind, holder, step, evidence, summary)
