"""Provenance, recall and verification: the answers yima gives about one unit or one lot.

Everything here is plain data built from database records by ``from_record`` mappers, plus the
pure rules that turn those facts into what a user asks for: the container chain at a moment,
the custody chain (who held the unit, from when to when) and a lot's per-holder counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_model.errors import InvalidIdentifier
from graph_model.identifiers.epc import parse_epc
from graph_model.identifiers.gs1 import normalize_gtin, validate_serial

__all__ = [
    "AssetLink",
    "ContainerLink",
    "ContainerPath",
    "CustodyStep",
    "EventRecord",
    "LotHolder",
    "LotOutput",
    "LotRef",
    "LotSummary",
    "LotUnit",
    "PartyRef",
    "Provenance",
    "ScanFacts",
    "ScanRecord",
    "ShipmentLeg",
    "TransformationInput",
    "VerifyFacts",
    "container_history",
    "containers_at",
    "custody_chain",
    "native_time",
    "organisation_of",
    "parse_lot_reference",
]

Record = Mapping[str, Any]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def native_time(value: Any) -> datetime | None:
    """A Python ``datetime`` from a driver value: ``neo4j.time.DateTime``, ``datetime``, or
    microseconds since the epoch as a read returns them where many times travel at once.

    >>> native_time(1_700_000_000_000_001).isoformat()
    '2023-11-14T22:13:20.000001+00:00'
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    to_native = getattr(value, "to_native", None)
    if to_native is None:
        raise TypeError(f"time value {value!r} is neither a datetime nor a neo4j DateTime")
    result = to_native()
    if not isinstance(result, datetime):
        raise TypeError(f"time value {value!r} is not a date-time")
    return result


def _time(value: Any) -> datetime:
    result = native_time(value)
    if result is None:
        raise ValueError("a required time value is missing")
    return result


