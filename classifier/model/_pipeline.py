"""The model: a feature pipeline and a linear classifier, with its threshold and manifest.

scikit-learn is imported only to build or fit a pipeline: a loaded model scores without it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from classifier._errors import DataError
from classifier.features._names import CLASSIFIER_STEP, DEFAULT_FEATURES

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from classifier.model._linear import LinearModel
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
    from sklearn.pipeline import Pipeline

    from classifier.features._sets import make_features
    from classifier.model._estimators import (
        CALIBRATION_METHODS,
        GroupedCalibratedClassifierCV,
        PriorCorrectedLogisticRegression,
    )

    clf = PriorCorrectedLogisticRegression(C=C, random_state=seed)
    if calibrate is not None:
        if calibrate not in CALIBRATION_METHODS:
            raise ValueError(f"unknown calibration {calibrate!r}; choose from "
                             f"{', '.join(CALIBRATION_METHODS)}")
        clf = GroupedCalibratedClassifierCV(clf, method=calibrate, cv=5, ensemble=False)
    return Pipeline([*make_features(features), (CLASSIFIER_STEP, clf)])


class Model:
    """A fitted model, its operating threshold and its manifest (provenance and metrics).

    The model is held as data (:attr:`linear`: arrays a model directory stores and scoring
    runs, without scikit-learn) and/or as a fitted scikit-learn pipeline (:attr:`pipeline`);
    either is derived from the other when first asked for.
    """

    def __init__(self, pipeline: Pipeline | None = None, threshold: float = 0.5,
                 manifest: dict | None = None, cv_predictions: pd.DataFrame | None = None,
                 *, linear: LinearModel | None = None):
        if pipeline is None and linear is None:
            raise ValueError("give a fitted pipeline or its LinearModel")
        self._pipeline = pipeline
        self._linear = linear
        self.threshold = float(threshold)
        self.manifest = {} if manifest is None else manifest
        #: Out-of-fold scores of the training data that chose the threshold (columns
        #: ``label``, ``score``, ``group``, ``fold``), set by :func:`train` for model cards
        #: and evaluation; never saved, so ``None`` for a loaded model.
        self.cv_predictions = cv_predictions

    def __repr__(self) -> str:
        return f"Model(model_id={self.model_id!r}, threshold={self.threshold!r})"

    @property
    def linear(self) -> LinearModel:
        """The model as data (vocabularies, idf, coefficients, ...), which scoring runs."""
        if self._linear is None:
            from classifier.model._linear import LinearModel

            self._linear = LinearModel.from_pipeline(self._pipeline)
        return self._linear

    @property
    def pipeline(self) -> Pipeline:
        """The fitted scikit-learn pipeline (rebuilt from the data of a loaded model)."""
        if self._pipeline is None:
            params = self.manifest.get("params", {})
            self._pipeline = self.linear.to_pipeline(C=params.get("C", 4.0),
                                                     seed=params.get("seed", 0))
        return self._pipeline

    @cached_property
    def scorer(self) -> Scorer:
        """Scores and explains feature rows (built once, on first use)."""
        from classifier.scoring._scorer import Scorer  # scoring builds on the model

        return Scorer(self.linear)

    @property
    def model_id(self) -> str:
        """Short id of the saved model file (empty before the model is saved)."""
        return self.manifest.get("model_id", "")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of the positive ("suspicious") class for each text."""
        return self.scorer.scores(self.scorer.features(list(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """1 for each text whose score reaches the threshold (``flagged``), else 0."""
        return (self.predict_proba(texts) >= self.threshold).astype(np.int64)


def grouped_folds(y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> list:
    """Stratified folds that keep every group (near-duplicates, shared contacts) together."""
    for label in (0, 1):
        n_groups = len(np.unique(np.asarray(groups)[np.asarray(y) == label]))
        if n_groups < folds:
            raise DataError(
                f"{folds} folds need at least {folds} groups of near-duplicate ads in each "
                f"class; class {label} has {n_groups}: use fewer folds or more data"
            )
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y, groups))

