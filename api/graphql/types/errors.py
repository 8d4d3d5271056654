"""Expected failures of yima's queries and mutations, as typed results."""

from __future__ import annotations

import strawberry

__all__ = ["InvalidArgument", "UnknownCode", "UnknownLot"]


@strawberry.type(description="An argument that cannot be used, named with the reason.")
class InvalidArgument:
    argument: str = strawberry.field(description="The argument at fault, e.g. `id`, `first`.")
    reason: str
    message: str


@strawberry.type(description="A well-formed code that yima never commissioned.")
class UnknownCode:
    code: str = strawberry.field(description="The code in canonical form (EPC URN).")
    message: str


@strawberry.type(description="A lot with no commissioned units.")
class UnknownLot:
    lot: str
    message: str
