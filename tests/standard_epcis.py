"""A supply chain as other EPCIS systems write it, for tests of custody and transformations.

Parties are organisations named by PGLN (``urn:epc:id:pgln:…``) that hold goods at locations
named by SGLN; each test names them one of the ways deployed systems do:

- ``"pgln+sgln"``: ``owning_party`` PGLN and ``location`` SGLN in the source / destination list;
- ``"pgln"``: the ``owning_party`` PGLN alone;
- ``"sgln"``: the SGLN as ``owning_party`` (yima's own demo world does this).

The receiving event names only the ``owning_party`` of each end and quotes no despatch advice
unless asked, as many systems send it. Every id carries the test's ``ns``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tests.factories import document

Naming = Literal["pgln+sgln", "pgln", "sgln"]


@dataclass(frozen=True, slots=True)
class Org:
    """An organisation and its one site."""

    name: str
    pgln: str
    sgln: str


class StandardWorld:
    """Builds the events of one chain; ``events`` keeps them in the order they were made."""

    def __init__(self, ns: str, units: int = 6) -> None:
        self.ns = ns
        digits = "".join(str(ord(c) % 10) for c in ns)[:8].ljust(8, "0")
        self.prefix = "69" + digits[:5]
        self._digits = digits
        self.units = [f"urn:epc:id:sgtin:{self.prefix}.012345.{ns}u{i}" for i in range(units)]
        self.lot = f"L{ns}"
        self.events: list[dict[str, Any]] = []
        self._clock = 0
        self._packages = 0

    # -- names ----------------------------------------------------------------------------
    def org(self, name: str, number: int) -> Org:
        return Org(
            name,
            f"urn:epc:id:pgln:{self.prefix}.{number:05d}",
            f"urn:epc:id:sgln:{self.prefix}.{number:05d}.0",
        )

    def package(self) -> str:
        self._packages += 1
        return f"urn:epc:id:sscc:{self.prefix}.{self._digits[5:]}{self._packages:07d}"

    def desadv(self, n: int) -> str:
        return f"urn:yima:desadv:{self.ns}-{n}"

    # -- events ---------------------------------------------------------------------------
    def _event(self, **fields: Any) -> dict[str, Any]:
        self._clock += 1
        day, hour = divmod(self._clock, 20)
        event = {
            "type": "ObjectEvent",
            "eventTime": f"2026-02-{1 + day:02d}T{hour + 2:02d}:00:00+08:00",
            "eventTimeZoneOffset": "+08:00",
            "eventID": f"urn:uuid:00000000-0000-4000-8000-{self.ns[-10:]}{self._clock:02d}",
            **fields,
        }
        self.events.append(event)
        return event

    def commission(self, at: Org) -> dict[str, Any]:
        return self._event(
            action="ADD", bizStep="commissioning", disposition="active", epcList=self.units,
            bizLocation={"id": at.sgln}, ilmd={"cbvmda:lotNumber": self.lot},
        )  # fmt: skip

    def pack(self, parent: str, children: list[str]) -> dict[str, Any]:
        return self._event(
            type="AggregationEvent", action="ADD", bizStep="packing", parentID=parent,
            childEPCs=children,
        )  # fmt: skip

    def unpack(self, parent: str) -> dict[str, Any]:
        return self._event(
            type="AggregationEvent", action="DELETE", bizStep="unpacking", parentID=parent,
            childEPCs=[],
        )  # fmt: skip

    @staticmethod
    def _end(
        kind: str, org: Org, naming: Naming, located: bool, possessor: Org | None = None
    ) -> list[dict[str, str]]:
        if possessor is not None:  # a 3PL holds the owner's goods at its own site
            end = [
                {"type": "owning_party", kind: org.pgln},
                {"type": "possessing_party", kind: possessor.pgln},
            ]
            return end + ([{"type": "location", kind: possessor.sgln}] if located else [])
        if naming == "sgln":
            return [{"type": "owning_party", kind: org.sgln}]
        end = [{"type": "owning_party", kind: org.pgln}]
        if naming == "pgln+sgln" and located:
            end.append({"type": "location", kind: org.sgln})
        return end

    def _transfer(
        self, step: str, epcs: list[str], at: Org, sources: list[dict[str, str]],
        destinations: list[dict[str, str]], desadv: str | None,
    ) -> dict[str, Any]:  # fmt: skip
        extra = (
            {"bizTransactionList": [{"type": "desadv", "bizTransaction": desadv}]} if desadv else {}
        )
        return self._event(
            action="OBSERVE", bizStep=step,
            disposition="in_transit" if step == "shipping" else "in_progress", epcList=epcs,
            bizLocation={"id": at.sgln}, sourceList=sources, destinationList=destinations,
            **extra,
        )  # fmt: skip

    def ship(
        self,
        epcs: list[str],
        source: Org,
        destination: Org,
        *,
        naming: Naming = "pgln+sgln",
        desadv: str | None = None,
        source_possessor: Org | None = None,
        destination_possessor: Org | None = None,
    ) -> dict[str, Any]:
        return self._transfer(
            "shipping", epcs, source_possessor or source,
            self._end("source", source, naming, True, source_possessor),
            self._end("destination", destination, naming, True, destination_possessor),
            desadv,
        )  # fmt: skip

    def receive(
        self,
        epcs: list[str],
        source: Org,
        destination: Org,
        *,
        naming: Naming = "pgln+sgln",
        desadv: str | None = None,
        destination_possessor: Org | None = None,
    ) -> dict[str, Any]:
        # Receiving events name the parties of each end only, as many systems send them.
        return self._transfer(
            "receiving", epcs, destination_possessor or destination,
            self._end("source", source, naming, False),
            self._end("destination", destination, naming, False, destination_possessor),
            desadv,
        )  # fmt: skip

    def sell(self, epcs: list[str], at: Org) -> dict[str, Any]:
        return self._event(
            action="OBSERVE", bizStep="retail_selling", disposition="retail_sold", epcList=epcs,
            bizLocation={"id": at.sgln},
        )  # fmt: skip

    def document(self, events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return document(self.events if events is None else events)

    def time(self, event: dict[str, Any]) -> str:
        return str(event["eventTime"])
