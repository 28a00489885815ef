"""Metrics and operating-threshold selection for binary scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.calibration import calibration_curve
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


FOLD_METRICS = ("roc_auc", "average_precision", "precision", "recall", "f1")
#: Ways of splitting the data into folds.
SPLITS = ("group", "random")
#: Precision targets of the threshold table.
PRECISION_TARGETS = (0.8, 0.9, 0.95)

_SPLIT_DESCRIPTIONS = {
    "group": "stratified group k-fold (near-duplicate text and shared contacts)",
    "random": "stratified k-fold over rows (random: near-duplicates may straddle folds)",
}
_ORDINAL_METHOD = (
    "binary model at the label threshold; score mapped to a level by cut points at the "
    "quantiles of the training part's out-of-fold scores that reproduce its level distribution"
)



def threshold_table(
    y: np.ndarray, scores: np.ndarray, targets: Sequence[float] = PRECISION_TARGETS
) -> list[dict]:
    """For each target precision, the lowest threshold reaching it and what it flags.

    Computed on the given (pooled out-of-fold) scores, so the thresholds are chosen on the same
    scores they are measured on: an optimistic guide to operating points, not a held-out
    estimate. A target that no threshold reaches gives ``None`` values.
    """
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    rows = []
    for target in targets:
        found = threshold_for_precision(y, scores, target)
        row = {"target_precision": float(target), "threshold": None, "precision": None,
               "recall": None, "flagged_rate": None, "false_positive_rate": None,
               "n_flagged": None}
        if found is not None:
            threshold, recall = found
            flagged = scores >= threshold
            row.update(
                threshold=threshold,
                precision=float(y[flagged].mean()),
                recall=recall,
                flagged_rate=float(flagged.mean()),
                false_positive_rate=float(flagged[y == 0].mean()),
                n_flagged=int(flagged.sum()),
            )
        rows.append(row)
    return rows


def reliability(y: np.ndarray, scores: np.ndarray, n_bins: int = 10) -> dict:
    """Reliability-curve data: fraction of positives against mean score, in equal-width bins.

    Uses :func:`sklearn.calibration.calibration_curve` (empty bins are left out) and adds the
    number of ads in each bin and the expected calibration error (the count-weighted mean
    distance of the curve from the diagonal).
    """
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    fraction, mean_score = calibration_curve(y, scores, n_bins=n_bins, strategy="uniform")
    # The same binning as calibration_curve, to count the ads per non-empty bin.
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], scores), minlength=n_bins)
    counts = counts[counts > 0]
    ece = float(np.sum(counts / len(y) * np.abs(fraction - mean_score)))
    return {
        "strategy": "uniform",
        "n_bins": n_bins,
        "mean_score": mean_score.tolist(),
        "fraction_positive": fraction.tolist(),
        "count": counts.tolist(),
        "expected_calibration_error": ece,
    }



def subset_metrics(y: np.ndarray, scores: np.ndarray, flagged: np.ndarray) -> dict:
    """Metrics of a subset of scored ads (one source): those its labels allow.

    Ranking metrics need both classes; precision needs a flagged ad, recall a positive one,
    the false-positive rate a negative one. What a subset cannot give is ``None``.
    """
    y, scores, flagged = np.asarray(y), np.asarray(scores, dtype=float), np.asarray(flagged)
    positives, negatives = y == 1, y == 0
    both = positives.any() and negatives.any()
    return {
        "n": int(len(y)),
        "positive_rate": float(np.mean(y)) if len(y) else None,
        "flagged_rate": float(np.mean(flagged)) if len(y) else None,
        "roc_auc": float(roc_auc_score(y, scores)) if both else None,
        "average_precision": float(average_precision_score(y, scores)) if both else None,
        "precision": float(np.mean(y[flagged])) if flagged.any() else None,
        "recall": float(np.mean(flagged[positives])) if positives.any() else None,
        "false_positive_rate": float(np.mean(flagged[negatives])) if negatives.any() else None,
    }
