"""Saving master data: from files (``yima master load``) and from items sent one request at a
time (GraphQL ``saveMasterData``), all or nothing.

Items are checked by the master-data row models (:mod:`loaders.master_data`) and the domain
constructors behind them; keys given twice and references to regions, plants, products or
parties that are neither in the input nor in the graph are rejections too. A rejection names
each item as ``kind[index]`` (from 0, as in the input list) and the field within it
(``stores[3].lat``, ``distributors[0].authorized[1].gtins[0]``), in one
:class:`~graph_model.errors.InvalidField`; nothing is written then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from graph_model.database import Transaction
from graph_model.errors import FieldProblem, InvalidField, NotFound
from graph_model.master import Authorization, MasterData
from graph_model.repositories.master_data import MasterDataRepository, SaveCounts
from graph_model.repositories.referrals import ReferralRepository
from loaders.master_data import (
    MAX_PROBLEMS,
    ConsumerRow,
    DistributorRow,
    LineRow,
    OrderRow,
    PlantRow,
    ProductRow,
    StaffRow,
    StoreRow,
    SupplyRow,
    duplicate_keys,
    prepare_master_data,
)

__all__ = [
    "ITEM_KINDS",
    "MAX_ITEMS",
    "items_of",
    "load_master_files",
    "save_master",
    "save_master_items",
]

#: Items one request may carry; bigger loads belong to ``yima master load``.
MAX_ITEMS: Final = 20_000

ITEM_KINDS: Final[tuple[tuple[str, type[BaseModel]], ...]] = (
    ("plants", PlantRow),
    ("lines", LineRow),
    ("products", ProductRow),
    ("distributors", DistributorRow),
    ("stores", StoreRow),
    ("consumers", ConsumerRow),
    ("supplies", SupplyRow),
    ("staff", StaffRow),
    ("orders", OrderRow),
)


def load_master_files(
    paths: Iterable[str | Path],
    repository: MasterDataRepository,
    *,
    with_china_regions: bool = True,
) -> SaveCounts:
    """Read and check ``paths``, then write them in one transaction.

    Referrals (``referrals.csv``) are recorded in the same transaction after the consumers,
    as :func:`services.referral.record_referral` records one: those that break their
    campaign's forest are refused, kept as evidence and counted in ``refused_referrals``.

    With ``with_china_regions`` the provinces and prefectures of China are written too (an
    idempotent merge), so that rows may refer to any adcode.

    Raises
    ------
    loaders.master_data.MasterDataFileError
        When any row is bad; nothing is written then.
    graph_model.errors.NotFound
        When the data refers to a party that is neither in the files nor in the graph.
    """
    master = prepare_master_data(paths, with_china_regions=with_china_regions)
    return save_master(master, repository)


def save_master(master: MasterData, repository: MasterDataRepository) -> SaveCounts:
    """Write checked master data, referrals included, in one transaction (see
    :func:`load_master_files`)."""
    if not master.referrals:
        return repository.save(master)
    referrals = ReferralRepository(repository.db)

    def work(tx: Transaction) -> SaveCounts:
        counts = repository.save(master, tx)
        bulk = referrals.record_many(master.referrals, tx)
        return dataclasses.replace(
            counts,
            referrals=bulk.recorded + bulk.duplicates,
            refused_referrals=bulk.refused_total,
        )

    return repository.db.write(work)


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, path: str, reason: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(FieldProblem(path, reason))

    def raise_any(self) -> None:
        if self.items:
            raise InvalidField.of(self.items)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _field_path(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + _camel(part)
    return text or "-"


def _join(path: str, field: str) -> str:
    return path if field == "-" else f"{path}.{field}"


def _authorization_problems(row: DistributorRow, path: str, out: _Problems) -> bool:
    # The distributor's own check cannot say which authorization is at fault; each one
    # built alone (and each of its GTINs alone) can.
    found = False
    for i, a in enumerate(row.authorized):
        checks = [((), "regionCode")] + [((g,), f"gtins[{j}]") for j, g in enumerate(a.gtins)]
        for gtins, field in checks:
            try:
                Authorization(a.region_code, gtins)
            except InvalidField as exc:
                out.add(f"{path}.authorized[{i}].{field}", exc.reason)
                found = True
                break
    return found


def _checked(
    items: Mapping[str, Sequence[Mapping[str, Any]]], out: _Problems
) -> dict[str, list[tuple[int, Any]]]:
    """The domain value of every item that passes its own checks, with its index."""
    values: dict[str, list[tuple[int, Any]]] = {}
    for kind, model in ITEM_KINDS:
        values[kind] = []
        for i, item in enumerate(items.get(kind, ())):
            path = f"{kind}[{i}]"
            try:
                row = model.model_validate(dict(item))
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    out.add(_join(path, _field_path(err["loc"])), err["msg"])
                continue
            if isinstance(row, DistributorRow) and _authorization_problems(row, path, out):
                continue
            try:
                values[kind].append((i, row.domain()))  # type: ignore[attr-defined]
            except InvalidField as exc:
                out.add(_join(path, _field_path([exc.path])), exc.reason)
    return values


def _reference_problems(master: MasterData, repo: MasterDataRepository, out: _Problems) -> None:
    """Name every reference that is neither in ``master`` nor in the graph (read after the
    save was refused, so a valid input costs no extra reads; one query a kind of key)."""
    located = [
        *((f"plants[{i}]", p.region_code) for i, p in enumerate(master.plants)),
        *((f"distributors[{i}]", d.region_code) for i, d in enumerate(master.distributors)),
        *((f"stores[{i}]", s.region_code) for i, s in enumerate(master.stores)),
        *(
            (f"consumers[{i}]", c.region_code)
            for i, c in enumerate(master.consumers)
            if c.region_code is not None
        ),
    ]
    authorized = [
        (f"distributors[{i}].authorized[{j}]", a)
        for i, d in enumerate(master.distributors)
        for j, a in enumerate(d.authorized)
    ]
    region_codes = {code for _, code in located} | {a.region_code for _, a in authorized}
    regions = repo.existing("regions", region_codes)
    plants = {p.id for p in master.plants}
    plants |= repo.existing("plants", {x.plant_id for x in master.lines} - plants)
    products = {p.gtin for p in master.products}
    products |= repo.existing("products", {g for _, a in authorized for g in a.gtins} - products)
    parties = set(master.party_ids())
    ends = {s.supplier_id for s in master.supplies} | {s.customer_id for s in master.supplies}
    ends |= {x.store_id for x in master.staff} | {o.store_id for o in master.orders}
    ends |= {o.distributor_id for o in master.orders}
    parties |= repo.existing("parties", ends - parties)
    ordered = {o.gtin for o in master.orders} - products
    products |= repo.existing("products", ordered)

    for path, code in located:
        if code not in regions:
            out.add(f"{path}.regionCode", f"region {code} is not in the graph")
    for path, a in authorized:
        if a.region_code not in regions:
            out.add(f"{path}.regionCode", f"region {a.region_code} is not in the graph")
        for k, gtin in enumerate(a.gtins):
            if gtin not in products:
                out.add(f"{path}.gtins[{k}]", f"product {gtin} is neither given nor known")
    for i, line in enumerate(master.lines):
        if line.plant_id not in plants:
            out.add(f"lines[{i}].plantId", f"plant {line.plant_id} is neither given nor known")
    for i, s in enumerate(master.supplies):
        for field, party in (("supplierId", s.supplier_id), ("customerId", s.customer_id)):
            if party not in parties:
                out.add(f"supplies[{i}].{field}", f"party {party} is neither given nor known")
    for i, x in enumerate(master.staff):
        if x.store_id not in parties:
            out.add(f"staff[{i}].storeId", f"store {x.store_id} is neither given nor known")
    for i, o in enumerate(master.orders):
        for field, party in (("storeId", o.store_id), ("distributorId", o.distributor_id)):
            if party not in parties:
                out.add(f"orders[{i}].{field}", f"party {party} is neither given nor known")
        if o.gtin not in products:
            out.add(f"orders[{i}].gtin", f"product {o.gtin} is neither given nor known")


def save_master_items(
    items: Mapping[str, Sequence[Mapping[str, Any]]], repo: MasterDataRepository
) -> SaveCounts:
    """Check and merge ``items`` (kind -> rows as the row models read them) in one
    transaction.

    Raises
    ------
    InvalidField
        Naming every item and field at fault (up to 50); nothing is written then.
    """
    out = _Problems()
    size = sum(len(items.get(kind, ())) for kind, _ in ITEM_KINDS)
    if size > MAX_ITEMS:
        out.add(
            "input",
            f"{size:,} items exceed the {MAX_ITEMS:,} a request may carry; "
            "use `yima master load` for larger loads",
        )
    out.raise_any()
    values = _checked(items, out)
    for kind, i, field, reason in duplicate_keys(values):
        out.add(_join(f"{kind}[{i}]", field), reason)
    out.raise_any()
    master = MasterData(**{kind: tuple(v for _, v in found) for kind, found in values.items()})
    try:
        return repo.save(master)
    except NotFound as exc:
        _reference_problems(master, repo, out)
        if not out.items:  # the graph changed between the save and the reads
            out.add("input", str(exc))
        out.raise_any()
        raise


def items_of(data: Any) -> dict[str, list[dict[str, Any]]]:
    """The rows of a dataclass input with one list attribute per kind (a GraphQL input)."""
    return {
        kind: [dataclasses.asdict(item) for item in getattr(data, kind)] for kind, _ in ITEM_KINDS
    }
