"""The model: a feature pipeline and a linear classifier, with its threshold and manifest.

scikit-learn is imported only to build or fit a pipeline: a loaded model scores without it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
        ContextLogisticRegression,
        GroupedCalibratedClassifierCV,
        PriorCorrectedLogisticRegression,
    )

    # A context-gated feature set ends with the context column, an offset of weight 1.
    linear = (ContextLogisticRegression if features.startswith("context")
              else PriorCorrectedLogisticRegression)
    clf = linear(C=C, random_state=seed)
    if calibrate is not None:
        if calibrate not in CALIBRATION_METHODS:
            raise ValueError(f"unknown calibration {calibrate!r}; choose from "
                             f"{', '.join(CALIBRATION_METHODS)}")
        clf = GroupedCalibratedClassifierCV(clf, method=calibrate, cv=5, ensemble=False)
    return Pipeline([*make_features(features), (CLASSIFIER_STEP, clf)])


class _Derived:
    """A :class:`Model` field that, when not given, is derived from the other fields on
    first read (a dataclass field whose default is this descriptor)."""

    def __init__(self, build: Callable[[Model], object]):
        self.build = build

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = f"_{name}"

    def __get__(self, obj: Model | None, owner: type | None = None):
        if obj is None:
            return None  # the field's default
        value = obj.__dict__.get(self.attr)
        if value is None:
            value = obj.__dict__[self.attr] = self.build(obj)
        return value

    def __set__(self, obj: Model, value) -> None:
        obj.__dict__[self.attr] = value


def _linear_of(model: Model) -> LinearModel:
    from classifier.model._linear import LinearModel

    return LinearModel.from_pipeline(model.__dict__["_pipeline"])


def _pipeline_of(model: Model) -> Pipeline:
    params = model.manifest.get("params", {})
    return model.linear.to_pipeline(C=params.get("C", 4.0), seed=params.get("seed", 0),
                                    threshold=model.threshold)


@dataclass(eq=False)
class Model:
    """A fitted model, its operating threshold and its manifest (provenance and metrics).

    The model is held as data (:attr:`linear`: the arrays a model directory stores and
    scoring runs, without scikit-learn) and/or as a fitted scikit-learn pipeline
    (:attr:`pipeline`); either is derived from the other when first read.
    """

    #: The fitted scikit-learn pipeline (rebuilt from :attr:`linear` for a loaded model).
    pipeline: Pipeline = _Derived(_pipeline_of)
    threshold: float = 0.5
    manifest: dict = field(default_factory=dict)
    #: Out-of-fold scores of the training data that chose the threshold (columns ``label``,
    #: ``score``, ``group``, ``fold``), set by :func:`train` for model cards and evaluation;
    #: never saved, so ``None`` for a loaded model.
    cv_predictions: pd.DataFrame | None = field(default=None, repr=False)
    #: The model as data (vocabularies, idf, coefficients, ...), which scoring runs.
    linear: LinearModel = _Derived(_linear_of)

    def __post_init__(self) -> None:
        if self.__dict__.get("_pipeline") is None and self.__dict__.get("_linear") is None:
            raise ValueError("give a fitted pipeline or its LinearModel")
        self.threshold = float(self.threshold)

    def __repr__(self) -> str:
        return f"Model(model_id={self.model_id!r}, threshold={self.threshold!r})"

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
    return stratified_group_folds(y, groups, folds, seed)


def stratified_group_folds(y, groups, n_splits: int, seed: int | None) -> list:
    """(train, test) indices of ``n_splits`` stratified folds that keep groups together.

    The algorithm of scikit-learn's ``StratifiedGroupKFold(shuffle=True)`` in version 1.9,
    kept here so that folds, and with them the out-of-fold scores that choose a model's
    threshold, are the same with every supported scikit-learn version: up to 1.7 its shuffle
    reordered the groups' class counts without their groups (fixed after 1.7.2), which gave
    other folds and moved the default model's threshold from 0.575 to 0.533. Groups are
    shuffled with ``numpy.random.RandomState(seed)`` (a stream numpy keeps stable), sorted by
    how unevenly their ads spread over the classes, and each is put in the fold where the
    class proportions stay most even (the least populated fold on ties).
    """
    y = np.asarray(y)
    _, y_inv, y_cnt = np.unique(y, return_inverse=True, return_counts=True)
    _, groups_inv, groups_cnt = np.unique(np.asarray(groups), return_inverse=True,
                                          return_counts=True)
    counts = np.zeros((len(groups_cnt), len(y_cnt)))
    np.add.at(counts, (groups_inv, y_inv), 1)
    perm = np.arange(len(groups_cnt))
    np.random.RandomState(seed).shuffle(perm)
    counts = counts[perm]
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    groups_inv = inverse[groups_inv]
    per_fold = np.zeros((n_splits, len(y_cnt)))
    fold_of_group = np.empty(len(groups_cnt), dtype=np.int64)
    for group in np.argsort(-np.std(counts, axis=1), kind="stable"):
        best, best_eval, best_size = 0, np.inf, np.inf
        for i in range(n_splits):
            per_fold[i] += counts[group]
            evenness = np.mean(np.std(per_fold / y_cnt.reshape(1, -1), axis=0))
            per_fold[i] -= counts[group]
            size = np.sum(per_fold[i])
            if evenness < best_eval or (np.isclose(evenness, best_eval) and size < best_size):
                best, best_eval, best_size = i, evenness, size
        per_fold[best] += counts[group]
        fold_of_group[group] = best
    fold = fold_of_group[groups_inv]
    return [(np.flatnonzero(fold != i), np.flatnonzero(fold == i)) for i in range(n_splits)]
