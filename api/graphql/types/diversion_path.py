"""``diversionPath`` answers: a unit's custody steps, in or out of the authorized channel,
and its leak hop; typed answers for a unit never diverted and for an unknown code."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.queries.arguments import parse_code
from api.graphql.types.errors import UnknownCode
from api.graphql.types.problem import Problem
from services.diversion import UnitPath

__all__ = [
    "DiversionLeak",
    "DiversionPath",
    "DiversionPathResult",
    "DiversionStep",
    "NotDiverted",
    "resolve_path",
]


@strawberry.enum(description="What moved the unit.")
class DiversionStepKind(Enum):
    MADE = "made"
    TRANSFER = "transfer"
    SCAN = "scan"


@strawberry.enum(description="How the unit left the authorized channel.")
class LeakKind(Enum):
    OFF_CONTRACT_SHIPMENT = "off_contract_shipment"
    UNRECORDED_TRANSFER = "unrecorded_transfer"


@strawberry.type(description="A party or region by key, with its name when the graph has one.")
class NamedKey:
    key: str
    name: str | None


@strawberry.type(description="One custody step and whether it stayed in the authorized channel.")
class DiversionStep:
    kind: DiversionStepKind
    at: datetime
    party: NamedKey = strawberry.field(
        description="The plant (made), the receiver (transfer) or the scanner (scan)."
    )
    source: NamedKey | None = strawberry.field(description="The sender of a transfer.")
    region: NamedKey | None
    in_channel: bool
    reason: str
    evidence: list[str] = strawberry.field(description="Event ids (transfers) or scan ids.")


@strawberry.type(description="Where the unit left the channel.")
class DiversionLeak:
    kind: LeakKind
    last_in_channel: DiversionStep | None = strawberry.field(
        description="The last custodian inside the authorized channel."
    )
    first_out: DiversionStep = strawberry.field(description="The first step that left it.")
    evidence: list[str]
    summary: str


@strawberry.type(description="A unit that left the authorized channel, and where.")
class DiversionPath:
    code: str
    gtin: str
    steps: list[DiversionStep]
    leak: DiversionLeak


@strawberry.type(description="A unit whose every step stayed in the authorized channel.")
class NotDiverted:
    code: str
    gtin: str
    steps: list[DiversionStep]


DiversionPathResult = Annotated[
    DiversionPath | NotDiverted | UnknownCode | Problem, strawberry.union("DiversionPathResult")
]


def _named(key: str | None, names: dict[str, str]) -> NamedKey | None:
    return None if key is None else NamedKey(key=key, name=names.get(key))


def _step(marked: Any, names: dict[str, str]) -> DiversionStep:
    s = marked.step
    return DiversionStep(
        kind=DiversionStepKind(s.kind.value),
        at=s.at,
        party=NamedKey(key=s.party_id, name=names.get(s.party_id)),
        source=_named(s.source_id, names),
        region=_named(s.region_code, names),
        in_channel=marked.in_channel,
        reason=marked.reason,
        evidence=list(s.evidence),
    )


def from_unit_path(found: UnitPath) -> DiversionPath | NotDiverted:
    path, names = found.path, dict(found.names)
    steps = [_step(s, names) for s in path.steps]
    leak = path.leak
    if leak is None:
        return NotDiverted(code=path.code, gtin=path.gtin, steps=steps)
    marks = {id(s.step): s for s in path.steps}
    last = leak.last_in_channel
    return DiversionPath(
        code=path.code,
        gtin=path.gtin,
        steps=steps,
        leak=DiversionLeak(
            kind=LeakKind(leak.kind.value),
            last_in_channel=None if last is None else _step(marks[id(last)], names),
            first_out=_step(marks[id(leak.first_out)], names),
            evidence=list(leak.evidence),
            summary=leak.summary,
        ),
    )


async def resolve_path(info: Info[Context, Any], code: str) -> DiversionPathResult:
    unit = parse_code("code", code)
    if isinstance(unit, Problem):
        return unit
    found = await asyncio.to_thread(info.context.services.diversion.path, unit.epc)
    if found is None:
        return UnknownCode(code=unit.epc, message=f"no unit {unit.epc} is known")
    return from_unit_path(found)
