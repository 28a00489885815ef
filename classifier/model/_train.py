"""Training: fit the pipeline, choose the threshold on grouped out-of-fold scores, check privacy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline

from classifier import __version__
from classifier.evaluation._metrics import binary_metrics, choose_threshold
from classifier.features._names import DEFAULT_FEATURES, FEATURES_STEP, NORMALIZE_STEP
from classifier.model._pipeline import Model, grouped_folds, make_pipeline
from classifier.text._grouping import group_ads


def train(
    texts: Sequence[str],
    y: Sequence[int],
    *,
    features: str = DEFAULT_FEATURES,
    C: float = 4.0,
    seed: int = 0,
    folds: int = 5,
    groups: np.ndarray | None = None,
    target_precision: float | None = 0.9,
    threshold: float | None = None,
    n_jobs: int | None = None,
    data_info: dict | None = None,
    normalized: Sequence[str] | None = None,
    calibrate: str | None = None,
) -> Model:
    """Fit a model and choose its threshold on held-out folds of the training data.

    Parameters
    ----------
    texts, y : sequences
        Ad texts and 0/1 labels.
    features, C, seed : see :func:`make_pipeline`.
    folds : int
        Folds for the out-of-fold scores that choose the threshold and estimate metrics.
    groups : array, optional
        Group ids keeping near-duplicate ads in one fold; computed with
        :func:`classifier.group_ads` when omitted.
    target_precision : float or None
        Threshold rule, see :func:`classifier.evaluation.choose_threshold`.
    threshold : float, optional
        Use this threshold instead of choosing one.
    n_jobs : int, optional
        Parallel fold fits (joblib convention).
    data_info : dict, optional
        Provenance of the training data (source, SHA-256, row counts), kept in the manifest.
    normalized : sequence of str, optional
        ``texts`` already passed through the pipeline's (stateless) normaliser, to save
        normalising them again when a caller trains many models on the same ads.
    calibrate : {"sigmoid", "isotonic"}, optional
        Calibrate the scores, see :func:`make_pipeline`; the calibration folds are grouped
        by ``groups`` too.

    Returns
    -------
    Model
        With :attr:`Model.cv_predictions` holding the out-of-fold training scores.
    """
    texts = [str(t) for t in texts]
    y = np.asarray(y, dtype=np.int64)
    if groups is None:
        groups = group_ads(texts)
    pipeline = make_pipeline(features, C=C, seed=seed, calibrate=calibrate)
    if normalized is None:
        normalized = pipeline.named_steps[NORMALIZE_STEP].transform(texts)
    # The normaliser is stateless, so every fit below starts from the normalised texts;
    # slicing a Pipeline shares its steps, so fitting ``pipeline[1:]`` fits ``pipeline``.
    cv = grouped_folds(y, groups, folds, seed)
    # A calibrator's own folds must keep near-duplicates together as well.
    fit_params = {"clf__groups": groups} if calibrate is not None else {}
    oof = cross_val_predict(
        clone(pipeline[1:]), normalized, y, cv=cv, method="predict_proba", n_jobs=n_jobs,
        params=fit_params,
    )[:, 1]
    if threshold is None:
        threshold, rule = choose_threshold(y, oof, target_precision)
    else:
        rule = "given by the user"
    # The threshold travels with the estimator, so that its predict() agrees with "flagged".
    pipeline.set_params(clf__threshold=float(threshold))
    pipeline[1:].fit(normalized, y, **fit_params)
    manifest = {
        "classifier_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": features,
        "params": {"C": C, "seed": seed, "folds": folds, "target_precision": target_precision,
                   "calibrate": calibrate},
        "training_data": {
            **(data_info or {}),
            "n_used": int(len(y)),
            "n_positive": int(y.sum()),
            "n_groups": int(len(np.unique(groups))),
        },
        "threshold": float(threshold),
        "threshold_rule": rule,
        "metrics": {
            "description": f"out-of-fold scores, {folds} folds grouped by near-duplicate text "
            "and shared contacts, on the training data",
            **binary_metrics(y, oof, threshold),
        },
    }
    fold = np.empty(len(y), dtype=np.int64)
    for k, (_, test) in enumerate(cv):
        fold[test] = k
    cv_predictions = pd.DataFrame({"label": y, "score": oof, "group": groups, "fold": fold})
    return Model(pipeline=pipeline, threshold=float(threshold), manifest=manifest,
                 cv_predictions=cv_predictions)


# Seven or more digits in one token, or in groups of one to four digits over the words of an
# n-gram ("334 7910", "5 8 7 5 5 5 0"): a phone number the normaliser missed (a glued price
# list, "140/30160/45200", gives "140 30160"). Tokens never hold "@" or ".", so an e-mail or
# URL that escaped masking shows as its pieces ("www", "com").
_PERSONAL = re.compile(
    r"\d{7,}|(?<!\d)(?=(?:\d ?){7})\d{1,4}(?: \d{1,4})+(?!\d)"
    r"|\b(?:https?|www|com)\b"
)


def vocabulary(pipeline: Pipeline) -> list[str]:
    """All text features (n-grams) the fitted pipeline knows."""
    terms: list[str] = []
    for _, step in pipeline.named_steps[FEATURES_STEP].transformer_list:
        if hasattr(step, "vocabulary_"):
            terms.extend(step.vocabulary_)
    return terms


def find_personal_data(pipeline: Pipeline) -> list[str]:
    """Vocabulary entries that look like pieces of phone numbers, e-mail addresses or URLs."""
    return [t for t in vocabulary(pipeline) if _PERSONAL.search(t)]
