"""Whether each scan lies inside its responsible distributor's territory.

Every scan gets one :class:`ScanClass`, decided in this order:

1. ``UNATTRIBUTED`` — no distributor answers for the unit;
2. ``UNLOCATED`` — the scan has no region, or only a region coarser than the territory
   (a province, when the grant or the contracted party is a city in it): it cannot be told
   inside or outside, so it is never counted against anyone;
3. ``INSIDE`` — the region lies within a grant for every product;
4. ``AUTHORIZED_PRODUCT`` — the region lies within a grant naming the unit's product
   (a product authorized for the distributor in a neighbouring territory);
5. ``CONTRACTED`` — a contracted downstream party of the distributor sits in the region;
6. ``OUTSIDE`` — none of these: the unit surfaced where its distributor may not sell it.

4 and 5 are legitimately outside the home territory; only 6 feeds diversion cases.

:func:`classify` does a whole table at once: the distributor, region and product columns are
turned into small integers and the answer read from per-distributor region matrices, so a
million scans take about 0.2 s on one core. :func:`classify_one` decides one scan the same
way and says why in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from algorithms.diversion.errors import DiversionInputError
from algorithms.diversion.regions import RegionTree
from algorithms.diversion.scans import IntArray, ScanTable, factorize
from algorithms.diversion.territory import Territory

__all__ = ["Classification", "ScanClass", "classify", "classify_one"]


class ScanClass(IntEnum):
    """Where a scan lies with respect to its responsible distributor's territory."""

    INSIDE = 0
    AUTHORIZED_PRODUCT = 1
    CONTRACTED = 2
    OUTSIDE = 3
    UNLOCATED = 4
    UNATTRIBUTED = 5

    @property
    def legitimate(self) -> bool:
        """Outside the home territory, but where the distributor may sell."""
        return self in (ScanClass.AUTHORIZED_PRODUCT, ScanClass.CONTRACTED)


@dataclass(frozen=True, slots=True, eq=False)
class Classification:
    """The class of every scan of a table, with the integer columns it was decided on.

    ``classes[i]`` is scan ``i``'s :class:`ScanClass` value; ``distributor_index[i]`` and
    ``region_index[i]`` point into ``distributors`` and ``regions`` (-1 for None).
    """

    scans: ScanTable
    classes: NDArray[np.int8]
    distributor_index: IntArray
    distributors: tuple[str, ...]
    region_index: IntArray
    regions: tuple[str, ...]
    territories: Mapping[str, Territory]
    tree: RegionTree

    def counts(self) -> dict[ScanClass, int]:
        """How many scans fall in each class."""
        tally = np.bincount(self.classes, minlength=len(ScanClass))
        return {c: int(tally[c]) for c in ScanClass}

    def of(self, i: int) -> ScanClass:
        """The class of scan ``i``."""
        return ScanClass(int(self.classes[i]))

    def explain(self, i: int) -> str:
        """Why scan ``i`` has its class, in words."""
        s = self.scans
        territory = self.territories.get(s.distributors[i] or "")
        return classify_one(territory, s.regions[i], s.gtins[i], self.tree)[1]


def _check(scans: ScanTable, territories: Mapping[str, Territory], tree: RegionTree) -> None:
    for key, t in territories.items():
        if key != t.distributor_id:
            raise DiversionInputError(
                "territories", f"key {key!r} holds the territory of {t.distributor_id!r}"
            )
        unknown = sorted(code for code in t.region_codes() if code not in tree)
        if unknown:
            raise DiversionInputError(
                "territories", f"{key}: regions {unknown[:5]} are not in the region tree"
            )


