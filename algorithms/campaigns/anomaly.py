"""The anomaly score of a scan: an isolation forest fitted on past scans' features.

:func:`fit_anomaly` fits scikit-learn's :class:`~sklearn.ensemble.IsolationForest` and keeps
only what scoring needs, as plain numbers (each tree's splits and the path length of each
leaf): an :class:`AnomalyModel` is stored as JSON where every API process can read it, and
scores one scan with a walk down each tree, without scikit-learn or a pickle. The score is the
paper's ``s(x, n) = 2 ** (-E[h(x)] / c(n))`` in (0, 1]: near 1 is isolated in a few splits
(anomalous), below 0.5 is ordinary.

Why unsupervised: the only labels the graph holds are risk control's own past ``REVIEW`` and
``DENY`` decisions, so a classifier trained on them would learn to repeat the rules rather than
find what they miss; an isolation forest learns what ordinary scans look like and scores how
far a scan lies from them.

References
----------
F.T. Liu, K.M. Ting, Z.-H. Zhou, "Isolation Forest", ICDM 2008, doi:10.1109/ICDM.2008.17.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import IsolationForest

from algorithms.campaigns.errors import CampaignInputError

__all__ = ["AnomalyModel", "average_path_length", "fit_anomaly"]

MIN_SAMPLES = 50


def average_path_length(n: float) -> float:
    """``c(n)``: the average path length of an unsuccessful search in a binary search tree
    of ``n`` points, which normalises isolation depths.

    >>> average_path_length(1), average_path_length(2), round(average_path_length(256), 3)
    (0.0, 1.0, 10.245)
    """
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (math.log(n - 1.0) + np.euler_gamma) - 2.0 * (n - 1.0) / n


@dataclass(frozen=True, slots=True)
class _Tree:
    left: tuple[int, ...]
    right: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    #: At a leaf: its depth plus ``c`` of the training points that reached it.
    leaf: tuple[float, ...]

    def path(self, x: Sequence[float]) -> float:
        node = 0
        left, right, feature, threshold = self.left, self.right, self.feature, self.threshold
        while left[node] != -1:
            node = left[node] if x[feature[node]] <= threshold[node] else right[node]
        return self.leaf[node]


@dataclass(frozen=True, slots=True)
class AnomalyModel:
    """A fitted isolation forest as plain numbers, for ``features`` in this order."""

    features: tuple[str, ...]
    trees: tuple[_Tree, ...]
    denominator: float
    samples: int

    def score(self, x: Sequence[float]) -> float:
        """The anomaly score of one feature vector, in (0, 1].

        Raises
        ------
        CampaignInputError
            When ``x`` does not have one value per feature.
        """
        if len(x) != len(self.features):
            raise CampaignInputError(f"need {len(self.features)} features, got {len(x)}")
        # scikit-learn's trees compare in single precision; so does this walk.
        v = [float(np.float32(value)) for value in x]
        depth = sum(t.path(v) for t in self.trees)
        return float(2.0 ** (-depth / self.denominator)) if self.denominator else 1.0

    def to_params(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "denominator": self.denominator,
            "samples": self.samples,
            "trees": [
                [list(t.left), list(t.right), list(t.feature), list(t.threshold), list(t.leaf)]
                for t in self.trees
            ],
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AnomalyModel:
        try:
            trees = tuple(
                _Tree(
                    tuple(int(v) for v in t[0]),
                    tuple(int(v) for v in t[1]),
                    tuple(int(v) for v in t[2]),
                    tuple(float(v) for v in t[3]),
                    tuple(float(v) for v in t[4]),
                )
                for t in params["trees"]
            )
            return cls(
                tuple(str(f) for f in params["features"]),
                trees,
                float(params["denominator"]),
                int(params["samples"]),
            )
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise CampaignInputError(f"not the parameters of an anomaly model: {exc}") from exc


def fit_anomaly(
    rows: Sequence[Sequence[float]],
    features: Sequence[str],
    *,
    trees: int = 100,
    seed: int = 0,
) -> AnomalyModel:
    """Fit an isolation forest on ``rows`` (one feature vector per past scan).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> usual = rng.normal(0, 1, size=(300, 2)).tolist()
    >>> model = fit_anomaly(usual, ("a", "b"), trees=50)
    >>> model.score([0.0, 0.0]) < 0.5 < model.score([8.0, 8.0])
    True
    """
    if len(rows) < MIN_SAMPLES:
        raise CampaignInputError(f"need at least {MIN_SAMPLES} past scans, got {len(rows)}")
    x = np.asarray(rows, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(features):
        raise CampaignInputError(f"every row needs {len(features)} values")
    if not np.isfinite(x).all():
        raise CampaignInputError("feature values must be finite")
    forest = IsolationForest(n_estimators=trees, random_state=seed).fit(x)
    out = []
    for estimator, used in zip(forest.estimators_, forest.estimators_features_, strict=True):
        t = estimator.tree_
        depths = t.compute_node_depths()  # the root at 1
        leaf = [
            float(depths[i] - 1 + average_path_length(float(t.n_node_samples[i])))
            if t.children_left[i] == -1
            else 0.0
            for i in range(t.node_count)
        ]
        out.append(
            _Tree(
                tuple(int(v) for v in t.children_left),
                tuple(int(v) for v in t.children_right),
                tuple(int(used[f]) if f >= 0 else -1 for f in t.feature),
                tuple(float(v) for v in t.threshold),
                tuple(leaf),
            )
        )
    max_samples = float(forest.max_samples_)
    return AnomalyModel(
        tuple(features), tuple(out), len(out) * average_path_length(max_samples), len(rows)
    )
