"""A consumer's value score: the predicted chance of a repurchase, from past scans (RFM).

Each consumer's scans before a cut-off give recency, frequency and tenure
(:func:`rfm_features`); whether the consumer scanned a new unit within ``horizon`` days after
the cut-off is the label. scikit-learn's logistic regression on standardised features learns
the chance; a :class:`ValueModel` keeps only its numbers (means, scales, weights, intercept),
so it is stored as JSON and scores a consumer with one dot product. The scan path scores a
consumer on the scans before the current one, with "now" as the cut-off.

A linear model is enough here: four monotone features, a probability that must be calibrated
(it shifts prize odds) and parameters that read as what they mean.

References
----------
A.M. Hughes, "Strategic Database Marketing", 1994 (RFM); P.S. Fader, B.G.S. Hardie, K.L. Lee,
"RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of Marketing
Research 42(4), 2005, doi:10.1509/jmkr.2005.42.4.415.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from sklearn.linear_model import LogisticRegression

from algorithms.campaigns.errors import CampaignInputError

__all__ = ["VALUE_FEATURES", "ValueModel", "fit_value", "repurchase_examples", "rfm_features"]

VALUE_FEATURES: Final = ("log_days_since_last", "log_scans", "log_active_days", "log_tenure_days")
DAY: Final = 86_400.0
MIN_CONSUMERS = 20


def rfm_features(scans: int, days: int, first: float, last: float, now: float) -> list[float]:
    """Recency, frequency and tenure of a consumer with ``scans`` scans on ``days`` distinct
    days between epoch seconds ``first`` and ``last``, seen at ``now``.

    >>> [round(v, 3) for v in rfm_features(3, 2, 0.0, 86_400.0, 2 * 86_400.0)]
    [0.693, 1.386, 1.099, 1.099]
    """
    if scans <= 0:
        raise CampaignInputError("a consumer without scans has no value features")
    since = max(0.0, now - last) / DAY
    tenure = max(0.0, now - first) / DAY
    return [math.log1p(since), math.log1p(scans), math.log1p(days), math.log1p(tenure)]


def repurchase_examples(
    histories: Mapping[str, Sequence[float]], cutoff: float, horizon_days: float
) -> tuple[list[list[float]], list[int]]:
    """Training rows from each consumer's scan times (epoch seconds): features from the scans
    before ``cutoff``, label 1 when a scan followed within ``horizon_days``. Consumers with
    no scan before the cut-off are left out.

    >>> rows, labels = repurchase_examples({"a": [0.0, 10 * DAY], "b": [0.0]}, DAY, 30)
    >>> labels
    [1, 0]
    """
    rows: list[list[float]] = []
    labels: list[int] = []
    end = cutoff + horizon_days * DAY
    for times in histories.values():
        before = sorted(t for t in times if t < cutoff)
        if not before:
            continue
        days = len({int(t // DAY) for t in before})
        rows.append(rfm_features(len(before), days, before[0], before[-1], cutoff))
        labels.append(int(any(cutoff <= t < end for t in times)))
    return rows, labels


@dataclass(frozen=True, slots=True)
class ValueModel:
    """A fitted logistic regression on standardised features, as plain numbers."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    samples: int
    #: Share of positive labels in training: the value of an average consumer.
    base_rate: float

    def score(self, x: Sequence[float]) -> float:
        """The predicted chance of a repurchase, in (0, 1)."""
        if len(x) != len(self.features):
            raise CampaignInputError(f"need {len(self.features)} features, got {len(x)}")
        z = self.intercept + sum(
            w * (v - m) / s
            for v, m, s, w in zip(x, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))

    def to_params(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "samples": self.samples,
            "baseRate": self.base_rate,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ValueModel:
        try:
            return cls(
                tuple(str(f) for f in params["features"]),
                tuple(float(v) for v in params["mean"]),
                tuple(float(v) for v in params["scale"]),
                tuple(float(v) for v in params["weights"]),
                float(params["intercept"]),
                int(params["samples"]),
                float(params["baseRate"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CampaignInputError(f"not the parameters of a value model: {exc}") from exc


def fit_value(rows: Sequence[Sequence[float]], labels: Sequence[int]) -> ValueModel:
    """Fit the repurchase model on ``rows`` of :data:`VALUE_FEATURES` and 0/1 ``labels``.

    Examples
    --------
    >>> rows = [[0.1, 2.0, 1.5, 2.0]] * 20 + [[3.0, 0.7, 0.7, 3.0]] * 20
    >>> model = fit_value(rows, [1] * 18 + [0] * 2 + [0] * 18 + [1] * 2)
    >>> model.score(rows[0]) > 0.5 > model.score(rows[-1])
    True
    """
    if len(rows) != len(labels):
        raise CampaignInputError("one label per row")
    if len(rows) < MIN_CONSUMERS:
        raise CampaignInputError(f"need at least {MIN_CONSUMERS} consumers, got {len(rows)}")
    y = np.asarray(labels, dtype=int)
    if len(set(y.tolist())) < 2:
        raise CampaignInputError("need consumers who came back and consumers who did not")
    x = np.asarray(rows, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(VALUE_FEATURES) or not np.isfinite(x).all():
        raise CampaignInputError(f"every row needs {len(VALUE_FEATURES)} finite values")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    fitted = LogisticRegression().fit((x - mean) / scale, y)
    return ValueModel(
        VALUE_FEATURES,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in fitted.coef_[0]),
        float(fitted.intercept_[0]),
        len(rows),
        float(y.mean()),
    )