def classify(
    scans: ScanTable, territories: Mapping[str, Territory], tree: RegionTree
) -> Classification:
    """The :class:`ScanClass` of every scan in ``scans``.

    Parameters
    ----------
    scans
        The scans, each with its responsible distributor and its region.
    territories
        The territory of every distributor named in ``scans``, keyed by distributor id.
    tree
        Every region named in ``scans`` and ``territories``, with its ancestors.

    Raises
    ------
    DiversionInputError
        When a distributor of ``scans`` has no territory, or a region of ``scans`` or of a
        territory is not in ``tree``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from algorithms.diversion.scans import ScanRow
    >>> tree = RegionTree.from_parents({"44": None, "4403": "44", "4419": "44", "11": None})
    >>> t = Territory.of("d1", ["4403"], contracts=[("store9", "4419")])
    >>> at = datetime(2025, 4, 1, tzinfo=UTC)
    >>> rows = [ScanRow(f"s{i}", f"u{i}", "g", at, r, "c", "d1") for i, r in
    ...         enumerate(["4403", "4419", "11", "44", None])]
    >>> c = classify(ScanTable.from_rows(rows), {"d1": t}, tree)
    >>> [c.of(i).name for i in range(5)]
    ['INSIDE', 'CONTRACTED', 'OUTSIDE', 'UNLOCATED', 'UNLOCATED']
    """
    _check(scans, territories, tree)
    d, distributors = factorize(scans.distributors)
    r, regions = factorize(scans.regions)
    p, gtins = factorize(scans.gtins)
    missing = [x for x in distributors if x not in territories]
    if missing:
        raise DiversionInputError(
            "territories", f"no territory for distributors {missing[:5]} ({len(missing)} in all)"
        )
    unknown = [x for x in regions if x not in tree]
    if unknown:
        raise DiversionInputError(
            "scans.regions", f"regions {unknown[:5]} are not in the region tree"
        )
    if (p < 0).any():
        raise DiversionInputError("scans.gtins", "every scan needs its unit's product")

    n_d, n_r, n_p = max(1, len(distributors)), max(1, len(regions)), max(1, len(gtins))
    whole = np.zeros((n_d, n_r), dtype=bool)
    contracted = np.zeros((n_d, n_r), dtype=bool)
    coarse = np.zeros((n_d, n_r), dtype=bool)
    product_keys: list[int] = []
    cover = tree.cover_index(regions)
    region_at = {code: i for i, code in enumerate(regions)}
    gtin_at = {g: i for i, g in enumerate(gtins)}
    for di, distributor in enumerate(distributors):
        territory = territories[distributor]
        for grant in territory.grants:
            inside = cover.get(grant.region_code, [])
            if not grant.gtins:
                whole[di, inside] = True
            for gtin in grant.gtins:
                if gtin in gtin_at:
                    product_keys += [(di * n_r + ri) * n_p + gtin_at[gtin] for ri in inside]
            _mark_coarser(coarse, di, grant.region_code, tree, region_at)
        for contract in territory.contracts:
            contracted[di, cover.get(contract.region_code, [])] = True
            _mark_coarser(coarse, di, contract.region_code, tree, region_at)

    known = (d >= 0) & (r >= 0)
    dd, rr = np.where(known, d, 0), np.where(known, r, 0)
    classes = np.full(len(scans), ScanClass.OUTSIDE, dtype=np.int8)
    classes[coarse[dd, rr]] = ScanClass.UNLOCATED
    classes[contracted[dd, rr]] = ScanClass.CONTRACTED
    if product_keys:
        keys = (dd.astype(np.int64) * n_r + rr) * n_p + p
        classes[np.isin(keys, np.array(product_keys, dtype=np.int64))] = (
            ScanClass.AUTHORIZED_PRODUCT
        )
    classes[whole[dd, rr]] = ScanClass.INSIDE
    classes[r < 0] = ScanClass.UNLOCATED
    classes[d < 0] = ScanClass.UNATTRIBUTED
    return Classification(
        scans, classes, d, tuple(distributors), r, tuple(regions), territories, tree
    )


def _mark_coarser(
    coarse: NDArray[np.bool_],
    di: int,
    region: str,
    tree: RegionTree,
    region_at: Mapping[str, int],
) -> None:
    for area in tree.chains[region][1:]:
        ri = region_at.get(area)
        if ri is not None:
            coarse[di, ri] = True


def classify_one(
    territory: Territory | None, region: str | None, gtin: str, tree: RegionTree
) -> tuple[ScanClass, str]:
    """The class of one scan of product ``gtin`` in ``region`` and why, in words; the same
    decision :func:`classify` makes for a table.

    Examples
    --------
    >>> tree = RegionTree.from_parents({"44": None, "4403": "44", "4419": "44"})
    >>> t = Territory.of("d1", ["4403"], product_grants=[("4419", ["g1"])])
    >>> classify_one(t, "4419", "g1", tree)
    (<ScanClass.AUTHORIZED_PRODUCT: 1>, 'd1 is authorized for product g1 in 4419, which holds 4419')
    >>> classify_one(t, "4419", "g2", tree)[0].name
    'OUTSIDE'
    """
    if territory is None:
        return ScanClass.UNATTRIBUTED, "no distributor answers for the unit"
    who = territory.distributor_id
    if region is None:
        return ScanClass.UNLOCATED, "the scan has no region"
    if region not in tree:
        raise DiversionInputError("region", f"{region!r} is not in the region tree")
    chain = tree.chains[region]
    for grant in territory.grants:
        if not grant.gtins and grant.region_code in chain:
            return ScanClass.INSIDE, f"{region} lies within {who}'s territory {grant.region_code}"
    for grant in territory.grants:
        if grant.region_code in chain and grant.covers(gtin):
            return (
                ScanClass.AUTHORIZED_PRODUCT,
                f"{who} is authorized for product {gtin} in {grant.region_code}, "
                f"which holds {region}",
            )
    for contract in territory.contracts:
        if contract.region_code in chain:
            return (
                ScanClass.CONTRACTED,
                f"{who} has a contract to supply {contract.party_id} in {contract.region_code}",
            )
    coarser = _coarser_than(territory, region, tree)
    if coarser is not None:
        return (
            ScanClass.UNLOCATED,
            f"{region} is coarser than {coarser} of {who}'s territory: inside or outside "
            "cannot be told",
        )
    return ScanClass.OUTSIDE, f"{region} lies outside {who}'s territory and contracts"


def _coarser_than(territory: Territory, region: str, tree: RegionTree) -> str | None:
    named: Sequence[str] = sorted(territory.region_codes())
    return next((code for code in named if region in tree.chains[code][1:]), None)
