"""Which organisation a location belongs to, as master data declares it.

An organisation (a PGLN, a GLN, or the SGLN of a party known only by its site) holds goods at
locations (SGLNs). Events often name a custodian by its location in one place and by its PGLN
in the next; the graph links ``(:Location {id})-[:OF]->(:Party {id})`` so both read as one
custodian. Capture learns the link from events naming both; master data may declare it, and a
declaration wins over what events imply.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_model.errors import InvalidField

__all__ = ["LocationOf"]

_LOCATION_PREFIXES = ("urn:epc:id:sgln:", "https://id.gs1.org/414/", "http://id.gs1.org/414/")
_PARTY_PREFIXES = ("urn:epc:id:pgln:", "urn:epc:id:sgln:", "https://id.gs1.org/417/",
                   "https://id.gs1.org/414/", "urn:")  # fmt: skip


@dataclass(frozen=True, slots=True)
class LocationOf:
    """``location`` (an SGLN) belongs to the organisation ``party``.

    >>> LocationOf("urn:epc:id:sgln:6901234.00010.0", "urn:epc:id:pgln:6901234.00010").party
    'urn:epc:id:pgln:6901234.00010'
    >>> LocationOf("warehouse 7", "urn:epc:id:pgln:6901234.00010")
    Traceback (most recent call last):
    ...
    graph_model.errors.InvalidField: location: 'warehouse 7' is not an SGLN (...)
    """

    location: str
    party: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.location.startswith(_LOCATION_PREFIXES):
            raise InvalidField(
                "location",
                f"{self.location!r} is not an SGLN (urn:epc:id:sgln:... or a /414/ Digital Link)",
            )
        if not self.party.startswith(_PARTY_PREFIXES):
            raise InvalidField(
                "party", f"{self.party!r} is not a party identifier (a PGLN, GLN or SGLN URN)"
            )
        if self.party == self.location:
            raise InvalidField("party", "a location cannot belong to itself")
