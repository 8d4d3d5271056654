"""The vocabularies yima speaks, each declared once: EPCIS contexts, yima's own namespace and
bizStep, the kinds of scan.

Adapters derive their enums from these (GraphQL enums, CLI choices), so a new value is added
here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "EPCIS_CONTEXT",
    "EPCIS_CONTEXT_URL",
    "SCAN_BIZ_STEP",
    "YIMA_CONTEXT",
    "YIMA_NS",
    "ScanKind",
]

#: The EPCIS 2.0 JSON-LD context every document yima writes names.
EPCIS_CONTEXT_URL: Final = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
#: yima's namespace for extension fields (``yima:scanKind``, ``yima:actor``, ...).
YIMA_NS: Final = "https://ns.yima.dev/epcis/"
#: The bizStep of a scan by a consumer, a store or an inspector.
SCAN_BIZ_STEP: Final = "https://ns.yima.dev/bizstep/scan"
#: ``@context`` of a document with standard fields only.
EPCIS_CONTEXT: Final[tuple[str]] = (EPCIS_CONTEXT_URL,)
#: ``@context`` of a document that uses yima's extension fields.
YIMA_CONTEXT: Final[tuple[str, dict[str, str]]] = (EPCIS_CONTEXT_URL, {"yima": YIMA_NS})


class ScanKind(StrEnum):
    """Who scanned a unit."""

    CONSUMER = "consumer"
    STORE = "store"
    INSPECTOR = "inspector"
    STAFF = "staff"  # a store's waiter or manager; the actor is their staff id
