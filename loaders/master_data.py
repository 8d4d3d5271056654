"""Master-data files (CSV, JSON, GeoJSON) → :class:`~graph_model.master.MasterData`.

CSV files, UTF-8 (a BOM is fine), one kind per file, the kind named by the file name:

================== =====================================================================
file               columns (``?`` optional, may be empty)
================== =====================================================================
``regions.csv``    code, name, level (province / prefecture / custom), parent_code?, lat, lon
``plants.csv``     id, name, region_code, lat, lon
``lines.csv``      plant_id, number, name
``products.csv``   gtin, name, brand, company_prefix, category?
``distributors.csv`` id, name, tier (1 national, 2 provincial, 3 city), region_code, lat, lon,
                   authorized_regions? (``;``-separated region codes),
                   authorized_gtins? (``;``-separated GTINs; empty: every product)
``stores.csv``     id, name, region_code, lat, lon, phone?, address?, device?, owner?,
                   registered_at? (ISO 8601 with offset), registered_by? (the salesperson)
``staff.csv``      id, store_id, role (``waiter`` or ``manager``), phone?, device?
``orders.csv``     id, store_id, distributor_id, gtin, quantity (units), at (ISO 8601 with
                   offset); a shipping event fulfilling an order names ``id`` as a ``po``
                   business transaction
``consumers.csv``  id (the brand's id, or ``urn:yima:consumer:…``), region_code?, phone?, device?,
                   payout? (the account rewards are paid to), created_at? (ISO 8601 with offset)
``supplies.csv``   supplier_id, customer_id (the contracted channel)
``referrals.csv``  referrer_id, referee_id (consumer ids as in consumers.csv), at (ISO 8601 with
                   offset), campaign? (empty: ``default``)
================== =====================================================================

A referral may name consumers the graph does not know yet: they are created as bare
``:Consumer`` nodes (a consumers file can add where they live and what they use later).
Referrals that break a campaign's forest (a self-referral, one closing a cycle, a second
referral of a consumer in one campaign) are no file errors: they are kept as refused
referrals, as ``recordReferral`` keeps them, and counted in the load's report.

Party ids are SGLN URNs (``urn:epc:id:sgln:6917821.00001.0``); region codes are adcodes
(``440300``) or the codes of custom territories. A JSON file holds any of the kinds as lists
under the same names (``{"plants": [{"id": …}, …], …}``), except that a distributor's
``authorized`` is a list of ``{"region_code", "gtins": [...]}``; a ``.geojson`` file holds
custom territories (see :mod:`loaders.regions.territories`).

Everything is read and checked before anything is written: one bad row fails the whole load
with a :class:`MasterDataFileError` that names the file, the row, the field and the reason.
CSV rows are numbered as a spreadsheet shows them (the header is row 1); JSON rows as
``kind[index]`` (from 1).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from graph_model.errors import FieldProblem, InvalidField
from graph_model.master import (
    Authorization,
    Consumer,
    Distributor,
    Line,
    MasterData,
    Order,
    Plant,
    Product,
    Region,
    Staff,
    Store,
    Supply,
    consumer_urn,
)
from graph_model.referral import Referral, check_campaign, consumer_key
from loaders.regions import china_regions, load_territories

__all__ = [
    "KEY_OF",
    "KINDS",
    "MasterDataFileError",
    "RowProblem",
    "master_data_to_json",
    "prepare_master_data",
    "read_master_data",
]

KINDS: Final = (
    "regions",
    "plants",
    "lines",
    "products",
    "distributors",
    "stores",
    "consumers",
    "supplies",
    "referrals",
    "staff",
    "orders",
)
MAX_PROBLEMS: Final = 50


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One reason a file was rejected."""

    file: str
    row: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}: {self.field}: {self.reason}"


