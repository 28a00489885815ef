"""The model: a feature pipeline and a prior-corrected linear classifier, with its threshold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from . import __version__
from ._errors import DataError
from ._explain import Explainer
from ._features import DEFAULT_FEATURES, make_features
from ._grouping import group_ads
from ._metrics import binary_metrics, choose_threshold


class PriorCorrectedLogisticRegression(LogisticRegression):
    """Logistic regression fitted with balanced class weights, then shifted back to the prior.

    Balanced weights help the minority class shape the coefficients, but they also move every
    probability towards 0.5. Weighting classes by ``w_pos`` and ``w_neg`` adds
    ``log(w_pos / w_neg)`` to the fitted log-odds, so subtracting it from the intercept
    returns probabilities on the scale of the training prevalence.

    liblinear's dual solver is used by default: with far more features (n-grams) than ads it
    fits about ten times faster than the primal one, to the same coefficients.
    """

    def __init__(self, C: float = 4.0, *, class_weight="balanced", solver: str = "liblinear",
                 dual: bool = True, max_iter: int = 1000, random_state: int | None = 0):
        super().__init__(C=C, class_weight=class_weight, solver=solver, dual=dual,
                         max_iter=max_iter, random_state=random_state)

    def fit(self, X, y, sample_weight=None) -> PriorCorrectedLogisticRegression:
        super().fit(X, y, sample_weight=sample_weight)
        if self.class_weight == "balanced":
            n_pos = np.sum(np.asarray(y) == self.classes_[1])
            self.intercept_ = self.intercept_ - np.log((len(y) - n_pos) / n_pos)
        return self


#: Methods accepted by ``make_pipeline(calibrate=...)`` and ``--calibrate``.
CALIBRATION_METHODS = ("sigmoid", "isotonic")


class GroupedCalibratedClassifierCV(CalibratedClassifierCV):
    """scikit-learn's ``CalibratedClassifierCV`` whose internal folds keep groups together.

    ``fit(X, y, groups=...)`` fits the calibration map on out-of-fold scores of
    :class:`~sklearn.model_selection.StratifiedGroupKFold` folds, so that near-duplicate ads
    never sit on both sides of a calibration fold: leaked templates would make held-out scores
    look more reliable than they are, and the calibrated scores over-confident.
    :func:`train` passes the groups (as ``clf__groups``). Without ``groups`` this is
    ``CalibratedClassifierCV`` unchanged (stratified folds).

    :func:`make_pipeline` builds it with ``ensemble=False``: one linear model fitted on all
    the training data, then a monotone map of its decision function (sigmoid or isotonic)
    fitted on out-of-fold decision values. Explanations therefore still reach the linear
    model's coefficients, which give exact contributions on its log-odds scale::

        linear = pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator
        linear.coef_, linear.intercept_

    (:func:`classifier._explain.linear_part` does this.) Sigmoid calibration keeps the score
    linear in log-odds (``a * decision + b``, so contributions scale by ``a``); isotonic
    calibration keeps only the order, so contributions explain the ranking of ads but do not
    add up to the calibrated score.
    """

    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Fit the linear model and the calibration map; see the class docstring."""
        if groups is None:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, int):
            seed = getattr(self.estimator, "random_state", None)
            cv = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=seed)
        splits = list(cv.split(X, y, groups))
        # CalibratedClassifierCV accepts precomputed folds only as its ``cv`` parameter: set
        # them for this fit and restore the parameter, so clones and saved params stay clean.
        param = self.cv
        self.cv = splits
        try:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        finally:
            self.cv = param


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
    return Pipeline([*make_features(features), ("clf", clf)])


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
    def explainer(self) -> Explainer:
        """Scores and explains feature rows (built once, on first use)."""
        return Explainer(self.pipeline)

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
        normalized = pipeline.named_steps["normalize"].transform(texts)
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


# Seven or more digits in one token, or a phone's last 3 + 4 digits split over the words of
# an n-gram ("014 2987"): a phone number the normaliser missed. Tokens never hold "@" or ".",
# so an e-mail or URL that escaped masking shows as its pieces ("www", "com").
_PERSONAL = re.compile(
    r"\d{7,}|(?<!\d)\d{3} \d{4}(?!\d)"
    r"|\b(?:https?|www|com)\b"
)


def vocabulary(pipeline: Pipeline) -> list[str]:
    """All text features (n-grams) the fitted pipeline knows."""
    terms: list[str] = []
    for _, step in pipeline.named_steps["features"].transformer_list:
        if hasattr(step, "vocabulary_"):
            terms.extend(step.vocabulary_)
    return terms


def find_personal_data(pipeline: Pipeline) -> list[str]:
    """Vocabulary entries that look like pieces of phone numbers, e-mail addresses or URLs."""
    return [t for t in vocabulary(pipeline) if _PERSONAL.search(t)]
