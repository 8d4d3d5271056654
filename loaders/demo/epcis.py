"""Plain-dict EPCIS 2.0 JSON-LD pieces for the demo stream: ids, times, documents.

The simulation builds events as plain dicts (no validation, no copies): it makes hundreds of
thousands a second, and the capture endpoint validates them anyway.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Final

from graph_model.vocabulary import EPCIS_CONTEXT_URL as EPCIS_CONTEXT
from graph_model.vocabulary import SCAN_BIZ_STEP

__all__ = [
    "CONTEXT",
    "SCAN_BIZ_STEP",
    "TZ_OFFSET",
    "EventIds",
    "EventTimes",
    "documents",
]

YIMA_NAMESPACE: Final = "https://ns.yima.dev/epcis/"
CONTEXT: Final[list[str | dict[str, str]]] = [EPCIS_CONTEXT, {"yima": YIMA_NAMESPACE}]
TZ_OFFSET: Final = "+08:00"
_TZ_SECONDS: Final = 8 * 3600

Event = dict[str, Any]


class EventIds:
    """``urn:uuid:`` event ids (version 4 layout) drawn from a seeded generator, so that the
    same seed gives the same ids. Drawn in blocks: one call to the generator makes 4,096."""

    __slots__ = ("_block", "_rng")

    _BLOCK = 4096
    _VARIANT: Final = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"yima-demo-event-ids:{seed}")
        self._block: list[str] = []

    def __call__(self) -> str:
        if not self._block:
            h = self._rng.randbytes(16 * self._BLOCK).hex()
            v = self._VARIANT
            self._block = [
                f"urn:uuid:{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
                f"{v[h[i + 16]]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
                for i in range(32 * (self._BLOCK - 1), -1, -32)
            ]
        return self._block.pop()


class EventTimes:
    """``eventTime`` text in China Standard Time for epoch seconds, remembering the last one
    (events come in bursts that share a time)."""

    __slots__ = ("_last", "_text")

    def __init__(self) -> None:
        self._last = -1
        self._text = ""

    def __call__(self, t: int) -> str:
        if t != self._last:
            self._last = t
            self._text = (
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t + _TZ_SECONDS)) + ".000+08:00"
            )
        return self._text


def documents(events: Iterable[Event], per_document: int) -> Iterator[dict[str, Any]]:
    """Pack ``events`` (already in time order) into EPCIS documents of ``per_document`` events
    each (the last one may hold fewer); ``creationDate`` is the time of a document's last event.
    """
    if per_document < 1:
        raise ValueError(f"per_document must be at least 1, got {per_document}")
    stream = iter(events)
    while batch := list(islice(stream, per_document)):
        yield _document(batch)


def _document(events: list[Event]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT, {"yima": YIMA_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": events[-1]["eventTime"],
        "epcisBody": {"eventList": events},
    }
