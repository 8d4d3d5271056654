"""How well detected clusters match planted truth: store-level precision, recall and F1,
and the adjusted Rand index of the clusters (scikit-learn's metrics).

Hubert and Arabie, "Comparing partitions", Journal of Classification 2, 1985 (adjusted Rand
index).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sklearn.metrics import adjusted_rand_score, f1_score, precision_score, recall_score

__all__ = ["Quality", "quality"]


@dataclass(frozen=True, slots=True)
class Quality:
    precision: float
    recall: float
    f1: float
    ari: float
    true_positives: int
    false_positives: int
    false_negatives: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "ari": round(self.ari, 4),
            "tp": self.true_positives,
            "fp": self.false_positives,
            "fn": self.false_negatives,
        }


def quality(
    store_ids: Sequence[str],
    truth: Mapping[str, str],
    found: Iterable[Iterable[str]],
) -> Quality:
    """Compare ``found`` clusters with ``truth`` (store -> planted ring) over ``store_ids``.

    Every store outside a ring (or outside every found cluster) is a cluster of its own, so
    the adjusted Rand index rewards putting the planted rings' stores together and nothing
    else.

    >>> q = quality(["a", "b", "c", "d"], {"a": "r1", "b": "r1"}, [["a", "b"]])
    >>> q.f1, q.ari
    (1.0, 1.0)
    """
    predicted: dict[str, str] = {}
    for k, cluster in enumerate(found):
        for store in cluster:
            predicted[store] = f"c{k}"
    y_true = [1 if s in truth else 0 for s in store_ids]
    y_pred = [1 if s in predicted else 0 for s in store_ids]
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and not p)
    labels_true = [truth.get(s, f"alone:{s}") for s in store_ids]
    labels_pred = [predicted.get(s, f"alone:{s}") for s in store_ids]
    return Quality(
        float(precision_score(y_true, y_pred, zero_division=0)),
        float(recall_score(y_true, y_pred, zero_division=0)),
        float(f1_score(y_true, y_pred, zero_division=0)),
        float(adjusted_rand_score(labels_true, labels_pred)),
        tp,
        fp,
        fn,
    )
