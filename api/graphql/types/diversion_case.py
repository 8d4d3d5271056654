"""``DiversionCase``: one dealer's goods surfacing in one foreign region in one period."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from graph_model.diversion import CaseLevel
from graph_model.diversion import StoredCase as StoredCaseValue

if TYPE_CHECKING:
    from api.graphql.types.diversion_path import DiversionPathResult

__all__ = ["DiversionCase", "DiversionParty", "DiversionRegion", "DiversionSeverity"]

DiversionSeverity = strawberry.enum(
    CaseLevel, name="DiversionSeverity", description="A case's level, for work queues."
)


@strawberry.type(description="A party named by diversion: the responsible distributor.")
class DiversionParty:
    id: str
    name: str | None


@strawberry.type(description="A region named by diversion: where goods surfaced.")
class DiversionRegion:
    code: str
    name: str | None


@strawberry.type(
    description="Units of one responsible distributor surfacing outside its territory, in "
    "one region and one calendar period; raised by an explicit rule (see `rules`)."
)
class DiversionCase:
    id: strawberry.ID = strawberry.field(
        description="Stable: the same distributor, region and period give the same id."
    )
    responsible: DiversionParty
    destination: DiversionRegion
    period: str = strawberry.field(description="Calendar month (China Standard Time).")
    units: int
    scans: int
    consumers: int = strawberry.field(description="Distinct scanners.")
    sibling_units: int = strawberry.field(
        description="Units sharing a case or pallet with another unit surfaced there."
    )
    distance_km: float | None = strawberry.field(description="From the territory.")
    first_seen: datetime
    last_seen: datetime
    severity: DiversionSeverity  # type: ignore[valid-type]
    score: float = strawberry.field(description="Severity score, 0 to 1.")
    rule: str = strawberry.field(description="The first rule that raised the case.")
    rules: list[str] = strawberry.field(description="Every rule that fired.")
    reasons: list[str] = strawberry.field(description="Plain-language reasons.")
    gtins: list[str]
    detected_at: datetime
    sample_code: strawberry.Private[str | None]

    @strawberry.field(description="The leak path of one unit of the case (its first unit).")
    async def path(
        self, info: Info[Context, Any]
    ) -> Annotated[DiversionPathResult, strawberry.lazy("api.graphql.types.diversion_path")]:
        from api.graphql.types.diversion_path import resolve_path

        return await resolve_path(info, self.sample_code or "")

    @classmethod
    def from_domain(cls, case: StoredCaseValue) -> DiversionCase:
        return cls(
            id=strawberry.ID(case.id),
            responsible=DiversionParty(id=case.distributor_id, name=case.distributor_name),
            destination=DiversionRegion(code=case.region_code, name=case.region_name),
            period=case.period,
            units=case.units,
            scans=case.scans,
            consumers=case.consumers,
            sibling_units=case.sibling_units,
            distance_km=case.distance_km,
            first_seen=case.first_seen,
            last_seen=case.last_seen,
            severity=case.severity,
            score=case.score,
            rule=case.rule,
            rules=list(case.rules),
            reasons=list(case.reasons),
            gtins=list(case.gtins),
            detected_at=case.detected_at,
            sample_code=case.sample_code,
        )
