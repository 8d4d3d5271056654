"""Turn captured EPCIS events into the rows that the graph repositories write.

Pure: no database here. ``project(events)`` returns a :class:`Projection`, a handful of row
lists, each written by one ``UNWIND`` statement in :mod:`graph_model.repositories.events`.
The statements are written so that the order in which rows of one batch (or of different
batches) arrive does not change the result: containment and status are decided by event
time, not by arrival, which is what lets ``yima rebuild`` replay the event log into an equal
graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph_model.errors import InvalidIdentifier
from graph_model.events import EpcisEvent, PartyRef
from graph_model.identifiers.epc import parse_epc
from graph_model.identifiers.gs1 import gtin_of_epc_parts
from graph_model.vocabulary import SCAN_BIZ_STEP, YIMA_NS

__all__ = [
    "EpcKind",
    "Projection",
    "Side",
    "classify_epc",
    "located_parties",
    "project",
    "side_of",
    "wire_time",
]


Row = dict[str, Any]

UNIT_PREFIXES = ("urn:epc:id:sgtin:", "urn:yima:code:", "urn:yima:drug:")
PACKAGE_PREFIXES = ("urn:epc:id:sscc:",)

# CBV dispositions that change what a unit *is*; others (in_transit, in_progress, ...) only say
# where it is in a process and leave the status alone.
STATUS_OF_DISPOSITION: Mapping[str, str] = {
    "active": "active",
    "retail_sold": "sold",
    "sold": "sold",
    "dispensed": "sold",
    "consumed": "consumed",
    "inactive": "inactive",
    "decommissioned": "decommissioned",
    "destroyed": "destroyed",
    "disposed": "destroyed",
    "recalled": "recalled",
    "stolen": "stolen",
    "expired": "expired",
    "damaged": "damaged",
    "non_sellable_other": "non_sellable",
}

LOT_KEYS = (
    "cbvmda:lotNumber",
    "lotNumber",
    "https://ref.gs1.org/cbv/cbvmda#lotNumber",
    "urn:epcglobal:cbv:mda#lotNumber",
)


class EpcKind:
    UNIT = "Code"
    PACKAGE = "Package"


def _digital_link_to_epc(uri: str) -> tuple[str, str] | None:
    try:
        parsed = parse_epc(uri)
    except InvalidIdentifier:
        return None
    if parsed.kind in ("sgtin", "brand", "drug"):
        return EpcKind.UNIT, parsed.uri
    if parsed.kind == "sscc":
        return EpcKind.PACKAGE, parsed.uri
    return None


def classify_epc(
    epc: str, resolve: Callable[[str], tuple[str, str] | None] = _digital_link_to_epc
) -> tuple[str, str] | None:
    """``(label, canonical id)`` of the node an EPC projects to, or None when it has none.

    Units (SGTIN, yima brand and drug codes) become ``:Code``, logistic units (SSCC)
    ``:Package``. GS1 Digital Link URIs are converted to their EPC URN so that one unit has one
    node whatever form an event used.
    """
    if epc.startswith(UNIT_PREFIXES):
        return EpcKind.UNIT, epc
    if epc.startswith(PACKAGE_PREFIXES):
        return EpcKind.PACKAGE, epc
    if epc.startswith(("http://", "https://")):
        return resolve(epc)
    return None


def gtin_of_sgtin(epc: str) -> str | None:
    """GTIN-14 of an SGTIN EPC URN (``urn:epc:id:sgtin:CP.IR.SERIAL``)."""
    if not epc.startswith("urn:epc:id:sgtin:"):
        return None
    parts = epc[17:].split(".", 2)
    if len(parts) != 3 or not parts[1]:
        return None
    try:
        return gtin_of_epc_parts(parts[0], parts[1])
    except InvalidIdentifier:
        return None


def serial_of(epc: str) -> str:
    if epc.startswith("urn:epc:id:sgtin:"):
        return epc.rsplit(".", 1)[-1]
    return epc.rsplit(":", 1)[-1]


def lot_of(ilmd: Mapping[str, object]) -> str | None:
    for key in LOT_KEYS:
        value = ilmd.get(key)
        if value is not None:
            return str(value)
    return None


@dataclass(slots=True)
class Projection:
    """Rows for the graph, grouped by the statement that writes them."""

    events: list[Row] = field(default_factory=list)
    commissions: list[Row] = field(default_factory=list)
    concerns: dict[str, list[Row]] = field(
        default_factory=lambda: {EpcKind.UNIT: [], EpcKind.PACKAGE: []}
    )
    packs: dict[str, list[Row]] = field(
        default_factory=lambda: {EpcKind.UNIT: [], EpcKind.PACKAGE: []}
    )
    unpacks: dict[str, list[Row]] = field(
        default_factory=lambda: {EpcKind.UNIT: [], EpcKind.PACKAGE: []}
    )
    shipments: list[Row] = field(default_factory=list)
    receipts: list[Row] = field(default_factory=list)
    locations: list[Row] = field(default_factory=list)
    transformations: list[Row] = field(default_factory=list)
    associations: list[Row] = field(default_factory=list)
    scans: list[Row] = field(default_factory=list)
    fulfilments: list[Row] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(len(r["ids"]) for r in self.commissions)


def wire_time(t: datetime) -> str:
    """``t`` as the projection statements take it: ISO 8601 text, read back with ``datetime()``.

    The driver turns a Python datetime into its Bolt form in pure Python, at about 44 us each
    (1.4 per unit on a bulk capture, in the thread that waits for the database); text costs
    about 1 us here and about as much in the database.

    >>> from datetime import UTC
    >>> wire_time(datetime(2025, 3, 3, 8, 30, 0, 250000, tzinfo=UTC))
    '2025-03-03T08:30:00.250000+00:00'
    """
    if t.tzinfo is None:
        raise ValueError(f"event time {t.isoformat()} has no offset")
    return t.isoformat()


def _event_row(e: EpcisEvent, raw_json: str) -> Row:
    return {
        "id": e.event_id,
        "hash": e.hash,
        "type": e.type,
        "action": e.action,
        "eventTime": wire_time(e.event_time),
        "tz": e.event_time_zone_offset,
        "bizStep": e.biz_step,
        "disposition": e.disposition,
        "readPoint": e.read_point,
        "bizLocation": e.biz_location,
        "parentID": e.parent_id,
        "json": raw_json,
        "hashIgnore": list(e.hash_ignore) or None,
    }


def _split(epcs: Iterable[str]) -> tuple[list[str], list[str]]:
    units: list[str] = []
    packages: list[str] = []
    for epc in epcs:
        kind = classify_epc(epc)
        if kind is None:
            continue
        (units if kind[0] == EpcKind.UNIT else packages).append(kind[1])
    return units, packages


# How surely a name on one side of a transfer names who holds the goods: the party in
# possession, else the owner, else a location (then the event's own bizLocation). The best
# name of the shipping and the receiving event of one movement becomes the shipment's party.
SIDE_RANK: Mapping[str, int] = {"possessing_party": 0, "owning_party": 1, "location": 2}
BIZ_LOCATION_RANK = 3
# Business transactions that name one consignment, so both ends of a movement can quote it.
CONSIGNMENT_TYPES = ("desadv", "bol")


@dataclass(frozen=True, slots=True)
class Side:
    """One end of a transfer as an event names it."""

    holder: str | None  # the best name of who holds the goods there
    rank: int  # SIDE_RANK of ``holder`` (lower is surer)
    owner: str | None  # the owning party, when another party possesses the goods
    names: tuple[str, ...]  # every identifier the event gives this end, sorted


def side_of(refs: Sequence[PartyRef], biz_location: str | None = None) -> Side:
    """The end of a transfer that ``refs`` (a sourceList or destinationList) name.

    ``biz_location`` is the event's own location when it happens at this end (the shipping
    event's source, the receiving event's destination); it names the end when nothing else
    does.

    >>> from graph_model.events import PartyRef as R
    >>> side = side_of([R("owning_party", "pgln:1"), R("location", "sgln:1.1")], "sgln:1.2")
    >>> side.holder, side.rank, side.owner, side.names
    ('pgln:1', 1, None, ('pgln:1', 'sgln:1.1', 'sgln:1.2'))
    >>> side_of([R("owning_party", "B"), R("possessing_party", "T")]).owner
    'B'
    """
    best: tuple[int, str] | None = None
    owner: str | None = None
    names = {ref.id for ref in refs}
    for ref in refs:
        rank = SIDE_RANK.get(ref.type, BIZ_LOCATION_RANK)
        if best is None or rank < best[0]:
            best = (rank, ref.id)
        if ref.type == "owning_party":
            owner = ref.id
    if biz_location is not None:
        names.add(biz_location)
        if best is None:
            best = (BIZ_LOCATION_RANK + 1, biz_location)
    if best is None:
        return Side(None, BIZ_LOCATION_RANK + 2, None, ())
    return Side(best[1], best[0], owner if owner != best[1] else None, tuple(sorted(names)))


def located_parties(side: Side, refs: Sequence[PartyRef], biz_location: str | None) -> list[Row]:
    """``Location OF party`` facts an end of a transfer states: the locations it names (and the
    event's bizLocation when the event happens there) belong to the party holding the goods."""
    party = side.holder if side.rank < SIDE_RANK["location"] else None
    if party is None:
        return []
    places = {ref.id for ref in refs if ref.type == "location"}
    if biz_location is not None:
        places.add(biz_location)
    return [{"location": place, "party": party} for place in sorted(places) if place != party]


def _consignment(e: EpcisEvent) -> str | None:
    for kind in CONSIGNMENT_TYPES:
        for bt in e.biz_transactions:
            if bt.type == kind:
                return str(bt.id)
    return None


def project(events: Iterable[tuple[EpcisEvent, str]]) -> Projection:
    """Rows for ``events``, each given with its raw JSON text (kept on the ``:Event`` node)."""
    out = Projection()
    for event, raw_json in events:
        out.events.append(_event_row(event, raw_json))
        _project_one(event, out)
    return out


def _project_one(e: EpcisEvent, out: Projection) -> None:
    t = wire_time(e.event_time)
    status = STATUS_OF_DISPOSITION.get(e.disposition or "")
    # The EPCs the event lists, classified once; the parent is concerned too.
    listed_units, listed_packages = _split(e.epcs)
    parent = classify_epc(e.parent_id) if e.parent_id is not None else None
    units, packages = list(listed_units), list(listed_packages)
    if parent is not None:
        (units if parent[0] == EpcKind.UNIT else packages).append(parent[1])

    if e.type == "TransformationEvent":
        # Outputs come into being here (a blend, a repack, a new label): the transformation
        # commissions them where it happened. Inputs keep their status.
        inputs, _ = _split(e.input_epcs)
        outputs, _ = _split(e.output_epcs)
        _project_transformation(e, t, out)
        for label, ids in ((EpcKind.UNIT, inputs), (EpcKind.PACKAGE, packages)):
            if ids:
                out.concerns[label].append(
                    {"event": e.event_id, "t": t, "ids": ids, "status": None}
                )
        _commission(e, t, outputs, status, out)
        units, packages = [], []
    elif e.biz_step == "commissioning" and e.action == "ADD" and units:
        _commission(e, t, units, status, out)
        units = []  # the commissioning statement links these itself

    if e.type == "AssociationEvent" and e.action in ("ADD", "DELETE") and e.parent_id:
        out.associations.append(
            {
                "event": e.event_id,
                "t": t,
                "asset": e.parent_id,
                "add": e.action == "ADD",
                "units": listed_units,
                "packages": listed_packages,
            }
        )

    if e.biz_step == SCAN_BIZ_STEP and status is None:
        units = []  # the scan statement links the scanned units to the event itself
    for label, ids in ((EpcKind.UNIT, units), (EpcKind.PACKAGE, packages)):
        if ids:
            out.concerns[label].append({"event": e.event_id, "t": t, "ids": ids, "status": status})

    aggregation = e.type == "AggregationEvent" and e.action in ("ADD", "DELETE")
    if aggregation and parent is not None and parent[0] == EpcKind.PACKAGE:
        target = out.packs if e.action == "ADD" else out.unpacks
        for label, ids in ((EpcKind.UNIT, listed_units), (EpcKind.PACKAGE, listed_packages)):
            if ids or e.action == "DELETE":
                target[label].append(
                    {"event": e.event_id, "t": t, "parent": parent[1], "children": ids}
                )

    if e.biz_step in ("shipping", "receiving") and (e.sources or e.destinations):
        _project_transfer(e, t, listed_units, listed_packages, out)
        # A shipment fulfilling store orders names each as a ``po`` business transaction.
        orders = [str(bt.id) for bt in e.biz_transactions if bt.type == "po"]
        if orders and e.biz_step == "shipping":
            out.fulfilments.append({"shipment": out.shipments[-1]["id"], "orders": orders})

    if e.biz_step == SCAN_BIZ_STEP:
        ext = e.raw
        client_id = _ext(ext, "clientScanId")
        for unit in listed_units:
            out.scans.append(
                {
                    "id": f"{e.event_id}|{unit}" if len(e.epcs) > 1 else e.event_id,
                    "event": e.event_id,
                    "code": unit,
                    "t": t,
                    "kind": _ext(ext, "scanKind") or "consumer",
                    "actor": _ext(ext, "actor"),
                    "device": _ext(ext, "device"),
                    "address": _ext(ext, "clientAddress"),
                    "clientScanId": client_id,
                    "lat": _float(_ext(ext, "lat")),
                    "lon": _float(_ext(ext, "lon")),
                    "region": _ext(ext, "region"),
                }
            )


def _commission(
    e: EpcisEvent, t: str, units: Sequence[str], status: str | None, out: Projection
) -> None:
    lot = lot_of(e.ilmd)
    by_gtin: dict[str | None, list[str]] = {}
    for unit in units:
        by_gtin.setdefault(gtin_of_sgtin(unit), []).append(unit)
    for gtin, ids in by_gtin.items():
        out.commissions.append(
            {
                "event": e.event_id,
                "t": t,
                "ids": ids,
                "serials": [serial_of(i) for i in ids],
                "gtin": gtin,
                "batch": f"{gtin}|{lot}" if gtin and lot else None,
                "lot": lot,
                "plant": e.biz_location,
                "line": e.read_point,
                "status": status or "active",
            }
        )


def batch_of_class(epc_class: str) -> Row | None:
    """``{id, gtin, lot}`` of the batch a quantity's class names (an LGTIN, as URN or Digital
    Link), else None (a product class without a lot names no batch)."""
    try:
        parsed = parse_epc(epc_class)
    except InvalidIdentifier:
        return None
    if parsed.kind != "lgtin" or parsed.gtin is None or parsed.lot is None:
        return None
    return {"id": f"{parsed.gtin}|{parsed.lot}", "gtin": parsed.gtin, "lot": parsed.lot}


def _classes(raw: Mapping[str, Any], key: str) -> list[Row]:
    found: dict[str, Row] = {}
    for element in raw.get(key) or ():
        if isinstance(element, Mapping) and isinstance(element.get("epcClass"), str):
            batch = batch_of_class(element["epcClass"])
            if batch is not None:
                found.setdefault(batch["id"], batch)
    return list(found.values())


def _project_transformation(e: EpcisEvent, t: str, out: Projection) -> None:
    """A TransformationEvent: ``(:Event)-[:INPUT]->(input)`` and ``-[:OUTPUT]->(output)`` for
    every instance (unit or logistic unit) and every lot (an LGTIN quantity) on each side.
    Outputs named by instance without a lot class of their own take the lot of the event's
    ILMD, so a lot-level input reaches them too."""
    input_units, input_packages = _split(e.input_epcs)
    output_units, output_packages = _split(e.output_epcs)
    input_batches = _classes(e.raw, "inputQuantityList")
    output_batches = _classes(e.raw, "outputQuantityList")
    lot = lot_of(e.ilmd)
    for unit in output_units:
        gtin = gtin_of_sgtin(unit)
        if gtin and lot and all(b["id"] != f"{gtin}|{lot}" for b in output_batches):
            output_batches.append({"id": f"{gtin}|{lot}", "gtin": gtin, "lot": lot})
    if not (input_units or input_packages or input_batches) or not (
        output_units or output_packages or output_batches
    ):
        return
    out.transformations.append(
        {
            "event": e.event_id,
            "t": t,
            "inputUnits": input_units,
            "inputPackages": input_packages,
            "inputBatches": input_batches,
            "outputUnits": output_units,
            "outputPackages": output_packages,
            "outputBatches": output_batches,
        }
    )


def _project_transfer(
    e: EpcisEvent, t: str, units: list[str], packages: list[str], out: Projection
) -> None:
    """A shipping or receiving event: one end of a movement.

    The shipping event makes the ``:Shipment`` (keyed by its despatch advice, else by itself);
    a receiving event quoting a despatch advice meets it on that key. A receiving event quoting
    none becomes a ``:Receipt``, which the write pairs with the shipment it ends (same goods,
    same ends, the latest shipped before it): the pairing is decided from what is stored, so
    the order in which the two events arrive does not matter.
    """
    shipping = e.biz_step == "shipping"
    source = side_of(e.sources, e.biz_location if shipping else None)
    destination = side_of(e.destinations, None if shipping else e.biz_location)
    consignment = _consignment(e)
    row: Row = {
        "id": consignment or e.event_id,
        "event": e.event_id,
        "t": t,
        "shipping": shipping,
        "consignment": consignment,
        "from": source.holder,
        "fromRank": source.rank * 2 + (0 if shipping else 1),
        "fromOwner": source.owner,
        "fromNames": list(source.names),
        "to": destination.holder,
        "toRank": destination.rank * 2 + (0 if shipping else 1),
        "toOwner": destination.owner,
        "toNames": list(destination.names),
        "units": units,
        "packages": packages,
        "refs": [f"{bt.type or 'ref'}:{bt.id}" for bt in e.biz_transactions],
    }
    (out.shipments if shipping or consignment else out.receipts).append(row)
    for side, refs, here in (
        (source, e.sources, e.biz_location if shipping else None),
        (destination, e.destinations, None if shipping else e.biz_location),
    ):
        for fact in located_parties(side, refs, here):
            out.locations.append({**fact, "event": e.event_id})


def _ext(raw: Mapping[str, Any], name: str) -> Any:
    value = raw.get("yima:" + name)
    return value if value is not None else raw.get(YIMA_NS + name)


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
