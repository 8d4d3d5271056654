"""The plain verdict of a verification."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_model.verdict import Verdict as VerdictRecord

__all__ = ["Verdict", "VerdictLevel"]


@strawberry.enum(description="How far to trust the unit in hand.")
class VerdictLevel(Enum):
    GENUINE = "genuine"
    CAUTION = "caution"
    SUSPECT = "suspect"
    COUNTERFEIT = "counterfeit"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="A one-line summary for the person scanning, and why.")
class Verdict:
    level: VerdictLevel
    summary: str
    reasons: list[str]

    @classmethod
    def from_domain(cls, verdict: VerdictRecord) -> Verdict:
        return cls(
            level=VerdictLevel(verdict.level.value),
            summary=verdict.summary,
            reasons=list(verdict.reasons),
        )