def _kind_of(labels: Iterable[str]) -> str:
    names = set(labels)
    for kind in ("Plant", "Distributor", "Store", "Consumer"):
        if kind in names:
            return kind.lower()
    return "party"


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A party that held, shipped or received something: plant, distributor or store.

    ``id`` is the organisation (a PGLN or GLN, or the SGLN of a party known only by its
    location); ``location`` is the SGLN the event named when it stands for that organisation.
    """

    id: str
    name: str | None
    kind: str
    tier: int | None = None
    location: str | None = None

    @classmethod
    def from_record(cls, record: Record) -> PartyRef:
        tier = record.get("tier")
        return cls(
            id=str(record["id"]),
            name=record.get("name"),
            kind=_kind_of(record.get("labels") or ()),
            tier=None if tier is None else int(tier),
            location=record.get("location"),
        )


Organisations = Mapping[str, PartyRef]
"""Location id -> the organisation it belongs to."""


def organisation_of(party: PartyRef | None, organisations: Organisations) -> PartyRef | None:
    """``party`` read as the organisation holding the goods: a location that belongs to an
    organisation stands for it (keeping the location), so one custodian named by its SGLN in
    one event and its PGLN in the next is one.

    >>> site = PartyRef("urn:epc:id:sgln:1.1.0", "Plant 1", "plant")
    >>> org = PartyRef("urn:epc:id:pgln:1.1", None, "party")
    >>> read = organisation_of(site, {site.id: org})
    >>> read.id, read.name, read.kind, read.location
    ('urn:epc:id:pgln:1.1', 'Plant 1', 'plant', 'urn:epc:id:sgln:1.1.0')
    """
    if party is None:
        return None
    org = organisations.get(party.id)
    if org is None:
        return party
    return PartyRef(
        id=org.id,
        name=org.name or party.name,
        kind=org.kind if org.kind != "party" else party.kind,
        tier=org.tier if org.tier is not None else party.tier,
        location=party.id,
    )


@dataclass(frozen=True, slots=True)
class ShipmentLeg:
    """One shipment that carried the unit, directly or inside ``via`` (a case or pallet)."""

    id: str
    source: PartyRef | None
    destination: PartyRef | None
    shipped_at: datetime | None
    received_at: datetime | None
    refs: tuple[str, ...]
    ship_event: str | None
    receive_event: str | None
    via: str | None
    source_owner: PartyRef | None = None
    destination_owner: PartyRef | None = None

    @property
    def time(self) -> datetime:
        """When the unit left (else arrived): the moment its container membership is read at."""
        when = self.shipped_at or self.received_at
        if when is None:
            raise ValueError(f"shipment {self.id}: neither shippedAt nor receivedAt is set")
        return when

    @classmethod
    def from_record(cls, record: Record, organisations: Organisations | None = None) -> ShipmentLeg:
        orgs = organisations or {}
        source = record.get("from")
        destination = record.get("to")
        via = record.get("via")
        source_owner = record.get("fromOwner")
        destination_owner = record.get("toOwner")
        return cls(
            id=str(record["id"]),
            source=organisation_of(PartyRef.from_record(source) if source else None, orgs),
            destination=organisation_of(
                PartyRef.from_record(destination) if destination else None, orgs
            ),
            shipped_at=native_time(record.get("shippedAt")),
            received_at=native_time(record.get("receivedAt")),
            refs=tuple(record.get("refs") or ()),
            ship_event=record.get("shipEvent"),
            receive_event=record.get("receiveEvent"),
            via=None if via == record.get("code") else via,
            source_owner=organisation_of(
                PartyRef.from_record(source_owner) if source_owner else None, orgs
            ),
            destination_owner=organisation_of(
                PartyRef.from_record(destination_owner) if destination_owner else None, orgs
            ),
        )


@dataclass(frozen=True, slots=True)
class CustodyStep:
    """One holder in the custody chain and the shipments that brought and took the unit.

    ``owner`` is set when the holder possesses goods another party owns (a 3PL's warehouse);
    ``in_transit`` when the shipment to the holder left and has not been received.
    """

    party: PartyRef
    received_at: datetime | None
    shipped_at: datetime | None
    inbound: ShipmentLeg | None
    outbound: ShipmentLeg | None
    owner: PartyRef | None = None

    @property
    def in_transit(self) -> bool:
        return (
            self.inbound is not None
            and self.inbound.shipped_at is not None
            and self.received_at is None
        )


@dataclass(frozen=True, slots=True)
class ContainerLink:
    """The unit (or its container) was in ``package`` from ``since`` until ``until``."""

    package: str
    level: int
    since: datetime
    until: datetime | None

    def holds_at(self, at: datetime) -> bool:
        return self.since <= at and (self.until is None or self.until > at)


@dataclass(frozen=True, slots=True)
class ContainerPath:
    """A chain of containers out from the unit, each link with its own interval."""

    links: tuple[ContainerLink, ...]

    @classmethod
    def from_record(cls, record: Record) -> ContainerPath:
        ids: Sequence[str] = record["ids"]
        spans: Sequence[Sequence[Any]] = record["spans"]
        return cls(
            tuple(
                ContainerLink(package, level, _time(span[0]), native_time(span[1]))
                for level, (package, span) in enumerate(zip(ids, spans, strict=True), start=1)
            )
        )

    def holds_at(self, at: datetime) -> bool:
        return all(link.holds_at(at) for link in self.links)


def containers_at(paths: Iterable[ContainerPath], at: datetime) -> tuple[ContainerLink, ...]:
    """The container chain (case, then pallet, ...) that held the unit at ``at``.

    >>> from datetime import datetime, UTC
    >>> t = lambda h: datetime(2026, 1, 1, h, tzinfo=UTC)
    >>> case = ContainerLink("case", 1, t(2), t(7))
    >>> paths = [ContainerPath((case,)), ContainerPath((case, ContainerLink("pal", 2, t(4), None)))]
    >>> [c.package for c in containers_at(paths, t(5))]
    ['case', 'pal']
    >>> containers_at(paths, t(8))
    ()
    """
    best: tuple[ContainerLink, ...] = ()
    for path in paths:
        if path.holds_at(at) and len(path.links) > len(best):
            best = path.links
    return best


def container_history(paths: Iterable[ContainerPath]) -> tuple[ContainerLink, ...]:
    """Every membership link on any path, once each, in the order they began."""
    seen: dict[tuple[str, int, datetime], ContainerLink] = {}
    for path in paths:
        for link in path.links:
            seen.setdefault((link.package, link.level, link.since), link)
    return tuple(sorted(seen.values(), key=lambda link: (link.since, link.level)))


def custody_chain(
    plant: PartyRef | None, commissioned_at: datetime | None, legs: Sequence[ShipmentLeg]
) -> tuple[CustodyStep, ...]:
    """Who held the unit, in order: the plant from commissioning, then each consignee.

    One step per stay with a custodian: a shipment closes its sender's step and opens its
    receiver's. A consignee that has not received yet (in transit) is the last, open step, with
    ``received_at`` unset. A movement between two locations of one organisation is no change of
    custody. A shipment from a party the chain does not know (a gap in the event log) starts
    that party's step at the shipment, so the gap is visible rather than papered over; a
    receipt without a recorded shipment closes the step of the party it names as the source.

    >>> from datetime import datetime, UTC
    >>> t = lambda h: datetime(2026, 1, 1, h, tzinfo=UTC)
    >>> a, b = PartyRef("A", None, "plant"), PartyRef("B", None, "distributor")
    >>> leg = ShipmentLeg("s1", a, b, t(2), None, (), "e1", None, None)
    >>> [(s.party.id, s.in_transit) for s in custody_chain(a, t(1), [leg])]
    [('A', False), ('B', True)]
    """
    steps: list[dict[str, Any]] = []
    if plant is not None:
        steps.append(
            {"party": plant, "received_at": commissioned_at, "inbound": None, "outbound": None,
             "owner": None}
        )  # fmt: skip
    for leg in sorted(legs, key=lambda leg: (leg.time, leg.id)):
        source, destination = leg.source, leg.destination
        if source is not None and destination is not None and source.id == destination.id:
            continue
        if source is not None and (not steps or steps[-1]["party"].id != source.id):
            steps.append(
                {"party": source, "received_at": None, "inbound": None, "outbound": None,
                 "owner": leg.source_owner}
            )  # fmt: skip
        if steps and source is not None:
            steps[-1]["outbound"] = leg
        if destination is not None:
            steps.append(
                {
                    "party": destination,
                    "received_at": leg.received_at,
                    "inbound": leg,
                    "outbound": None,
                    "owner": leg.destination_owner,
                }
            )
    return tuple(
        CustodyStep(
            party=s["party"],
            received_at=s["received_at"],
            shipped_at=s["outbound"].shipped_at if s["outbound"] else None,
            inbound=s["inbound"],
            outbound=s["outbound"],
            owner=s["owner"] if s["owner"] is None or s["owner"].id != s["party"].id else None,
        )
        for s in steps
    )


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """A scan of the unit by a consumer, a store or an inspector."""

    id: str
    kind: str
    at: datetime
    actor: str | None
    device: str | None
    lat: float | None
    lon: float | None
    region: str | None
    region_name: str | None
    client_scan_id: str | None
    event: str | None

    @classmethod
    def from_record(cls, record: Record) -> ScanRecord:
        return cls(
            id=str(record["id"]),
            kind=str(record.get("kind") or "consumer"),
            at=_time(record["at"]),
            actor=record.get("actor"),
            device=record.get("device"),
            lat=record.get("lat"),
            lon=record.get("lon"),
            region=record.get("region"),
            region_name=record.get("regionName"),
            client_scan_id=record.get("clientScanId"),
            event=record.get("event"),
        )


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored EPCIS event behind a step, with its CBV 2.0 canonical hash."""

    id: str
    hash: str | None
    type: str
    action: str | None
    event_time: datetime
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    via: str | None
    json: str | None

    @classmethod
    def from_record(cls, record: Record) -> EventRecord:
        via = record.get("via")
        return cls(
            id=str(record["id"]),
            hash=record.get("hash"),
            type=str(record["type"]),
            action=record.get("action"),
            event_time=_time(record["eventTime"]),
            biz_step=record.get("bizStep"),
            disposition=record.get("disposition"),
            read_point=record.get("readPoint"),
            biz_location=record.get("bizLocation"),
            via=None if via == record.get("code") else via,
            json=record.get("json"),
        )


@dataclass(frozen=True, slots=True)
class TransformationInput:
    """Something the unit (or its lot) was made from by a transformation: a unit, a logistic
    unit or a lot, ``depth`` transformations back."""

    id: str
    kind: str  # "unit", "package" or "lot"
    gtin: str | None
    lot: str | None
    event: str
    at: datetime
    depth: int
    made_at: str | None
    commissioned_at: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> TransformationInput:
        labels = set(record.get("labels") or ())
        kind = "unit" if "Code" in labels else "lot" if "Batch" in labels else "package"
        return cls(
            id=str(record["id"]),
            kind=kind,
            gtin=record.get("gtin"),
            lot=record.get("lot"),
            event=str(record["event"]),
            at=_time(record["at"]),
            depth=int(record.get("depth") or 1),
            made_at=record.get("madeAt"),
            commissioned_at=native_time(record.get("commissionedAt")),
        )


@dataclass(frozen=True, slots=True)
class AssetLink:
    """An asset (a sensor, a returnable crate) the unit was associated with, and when."""

    asset: str
    since: datetime
    until: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> AssetLink:
        return cls(str(record["asset"]), _time(record["since"]), native_time(record.get("until")))


@dataclass(frozen=True, slots=True)
class Provenance:
    """Everything known about one commissioned unit, from plant to consumer."""

    code: str
    status: str | None
    status_at: datetime | None
    gtin: str | None
    serial: str | None
    product_name: str | None
    lot: str | None
    batch: str | None
    plant: PartyRef | None
    line: str | None
    line_name: str | None
    commissioned_at: datetime
    commission_event: str | None
    paths: tuple[ContainerPath, ...]
    legs: tuple[ShipmentLeg, ...]
    scans: tuple[ScanRecord, ...]
    events: tuple[EventRecord, ...]
    custody: tuple[CustodyStep, ...] = field(default=())
    inputs: tuple[TransformationInput, ...] = ()
    assets: tuple[AssetLink, ...] = ()

    @classmethod
    def from_record(cls, record: Record) -> Provenance:
        organisations = {
            str(o["location"]): PartyRef.from_record(o["party"])
            for o in record.get("organisations") or ()
        }
        plant = record.get("plant")
        plant_ref = organisation_of(PartyRef.from_record(plant) if plant else None, organisations)
        commissioned_at = _time(record["commissionedAt"])
        legs = tuple(
            ShipmentLeg.from_record(r, organisations) for r in record.get("shipments") or ()
        )
        return cls(
            code=str(record["code"]),
            status=record.get("status"),
            status_at=native_time(record.get("statusAt")),
            gtin=record.get("gtin"),
            serial=record.get("serial"),
            product_name=record.get("productName"),
            lot=record.get("lot"),
            batch=record.get("batch"),
            plant=plant_ref,
            line=record.get("line"),
            line_name=record.get("lineName"),
            commissioned_at=commissioned_at,
            commission_event=record.get("commissionEvent"),
            paths=tuple(ContainerPath.from_record(r) for r in record.get("paths") or ()),
            legs=legs,
            scans=tuple(
                sorted(
                    (ScanRecord.from_record(r) for r in record.get("scans") or ()),
                    key=lambda s: (s.at, s.id),
                )
            ),
            events=tuple(
                sorted(
                    (EventRecord.from_record(r) for r in record.get("events") or ()),
                    key=lambda e: (e.event_time, e.id),
                )
            ),
            custody=custody_chain(plant_ref, commissioned_at, legs),
            inputs=tuple(
                sorted(
                    (TransformationInput.from_record(r) for r in record.get("inputs") or ()),
                    key=lambda i: (i.depth, i.at, i.id),
                )
            ),
            assets=tuple(
                sorted(
                    (AssetLink.from_record(r) for r in record.get("assets") or ()),
                    key=lambda a: (a.since, a.asset),
                )
            ),
        )

    def containers_at(self, at: datetime) -> tuple[ContainerLink, ...]:
        return containers_at(self.paths, at)

    def container_history(self) -> tuple[ContainerLink, ...]:
        return container_history(self.paths)


@dataclass(frozen=True, slots=True)
class ScanFacts:
    """How often and where a unit was scanned (optionally leaving one scan event out)."""

    total: int
    consumer: int
    regions: tuple[tuple[str, int], ...]
    consumer_regions: tuple[str, ...]
    first_at: datetime | None
    first_region: str | None
    first_region_name: str | None
    first_kind: str | None
    last_at: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> ScanFacts:
        regions = tuple(
            (str(r["region"]), int(r["n"])) for r in record.get("regions") or () if r["region"]
        )
        return cls(
            total=int(record.get("total") or 0),
            consumer=int(record.get("consumer") or 0),
            regions=tuple(sorted(regions, key=lambda r: (-r[1], r[0]))),
            consumer_regions=tuple(sorted(str(r) for r in record.get("consumerRegions") or ())),
            first_at=native_time(record.get("firstAt")),
            first_region=record.get("firstRegion"),
            first_region_name=record.get("firstRegionName"),
            first_kind=record.get("firstKind"),
            last_at=native_time(record.get("lastAt")),
        )


@dataclass(frozen=True, slots=True)
class VerifyFacts:
    """What verification needs to know about one code, read in one query."""

    code: str
    issued: bool
    status: str | None
    status_at: datetime | None
    commissioned_at: datetime | None
    gtin: str | None
    product_name: str | None
    lot: str | None
    scans: ScanFacts

    @classmethod
    def from_record(cls, record: Record) -> VerifyFacts:
        commissioned_at = native_time(record.get("commissionedAt"))
        return cls(
            code=str(record["code"]),
            issued=commissioned_at is not None,
            status=record.get("status"),
            status_at=native_time(record.get("statusAt")),
            commissioned_at=commissioned_at,
            gtin=record.get("gtin"),
            product_name=record.get("productName"),
            lot=record.get("lot"),
            scans=ScanFacts.from_record(record),
        )


@dataclass(frozen=True, slots=True)
class LotHolder:
    """One party that held units of a lot, and where those units are now.

    ``received`` counts units that arrived there (the plant: units made there). Of the units
    whose last holder it is, ``in_stock`` are still sellable, ``sold`` were sold there,
    ``in_transit`` left in a shipment not yet received, ``withdrawn`` were recalled, destroyed
    or decommissioned, and ``unaccounted`` have any other status (stolen, damaged, expired,
    ...). ``scanned`` counts those last-held units
    that a consumer scanned, sold or not; ``shipped`` those that left for another holder.
    """

    party: PartyRef
    received: int
    shipped: int
    in_stock: int
    sold: int
    in_transit: int
    withdrawn: int
    unaccounted: int
    scanned: int
    first_received_at: datetime | None
    last_received_at: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> LotHolder:
        return cls(
            party=PartyRef.from_record(record["party"]),
            received=int(record.get("received") or 0),
            shipped=int(record.get("shipped") or 0),
            in_stock=int(record.get("inStock") or 0),
            sold=int(record.get("sold") or 0),
            in_transit=int(record.get("inTransit") or 0),
            withdrawn=int(record.get("withdrawn") or 0),
            unaccounted=int(record.get("unaccounted") or 0),
            scanned=int(record.get("scanned") or 0),
            first_received_at=native_time(record.get("firstReceivedAt")),
            last_received_at=native_time(record.get("lastReceivedAt")),
        )


@dataclass(frozen=True, slots=True)
class LotOutput:
    """What units of a lot became through transformations: one output lot (or the output
    instances without a lot), how many output units and which logistic units."""

    batch: str | None
    gtin: str | None
    lot: str | None
    product_name: str | None
    units: int
    packages: tuple[str, ...]
    events: tuple[str, ...]

    @classmethod
    def from_record(cls, record: Record) -> LotOutput:
        return cls(
            batch=record.get("batch"),
            gtin=record.get("gtin"),
            lot=record.get("lot"),
            product_name=record.get("productName"),
            units=int(record.get("units") or 0),
            packages=tuple(sorted(p for p in record.get("packages") or () if p)),
            events=tuple(sorted(record.get("events") or ())),
        )


@dataclass(frozen=True, slots=True)
class LotSummary:
    """A lot (or a product's units made in a time window) and where all its units went."""

    batch: str | None
    gtin: str | None
    lot: str | None
    product_name: str | None
    units: int
    first_commissioned_at: datetime | None
    last_commissioned_at: datetime | None
    statuses: tuple[tuple[str, int], ...]
    holders: tuple[LotHolder, ...]
    outputs: tuple[LotOutput, ...] = ()

    @classmethod
    def from_record(cls, record: Record) -> LotSummary:
        statuses = tuple(
            sorted(
                (
                    (str(s["status"] or "unknown"), int(s["n"]))
                    for s in record.get("statuses") or ()
                ),
                key=lambda s: (-s[1], s[0]),
            )
        )
        return cls(
            batch=record.get("batch"),
            gtin=record.get("gtin"),
            lot=record.get("lot"),
            product_name=record.get("productName"),
            units=int(record.get("units") or 0),
            first_commissioned_at=native_time(record.get("firstAt")),
            last_commissioned_at=native_time(record.get("lastAt")),
            statuses=statuses,
            holders=tuple(LotHolder.from_record(h) for h in record.get("holders") or ()),
            outputs=tuple(
                sorted(
                    (LotOutput.from_record(o) for o in record.get("outputs") or ()),
                    key=lambda o: (o.batch or "", o.packages),
                )
            ),
        )


@dataclass(frozen=True, slots=True)
class LotUnit:
    """One unit of a lot: its status and its current (last known) holder."""

    code: str
    serial: str | None
    status: str | None
    holder: PartyRef | None
    in_transit: bool
    scans: int

    @classmethod
    def from_record(cls, record: Record) -> LotUnit:
        holder = record.get("holder")
        return cls(
            code=str(record["code"]),
            serial=record.get("serial"),
            status=record.get("status"),
            holder=PartyRef.from_record(holder) if holder else None,
            in_transit=bool(record.get("inTransit")),
            scans=int(record.get("scans") or 0),
        )


@dataclass(frozen=True, slots=True)
class LotRef:
    """A lot as a user names it: with its product (``gtin``) or by lot number alone."""

    gtin: str | None
    lot: str

    @property
    def batch(self) -> str | None:
        """The ``:Batch`` key, when the product is known."""
        return None if self.gtin is None else f"{self.gtin}|{self.lot}"


def parse_lot_reference(text: str) -> LotRef:
    """Read a lot from ``GTIN|LOT``, a Digital Link with ``/01/…/10/…``, an LGTIN URN, or a
    bare lot number.

    >>> parse_lot_reference("06901234123456|L7")
    LotRef(gtin='06901234123456', lot='L7')
    >>> parse_lot_reference("urn:epc:class:lgtin:6901234.012345.L7").batch
    '06901234123456|L7'
    >>> parse_lot_reference("L7")
    LotRef(gtin=None, lot='L7')
    """
    value = text.strip()
    if value.lower().startswith(("https://", "http://", "urn:")):
        epc = parse_epc(value)
        if epc.gtin is None or epc.lot is None:
            raise InvalidIdentifier(text, f"{text!r} names no lot: expected /01/GTIN/10/LOT")
        return LotRef(epc.gtin, epc.lot)
    if "|" in value:
        gtin, _, lot = value.partition("|")
        return LotRef(normalize_gtin(gtin.strip()), validate_serial(lot.strip(), "lot"))
    if not value:
        raise InvalidIdentifier(text, "a lot number must not be empty")
    return LotRef(None, validate_serial(value, "lot"))
