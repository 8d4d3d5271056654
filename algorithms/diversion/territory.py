"""Where a distributor may sell: its grants (regions, with products) and contracted parties.

This mirrors the graph's ``(Distributor)-[:AUTHORIZED_IN {products}]->(Region)`` and
``(Distributor)-[:SUPPLIES]->(Party)-[:IN]->(Region)``: a grant without products covers every
product; a contracted downstream party makes its region a legitimate destination for the
distributor's goods even outside the granted regions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from algorithms.diversion.errors import DiversionInputError

__all__ = ["Contract", "Grant", "Territory"]


@dataclass(frozen=True, slots=True)
class Grant:
    """Authorization to sell in ``region_code`` (and every region within it): the products
    ``gtins``, or every product when empty."""

    region_code: str
    gtins: frozenset[str] = frozenset()

    def covers(self, gtin: str) -> bool:
        """Whether this grant includes product ``gtin``.

        >>> Grant("440300").covers("06917821100014"), Grant("440300", frozenset({"x"})).covers("y")
        (True, False)
        """
        return not self.gtins or gtin in self.gtins


@dataclass(frozen=True, slots=True)
class Contract:
    """A contracted downstream party of the distributor and the region it sits in."""

    party_id: str
    region_code: str


@dataclass(frozen=True, slots=True)
class Territory:
    """A distributor's authorized regions and contracted downstream parties.

    Examples
    --------
    >>> t = Territory.of("d1", ["440300"], contracts=[("s9", "441900")])
    >>> [g.region_code for g in t.grants], t.contracts[0].region_code
    (['440300'], '441900')
    """

    distributor_id: str
    grants: tuple[Grant, ...] = ()
    contracts: tuple[Contract, ...] = ()

    def __post_init__(self) -> None:
        if not self.distributor_id:
            raise DiversionInputError("territory.distributor_id", "must not be empty")

    @classmethod
    def of(
        cls,
        distributor_id: str,
        regions: Iterable[str],
        *,
        product_grants: Iterable[tuple[str, Iterable[str]]] = (),
        contracts: Iterable[tuple[str, str]] = (),
    ) -> Territory:
        """A territory of whole-catalogue ``regions``, product grants ``(region, gtins)`` and
        contracted ``(party id, region)`` pairs."""
        grants = [Grant(r) for r in regions]
        grants += [Grant(r, frozenset(g)) for r, g in product_grants]
        return cls(distributor_id, tuple(grants), tuple(Contract(p, r) for p, r in contracts))

    def region_codes(self) -> frozenset[str]:
        """Every region code the territory names (grants and contracted parties)."""
        return frozenset(g.region_code for g in self.grants) | {
            c.region_code for c in self.contracts
        }
