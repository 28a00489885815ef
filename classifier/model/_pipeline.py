"""The model: a feature pipeline and a linear classifier, with its threshold and manifest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from classifier._errors import DataError
from classifier.features._names import CLASSIFIER_STEP, DEFAULT_FEATURES
from classifier.features._sets import make_features
from classifier.model._estimators import (
    CALIBRATION_METHODS,
    GroupedCalibratedClassifierCV,
    PriorCorrectedLogisticRegression,
)

if TYPE_CHECKING:
    from classifier.scoring import Scorer


def make_pipeline(
    features: str = DEFAULT_FEATURES, *, C: float = 4.0, seed: int = 0,
    calibrate: str | None = None,
) -> Pipeline:
    """Build the unfitted scikit-learn pipeline: normalise, featurise, classify.

    Parameters
    ----------
    features : str
        A name from :data:`classifier.FEATURE_SETS`.
    C : float
        Inverse regularisation strength of the logistic regression.
    seed : int
        Random state, for reproducible fits.
    calibrate : {"sigmoid", "isotonic"}, optional
        Wrap the classifier in a :class:`GroupedCalibratedClassifierCV` (5 internal folds).
        By default the scores are only prior-corrected (see
        :class:`PriorCorrectedLogisticRegression`).
    """
    clf = PriorCorrectedLogisticRegression(C=C, random_state=seed)
    if calibrate is not None:
        if calibrate not in CALIBRATION_METHODS:
            raise ValueError(f"unknown calibration {calibrate!r}; choose from "
                             f"{', '.join(CALIBRATION_METHODS)}")
        clf = GroupedCalibratedClassifierCV(clf, method=calibrate, cv=5, ensemble=False)
    return Pipeline([*make_features(features), (CLASSIFIER_STEP, clf)])


@dataclass
class Model:
    """A fitted pipeline, its operating threshold and its manifest (provenance and metrics)."""

    pipeline: Pipeline
    threshold: float
    manifest: dict = field(default_factory=dict)
    #: Out-of-fold scores of the training data that chose the threshold (columns ``label``,
    #: ``score``, ``group``, ``fold``), set by :func:`train` for model cards and evaluation;
    #: never saved, so ``None`` for a loaded model.
    cv_predictions: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @cached_property
    def scorer(self) -> Scorer:
        """Scores and explains feature rows (built once, on first use)."""
        from classifier.scoring._scorer import Scorer  # scoring builds on the model

        return Scorer(self.pipeline)

    @property
    def model_id(self) -> str:
        """Short id of the saved model file (empty before the model is saved)."""
        return self.manifest.get("model_id", "")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of the positive ("suspicious") class for each text."""
        return self.pipeline.predict_proba(list(texts))[:, 1]


def grouped_folds(y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> list:
    """Stratified folds that keep every group (near-duplicates, shared contacts) together."""
    for label in (0, 1):
        n_groups = len(np.unique(np.asarray(groups)[np.asarray(y) == label]))
        if n_groups < folds:
            raise DataError(
                f"{folds} folds need at least {folds} groups of near-duplicate ads in each "
                f"class; class {label} has {n_groups}: use fewer folds or more data"
            )
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y, groups))

