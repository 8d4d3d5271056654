"""EPCIS events as yima's capture pipeline projects them into the graph.

An :class:`EpcisEvent` is the immutable record of one captured EPCIS 2.0 event: the fields the
projection needs, in normalised form, and the event exactly as captured (``raw``) for audit and
export. Vocabulary values (``biz_step``, ``disposition``, source/destination and business
transaction types) are held as their short CBV names (``"shipping"``, ``"in_transit"``,
``"owning_party"``); values outside the CBV are kept as the URIs they were given as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

__all__ = [
    "EVENT_TYPES",
    "BizTransaction",
    "EpcisEvent",
    "PartyRef",
    "Quantity",
    "cbv_short_name",
]

EVENT_TYPES: Final = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
"""The five EPCIS 2.0 event types."""

_CBV_FORMS: Final[Mapping[str, tuple[str, str]]] = {
    "bizstep": ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    "disp": ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    "btt": ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    "sdt": ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    "er": ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
}


def cbv_short_name(value: str, vocabulary: str) -> str:
    """Return the bare CBV name of a vocabulary value given in any of its three forms.

    Parameters
    ----------
    value
        ``"shipping"``, ``"urn:epcglobal:cbv:bizstep:shipping"`` or
        ``"https://ref.gs1.org/cbv/BizStep-shipping"`` (or a ``cbv:BizStep-shipping`` CURIE).
    vocabulary
        One of ``"bizstep"``, ``"disp"``, ``"btt"``, ``"sdt"``, ``"er"``.

    Returns
    -------
    str
        The bare name; a value outside the CBV (a user vocabulary URI) is returned unchanged.

    Examples
    --------
    >>> cbv_short_name("https://ref.gs1.org/cbv/BizStep-shipping", "bizstep")
    'shipping'
    >>> cbv_short_name("urn:epcglobal:cbv:disp:in_transit", "disp")
    'in_transit'
    >>> cbv_short_name("http://example.com/vocab/exampling", "bizstep")
    'http://example.com/vocab/exampling'
    """
    urn, web = _CBV_FORMS[vocabulary]
    if value.startswith(urn):
        return value[len(urn) :]
    if value.startswith(web):
        return value[len(web) :]
    curie = "cbv:" + web.rpartition("/")[2]
    if value.startswith(curie):
        return value[len(curie) :]
    return value


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity of an EPC class (a lot or product), from a quantity list.

    Parameters
    ----------
    epc_class
        The class URI as captured (e.g. ``urn:epc:class:lgtin:4012345.012345.Lot987``).
    quantity
        The amount, or ``None`` when the event counts nothing.
    uom
        UN/CEFACT unit code (``"KGM"``), or ``None`` for a count of instances.
    """

    epc_class: str
    quantity: float | None = None
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A source or destination of a business transfer.

    Parameters
    ----------
    type
        Short CBV source/destination type: ``"owning_party"``, ``"possessing_party"`` or
        ``"location"`` (or a user URI).
    id
        The party or location identifier (PGLN, SGLN, Digital Link, ...).
    """

    type: str
    id: str


@dataclass(frozen=True, slots=True)
class BizTransaction:
    """A business transaction an event refers to (purchase order, despatch advice, ...).

    Parameters
    ----------
    type
        Short CBV business transaction type (``"po"``, ``"desadv"``, ``"inv"``), or ``None``.
    id
        The transaction identifier.
    """

    type: str | None
    id: str


@dataclass(frozen=True, slots=True)
class EpcisEvent:
    """One captured EPCIS 2.0 event, normalised for projection into the graph.

    Parameters
    ----------
    event_id
        The document's ``eventID`` if given, else the canonical hash.
    hash
        The CBV 2.0 event hash ID, ``ni:///sha-256;<64 hex>?ver=CBV2.0``.
    type
        One of :data:`EVENT_TYPES`.
    action
        ``"ADD"``, ``"OBSERVE"`` or ``"DELETE"``; ``None`` for a TransformationEvent.
    event_time
        When the event happened, timezone-aware, in UTC.
    event_time_zone_offset
        The local offset at the place of the event, e.g. ``"+08:00"``.
    biz_step, disposition
        Short CBV names (``"shipping"``, ``"in_transit"``) or user URIs.
    read_point, biz_location
        Location identifiers as captured.
    parent_id
        The parent (case, pallet) of an aggregation, association or transaction event.
    epcs
        The instances the event concerns: ``epcList``, ``childEPCs``, or the inputs followed by
        the outputs of a transformation.
    input_epcs, output_epcs
        A transformation's inputs and outputs, kept apart.
    quantities
        Quantity elements of every quantity list of the event.
    sources, destinations
        Parties and locations a transfer goes from and to.
    biz_transactions
        Business transactions the event refers to.
    ilmd
        Instance/lot master data given at commissioning (``{}`` when none).
    error_declaration
        The error declaration of a correcting event, else ``None``.
    raw
        The event exactly as captured (JSON-compatible), for audit and export.
    hash_ignore
        The ``ignoreFields`` of the document the event came in, as written: its hash left
        them out, so re-checking the hash later must too.
    """

    event_id: str
    hash: str
    type: str
    action: str | None
    event_time: datetime
    event_time_zone_offset: str
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    parent_id: str | None
    epcs: tuple[str, ...]
    input_epcs: tuple[str, ...]
    output_epcs: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    sources: tuple[PartyRef, ...]
    destinations: tuple[PartyRef, ...]
    biz_transactions: tuple[BizTransaction, ...]
    # Mappings take no part in equality / hashing: the other fields (hash included) decide.
    ilmd: Mapping[str, object] = field(compare=False)
    error_declaration: Mapping[str, object] | None = field(compare=False)
    raw: Mapping[str, object] = field(compare=False)
    hash_ignore: tuple[str, ...] = ()

    @property
    def is_error_correction(self) -> bool:
        """Whether this event declares an earlier event erroneous."""
        return self.error_declaration is not None

    @property
    def all_ids(self) -> tuple[str, ...]:
        """Every instance identifier the event touches: the parent first, then ``epcs``."""
        if self.parent_id is None:
            return self.epcs
        return (self.parent_id, *self.epcs)

    @property
    def unit_count(self) -> int:
        """How many identified instances the event concerns (parent and EPCs)."""
        return len(self.epcs) + (self.parent_id is not None)
