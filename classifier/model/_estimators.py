"""The estimators of the classifier step: prior-corrected and calibrated logistic regression."""

from __future__ import annotations

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted

from classifier.model._pipeline import stratified_group_folds


class PriorCorrectedLogisticRegression(LogisticRegression):
    """Logistic regression fitted with balanced class weights, then shifted back to the prior.

    Balanced weights help the minority class shape the coefficients, but they also move every
    probability towards 0.5. Weighting classes by ``w_pos`` and ``w_neg`` adds
    ``log(w_pos / w_neg)`` to the fitted log-odds, so subtracting it from the intercept
    (``prior_shift_``) returns probabilities on the scale of the training prevalence, weighted
    by ``sample_weight`` when given (the class weights are computed from the weighted counts,
    as scikit-learn does).

    ``threshold`` is the operating point: ``predict`` flags probabilities at or above it, as
    the ``flagged`` column does (:func:`train` sets it to the model's threshold).

    liblinear's dual solver is used by default: with far more features (n-grams) than ads it
    fits about ten times faster than the primal one, to the same coefficients.
    """

    def __init__(self, C: float = 4.0, *, class_weight="balanced", solver: str = "liblinear",
                 dual: bool = True, max_iter: int = 1000, tol: float = 1e-4,
                 random_state: int | None = 0, threshold: float = 0.5):
        super().__init__(C=C, class_weight=class_weight, solver=solver, dual=dual,
                         max_iter=max_iter, tol=tol, random_state=random_state)
        self.threshold = threshold

    def fit(self, X, y, sample_weight=None) -> PriorCorrectedLogisticRegression:
        # A binary classifier (liblinear's own message names neither case clearly).
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "unknown") and not kind.startswith("continuous"):
            raise ValueError("Only binary classification is supported. The type of the "
                             f"target is {kind}.")
        if len(np.unique(np.asarray(y))) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, "
                             "but the data contains only one class")
        super().fit(X, y, sample_weight=sample_weight)
        self.prior_shift_ = 0.0
        if self.class_weight == "balanced" and len(self.classes_) == 2:
            self.prior_shift_ = _prior_shift(self.classes_, y, sample_weight)
            self.intercept_ = self.intercept_ - self.prior_shift_
        return self

    def predict(self, X) -> np.ndarray:
        """The positive class where the probability reaches ``threshold``, else the other."""
        check_is_fitted(self)
        if len(self.classes_) != 2:
            return super().predict(X)
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold).astype(int)]


class ContextLogisticRegression(PriorCorrectedLogisticRegression):
    """Prior-corrected logistic regression whose last column is an offset of weight 1.

    The last column is ``log p_ctx`` (see :mod:`classifier.features._context`). The risk
    model is fitted on the other columns: every training ad is an adult-services ad, with
    ``p_ctx`` near 1, so nothing could be learned about the context from them. The context
    then enters the log-odds unweighted: ``logit = risk logit + log p_ctx``.
    """

    def fit(self, X, y, sample_weight=None) -> ContextLogisticRegression:
        X = sp.csr_matrix(check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32]))
        super().fit(X[:, :-1], y, sample_weight=sample_weight)
        self.coef_ = np.hstack([self.coef_, np.ones((1, 1))])
        self.n_features_in_ = X.shape[1]
        return self


def _prior_shift(classes: np.ndarray, y, sample_weight) -> float:
    """``log(w_pos / w_neg)``: what balanced class weights add to the fitted log-odds.

    Balanced weights are ``n / (2 n_c)``, with ``n_c`` the class's total sample weight when
    scikit-learn weighs by it (1.6 and later), its count otherwise: so the shift is
    ``log(n_neg / n_pos)``.
    """
    y = np.asarray(y).ravel()
    weights = np.ones(len(y))
    if sample_weight is not None and _WEIGHTED_BALANCE:
        weights = np.asarray(sample_weight, dtype=np.float64)
    n_pos, n_neg = weights[y == classes[1]].sum(), weights[y == classes[0]].sum()
    return float(np.log(n_neg / n_pos))


# Whether LogisticRegression's balanced class weights count sample weights.
_WEIGHTED_BALANCE = "sample_weight" in inspect.signature(compute_class_weight).parameters


#: Methods accepted by ``make_pipeline(calibrate=...)`` and ``--calibrate``.
CALIBRATION_METHODS = ("sigmoid", "isotonic")


# scikit-learn 1.5 defaults to True, later versions to "auto".
_ENSEMBLE_DEFAULT = inspect.signature(CalibratedClassifierCV).parameters["ensemble"].default


class GroupedCalibratedClassifierCV(CalibratedClassifierCV):
    """scikit-learn's ``CalibratedClassifierCV`` whose internal folds keep groups together.

    ``fit(X, y, groups=...)`` fits the calibration map on out-of-fold scores of
    :func:`~classifier.model._pipeline.stratified_group_folds` folds, so that near-duplicate ads
    never sit on both sides of a calibration fold: leaked templates would make held-out scores
    look more reliable than they are, and the calibrated scores over-confident.
    :func:`train` passes the groups (as ``clf__groups``). Without ``groups`` this is
    ``CalibratedClassifierCV`` unchanged (stratified folds).

    :func:`make_pipeline` builds it with ``ensemble=False``: one linear model fitted on all
    the training data, then a monotone map of its decision function (sigmoid or isotonic)
    fitted on out-of-fold decision values. Explanations therefore still reach the linear
    model's coefficients, which give exact contributions on its log-odds scale::

        linear = pipeline.named_steps[CLASSIFIER_STEP].calibrated_classifiers_[0].estimator
        linear.coef_, linear.intercept_

    (:func:`classifier.scoring._scorer.linear_part` does this.) Sigmoid calibration keeps the score
    linear in log-odds (``a * decision + b``, so contributions scale by ``a``); isotonic
    calibration keeps only the order, so contributions explain the ranking of ads but do not
    add up to the calibrated score.
    """

    def __init__(self, estimator=None, *, method: str = "sigmoid", cv=None, n_jobs=None,
                 ensemble=_ENSEMBLE_DEFAULT, threshold: float = 0.5):
        super().__init__(estimator, method=method, cv=cv, n_jobs=n_jobs, ensemble=ensemble)
        self.threshold = threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:  # binary if the calibrated classifier is
            from sklearn.utils import get_tags

            tags.classifier_tags.multi_class = get_tags(self.estimator).classifier_tags.multi_class
        return tags

    def predict(self, X) -> np.ndarray:
        """The positive class where the calibrated probability reaches ``threshold``."""
        check_is_fitted(self)
        if len(self.classes_) != 2:
            return super().predict(X)
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold).astype(int)]

    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Fit the linear model and the calibration map; see the class docstring."""
        if groups is None:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, int):
            # The same folds with every scikit-learn version (see stratified_group_folds).
            seed = getattr(self.estimator, "random_state", None)
            cv = stratified_group_folds(y, groups, cv, seed)
        splits = list(cv.split(X, y, groups)) if not isinstance(cv, list) else cv
        # CalibratedClassifierCV accepts precomputed folds only as its ``cv`` parameter: set
        # them for this fit and restore the parameter, so clones and saved params stay clean.
        param = self.cv
        self.cv = splits
        try:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        finally:
            self.cv = param

