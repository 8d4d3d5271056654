"""``saveMasterData``: merge plants, lines, products, distributors, stores, consumers and the
contracted channel, all or nothing.

Every item is checked by the row models of the master-data files (:mod:`loaders.master_data`)
and the domain constructors behind them; keys given twice and references to regions, plants,
products or parties that are neither in the input nor in the graph are rejections too. A
rejection names each item as ``kind[index]`` (from 0, as in the input list) and the field
within it in the input's camelCase names (``stores[3]`` / ``lat``,
``distributors[0]`` / ``authorized[1].gtins[0]``); nothing is written then, since the whole
input is one transaction. Regions are not part of the input: they are loaded with
``yima master load`` (China's provinces and prefectures, custom territories).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Final, Protocol, cast

import strawberry
from pydantic import BaseModel, ValidationError
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from api.graphql.context import Context
from api.graphql.types.master_data_input import MasterDataInput
from graph_model.errors import NotFound
from graph_model.master import Authorization, MasterData, MasterDataError
from graph_model.repositories.master_data import MasterDataRepository, SaveCounts
from loaders.master_data import (
    KEY_OF,
    MAX_PROBLEMS,
    ConsumerRow,
    DistributorRow,
    LineRow,
    PlantRow,
    ProductRow,
    StoreRow,
    SupplyRow,
)

__all__ = [
    "MAX_ITEMS",
    "MasterDataProblem",
    "MasterDataRejected",
    "MasterDataSaved",
    "SaveMasterDataResult",
    "save_master_data",
]

#: Items one request may carry; bigger loads belong to ``yima master load``.
MAX_ITEMS: Final = 20_000

_ROWS: Final[tuple[tuple[str, type[BaseModel]], ...]] = (
    ("plants", PlantRow),
    ("lines", LineRow),
    ("products", ProductRow),
    ("distributors", DistributorRow),
    ("stores", StoreRow),
    ("consumers", ConsumerRow),
    ("supplies", SupplyRow),
)
_PARTY_KINDS: Final = ("plants", "distributors", "stores")


@strawberry.type(description="Master data merged; how many items of each kind were written.")
class MasterDataSaved:
    plants: int
    lines: int
    products: int
    distributors: int
    stores: int
    consumers: int
    supplies: int

    @classmethod
    def from_counts(cls, counts: SaveCounts) -> MasterDataSaved:
        return cls(
            plants=counts.plants,
            lines=counts.lines,
            products=counts.products,
            distributors=counts.distributors,
            stores=counts.stores,
            consumers=counts.consumers,
            supplies=counts.supplies,
        )


@strawberry.type(description="One reason the input was rejected.")
class MasterDataProblem:
    path: str = strawberry.field(
        description="The item at fault, `kind[index]` with index from 0 (`stores[3]`), "
        "or `input` for the request as a whole."
    )
    field: str = strawberry.field(
        description="The field within the item (`lat`, `authorized[1].regionCode`); "
        "`-` when the rule spans fields."
    )
    reason: str


@strawberry.type(description="Nothing was written; PROBLEMS names every item at fault.")
class MasterDataRejected:
    message: str
    problems: list[MasterDataProblem] = strawberry.field(
        description=f"Up to {MAX_PROBLEMS} problems."
    )


SaveMasterDataResult = Annotated[
    MasterDataSaved | MasterDataRejected, strawberry.union("SaveMasterDataResult")
]


class _Convertible(Protocol):
    def domain(self) -> Any: ...


class _Problems:
    def __init__(self) -> None:
        self.items: list[MasterDataProblem] = []

    def add(self, path: str, field: str, reason: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(MasterDataProblem(path=path, field=field, reason=reason))

    def rejection(self) -> MasterDataRejected:
        n = len(self.items)
        more = "+" if n == MAX_PROBLEMS else ""
        return MasterDataRejected(
            message=f"{n}{more} problem{'s' if n != 1 else ''} in the input; nothing was saved",
            problems=self.items,
        )


def _field_path(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + to_camel_case(part)
    return text or "-"


def _authorization_problems(row: DistributorRow, path: str, out: _Problems) -> bool:
    # The distributor's own check cannot say which authorization is at fault; each one
    # built alone (and each of its GTINs alone) can.
    found = False
    for i, a in enumerate(row.authorized):
        checks = [((), "regionCode")] + [((g,), f"gtins[{j}]") for j, g in enumerate(a.gtins)]
        for gtins, field in checks:
            try:
                Authorization(a.region_code, gtins)
            except MasterDataError as exc:
                out.add(path, f"authorized[{i}].{field}", str(exc))
                found = True
                break
    return found


def _checked(data: MasterDataInput, out: _Problems) -> dict[str, list[tuple[int, Any]]]:
    """The domain value of every item that passes its own checks, with its index."""
    values: dict[str, list[tuple[int, Any]]] = {}
    for kind, model in _ROWS:
        values[kind] = []
        for i, item in enumerate(getattr(data, kind)):
            path = f"{kind}[{i}]"
            try:
                row = cast(_Convertible, model.model_validate(dataclasses.asdict(item)))
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    out.add(path, _field_path(err["loc"]), err["msg"])
                continue
            if isinstance(row, DistributorRow) and _authorization_problems(row, path, out):
                continue
            try:
                values[kind].append((i, row.domain()))
            except MasterDataError as exc:
                out.add(path, _field_path([exc.field]), str(exc))
    return values


def _check_duplicates(values: dict[str, list[tuple[int, Any]]], out: _Problems) -> None:
    parties: dict[str, str] = {}
    for kind, items in values.items():
        seen: dict[str, int] = {}
        for i, value in items:
            key = KEY_OF[kind](value)
            field = "-" if kind == "supplies" else ("gtin" if kind == "products" else "id")
            if key in seen:
                out.add(f"{kind}[{i}]", field, f"{key} is given before, as {kind}[{seen[key]}]")
            seen.setdefault(key, i)
            if kind in _PARTY_KINDS:
                if key in parties and not parties[key].startswith(kind + "["):
                    out.add(f"{kind}[{i}]", "id", f"party {key} is also {parties[key]}")
                parties.setdefault(key, f"{kind}[{i}]")


def _known(
    keys: Iterable[str], given: set[str], lookups: Sequence[Callable[[str], object]]
) -> set[str]:
    known = set(given)
    for key in set(keys) - known:
        for lookup in lookups:
            try:
                lookup(key)
            except NotFound:
                continue
            known.add(key)
            break
    return known


def _reference_problems(master: MasterData, repo: MasterDataRepository, out: _Problems) -> None:
    """Name every reference that is neither in ``master`` nor in the graph (read after the
    save was refused, so a valid input costs no extra reads)."""
    located = [
        *((f"plants[{i}]", p.region_code) for i, p in enumerate(master.plants)),
        *((f"distributors[{i}]", d.region_code) for i, d in enumerate(master.distributors)),
        *((f"stores[{i}]", s.region_code) for i, s in enumerate(master.stores)),
        *((f"consumers[{i}]", c.region_code) for i, c in enumerate(master.consumers)),
    ]
    authorized = [
        (f"distributors[{i}]", f"authorized[{j}]", a)
        for i, d in enumerate(master.distributors)
        for j, a in enumerate(d.authorized)
    ]
    region_codes = [code for _, code in located] + [a.region_code for _, _, a in authorized]
    regions = _known(region_codes, set(), [repo.get_region])
    plants = _known(
        (x.plant_id for x in master.lines), {p.id for p in master.plants}, [repo.get_plant]
    )
    gtins = [g for _, _, a in authorized for g in a.gtins]
    products = _known(gtins, {p.gtin for p in master.products}, [repo.get_product])
    ends = [s.supplier_id for s in master.supplies] + [s.customer_id for s in master.supplies]
    parties = _known(
        ends, set(master.party_ids()), [repo.get_plant, repo.get_distributor, repo.get_store]
    )

    for path, code in located:
        if code not in regions:
            out.add(path, "regionCode", f"region {code} is not in the graph")
    for path, where, a in authorized:
        if a.region_code not in regions:
            out.add(path, f"{where}.regionCode", f"region {a.region_code} is not in the graph")
        for k, gtin in enumerate(a.gtins):
            if gtin not in products:
                out.add(path, f"{where}.gtins[{k}]", f"product {gtin} is neither given nor known")
    for i, line in enumerate(master.lines):
        if line.plant_id not in plants:
            out.add(f"lines[{i}]", "plantId", f"plant {line.plant_id} is neither given nor known")
    for i, s in enumerate(master.supplies):
        for field, party in (("supplierId", s.supplier_id), ("customerId", s.customer_id)):
            if party not in parties:
                out.add(f"supplies[{i}]", field, f"party {party} is neither given nor known")


def _save(data: MasterDataInput, repo: MasterDataRepository) -> SaveMasterDataResult:
    out = _Problems()
    size = sum(len(getattr(data, kind)) for kind, _ in _ROWS)
    if size > MAX_ITEMS:
        out.add(
            "input",
            "-",
            f"{size:,} items exceed the {MAX_ITEMS:,} a request may carry; "
            "use `yima master load` for larger loads",
        )
        return out.rejection()
    values = _checked(data, out)
    _check_duplicates(values, out)
    if out.items:
        return out.rejection()
    master = MasterData(**{kind: tuple(v for _, v in items) for kind, items in values.items()})
    try:
        counts = repo.save(master)
    except NotFound as exc:
        _reference_problems(master, repo, out)
        if not out.items:  # the graph changed between the save and the reads
            out.add("input", "-", str(exc))
        return out.rejection()
    return MasterDataSaved.from_counts(counts)


async def save_master_data(
    info: Info[Context, Any], input: MasterDataInput
) -> SaveMasterDataResult:
    """Merge master data in one transaction: everything, or nothing when any item is bad."""
    services = info.context.services
    repo = MasterDataRepository(services.driver, services.settings.database)
    return await asyncio.to_thread(_save, input, repo)
