"""The fitted models of campaign risk control and personalised odds, and what they are
trained on.

A model is stored as its parameters (plain numbers as JSON, never a pickle) on one node per
kind, so every API process reads the same model from the database it already uses::

    (:CampaignModel {id = kind, params, features, samples, trainedAt})

Training reads the feature vectors the scan path stored with each risk decision
(``RiskDecision.features``), and every consumer's scan times.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, LiteralString

from graph_model.database import Database

__all__ = ["CampaignModelRepository", "StoredModel"]

_SAVE: Final[LiteralString] = """
MERGE (m:CampaignModel {id: $kind})
SET m.params = $params, m.features = $features, m.samples = $samples,
    m.trainedAt = datetime($at)
"""

_STAMP: Final[LiteralString] = """
MATCH (m:CampaignModel {id: $kind}) RETURN m.trainedAt AS at
"""

_LOAD: Final[LiteralString] = """
MATCH (m:CampaignModel {id: $kind})
RETURN m.params AS params, m.samples AS samples, m.trainedAt AS at
"""

_FEATURES: Final[LiteralString] = """
MATCH (d:RiskDecision)
WHERE d.features IS NOT NULL AND d.at >= datetime($since) AND size(d.features) = $width
      AND ($campaign IS NULL OR d.campaign = $campaign)
WITH d.scan AS scan, head(collect(d.features)) AS features, max(d.at) AS at
RETURN features ORDER BY at DESC LIMIT $limit
"""

_HISTORIES: Final[LiteralString] = """
MATCH (s:Scan)
WHERE s.at >= datetime($since) AND s.at < datetime($until) AND s.kind = 'consumer'
      AND s.actor IS NOT NULL
      AND ($region IS NULL OR s.region = $region
           OR EXISTS { (:Region {code: s.region})-[:WITHIN*1..3]->(:Region {code: $region}) })
RETURN s.actor AS actor, collect(s.at.epochSeconds) AS times
"""


@dataclass(frozen=True, slots=True)
class StoredModel:
    kind: str
    params: dict[str, Any]
    samples: int
    trained_at: datetime


class CampaignModelRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(
        self, kind: str, params: Mapping[str, Any], features: list[str], samples: int,
        at: datetime,
    ) -> None:  # fmt: skip
        """Replace the model of ``kind`` (one write; readers see the old or the new one)."""
        self._db.write(
            lambda tx: tx.run(
                _SAVE, kind=kind, params=json.dumps(params, separators=(",", ":")),
                features=features, samples=samples, at=at.isoformat(),
            ).consume()
        )  # fmt: skip

    def trained_at(self, kind: str) -> datetime | None:
        """When the model of ``kind`` was trained; ``None`` when there is none."""
        rows = self._db.read(_STAMP, kind=kind)
        if not rows or rows[0]["at"] is None:
            return None
        at: datetime = rows[0]["at"].to_native()
        return at

    def load(self, kind: str) -> StoredModel | None:
        rows = self._db.read(_LOAD, kind=kind)
        if not rows:
            return None
        row = rows[0]
        return StoredModel(kind, json.loads(row["params"]), int(row["samples"]),
                           row["at"].to_native())  # fmt: skip

    def decision_features(
        self, since: datetime, width: int, limit: int, campaign: str | None = None
    ) -> list[list[float]]:
        """The feature vectors of the latest ``limit`` decided scans since ``since`` (one per
        scan, whatever the number of campaigns that covered it), of one campaign when
        named."""
        rows = self._db.read(
            _FEATURES, since=since.isoformat(), width=width, limit=limit, campaign=campaign
        )
        return [[float(v) for v in r["features"]] for r in rows]

    def consumer_histories(
        self, since: datetime, until: datetime, region: str | None = None
    ) -> dict[str, list[float]]:
        """Every consumer's scan times (epoch seconds) from ``since`` until before ``until``;
        with ``region``, only the scans in it (or in a region within it)."""
        rows = self._db.read(
            _HISTORIES, since=since.isoformat(), until=until.isoformat(), region=region
        )
        return {r["actor"]: [float(t) for t in r["times"]] for r in rows}
