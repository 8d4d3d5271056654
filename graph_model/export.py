"""The regulator export of a code or a lot: tracking-event rows, the EPCIS document, the digest.

A provenance export answers an FSMA 204-style records request in one piece:

* the *electronic sortable spreadsheet*: one row per tracking event and traceability lot, with
  the key data elements (lot code, quantity and unit, product, location from / to, date,
  reference document type and number), built by :func:`spreadsheet_rows`;
* the *EPCIS 2.0 JSON-LD document* of every underlying event exactly as captured, built by
  :func:`epcis_document`;
* a *digest over the whole set* (:func:`set_digest`), so a regulator can check that nothing
  was altered since capture.

Checking an export
------------------
1. Recompute each event's CBV 2.0 hash (GS1 CBV 2.0 section 8.9) from the document's
   ``epcisBody.eventList``, leaving out the document's ``ignoreFields`` if it has any, and
   compare it with the hash listed for the same position in
   ``yima:provenanceExport.eventHashes``.
2. Sort the listed hashes (plain code-point order of the ``ni:///sha-256;…?ver=CBV2.0``
   strings), join them with a line feed (no trailing one), take SHA-256 of the UTF-8 bytes:
   ``ni:///sha-256;<64 lowercase hex>`` must equal ``yima:provenanceExport.digest``.

The listed hashes are those stored when the events were captured. An event whose stored JSON
no longer hashes to its stored hash was changed in the database after capture: the export
names it in ``altered`` and marks its rows, rather than hiding the difference.

This module is pure: the rows and the document are built from plain values read elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Final, Literal

from graph_model.errors import NotFound
from graph_model.vocabulary import YIMA_CONTEXT

__all__ = [
    "COLUMNS",
    "DIGEST_METHOD",
    "EPCIS_CONTEXT",
    "ExportSubject",
    "ExportSubjectNotFound",
    "ExportedEvent",
    "LotQuantity",
    "ProvenanceExport",
    "TrackingEventRow",
    "critical_tracking_event",
    "epcis_document",
    "set_digest",
    "spreadsheet_rows",
]

EPCIS_CONTEXT: Final[list[Any]] = list(YIMA_CONTEXT)

DIGEST_METHOD: Final = (
    "SHA-256 over the UTF-8 bytes of the events' CBV 2.0 hashes (eventHashes), sorted and "
    "joined by a line feed, written ni:///sha-256;<hex>"
)

COLUMNS: Final = (
    "Traceability Lot Code",
    "Product Description",
    "GTIN",
    "Quantity",
    "Unit of Measure",
    "Critical Tracking Event",
    "Event Type",
    "Business Step",
    "Disposition",
    "Event Date",
    "Event Time (UTC)",
    "Location",
    "Location From",
    "Location To",
    "Reference Document Type",
    "Reference Document Number",
    "Event ID",
    "Event Hash",
    "Hash Check",
)
"""Column headings of the sortable spreadsheet, in order (see :meth:`TrackingEventRow.cells`)."""

# FSMA 204 critical tracking events by CBV business step. Commissioning gives units made at a
# plant their lot code, which FSMA calls transformation; steps not listed are recorded as
# tracking events without a CTE (packing, selling, scans).
_CTE: Final[Mapping[str, str]] = {
    "commissioning": "transformation",
    "transforming": "transformation",
    "shipping": "shipping",
    "departing": "shipping",
    "receiving": "receiving",
    "arriving": "receiving",
    "accepting": "receiving",
}

_DOCUMENT_TYPES: Final[Mapping[str, str]] = {
    "bol": "Bill of lading",
    "desadv": "Despatch advice",
    "inv": "Invoice",
    "po": "Purchase order",
    "poc": "Purchase order confirmation",
    "prodorder": "Production order",
    "recadv": "Receiving advice",
    "rma": "Return merchandise authorisation",
    "cert": "Certificate",
    "pedigree": "Pedigree",
}

# Party roles of source / destination lists, most telling first.
_ROLES: Final = ("owning_party", "possessing_party", "location")
_OFFSET_RE: Final = re.compile(r"([+-])(\d{2}):?(\d{2})$")
_HASH_PREFIX: Final = "ni:///sha-256;"


class ExportSubjectNotFound(NotFound):
    """A well-formed code or lot with nothing to export (never commissioned, no units)."""

    def __init__(self, argument: Literal["code", "lot"], value: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument = argument
        self.value = value
        self.reason = reason

    def __reduce__(self) -> tuple[type[ExportSubjectNotFound], tuple[str, str, str]]:
        return (type(self), (self.argument, self.value, self.reason))


@dataclass(frozen=True, slots=True)
class ExportSubject:
    """What was exported: one unit (canonical EPC) or one lot (``GTIN|LOT`` batch key)."""

    kind: Literal["code", "lot"]
    key: str

    @classmethod
    def code(cls, epc: str) -> ExportSubject:
        return cls("code", epc)

    @classmethod
    def lot(cls, gtin: str, lot: str) -> ExportSubject:
        return cls("lot", f"{gtin}|{lot}")

    @property
    def file_stem(self) -> str:
        """A file name stem safe on every file system, e.g. ``provenance-lot-0690…_L7``."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.key).strip("_") or "subject"
        return f"provenance-{self.kind}-{safe}"[:120]


