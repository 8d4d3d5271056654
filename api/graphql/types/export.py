"""A regulator export of a code or a lot: its digest, its altered events, its files."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from api.graphql.scalars import JSON
from api.graphql.types.export_links import ExportLinks
from graph_model.export import DIGEST_METHOD
from graph_model.export import ProvenanceExport as ProvenanceExportRecord

__all__ = ["ProvenanceExport"]


@strawberry.type(
    description="The FSMA 204-style records of a code or a lot: a sortable spreadsheet of "
    "tracking events and the EPCIS document of every underlying event, with a digest over "
    "their hashes."
)
class ProvenanceExport:
    subject_kind: str = strawberry.field(description="`code` or `lot`.")
    subject: str = strawberry.field(description="Canonical EPC of the code, or `GTIN|LOT`.")
    generated_at: datetime
    event_count: int
    row_count: int = strawberry.field(description="Rows of the sortable spreadsheet.")
    digest: str = strawberry.field(description="`ni:///sha-256;…` over the events' hashes.")
    digest_method: str = strawberry.field(description="How to recompute `digest`.")
    altered: list[str] = strawberry.field(
        description="Ids of events whose stored JSON no longer matches the hash stored at "
        "capture: changed in the database since."
    )
    links: ExportLinks
    document: JSON = strawberry.field(description="The EPCIS 2.0 JSON-LD document, inline.")

    @classmethod
    def from_domain(cls, export: ProvenanceExportRecord) -> ProvenanceExport:
        return cls(
            subject_kind=export.subject.kind,
            subject=export.subject.key,
            generated_at=export.generated_at,
            event_count=len(export.events),
            row_count=len(export.rows),
            digest=export.digest,
            digest_method=DIGEST_METHOD,
            altered=list(export.altered),
            links=ExportLinks.for_subject(export.subject),
            document=cast(JSON, export.document()),
        )
