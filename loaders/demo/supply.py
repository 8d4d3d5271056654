"""A demo world for supply analytics: the demo's parties moved under a company prefix of the
world's own, so one graph can hold several such worlds and a channel (the parties linked by
supply contracts to its national distributor) is exactly one world; and lots given an ILMD
expiry (GS1 ``cbvmda:itemExpirationDate``), so freshness has shelf lives to read.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from loaders.demo.catalog import COMPANY_PREFIX
from loaders.demo.world import World

__all__ = ["SHELF_DAYS", "own_json", "own_parties", "with_expiry"]

SHELF_DAYS: Final = (20, 40)
"""Shelf lives the lots take in turn, in days."""
_SGLN: Final = re.compile(r"urn:epc:id:sgln:" + COMPANY_PREFIX + r"\.(\d{5})\.(\d+)\b")
T = TypeVar("T")


def _moved(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return _SGLN.sub(rf"urn:epc:id:sgln:{prefix}.\1.\2", value)
    if isinstance(value, tuple):
        return tuple(_moved(v, prefix) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return dataclasses.replace(value, **{f.name: _moved(getattr(value, f.name), prefix)
                                             for f in fields})  # fmt: skip
    return value


def own_parties(world: World, prefix: str) -> World:
    """``world`` with every party's SGLN under the 7-digit company ``prefix``.

    >>> from loaders.demo import build_world
    >>> own_parties(build_world(200, 1), "9123456").national.id
    'urn:epc:id:sgln:9123456.00100.0'
    """
    if not (len(prefix) == 7 and prefix.isdigit()) or prefix == COMPANY_PREFIX:
        raise ValueError(f"prefix must be 7 digits other than the demo's, got {prefix!r}")
    moved: World = _moved(world, prefix)
    return moved


def own_json(value: T, prefix: str) -> T:
    """A JSON value (an EPCIS document, a ground truth) with the demo parties' SGLNs under
    ``prefix``, as :func:`own_parties` moves the world's."""
    moved: T = json.loads(_moved(json.dumps(value), prefix))
    return moved


def with_expiry(
    documents: Iterator[dict[str, Any]], prefix: str, shelf_days: tuple[int, ...] = SHELF_DAYS
) -> Iterator[dict[str, Any]]:
    """The documents with their parties under ``prefix`` and each commissioning event's ILMD
    stating an expiry, the lots taking ``shelf_days`` in turn."""
    lots = 0
    for document in documents:
        doc = own_json(document, prefix)
        for event in doc["epcisBody"]["eventList"]:
            if event.get("bizStep") == "commissioning" and "ilmd" in event:
                made = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
                days = shelf_days[lots % len(shelf_days)]
                lots += 1
                event["ilmd"]["cbvmda:itemExpirationDate"] = (
                    (made + timedelta(days=days)).date().isoformat()
                )
        yield doc
