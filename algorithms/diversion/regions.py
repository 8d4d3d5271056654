"""Which region lies within which: region codes with their chains of ancestors.

Provinces contain prefecture-level cities, and a brand's own territories name a parent
(an adcode or another territory). Territories are checked against a scan's region by
walking that chain, so a grant for a province covers every city and custom territory in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from algorithms.diversion.errors import DiversionInputError

__all__ = ["RegionTree"]


@dataclass(frozen=True, slots=True, eq=False)
class RegionTree:
    """Each known region code with its chain: the code itself, its parent, its grandparent, ….

    Build one with :meth:`from_parents`.

    Examples
    --------
    >>> tree = RegionTree.from_parents({"440000": None, "440300": "440000", "bay": "440300"})
    >>> tree.chains["bay"]
    ('bay', '440300', '440000')
    >>> tree.within("bay", "440000"), tree.within("440000", "bay")
    (True, False)
    """

    chains: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_parents(cls, parents: Mapping[str, str | None]) -> RegionTree:
        """The tree of ``parents`` (region code -> parent code, None for a root).

        Raises
        ------
        DiversionInputError
            When a parent is not itself a key, or the parents form a cycle.
        """
        for key, parent in parents.items():
            if not isinstance(key, str) or not key:
                raise DiversionInputError("regions", f"codes must be non-empty text, got {key!r}")
            if parent is not None and parent not in parents:
                raise DiversionInputError(
                    "regions", f"parent {parent!r} of {key!r} is not a known region"
                )
        chains: dict[str, tuple[str, ...]] = {}
        for start in parents:
            path: list[str] = []
            code: str | None = start
            while code is not None and code not in chains:
                if code in path:
                    cycle = " -> ".join([*path[path.index(code) :], code])
                    raise DiversionInputError("regions", f"parents form a cycle: {cycle}")
                path.append(code)
                code = parents[code]
            tail = chains[code] if code is not None else ()
            for i in range(len(path) - 1, -1, -1):
                tail = (path[i], *tail)
                chains[path[i]] = tail
        return cls(chains)

    def __contains__(self, code: object) -> bool:
        return code in self.chains

    def within(self, code: str, area: str) -> bool:
        """Whether region ``code`` is ``area`` or lies inside it."""
        return area in self.chains[code]

    def cover_index(self, codes: Sequence[str]) -> dict[str, list[int]]:
        """For every region, the positions in ``codes`` of the regions that lie within it.

        >>> tree = RegionTree.from_parents({"44": None, "4403": "44", "4401": "44"})
        >>> tree.cover_index(["4403", "4401"])["44"]
        [0, 1]
        """
        cover: dict[str, list[int]] = {}
        for i, code in enumerate(codes):
            for area in self.chains[code]:
                cover.setdefault(area, []).append(i)
        return cover
