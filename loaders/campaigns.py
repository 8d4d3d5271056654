"""The campaign file (``yima campaign load FILE``): JSON campaigns -> :class:`CampaignSpec`.

The file is one campaign object, a list of them, or ``{"campaigns": [...]}``; each object has
the fields of GraphQL's ``CampaignInput``::

    {"id": "spring-2026", "name": "Spring scan-to-win",
     "start": "2026-03-01T00:00:00+08:00", "end": "2026-06-01T00:00:00+08:00",
     "budget": 50000, "products": ["06901234123457"], "regions": ["320000"],
     "storeReward": 0.5, "staffReward": 0.2, "personalisation": {"maxBoost": 0.5},
     "levels": [{"level": "first", "quantity": 10, "amount": 88, "probability": 0.001,
                 "points": 100}, ...]}

Every problem is reported with its path (``campaigns[1].levels[0].amount``); nothing is saved
unless the whole file is good.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph_model.campaigns import CampaignSpec, check_campaign_spec
from graph_model.errors import FieldProblem, InvalidField

__all__ = ["parse_campaigns", "read_campaign_file"]


class _Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: str
    quantity: int
    amount: float
    probability: float
    points: int = 0


class _Personalisation(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    max_boost: float = Field(default=0.0, alias="maxBoost")


class _Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str
    name: str
    start: datetime
    end: datetime
    budget: float
    levels: list[_Level]
    products: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    store_reward: float = Field(default=0.0, alias="storeReward")
    staff_reward: float = Field(default=0.0, alias="staffReward")
    personalisation: _Personalisation | None = None


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def parse_campaigns(data: Any, prefix: str = "campaigns") -> list[CampaignSpec]:
    """The campaigns of a decoded campaign file, or :class:`InvalidField` naming every
    problem."""
    if isinstance(data, dict) and "campaigns" in data:
        data = data["campaigns"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InvalidField(prefix, "must be a campaign object or a non-empty list of them")
    problems: list[FieldProblem] = []
    specs: list[CampaignSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        at = f"{prefix}[{i}]"
        try:
            row = _Campaign.model_validate(item)
        except ValidationError as exc:
            problems.extend(
                FieldProblem(at + "." + _path(tuple(e["loc"])), e["msg"]) for e in exc.errors()
            )
            continue
        if row.id in seen:
            problems.append(FieldProblem(f"{at}.id", f"{row.id!r} is listed twice"))
        seen.add(row.id)
        try:
            specs.append(check_campaign_spec(CampaignSpec.from_fields(row), prefix=at + "."))
        except InvalidField as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidField.of(problems)
    return specs


def read_campaign_file(path: Path) -> list[CampaignSpec]:
    """The campaigns of the JSON file at ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidField(str(path), f"cannot read the campaign file: {exc}") from exc
    return parse_campaigns(data)