class MasterDataFileError(InvalidField):
    """Master-data files that cannot be loaded; ``row_problems`` lists every reason found (up
    to 50) with its file and row, the message shows them."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.row_problems = list(problems)
        fields = [FieldProblem(f"{p.file}:{p.row}:{p.field}", p.reason) for p in problems]
        super().__init__(fields[0].path, fields[0].reason, more=fields[1:])
        more = "" if len(problems) < MAX_PROBLEMS else f"\n(stopped after {MAX_PROBLEMS})"
        self.args = ("\n".join(str(p) for p in problems) + more,)

    def __str__(self) -> str:
        return str(self.args[0])


# -- row models (untrusted input) ----------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _split(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
OptText = Annotated[
    Annotated[str, Field(min_length=1, max_length=500)] | None, BeforeValidator(_blank_to_none)
]
Lat = Annotated[float, BeforeValidator(_blank_to_none), Field(ge=-90, le=90)]
Lon = Annotated[float, BeforeValidator(_blank_to_none), Field(ge=-180, le=180)]
Codes = Annotated[list[str], BeforeValidator(_split)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class RegionRow(_Row):
    code: Text
    name: Text
    level: Literal["province", "prefecture", "custom"]
    parent_code: OptText = None
    lat: Lat
    lon: Lon
    polygon_geojson: OptText = None

    def domain(self) -> Region:
        return Region(
            self.code,
            self.name,
            self.level,
            self.parent_code,
            self.lat,
            self.lon,
            self.polygon_geojson,
        )


class PlantRow(_Row):
    id: Text
    name: Text
    region_code: Text
    lat: Lat
    lon: Lon

    def domain(self) -> Plant:
        return Plant(self.id, self.name, self.region_code, self.lat, self.lon)


class LineRow(_Row):
    plant_id: Text
    number: Annotated[int, BeforeValidator(_blank_to_none), Field(ge=1, le=999_999)]
    name: Text

    def domain(self) -> Line:
        return Line.at(self.plant_id, self.number, self.name)


class ProductRow(_Row):
    gtin: Annotated[str, BeforeValidator(_blank_to_none), Field(pattern=r"^[0-9]{14}$")]
    name: Text
    brand: Text
    company_prefix: Annotated[str, BeforeValidator(_blank_to_none), Field(pattern=r"^[0-9]{6,12}$")]
    category: OptText = None

    def domain(self) -> Product:
        return Product(self.gtin, self.name, self.brand, self.company_prefix, self.category or "")


class AuthorizationRow(_Row):
    region_code: Text
    gtins: Codes = []


class DistributorRow(_Row):
    id: Text
    name: Text
    tier: Annotated[int, BeforeValidator(_blank_to_none), Field(ge=1, le=3)]
    region_code: Text
    lat: Lat
    lon: Lon
    authorized_regions: Codes = []
    authorized_gtins: Codes = []
    authorized: list[AuthorizationRow] = []

    def domain(self) -> Distributor:
        given = [Authorization(a.region_code, tuple(a.gtins)) for a in self.authorized]
        given += [Authorization(c, tuple(self.authorized_gtins)) for c in self.authorized_regions]
        return Distributor(
            self.id, self.name, self.tier, self.region_code, self.lat, self.lon, tuple(given)
        )


class StoreRow(_Row):
    id: Text
    name: Text
    region_code: Text
    lat: Lat
    lon: Lon
    phone: OptText = None
    address: OptText = None
    device: OptText = None
    owner: OptText = None
    registered_at: Annotated[datetime | None, BeforeValidator(_blank_to_none)] = None
    registered_by: OptText = None

    def domain(self) -> Store:
        _with_offset(self.registered_at, "registered_at")
        return Store(
            self.id,
            self.name,
            self.region_code,
            self.lat,
            self.lon,
            phone=self.phone,
            address=self.address,
            device=self.device,
            owner=self.owner,
            registered_at=self.registered_at,
            registered_by=self.registered_by,
        )


class StaffRow(_Row):
    id: Text
    store_id: Text
    role: Literal["waiter", "manager"]
    phone: OptText = None
    device: OptText = None

    def domain(self) -> Staff:
        return Staff(self.id, self.store_id, self.role, phone=self.phone, device=self.device)


class OrderRow(_Row):
    id: Text
    store_id: Text
    distributor_id: Text
    gtin: Annotated[str, BeforeValidator(_blank_to_none), Field(pattern=r"^[0-9]{14}$")]
    quantity: Annotated[int, BeforeValidator(_blank_to_none), Field(ge=1, le=10_000_000)]
    at: Annotated[datetime, BeforeValidator(_blank_to_none)]

    def domain(self) -> Order:
        _with_offset(self.at, "at")
        return Order(self.id, self.store_id, self.distributor_id, self.gtin, self.quantity, self.at)


Moment = Annotated[datetime, BeforeValidator(_blank_to_none)]


def _with_offset(moment: datetime | None, field: str) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise InvalidField(field, "needs a time zone offset, e.g. 2025-03-03T09:00:00+08:00")


class ConsumerRow(_Row):
    id: Text
    region_code: OptText = None
    phone: OptText = None
    device: OptText = None
    payout: OptText = None
    created_at: Annotated[Moment | None, BeforeValidator(_blank_to_none)] = None

    def domain(self) -> Consumer:
        urn = self.id if self.id.startswith("urn:") else consumer_urn(self.id)
        _with_offset(self.created_at, "created_at")
        return Consumer(
            urn,
            self.region_code,
            phone=self.phone,
            device=self.device,
            payout=self.payout,
            created_at=self.created_at,
        )


class ReferralRow(_Row):
    referrer_id: Text
    referee_id: Text
    at: Moment
    campaign: OptText = None

    def domain(self) -> Referral:
        _with_offset(self.at, "at")
        return Referral(
            consumer_key("referrer_id", self.referrer_id),
            consumer_key("referee_id", self.referee_id),
            self.at,
            check_campaign("campaign", self.campaign),
        )


class SupplyRow(_Row):
    supplier_id: Text
    customer_id: Text

    def domain(self) -> Supply:
        return Supply(self.supplier_id, self.customer_id)


_MODELS: Final[dict[str, type[_Row]]] = {
    "regions": RegionRow,
    "plants": PlantRow,
    "lines": LineRow,
    "products": ProductRow,
    "distributors": DistributorRow,
    "stores": StoreRow,
    "consumers": ConsumerRow,
    "supplies": SupplyRow,
    "referrals": ReferralRow,
    "staff": StaffRow,
    "orders": OrderRow,
}
# Columns a CSV file may not have: nested JSON-only fields.
_JSON_ONLY: Final = {"distributors": {"authorized"}}


# -- reading -------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self.values: dict[str, list[Any]] = {kind: [] for kind in KINDS}

    def add(self, problem: RowProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def row(self, kind: str, file: str, row: str, data: Mapping[str, Any]) -> None:
        model = _MODELS[kind]
        try:
            parsed = model.model_validate(dict(data))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                where = ".".join(str(p) for p in err["loc"]) or "-"
                self.add(RowProblem(file, row, where, err["msg"]))
            return
        try:
            self.values[kind].append(parsed.domain())  # type: ignore[attr-defined]
        except InvalidField as exc:
            self.add(RowProblem(file, row, exc.path, exc.reason))


def _read_csv(path: Path, kind: str, out: _Collector) -> None:
    file = str(path)
    model = _MODELS[kind]
    allowed = set(model.model_fields) - _JSON_ONLY.get(kind, set())
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = sorted(required - set(header))
            unknown = sorted(set(header) - allowed)
            for name in missing:
                out.add(RowProblem(file, "1", name, "required column is missing"))
            for name in unknown:
                out.add(
                    RowProblem(
                        file, "1", name, f"unknown column; expected {', '.join(sorted(allowed))}"
                    )
                )
            if missing or unknown:
                return
            for number, raw in enumerate(reader, start=2):
                if None in raw:
                    out.add(RowProblem(file, str(number), "-", "more cells than columns"))
                    continue
                row = {k.strip(): v for k, v in raw.items() if k is not None}
                if not any((v or "").strip() for v in row.values()):
                    continue  # blank line
                out.row(kind, file, str(number), row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        out.add(RowProblem(file, "-", "-", f"cannot read the file: {exc}"))


def _read_json(path: Path, out: _Collector) -> None:
    file = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        out.add(RowProblem(file, "-", "-", f"cannot read the file: {exc}"))
        return
    except json.JSONDecodeError as exc:
        out.add(RowProblem(file, str(exc.lineno), "-", f"not valid JSON: {exc.msg}"))
        return
    if not isinstance(doc, dict):
        out.add(RowProblem(file, "-", "-", "a JSON object with lists per kind was expected"))
        return
    for key in sorted(set(doc) - set(KINDS)):
        out.add(RowProblem(file, "-", key, f"unknown kind; expected {', '.join(KINDS)}"))
    for kind in KINDS:
        rows = doc.get(kind, [])
        if not isinstance(rows, list):
            out.add(RowProblem(file, "-", kind, "must be a list of objects"))
            continue
        for i, row in enumerate(rows, start=1):
            where = f"{kind}[{i}]"
            if not isinstance(row, dict):
                out.add(RowProblem(file, where, "-", "must be an object"))
                continue
            out.row(kind, file, where, row)


def _read_geojson(path: Path, out: _Collector) -> None:
    try:
        out.values["regions"].extend(load_territories(path))
    except InvalidField as exc:
        out.add(RowProblem(str(path), "-", "-", str(exc)))


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(
                f for f in path.iterdir() if f.suffix.lower() in (".csv", ".json", ".geojson")
            )
        else:
            yield path


def read_master_data(
    paths: Iterable[str | Path], *, known_region_codes: frozenset[str] | None = None
) -> MasterData:
    """Read and check master-data files (or folders of them).

    Parameters
    ----------
    paths
        CSV files named after their kind, JSON files, GeoJSON territory files, or folders.
    known_region_codes
        Region codes the data may refer to besides its own regions; by default every adcode
        of :func:`loaders.regions.china_regions`.

    Raises
    ------
    MasterDataFileError
        With every problem found: unreadable files, unknown kinds or columns, bad values,
        duplicate keys, references to unknown regions.
    """
    out = _Collector()
    seen_any = False
    for path in _files(paths):
        seen_any = True
        suffix = path.suffix.lower()
        if suffix == ".json":
            _read_json(path, out)
        elif suffix == ".geojson":
            _read_geojson(path, out)
        elif suffix == ".csv" and path.stem.lower() in KINDS:
            _read_csv(path, path.stem.lower(), out)
        else:
            out.add(
                RowProblem(
                    str(path),
                    "-",
                    "-",
                    f"not a master-data file; name CSV files {', '.join(KINDS)} (.csv), "
                    "or use .json / .geojson",
                )
            )
    if not seen_any:
        out.add(RowProblem("-", "-", "-", "no files given"))
    _check_duplicates(out)
    master = MasterData(**{kind: tuple(values) for kind, values in out.values.items()})
    if not out.problems:
        known = (
            frozenset(r.code for r in china_regions())
            if known_region_codes is None
            else known_region_codes
        )
        for message in master.check_references(known, known_party_ids=None):
            out.add(RowProblem("-", "-", "reference", message))
    if out.problems:
        raise MasterDataFileError(out.problems)
    return master


KEY_OF: Final[dict[str, Callable[[Any], str]]] = {
    "regions": lambda v: v.code,
    "plants": lambda v: v.id,
    "lines": lambda v: v.id,
    "products": lambda v: v.gtin,
    "distributors": lambda v: v.id,
    "stores": lambda v: v.id,
    "consumers": lambda v: v.id,
    "supplies": lambda v: f"{v.supplier_id}->{v.customer_id}",
    "referrals": lambda v: f"{v.campaign}: {v.referrer} -> {v.referee}",
    "staff": lambda v: v.id,
    "orders": lambda v: v.id,
}


PARTY_KINDS: Final = ("plants", "distributors", "stores")


def duplicate_keys(
    items: Mapping[str, Sequence[tuple[int, Any]]],
) -> Iterator[tuple[str, int, str, str]]:
    """Every key given twice, and every party id given under two kinds, as ``(kind, index,
    field, reason)``; ``items`` maps a kind to its ``(index, value)`` pairs in input order."""
    parties: dict[str, str] = {}
    for kind, values in items.items():
        seen: dict[str, int] = {}
        field = (
            "-" if kind in ("supplies", "referrals") else ("gtin" if kind == "products" else "id")
        )
        for i, value in values:
            key = KEY_OF[kind](value)
            if key in seen:
                yield kind, i, field, f"{key} is given before, as {kind}[{seen[key]}]"
            seen.setdefault(key, i)
            if kind in PARTY_KINDS:
                if key in parties and not parties[key].startswith(kind + "["):
                    yield kind, i, "id", f"party {key} is also {parties[key]}"
                parties.setdefault(key, f"{kind}[{i}]")


def _check_duplicates(out: _Collector) -> None:
    indexed = {kind: list(enumerate(out.values[kind])) for kind in KINDS}
    for kind, i, _field, reason in duplicate_keys(indexed):
        out.add(RowProblem("-", "-", f"{kind}[{i}]", reason))


def prepare_master_data(
    paths: Iterable[str | Path], *, with_china_regions: bool = True
) -> MasterData:
    """Read and check ``paths`` (see :func:`read_master_data`); with ``with_china_regions``
    add the provinces and prefectures of China, so that rows may refer to any adcode."""
    master = read_master_data(paths)
    if with_china_regions:
        given = {r.code for r in master.regions}
        extra = tuple(r for r in china_regions() if r.code not in given)
        master = dataclasses.replace(master, regions=extra + master.regions)
    return master


def master_data_to_json(master: MasterData) -> dict[str, list[dict[str, Any]]]:
    """``master`` in the JSON form :func:`read_master_data` reads (regions of level province
    and prefecture are left out: they come with yima)."""
    doc: dict[str, list[dict[str, Any]]] = {
        "regions": [dataclasses.asdict(r) for r in master.regions if r.level == "custom"],
        "plants": [dataclasses.asdict(p) for p in master.plants],
        "lines": [
            {"plant_id": x.plant_id, "number": int(x.id.rpartition(".")[2]), "name": x.name}
            for x in master.lines
        ],
        "products": [dataclasses.asdict(p) for p in master.products],
        "distributors": [
            {
                **{k: v for k, v in dataclasses.asdict(d).items() if k != "authorized"},
                "authorized": [
                    {"region_code": a.region_code, "gtins": list(a.gtins)} for a in d.authorized
                ],
            }
            for d in master.distributors
        ],
        "stores": [
            {
                **dataclasses.asdict(s),
                "registered_at": None if s.registered_at is None else s.registered_at.isoformat(),
            }
            for s in master.stores
        ],
        "staff": [dataclasses.asdict(x) for x in master.staff],
        "orders": [{**dataclasses.asdict(o), "at": o.at.isoformat()} for o in master.orders],
        "consumers": [
            {
                **dataclasses.asdict(c),
                "created_at": None if c.created_at is None else c.created_at.isoformat(),
            }
            for c in master.consumers
        ],
        "supplies": [dataclasses.asdict(s) for s in master.supplies],
        "referrals": [
            {
                "referrer_id": r.referrer,
                "referee_id": r.referee,
                "at": r.at.isoformat(),
                "campaign": r.campaign,
            }
            for r in master.referrals
        ],
    }
    return {kind: rows for kind, rows in doc.items() if rows}
