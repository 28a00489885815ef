"""Cross-validated evaluation that keeps near-duplicate ads in the same fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from ._features import DEFAULT_FEATURES
from ._grouping import group_ads
from ._metrics import binary_metrics
from ._model import grouped_folds, make_pipeline, train

#: Metrics summarised across folds.
FOLD_METRICS = ("roc_auc", "average_precision", "precision", "recall", "f1")


def evaluate(
    texts: Sequence[str],
    y: Sequence[int],
    *,
    features: str = DEFAULT_FEATURES,
    folds: int = 5,
    seed: int = 0,
    groups: np.ndarray | None = None,
    target_precision: float | None = 0.9,
    n_jobs: int | None = None,
) -> dict:
    """K-fold cross-validation grouped by near-duplicate text and shared contacts.

    In every fold the model, and its threshold, are chosen on the training part only (the
    threshold from inner grouped folds), then measured on the held-out part.

    Returns
    -------
    dict
        ``folds``: metrics per fold; ``overall``: metrics of the pooled held-out scores (each
        ad flagged at its own fold's threshold); ``mean`` and ``std`` across folds; plus the
        set-up (``n``, ``n_groups``, ``features``, ``seed``).
    """
    texts = [str(t) for t in texts]
    y = np.asarray(y, dtype=np.int64)
    if groups is None:
        groups = group_ads(texts)
    normalized = make_pipeline(features).named_steps["normalize"].transform(texts)
    scores = np.zeros(len(y))
    flagged = np.zeros(len(y), dtype=bool)
    per_fold = []
    for k, (train_idx, test_idx) in enumerate(grouped_folds(y, groups, folds, seed)):
        model = train(
            [texts[i] for i in train_idx], y[train_idx], features=features, seed=seed,
            folds=folds, groups=groups[train_idx], target_precision=target_precision,
            n_jobs=n_jobs, normalized=[normalized[i] for i in train_idx],
        )
        fold_scores = model.pipeline[1:].predict_proba([normalized[i] for i in test_idx])[:, 1]
        scores[test_idx] = fold_scores
        flagged[test_idx] = fold_scores >= model.threshold
        per_fold.append(
            {"fold": k, "n_train": len(train_idx),
             **binary_metrics(y[test_idx], fold_scores, model.threshold)}
        )
    overall = binary_metrics(y, scores, threshold=np.nan)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, flagged, average="binary", zero_division=0
    )
    overall.update(precision=float(precision), recall=float(recall), f1=float(f1),
                   flagged_rate=float(flagged.mean()), threshold=None)
    table = {m: np.array([f[m] for f in per_fold]) for m in FOLD_METRICS}
    return {
        "features": features,
        "folds": per_fold,
        "overall": overall,
        "mean": {m: float(v.mean()) for m, v in table.items()},
        "std": {m: float(v.std(ddof=1)) for m, v in table.items()},
        "n": int(len(y)),
        "n_groups": int(len(np.unique(groups))),
        "n_folds": folds,
        "seed": seed,
        "split": "stratified group k-fold (near-duplicate text and shared contacts)",
    }
