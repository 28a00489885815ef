"""Metrics and operating-threshold selection for binary scores."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
)


def binary_metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Ranking metrics and metrics at ``threshold`` (flagged means ``score >= threshold``).

    ``positive_rate`` is the baseline that average precision should be compared with.
    """
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=float)
    flagged = scores >= threshold
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, flagged, average="binary", zero_division=0
    )
    return {
        "n": int(len(y)),
        "positive_rate": float(np.mean(y)),
        "roc_auc": float(roc_auc_score(y, scores)),
        "average_precision": float(average_precision_score(y, scores)),
        "threshold": float(threshold),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "flagged_rate": float(np.mean(flagged)),
    }


def threshold_for_precision(
    y: np.ndarray, scores: np.ndarray, target_precision: float
) -> tuple[float, float] | None:
    """Lowest threshold whose precision reaches ``target_precision``, and the recall there.

    Returns ``None`` when no threshold reaches the target.
    """
    precision, recall, thresholds = precision_recall_curve(y, scores)
    # precision[i] and recall[i] belong to thresholds[i]; the last point has no threshold.
    ok = np.flatnonzero(precision[:-1] >= target_precision)
    if ok.size == 0:
        return None
    i = ok[0]
    return float(thresholds[i]), float(recall[i])


def threshold_max_f1(y: np.ndarray, scores: np.ndarray) -> float:
    """Threshold with the highest F1."""
    precision, recall, thresholds = precision_recall_curve(y, scores)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def choose_threshold(
    y: np.ndarray, scores: np.ndarray, target_precision: float | None = 0.9
) -> tuple[float, str]:
    """Pick an operating threshold from held-out scores, favouring precision.

    Reviewers' time is the scarce resource, so the default is the lowest threshold with
    precision >= ``target_precision``; if none reaches it, the F1-optimal threshold.

    Returns
    -------
    threshold : float
    rule : str
        A human-readable description of how it was chosen (stored in the manifest).
    """
    if target_precision is not None:
        found = threshold_for_precision(y, scores, target_precision)
        if found is not None:
            return found[0], f"lowest threshold with held-out precision >= {target_precision:g}"
    return threshold_max_f1(y, scores), "threshold with the highest held-out F1"
