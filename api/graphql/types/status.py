"""The status of a code, from the disposition of its latest event."""

from __future__ import annotations

from enum import Enum

import strawberry

__all__ = ["CodeStatus"]


@strawberry.enum(description="Where a unit is in its life; UNKNOWN for codes never issued.")
class CodeStatus(Enum):
    ACTIVE = "active"
    SOLD = "sold"
    CONSUMED = "consumed"
    DECOMMISSIONED = "decommissioned"
    RECALLED = "recalled"
    DESTROYED = "destroyed"
    STOLEN = "stolen"
    EXPIRED = "expired"
    DAMAGED = "damaged"
    NON_SELLABLE = "non_sellable"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: str | None, issued: bool = True) -> CodeStatus:
        if not issued:
            return cls.UNKNOWN
        try:
            return cls(value or "active")
        except ValueError:
            return cls.UNKNOWN
