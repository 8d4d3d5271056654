"""The demo world: master data of a brand's network plus the routes its goods take."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from graph_model.master import Distributor, MasterData, Region, Store

__all__ = ["CHINA_TZ", "DEFAULT_START", "Route", "World"]

CHINA_TZ: Final = timezone(timedelta(hours=8))
DEFAULT_START: Final = datetime(2025, 3, 3, tzinfo=CHINA_TZ)
"""Midnight of the first production day (a Monday)."""


@dataclass(frozen=True, slots=True)
class Route:
    """Goods move from ``supplier_id`` to ``customer_id``; ``weight`` is the share of the
    supplier's outbound goods relative to its other routes.

    The contracted channel (:class:`~graph_model.master.Supply`) says who *may* supply whom;
    routes say where goods actually go. They agree in the plain world; an anomaly planter adds
    routes outside the contract (a diversion) without touching the contract.
    """

    supplier_id: str
    customer_id: str
    weight: float


@dataclass(frozen=True, slots=True)
class World:
    """A brand network in China: who makes, who sells, who buys, and how goods flow.

    Build one with :func:`loaders.demo.build_world`; :func:`loaders.demo.simulate` turns it
    into EPCIS documents. ``master`` is ready for the master-data repository.
    """

    seed: int
    units: int
    company_prefix: str
    brand: str
    start: datetime
    master: MasterData
    routes: tuple[Route, ...]

    def __post_init__(self) -> None:
        if self.units < 1:
            raise ValueError(f"units must be at least 1, got {self.units}")
        if not self.master.plants or not self.master.lines or not self.master.products:
            raise ValueError("master: a world needs plants, lines and products")

    @property
    def national(self) -> Distributor:
        """The national distributor (tier 1)."""
        return next(d for d in self.master.distributors if d.tier == 1)

    def distributors_of_tier(self, tier: int) -> list[Distributor]:
        """Distributors of ``tier`` (1 national, 2 provincial, 3 city)."""
        return [d for d in self.master.distributors if d.tier == tier]

    @property
    def stores(self) -> tuple[Store, ...]:
        return self.master.stores

    @property
    def regions_by_code(self) -> Mapping[str, Region]:
        return {r.code: r for r in self.master.regions}
