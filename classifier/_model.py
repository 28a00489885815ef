"""The model: a feature pipeline and a prior-corrected linear classifier, with its threshold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from . import __version__
from ._features import DEFAULT_FEATURES, make_features
from ._grouping import group_ads
from ._metrics import binary_metrics, choose_threshold


class PriorCorrectedLogisticRegression(LogisticRegression):
    """Logistic regression fitted with balanced class weights, then shifted back to the prior.

    Balanced weights help the minority class shape the coefficients, but they also move every
    probability towards 0.5. Weighting classes by ``w_pos`` and ``w_neg`` adds
    ``log(w_pos / w_neg)`` to the fitted log-odds, so subtracting it from the intercept
    returns probabilities on the scale of the training prevalence.
    """

    def __init__(self, C: float = 4.0, *, class_weight="balanced", solver: str = "liblinear",
                 max_iter: int = 1000, random_state: int | None = 0):
        super().__init__(C=C, class_weight=class_weight, solver=solver, max_iter=max_iter,
                         random_state=random_state)

    def fit(self, X, y, sample_weight=None) -> PriorCorrectedLogisticRegression:
        super().fit(X, y, sample_weight=sample_weight)
        if self.class_weight == "balanced":
            n_pos = np.sum(np.asarray(y) == self.classes_[1])
            self.intercept_ = self.intercept_ - np.log((len(y) - n_pos) / n_pos)
        return self


def make_pipeline(features: str = DEFAULT_FEATURES, *, C: float = 4.0, seed: int = 0) -> Pipeline:
    """Build the unfitted scikit-learn pipeline: normalise, featurise, classify.

    Parameters
    ----------
    features : str
        A name from :data:`classifier.FEATURE_SETS`.
    C : float
        Inverse regularisation strength of the logistic regression.
    seed : int
        Random state, for reproducible fits.
    """
    return Pipeline(
        [*make_features(features), ("clf", PriorCorrectedLogisticRegression(C=C, random_state=seed))]
    )


@dataclass
class Model:
    """A fitted pipeline, its operating threshold and its manifest (provenance and metrics)."""

    pipeline: Pipeline
    threshold: float
    manifest: dict = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        """Short id of the saved model file (empty before the model is saved)."""
        return self.manifest.get("model_id", "")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of the positive ("suspicious") class for each text."""
        return self.pipeline.predict_proba(list(texts))[:, 1]


def grouped_folds(y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> list:
    """Stratified folds that keep every group (near-duplicates, shared contacts) together."""
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y, groups))


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
        Threshold rule, see :func:`classifier._metrics.choose_threshold`.
    threshold : float, optional
        Use this threshold instead of choosing one.
    n_jobs : int, optional
        Parallel fold fits (joblib convention).
    data_info : dict, optional
        Provenance of the training data (source, SHA-256, row counts), kept in the manifest.
    normalized : sequence of str, optional
        ``texts`` already passed through the pipeline's (stateless) normaliser, to save
        normalising them again when a caller trains many models on the same ads.
    """
    texts = [str(t) for t in texts]
    y = np.asarray(y, dtype=np.int64)
    if groups is None:
        groups = group_ads(texts)
    pipeline = make_pipeline(features, C=C, seed=seed)
    if normalized is None:
        normalized = pipeline.named_steps["normalize"].transform(texts)
    # The normaliser is stateless, so every fit below starts from the normalised texts;
    # slicing a Pipeline shares its steps, so fitting ``pipeline[1:]`` fits ``pipeline``.
    cv = grouped_folds(y, groups, folds, seed)
    oof = cross_val_predict(
        clone(pipeline[1:]), normalized, y, cv=cv, method="predict_proba", n_jobs=n_jobs
    )[:, 1]
    if threshold is None:
        threshold, rule = choose_threshold(y, oof, target_precision)
    else:
        rule = "given by the user"
    pipeline[1:].fit(normalized, y)
    manifest = {
        "classifier_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": features,
        "params": {"C": C, "seed": seed, "folds": folds, "target_precision": target_precision},
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
    return Model(pipeline=pipeline, threshold=float(threshold), manifest=manifest)


# A token with 7+ digits (a phone number), or an e-mail address or URL.
_PERSONAL = re.compile(r"(?:\d[^\w\s]?){7,}|\w@\w|https?:|www\.")


def vocabulary(pipeline: Pipeline) -> list[str]:
    """All text features (n-grams) the fitted pipeline knows."""
    terms: list[str] = []
    for _, step in pipeline.named_steps["features"].transformer_list:
        if hasattr(step, "vocabulary_"):
            terms.extend(step.vocabulary_)
    return terms


def find_personal_data(pipeline: Pipeline) -> list[str]:
    """Vocabulary entries that look like phone numbers, e-mail addresses or URLs."""
    return [t for t in vocabulary(pipeline) if _PERSONAL.search(t)]