@dataclass(frozen=True, slots=True)
class LotQuantity:
    """How many units of one lot (of the export's subject) a tracking event covered."""

    gtin: str | None
    lot: str | None
    product_name: str | None
    units: int


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    """One stored EPCIS event of the export, with both its stored and recomputed hash.

    ``body`` is the event as captured (its stored JSON, ``@context`` included); ``lots`` the
    units of the subject it covered, directly or inside a case or pallet.
    """

    id: str
    stored_hash: str | None
    recomputed_hash: str | None
    event_time: datetime
    type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    body: Mapping[str, Any]
    lots: tuple[LotQuantity, ...]
    # The ``ignoreFields`` of the document the event was captured in.
    hash_ignore: tuple[str, ...] = ()

    @property
    def altered(self) -> bool:
        """The stored JSON no longer hashes to the hash stored at capture."""
        return self.stored_hash is None or self.stored_hash != self.recomputed_hash

    @property
    def listed_hash(self) -> str:
        """The hash the export lists for this event: the one stored at capture."""
        return self.stored_hash or self.recomputed_hash or ""

    def party_ids(self) -> set[str]:
        """Every party or location id the event names (for looking up their names)."""
        found = {p for p in (self.biz_location, self.read_point) if p}
        for role in ("sourceList", "destinationList"):
            for item in _list(self.body.get(role)):
                value = item.get("source" if role == "sourceList" else "destination")
                if isinstance(value, str):
                    found.add(value)
        return found


@dataclass(frozen=True, slots=True)
class TrackingEventRow:
    """One row of the sortable spreadsheet: a tracking event for one traceability lot."""

    lot_code: str
    product_description: str
    gtin: str
    quantity: int
    unit_of_measure: str
    cte: str
    event_type: str
    biz_step: str
    disposition: str
    event_date: date
    event_time: datetime
    location: str
    location_from: str
    location_to: str
    reference_type: str
    reference_number: str
    event_id: str
    event_hash: str
    altered: bool

    def cells(self) -> tuple[str | int | date | datetime, ...]:
        """The row's values in :data:`COLUMNS` order (times in UTC)."""
        return (
            self.lot_code,
            self.product_description,
            self.gtin,
            self.quantity,
            self.unit_of_measure,
            self.cte,
            self.event_type,
            self.biz_step,
            self.disposition,
            self.event_date,
            self.event_time,
            self.location,
            self.location_from,
            self.location_to,
            self.reference_type,
            self.reference_number,
            self.event_id,
            self.event_hash,
            "ALTERED" if self.altered else "ok",
        )


@dataclass(frozen=True, slots=True)
class ProvenanceExport:
    """Everything a regulator export hands over for one subject."""

    subject: ExportSubject
    generated_at: datetime
    events: tuple[ExportedEvent, ...]
    rows: tuple[TrackingEventRow, ...]
    digest: str

    @property
    def altered(self) -> tuple[str, ...]:
        """Ids of the events whose stored JSON no longer matches their stored hash."""
        return tuple(e.id for e in self.events if e.altered)

    def document(self) -> dict[str, Any]:
        """The EPCIS 2.0 JSON-LD document of the export (see :func:`epcis_document`)."""
        return epcis_document(self.subject, self.events, self.generated_at)


