"""Assemble the regulator export of a code or a lot from the graph.

The unit's events (those concerning it, or a case or pallet while it was inside) and a lot's
units are read through the provenance repository; the stored JSON and hash of each event
through the export repository. Every event's CBV 2.0 hash is recomputed from its stored JSON
exactly as a regulator would from the exported document, so a stored event changed after
capture shows up as altered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from graph_model.database import Database
from graph_model.errors import InvalidField, InvalidIdentifier
from graph_model.export import (
    EPCIS_CONTEXT,
    ExportedEvent,
    ExportSubject,
    ExportSubjectNotFound,
    LotQuantity,
    ProvenanceExport,
    set_digest,
    spreadsheet_rows,
)
from graph_model.identifiers.units import parse_unit_identifier
from graph_model.provenance import EventRecord, LotRef, Provenance, parse_lot_reference
from graph_model.repositories.export import ExportRepository, StoredEvent
from graph_model.repositories.provenance import ProvenanceRepository
from loaders.epcis.hash import HashContext, event_hash

__all__ = ["MAX_ARGUMENT_LENGTH", "ProvenanceExporter"]

MAX_ARGUMENT_LENGTH: Final = 512
_UNIT_PAGE: Final = 1000
_TRACE_CHUNK: Final = 200
# The exported document's own context: recomputing with it is what a regulator does.
_CONTEXT: Final = HashContext.from_document({"@context": EPCIS_CONTEXT})

LotKey = tuple[str | None, str | None, str | None]


class ProvenanceExporter:
    """Builds :class:`~graph_model.export.ProvenanceExport` values for codes and lots."""

    def __init__(self, db: Database) -> None:
        self._provenance = ProvenanceRepository(db)
        self._stored = ExportRepository(db)

    def export(self, *, code: str | None = None, lot: str | None = None) -> ProvenanceExport:
        """The export of exactly one of ``code`` (any form of a unit's code) or ``lot``."""
        return self.export_with_traces(code=code, lot=lot)[0]

    def export_with_traces(
        self, *, code: str | None = None, lot: str | None = None
    ) -> tuple[ProvenanceExport, list[Provenance]]:
        """The export and the provenance of every unit it covers (one for a code), read once
        for both (the regulator report draws custody from the traces)."""
        if (code is None) == (lot is None):
            argument = "code" if code is None else "lot"
            raise InvalidField(argument, "give either a code or a lot, not both or none")
        subject, traces = (
            self._code_traces(code) if code is not None else self._lot_traces(lot or "")
        )
        return self._assemble(subject, traces), traces

    def for_code(self, text: str) -> ProvenanceExport:
        """Every event of one unit, including its containers' while it was inside them."""
        return self._assemble(*self._code_traces(text))

    def _code_traces(self, text: str) -> tuple[ExportSubject, list[Provenance]]:
        _check_length("code", text)
        try:
            unit = parse_unit_identifier(text)
        except InvalidIdentifier as exc:
            raise InvalidField("code", exc.reason) from exc
        found = self._provenance.trace([unit.epc])
        if unit.epc not in found:
            raise ExportSubjectNotFound(
                "code", unit.epc, f"unknown code: {unit.epc} was never commissioned"
            )
        return ExportSubject.code(unit.epc), [found[unit.epc]]

    def for_lot(self, text: str) -> ProvenanceExport:
        """Every event of every unit of one lot (``GTIN|LOT``, an LGTIN, a Digital Link, or a
        lot number only one product uses)."""
        return self._assemble(*self._lot_traces(text))

    def _lot_traces(self, text: str) -> tuple[ExportSubject, list[Provenance]]:
        _check_length("lot", text)
        try:
            ref = parse_lot_reference(text)
        except InvalidIdentifier as exc:
            raise InvalidField("lot", exc.reason) from exc
        if ref.gtin is None:
            batches = self._provenance.batches_of_lot(ref.lot)
            if not batches:
                raise ExportSubjectNotFound(
                    "lot", text, f"unknown lot: no units of lot {ref.lot!r}"
                )
            if len(batches) > 1:
                raise InvalidField(
                    "lot",
                    f"lot {ref.lot!r} exists for several products ({', '.join(batches)}); "
                    "give it as GTIN|LOT",
                )
            gtin, _, number = batches[0].partition("|")
            ref = LotRef(gtin, number)
        codes = self._lot_codes(ref)
        if not codes or ref.gtin is None:
            raise ExportSubjectNotFound("lot", text, f"unknown lot: no units of {ref.batch}")
        traces: list[Provenance] = []
        for start in range(0, len(codes), _TRACE_CHUNK):
            traces.extend(self._provenance.trace(codes[start : start + _TRACE_CHUNK]).values())
        return ExportSubject.lot(ref.gtin, ref.lot), traces

    def _lot_codes(self, ref: LotRef) -> list[str]:
        codes: list[str] = []
        after: str | None = None
        while True:
            page = self._provenance.lot_units(ref, limit=_UNIT_PAGE, after=after)
            codes.extend(unit.code for unit in page.units)
            if len(page.units) < _UNIT_PAGE:
                return codes
            after = page.units[-1].code

    def _assemble(self, subject: ExportSubject, traces: Sequence[Provenance]) -> ProvenanceExport:
        records: dict[str, EventRecord] = {}
        units: dict[str, Counter[LotKey]] = {}
        for trace in traces:
            key: LotKey = (trace.gtin, trace.lot, trace.product_name)
            for record in trace.events:
                records.setdefault(record.id, record)
                units.setdefault(record.id, Counter())[key] += 1
        ordered = sorted(records.values(), key=lambda r: (r.event_time, r.id))
        stored = self._stored.stored_events([r.id for r in ordered])
        events = [_exported(record, stored.get(record.id), units[record.id]) for record in ordered]
        parties = set().union(*(e.party_ids() for e in events)) if events else set()
        names = self._stored.party_names(sorted(parties))
        return ProvenanceExport(
            subject=subject,
            generated_at=datetime.now(UTC),
            events=tuple(events),
            rows=spreadsheet_rows(events, names),
            digest=set_digest(e.listed_hash for e in events),
        )


def _check_length(argument: str, text: str) -> None:
    if not text.strip():
        raise InvalidField(argument, "must not be empty")
    if len(text) > MAX_ARGUMENT_LENGTH:
        raise InvalidField(
            argument, f"is {len(text)} characters long; at most {MAX_ARGUMENT_LENGTH}"
        )


def _recompute(body: StoredEvent | None) -> str | None:
    if body is None or not body.body:
        return None
    context = _CONTEXT
    if body.hash_ignore:
        context = HashContext.from_context(EPCIS_CONTEXT, body.hash_ignore)
    try:
        return event_hash(body.body, context)
    except (TypeError, ValueError, KeyError, AttributeError):
        # JSON changed into something that no longer hashes is as altered as a changed value.
        return None


def _exported(
    record: EventRecord, stored: StoredEvent | None, units: Counter[LotKey]
) -> ExportedEvent:
    return ExportedEvent(
        id=record.id,
        stored_hash=stored.hash if stored is not None else record.hash,
        recomputed_hash=_recompute(stored),
        event_time=record.event_time,
        type=record.type,
        action=record.action,
        biz_step=record.biz_step,
        disposition=record.disposition,
        read_point=record.read_point,
        biz_location=record.biz_location,
        body=dict(stored.body) if stored is not None else {},
        hash_ignore=stored.hash_ignore if stored is not None else (),
        lots=tuple(
            LotQuantity(gtin, lot, name, n)
            for (gtin, lot, name), n in sorted(units.items(), key=lambda kv: str(kv[0]))
        ),
    )
