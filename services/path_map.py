"""The map of one unit's diversion path: the parties that held it in order, the hop where it
left the authorized channel, and where it was scanned, over province and city boundaries.

The path is :meth:`services.diversion.DiversionService.path`'s; parties are placed at their
coordinates (else their region's seat) and scans at their region's seat.
"""

from __future__ import annotations

import itertools

from matplotlib.figure import Figure

from algorithms.custody_map import Hop, Stop, draw_custody_map
from algorithms.diversion.path import StepKind
from graph_model.database import Database
from graph_model.repositories.export import ExportRepository
from services.diversion import DiversionService

__all__ = ["draw_diversion_path"]


def draw_diversion_path(db: Database, code: str) -> Figure | None:
    """The path's map, or None when the graph does not know ``code`` or nothing on the path
    has a place. Parties inside the channel are coloured by kind, those outside it red."""
    found = DiversionService(db).path(code)
    if found is None:
        return None
    path, names = found.path, found.names
    moves = [s for s in path.steps if s.step.kind is not StepKind.SCAN]
    scans = [s for s in path.steps if s.step.kind is StepKind.SCAN]
    places = ExportRepository(db)
    parties = places.party_places(sorted({s.step.party_id for s in moves}))
    seats = places.region_places(
        sorted({s.step.region_code for s in path.steps if s.step.region_code})
    )
    stops: list[Stop] = []
    index: list[int | None] = []
    for move in moves:
        place = parties.get(move.step.party_id) or seats.get(move.step.region_code or "")
        if place is None or place.lat is None or place.lon is None:
            index.append(None)
            continue
        kind = "plant" if move.step.kind is StepKind.MADE else "party"
        name = names.get(move.step.party_id) or place.name or move.step.party_id
        index.append(len(stops))
        stops.append(Stop(name, place.lat, place.lon, kind if move.in_channel else "leak"))
    hops = [Hop(a, b) for a, b in itertools.pairwise(index) if a is not None and b is not None]
    points = [seats.get(s.step.region_code or "") for s in scans]
    scanned = [
        (p.lat, p.lon) for p in points if p is not None and p.lat is not None and p.lon is not None
    ]
    if not stops and not scanned:
        return None
    leak = " · leaked" if path.leak is not None else ""
    return draw_custody_map(stops, hops, scanned, title=f"{code}{leak} · 窜货路径")