def set_digest(hashes: Iterable[str]) -> str:
    """The digest over a set of event hashes: SHA-256 of the sorted hashes joined by ``\\n``.

    Order of the input does not matter; a repeated hash counts every time it appears.

    >>> a = "ni:///sha-256;" + "a" * 64 + "?ver=CBV2.0"
    >>> b = "ni:///sha-256;" + "b" * 64 + "?ver=CBV2.0"
    >>> set_digest([a, b]) == set_digest([b, a])
    True
    >>> set_digest([])
    'ni:///sha-256;e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    joined = "\n".join(sorted(hashes))
    return _HASH_PREFIX + hashlib.sha256(joined.encode("utf-8")).hexdigest()


def critical_tracking_event(biz_step: str | None) -> str:
    """The FSMA 204 critical tracking event of a CBV business step, or ``""``.

    >>> critical_tracking_event("shipping"), critical_tracking_event("packing")
    ('shipping', '')
    """
    return _CTE.get(_short(biz_step or ""), "")


def epcis_document(
    subject: ExportSubject, events: Sequence[ExportedEvent], generated_at: datetime
) -> dict[str, Any]:
    """The EPCIS 2.0 ``EPCISDocument`` of ``events``, each exactly as captured.

    The document-level extension ``yima:provenanceExport`` names the subject, lists each
    event's stored hash in event-list order, the digest over them and the events found
    altered.
    """
    listed = [e.listed_hash for e in events]
    # Fields left out of the hashes at capture are left out when the hashes are checked again.
    # A document has one list for all its events; the union serves every event whose original
    # document had one, and changes no other event's hash unless that event carries such a field.
    ignore = sorted({name for e in events for name in e.hash_ignore})
    return {
        "@context": EPCIS_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(generated_at),
        **({"ignoreFields": ignore} if ignore else {}),
        "yima:provenanceExport": {
            "subject": {subject.kind: subject.key},
            "eventCount": len(events),
            "eventHashes": [
                {"eventID": e.id, "hash": h} for e, h in zip(events, listed, strict=True)
            ],
            "digest": set_digest(listed),
            "digestMethod": DIGEST_METHOD,
            "altered": [e.id for e in events if e.altered],
        },
        "epcisBody": {"eventList": [dict(e.body) for e in events]},
    }


def spreadsheet_rows(
    events: Iterable[ExportedEvent], party_names: Mapping[str, str | None]
) -> tuple[TrackingEventRow, ...]:
    """One row per event and lot of the subject, sorted by time, event id and lot.

    Quantities count the subject's units the event covered (unit of measure ``EA``, each).
    Locations are ``name (id)`` where the party's name is known. An event with no business
    transaction is its own reference document (type ``EPCIS event``, number its event id).
    """
    rows: list[TrackingEventRow] = []
    for event in events:
        types, numbers = _references(event)
        source = _party_of(event.body.get("sourceList"), "source")
        destination = _party_of(event.body.get("destinationList"), "destination")
        place = event.biz_location or event.read_point
        for lot in event.lots or (LotQuantity(None, None, None, 0),):
            rows.append(
                TrackingEventRow(
                    lot_code=lot.lot or "",
                    product_description=lot.product_name or "",
                    gtin=lot.gtin or "",
                    quantity=lot.units,
                    unit_of_measure="EA",
                    cte=critical_tracking_event(event.biz_step),
                    event_type=" ".join(p for p in (event.type, event.action) if p),
                    biz_step=event.biz_step or "",
                    disposition=event.disposition or "",
                    event_date=_local_date(event),
                    event_time=event.event_time.astimezone(UTC),
                    location=_named(place, party_names),
                    location_from=_named(source, party_names),
                    location_to=_named(destination, party_names),
                    reference_type=types,
                    reference_number=numbers,
                    event_id=event.id,
                    event_hash=event.listed_hash,
                    altered=event.altered,
                )
            )
    rows.sort(key=lambda r: (r.event_time, r.event_id, r.gtin, r.lot_code))
    return tuple(rows)


def _list(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _short(value: str) -> str:
    """``urn:epcglobal:cbv:btt:desadv`` / ``https://ref.gs1.org/cbv/BTT-desadv`` -> ``desadv``."""
    tail = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    prefix, dash, rest = tail.partition("-")
    return rest if dash and prefix.isupper() else tail


def _party_of(entries: object, key: str) -> str | None:
    items = [(str(item.get("type") or ""), item.get(key)) for item in _list(entries)]
    for role in _ROLES:
        for kind, value in items:
            if _short(kind) == role and isinstance(value, str):
                return value
    return next((value for _, value in items if isinstance(value, str)), None)


def _references(event: ExportedEvent) -> tuple[str, str]:
    types: list[str] = []
    numbers: list[str] = []
    for item in _list(event.body.get("bizTransactionList")):
        number = item.get("bizTransaction")
        if not isinstance(number, str):
            continue
        kind = _short(str(item.get("type") or ""))
        types.append(_DOCUMENT_TYPES.get(kind, kind or "Business transaction"))
        numbers.append(number)
    if not numbers:
        return "EPCIS event", event.id
    return "; ".join(types), "; ".join(numbers)


def _named(party: str | None, names: Mapping[str, str | None]) -> str:
    if not party:
        return ""
    name = names.get(party)
    return f"{name} ({party})" if name else party


def _local_date(event: ExportedEvent) -> date:
    """The event's date where it happened: its time at its own ``eventTimeZoneOffset``."""
    offset = event.body.get("eventTimeZoneOffset")
    match = _OFFSET_RE.match(offset) if isinstance(offset, str) else None
    if match is None:
        return event.event_time.astimezone(UTC).date()
    sign = -1 if match.group(1) == "-" else 1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    return event.event_time.astimezone(timezone(sign * delta)).date()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
