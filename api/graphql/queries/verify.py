"""``verify(code)``: is the code ours, its status, its scans, and a plain verdict."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.dataloaders import provenance_loaders
from api.graphql.queries.arguments import parse_code
from api.graphql.types.problem import Problem
from api.graphql.types.verification import Verification

__all__ = ["VerifyResult", "verify"]

VerifyResult = Annotated[Verification | Problem, strawberry.union("VerifyResult")]


async def verify(
    info: Info[Context, Any],
    code: Annotated[str, strawberry.argument(description="The code in any form.")],
) -> VerifyResult:
    """Verification of one code (read only: nothing is recorded; see `recordScan`)."""
    unit = parse_code("code", code)
    if isinstance(unit, Problem):
        return unit
    facts = await provenance_loaders(info.context).verify.load(unit.epc)
    return Verification.from_domain(facts)
