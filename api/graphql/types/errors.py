"""Answers for well-formed requests about things yima does not hold."""

from __future__ import annotations

import strawberry

__all__ = ["UnknownCode", "UnknownLot"]


@strawberry.type(description="A well-formed code that yima never commissioned.")
class UnknownCode:
    code: str = strawberry.field(description="The code in canonical form (EPC URN).")
    message: str


@strawberry.type(description="A lot with no commissioned units.")
class UnknownLot:
    lot: str
    message: str
