"""Train the campaign models on what the graph holds, and keep them at hand for the scan path.

Two models, each stored as plain parameters on a ``(:CampaignModel {id})`` node so every API
process uses the same one (:mod:`graph_model.repositories.campaign_models`):

- the anomaly model (:mod:`algorithms.campaigns.anomaly`), an isolation forest on the feature
  vectors the scan path stored with each past risk decision;
- the value model (:mod:`algorithms.campaigns.value`), a logistic regression of a repurchase
  within a horizon on each consumer's recency, frequency and tenure before a cut-off.

:class:`ModelCache` gives the scan path the current models: it asks the database when a
model was trained at most every ``check_seconds`` and reads its parameters again only when
that changed. Without a trained model the signal is absent (``None``), never made up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from algorithms.campaigns.anomaly import AnomalyModel, fit_anomaly
from algorithms.campaigns.errors import CampaignInputError
from algorithms.campaigns.features import ANOMALY_FEATURES
from algorithms.campaigns.value import (
    VALUE_FEATURES,
    ValueModel,
    fit_value,
    repurchase_examples,
)
from graph_model.database import Database
from graph_model.errors import InvalidField
from graph_model.repositories.campaign_models import CampaignModelRepository

__all__ = [
    "ANOMALY_MODEL",
    "VALUE_MODEL",
    "ModelCache",
    "TrainedModel",
    "train_anomaly_model",
    "train_value_model",
]

ANOMALY_MODEL: Final = "anomaly"
VALUE_MODEL: Final = "value"


@dataclass(frozen=True, slots=True)
class TrainedModel:
    name: str
    samples: int
    trained_at: datetime
    #: What training saw, in words (share of consumers who came back, ...).
    detail: str


def train_anomaly_model(
    db: Database,
    now: datetime,
    *,
    name: str = ANOMALY_MODEL,
    days: float = 90.0,
    limit: int = 200_000,
    campaign: str | None = None,
    seed: int = 0,
) -> TrainedModel:
    """Fit the anomaly model on the latest ``limit`` decided scans of the last ``days`` (of
    one campaign when named) and store it as ``name``; :class:`InvalidField` when there are
    too few."""
    repository = CampaignModelRepository(db)
    rows = repository.decision_features(
        now - timedelta(days=days), len(ANOMALY_FEATURES), limit, campaign
    )
    try:
        model = fit_anomaly(rows, ANOMALY_FEATURES, seed=seed)
    except CampaignInputError as exc:
        raise InvalidField("history", str(exc)) from None
    repository.save(name, model.to_params(), list(ANOMALY_FEATURES), model.samples, now)
    return TrainedModel(name, model.samples, now, f"{len(model.trees)} isolation trees")


def train_value_model(
    db: Database,
    now: datetime,
    *,
    name: str = VALUE_MODEL,
    days: float = 365.0,
    horizon_days: float = 30.0,
    region: str | None = None,
) -> TrainedModel:
    """Fit the value model on consumers' scans of the last ``days`` (in ``region`` when
    named): features up to ``horizon_days`` ago, the label whether they scanned again since;
    stored as ``name``."""
    if not 0 < horizon_days < days:
        raise InvalidField("horizon", f"must be between 0 and {days:g} days")
    repository = CampaignModelRepository(db)
    histories = repository.consumer_histories(now - timedelta(days=days), now, region)
    cutoff = (now - timedelta(days=horizon_days)).timestamp()
    rows, labels = repurchase_examples(histories, cutoff, horizon_days)
    try:
        model = fit_value(rows, labels)
    except CampaignInputError as exc:
        raise InvalidField("history", str(exc)) from None
    repository.save(name, model.to_params(), list(VALUE_FEATURES), model.samples, now)
    detail = f"{100 * model.base_rate:.1f} % came back within {horizon_days:g} days"
    return TrainedModel(name, model.samples, now, detail)


class ModelCache:
    """The current anomaly and value models of one process."""

    def __init__(
        self,
        db: Database,
        anomaly: str = ANOMALY_MODEL,
        value: str = VALUE_MODEL,
        check_seconds: float = 30.0,
    ) -> None:
        self._repository = CampaignModelRepository(db)
        self._names = (anomaly, value)
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        # name -> (checked at, trained at, model)
        self._held: dict[str, tuple[float, datetime | None, AnomalyModel | ValueModel | None]] = {}

    def anomaly(self) -> AnomalyModel | None:
        model = self._current(self._names[0])
        if isinstance(model, AnomalyModel) and model.features == ANOMALY_FEATURES:
            return model
        return None

    def value(self) -> ValueModel | None:
        model = self._current(self._names[1])
        if isinstance(model, ValueModel) and model.features == VALUE_FEATURES:
            return model
        return None

    def forget(self) -> None:
        """Read the models again at the next scan (after training in this process)."""
        with self._lock:
            self._held.clear()

    def _current(self, name: str) -> AnomalyModel | ValueModel | None:
        now = time.monotonic()
        with self._lock:
            held = self._held.get(name)
        if held is not None and now - held[0] < self._check_seconds:
            return held[2]
        stamp = self._repository.trained_at(name)
        model = held[2] if held is not None and held[1] == stamp else self._load(name)
        with self._lock:
            self._held[name] = (now, stamp, model)
        return model

    def _load(self, name: str) -> AnomalyModel | ValueModel | None:
        stored = self._repository.load(name)
        if stored is None:
            return None
        try:
            if name == self._names[0]:
                return AnomalyModel.from_params(stored.params)
            return ValueModel.from_params(stored.params)
        except CampaignInputError:
            return None  # written by another version: as if there were none
