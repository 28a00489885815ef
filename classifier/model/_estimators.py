"""The estimators of the classifier step: prior-corrected and calibrated logistic regression."""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold


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

        linear = pipeline.named_steps[CLASSIFIER_STEP].calibrated_classifiers_[0].estimator
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

