"""The regulator report of a code or a lot: the export's events, hashes and digest, with the
chain of custody and where the goods went, read once from the graph.

The events, hashes and digest are exactly those of the regulator export
(:class:`services.export.ProvenanceExporter`), so the report, the spreadsheet and the EPCIS
document of one subject carry one digest. Custody comes from the provenance of every unit
covered: a code's chain step by step; a lot's holders once each, with how many of its units
each held. :mod:`services.report_files` writes the report as HTML and PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from graph_model.database import Database
from graph_model.export import ProvenanceExport
from graph_model.provenance import Provenance
from graph_model.repositories.export import ExportRepository, PartyPlace
from services.export import ProvenanceExporter

__all__ = ["CustodyRow", "ProvenanceReport", "ReportService"]

# A lot of many units would bury the map in dots: enough scans to show where units surfaced.
_MAX_SCANS_DRAWN: Final = 2_000


@dataclass(frozen=True, slots=True)
class CustodyRow:
    """One holder of the subject: when it first received and last shipped, how many units of
    the subject it held, and the documents of the shipments in and out."""

    party_id: str
    name: str | None
    kind: str
    received_at: datetime | None
    shipped_at: datetime | None
    units: int
    inbound: str | None
    outbound: str | None
    in_transit: bool = False

    @property
    def label(self) -> str:
        return self.name or self.party_id


@dataclass(frozen=True, slots=True)
class ProvenanceReport:
    """Everything the regulator report shows of one subject."""

    export: ProvenanceExport
    product: str | None
    gtin: str | None
    lots: tuple[str, ...]
    units: int
    statuses: Mapping[str, int]
    custody: tuple[CustodyRow, ...]
    hops: tuple[tuple[str, str, int], ...]
    places: Mapping[str, PartyPlace]
    scans: tuple[tuple[float, float], ...]

    @property
    def title(self) -> str:
        subject = self.export.subject
        kind = "code" if subject.kind == "code" else "lot"
        return f"Provenance report · 溯源报告 — {kind} {subject.key}"

    def party_name(self, party_id: str | None) -> str:
        if not party_id:
            return ""
        place = self.places.get(party_id)
        return (place.name if place is not None else None) or party_id


class ReportService:
    """Builds :class:`ProvenanceReport` values."""

    def __init__(self, db: Database) -> None:
        self._exporter = ProvenanceExporter(db)
        self._stored = ExportRepository(db)

    def report(self, *, code: str | None = None, lot: str | None = None) -> ProvenanceReport:
        """The report of exactly one of ``code`` (any form of a unit's code) or ``lot``; bad
        or unknown arguments raise as :meth:`ProvenanceExporter.export` does."""
        export, traces = self._exporter.export_with_traces(code=code, lot=lot)
        custody = _custody(traces)
        hops = _hops(traces)
        ids = {row.party_id for row in custody} | set(export_party_ids(export))
        places = self._stored.party_places(sorted(ids))
        scans = self._scan_places(traces)
        statuses: dict[str, int] = {}
        for t in traces:
            statuses[t.status or "unknown"] = statuses.get(t.status or "unknown", 0) + 1
        first = traces[0] if traces else None
        return ProvenanceReport(
            export=export,
            product=first.product_name if first else None,
            gtin=first.gtin if first else None,
            lots=tuple(sorted({t.lot for t in traces if t.lot})),
            units=len(traces),
            statuses=dict(sorted(statuses.items())),
            custody=custody,
            hops=hops,
            places=places,
            scans=scans,
        )

    def _scan_places(self, traces: Sequence[Provenance]) -> tuple[tuple[float, float], ...]:
        """Where each scan was: its own coordinates, else the seat of its region."""
        scans = [s for t in traces for s in t.scans][:_MAX_SCANS_DRAWN]
        seats = self._stored.region_places(sorted({s.region for s in scans if s.region}))
        places: list[tuple[float, float]] = []
        for scan in scans:
            seat = seats.get(scan.region or "")
            if scan.lat is not None and scan.lon is not None:
                places.append((scan.lat, scan.lon))
            elif seat is not None and seat.lat is not None and seat.lon is not None:
                places.append((seat.lat, seat.lon))
        return tuple(places)


def export_party_ids(export: ProvenanceExport) -> set[str]:
    """Every party the export's events name (their names label the event list)."""
    return set().union(*(e.party_ids() for e in export.events)) if export.events else set()


def _custody(traces: Sequence[Provenance]) -> tuple[CustodyRow, ...]:
    rows: dict[str, CustodyRow] = {}
    order: dict[str, tuple[int, datetime | None]] = {}
    for trace in traces:
        for position, step in enumerate(trace.custody):
            party = step.party
            received = step.received_at or (trace.commissioned_at if position == 0 else None)
            inbound = step.inbound.refs[0] if step.inbound and step.inbound.refs else None
            outbound = step.outbound.refs[0] if step.outbound and step.outbound.refs else None
            if step.inbound and inbound is None:
                inbound = step.inbound.id
            if step.outbound and outbound is None:
                outbound = step.outbound.id
            known = rows.get(party.id)
            if known is None:
                rows[party.id] = CustodyRow(
                    party.id, party.name, party.kind, received, step.shipped_at, 1,
                    inbound, outbound, step.in_transit,
                )  # fmt: skip
                order[party.id] = (position, received)
                continue
            rows[party.id] = CustodyRow(
                party.id, known.name or party.name, known.kind,
                _earliest(known.received_at, received), _latest(known.shipped_at, step.shipped_at),
                known.units + 1,
                known.inbound if known.inbound == inbound else None,
                known.outbound if known.outbound == outbound else None,
                known.in_transit or step.in_transit,
            )  # fmt: skip
            depth, when = order[party.id]
            order[party.id] = (min(depth, position), _earliest(when, received))

    def key(party_id: str) -> tuple[int, str, str]:
        depth, when = order[party_id]
        return (depth, when.isoformat() if when else "", party_id)

    return tuple(rows[p] for p in sorted(rows, key=key))


def _hops(traces: Sequence[Provenance]) -> tuple[tuple[str, str, int], ...]:
    counts: dict[tuple[str, str], int] = {}
    for trace in traces:
        for before, after in zip(trace.custody, trace.custody[1:], strict=False):
            pair = (before.party.id, after.party.id)
            counts[pair] = counts.get(pair, 0) + 1
    return tuple((a, b, n) for (a, b), n in sorted(counts.items()))


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)
