"""The fitted model as data: vocabularies, idf, coefficients, intercept and calibration.

:class:`LinearModel` is what scoring runs and what a model directory stores (arrays and JSON;
see :mod:`classifier.model._persistence`). It computes the fitted scikit-learn pipeline's
features and scores to the last bit, with numpy alone: no scikit-learn, SciPy or skops is
imported to score. The pipeline is rebuilt from it only when asked for
(:meth:`LinearModel.to_pipeline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from classifier.features._csr import Rows, expit
from classifier.features._names import (
    CLASSIFIER_STEP,
    CONTEXT_BLOCK,
    FEATURES_STEP,
    INDICATOR_BLOCKS,
    NORMALIZE_STEP,
)
from classifier.features._ngrams import TfidfBlock, TfidfSettings

#: Normalisers, by the name a model file gives them.
NORMALIZERS = ("normalize", "mask")
#: Kinds of feature blocks (``context``: the column that gates the others, last).
BLOCK_KINDS = ("tfidf", "indicators", "rules", "context")
#: Calibrations of the linear model's decision function.
CALIBRATIONS = ("sigmoid", "isotonic")


#: Parameter of a ``tfidf`` block besides its settings: what it reads of the normalised text
#: (a name of ``classifier.features._wordtext.WORD_TEXTS``; absent: the text as it is).
WORD_TEXT_PARAM = "text"


def tfidf_settings_of(params: dict) -> TfidfSettings:
    """The TF-IDF settings of a ``tfidf`` block's parameters."""
    return TfidfSettings.from_json({k: v for k, v in params.items() if k != WORD_TEXT_PARAM})


@dataclass
class Block:
    """One block of the feature union: its name, kind, parameters and arrays."""

    name: str
    kind: str
    params: dict = field(default_factory=dict)
    #: ``tfidf``: the vocabulary (column order) and idf (or ``None``).
    terms: list[str] | None = None
    idf: np.ndarray | None = None
    #: ``tfidf`` of words: the n-gram index stored with the model (built when ``None``).
    index: dict[str, np.ndarray] | None = None

    @cached_property
    def tfidf(self) -> TfidfBlock:
        return TfidfBlock(self.terms, self.idf, tfidf_settings_of(self.params), self.index,
                          self.params.get(WORD_TEXT_PARAM))

    def transform(self, texts: list[str]) -> Rows:
        if self.kind == "tfidf":
            return self.tfidf.transform(texts)
        if self.kind == "indicators":
            from classifier.features._indicators import indicator_rows

            return indicator_rows(texts, self.params.get("lexicon_path"),
                                  bool(self.params.get("binary", False)))
        if self.kind == "context":
            from classifier.features._context import context_rows

            return context_rows(texts, self.params["lexicon"])
        from classifier.features._rules import rule_rows

        return rule_rows(texts, self.params["rules"])

    def feature_names(self) -> list[str]:
        if self.kind == "tfidf":
            return list(self.terms)
        if self.kind == "indicators":
            from classifier.features._indicators import indicator_feature_names

            return indicator_feature_names(self.params.get("lexicon_path"))
        if self.kind == "context":
            return [CONTEXT_BLOCK]
        from classifier.features._rules import rule_names

        return rule_names(self.params["rules"])


@dataclass
class LinearModel:
    """Normaliser, feature blocks and (calibrated) logistic regression of a fitted pipeline.

    Attributes
    ----------
    normalizer : {"normalize", "mask"}
        :func:`~classifier.text.normalize_text`, or contact masking and lower-casing only.
    blocks : list of Block
        The feature union's blocks, in column order.
    coef, intercept : ndarray, float
        The logistic regression, on the log-odds scale; the intercept includes the prior
        shift.
    prior_shift : float
        What was subtracted from the fitted intercept to undo balanced class weights.
    calibration : dict, optional
        ``{"method": "sigmoid", "a": ..., "b": ...}`` or ``{"method": "isotonic", "x": array,
        "y": array}``: a monotone map of the decision function to the score.
    """

    normalizer: str
    blocks: list[Block]
    coef: np.ndarray
    intercept: float
    prior_shift: float = 0.0
    calibration: dict | None = None

    def normalize(self, texts: Sequence[str]) -> list[str]:
        from classifier.text._normalize import mask_and_lower, normalize_texts

        if self.normalizer == "mask":
            return mask_and_lower(texts)
        return normalize_texts(texts)

    def features(self, texts: Sequence[str]) -> Rows:
        """Feature rows of raw texts (the pipeline's union of blocks, on normalised text)."""
        blocks = self._block_rows(self.normalize(texts))
        if not self.gated:
            return Rows.hstack(blocks)
        from classifier.features._context import scales

        return Rows.hstack(blocks, scales(blocks[-1]))

    def _block_rows(self, normalized: list[str]) -> list[Rows]:
        """Each block's rows of the normalised texts. The first word block and the context
        block count their n-grams in one pass over the texts (the same rows as one by one)."""
        rows: dict[int, Rows] = {}
        words = next((i for i, block in enumerate(self.blocks) if block.kind == "tfidf"), None)
        if self.gated and words is not None:
            from classifier.features._context import words_and_context_rows

            rows[words], rows[len(self.blocks) - 1] = words_and_context_rows(
                self.blocks[words].tfidf, normalized, self.blocks[-1].params["lexicon"])
        return [rows[i] if i in rows else block.transform(normalized)
                for i, block in enumerate(self.blocks)]

    @property
    def gated(self) -> bool:
        """Whether a context column (the last block) gates every other feature."""
        return bool(self.blocks) and self.blocks[-1].kind == "context"

    def decision(self, X: Rows) -> np.ndarray:
        """Log-odds of the linear model: ``X @ coef + intercept``, summed as SciPy does."""
        return X.dot(self.coef) + self.intercept

    def scores(self, X: Rows) -> np.ndarray:
        """Positive-class probabilities (the pipeline's ``predict_proba(...)[:, 1]``)."""
        decision = self.decision(X)
        if self.calibration is None:
            return expit(decision)
        if self.calibration["method"] == "sigmoid":
            a, b = self.calibration["a"], self.calibration["b"]
            return expit(-(a * decision + b))
        return _isotonic(decision, self.calibration["x"], self.calibration["y"])

    @cached_property
    def feature_names(self) -> list[tuple[str, bool]]:
        """Every column's readable label and whether it is named evidence (an indicator).

        Word n-grams keep their text; indicator and rule columns are named ``ind:<name>``.
        """
        labels = []
        for block in self.blocks:
            indicator = block.name in INDICATOR_BLOCKS
            labels += [(f"ind:{n.removeprefix('ind_')}" if indicator else n, indicator)
                       for n in block.feature_names()]
        return labels

    # -- conversion from and to scikit-learn --------------------------------------------------

    @classmethod
    def from_pipeline(cls, pipeline) -> LinearModel:
        """The data of a fitted pipeline of :func:`~classifier.model.make_pipeline`'s form.

        Raises ``ValueError`` for a pipeline of another form (a step or setting this class
        does not reproduce).
        """
        from classifier.features._transformers import tfidf_settings

        steps = dict(pipeline.steps)
        normalizer = {"TextNormalizer": "normalize", "ContactMasker": "mask"}.get(
            type(steps.get(NORMALIZE_STEP)).__name__)
        if normalizer is None or FEATURES_STEP not in steps or CLASSIFIER_STEP not in steps:
            raise ValueError("not a pipeline of make_pipeline's form")
        blocks = []
        for name, step in steps[FEATURES_STEP].transformer_list:
            kind = type(step).__name__
            if kind == "IndicatorFeatures":
                blocks.append(Block(name, "indicators", {"lexicon_path": step.lexicon_path,
                                                         "binary": bool(step.binary)}))
            elif kind == "RuleFeatures":
                blocks.append(Block(name, "rules", {"rules": step.rules}))
            elif kind == "ContextScore":
                blocks.append(Block(name, "context", {"lexicon": step.lexicon}))
            elif hasattr(step, "vocabulary_") and (settings := tfidf_settings(step)):
                vocabulary = step.vocabulary_
                terms = sorted(vocabulary, key=vocabulary.__getitem__)
                idf = np.asarray(step.idf_) if step.use_idf else None
                params = settings.as_json()
                if step.preprocessor is not None:  # a WordText (tfidf_settings checked it)
                    params[WORD_TEXT_PARAM] = step.preprocessor.name
                blocks.append(Block(name, "tfidf", params, terms, idf))
            else:
                raise ValueError(f"feature block {name!r} ({kind}) cannot be stored as data")
        clf = steps[CLASSIFIER_STEP]
        calibration = None
        if hasattr(clf, "calibrated_classifiers_"):
            (calibrated,) = clf.calibrated_classifiers_  # make_pipeline: ensemble=False
            (calibrator,) = calibrated.calibrators
            linear = calibrated.estimator
            if calibrated.method == "sigmoid":
                calibration = {"method": "sigmoid", "a": float(calibrator.a_),
                               "b": float(calibrator.b_)}
            elif calibrated.method == "isotonic":
                calibration = {"method": "isotonic",
                               "x": np.asarray(calibrator.X_thresholds_, dtype=np.float64),
                               "y": np.asarray(calibrator.y_thresholds_, dtype=np.float64)}
            else:
                raise ValueError(f"calibration {calibrated.method!r} cannot be stored as data")
        else:
            linear = clf
        coef = np.asarray(linear.coef_, dtype=np.float64).ravel()
        return cls(normalizer=normalizer, blocks=blocks, coef=coef,
                   intercept=float(np.ravel(linear.intercept_)[0]),
                   prior_shift=float(getattr(linear, "prior_shift_", 0.0)),
                   calibration=calibration)

    def to_pipeline(self, C: float = 4.0, seed: int = 0, threshold: float = 0.5):
        """The fitted scikit-learn pipeline this data describes (imports scikit-learn)."""
        from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration
        from sklearn.isotonic import IsotonicRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        from classifier.features._transformers import (
            ContactMasker,
            ContextGatedUnion,
            ContextScore,
            IndicatorFeatures,
            RuleFeatures,
            TextNormalizer,
            WordTfidfVectorizer,
        )
        from classifier.model._estimators import (
            ContextLogisticRegression,
            GroupedCalibratedClassifierCV,
            PriorCorrectedLogisticRegression,
        )

        blocks = []
        for block in self.blocks:
            if block.kind == "indicators":
                step = IndicatorFeatures(**block.params)
            elif block.kind == "rules":
                step = RuleFeatures(**block.params)
            elif block.kind == "context":
                step = ContextScore(**block.params)
            else:
                from classifier.features._wordtext import WordText

                settings = tfidf_settings_of(block.params)
                text = block.params.get(WORD_TEXT_PARAM)
                step = WordTfidfVectorizer(**{**settings.__dict__,
                                              "dtype": np.dtype(settings.dtype).type},
                                           preprocessor=WordText() if text else None)
                step.vocabulary_ = {term: column for column, term in enumerate(block.terms)}
                if block.idf is not None:
                    step.idf_ = block.idf
            blocks.append((block.name, step))
        kind = ContextLogisticRegression if self.gated else PriorCorrectedLogisticRegression
        linear = kind(C=C, random_state=seed, threshold=threshold)
        linear.classes_ = np.array([0, 1])
        linear.coef_ = self.coef.reshape(1, -1).copy()
        linear.intercept_ = np.array([self.intercept])
        linear.prior_shift_ = self.prior_shift
        linear.n_features_in_ = len(self.coef)
        linear.n_iter_ = np.array([0], dtype=np.int32)
        clf = linear
        if self.calibration is not None:
            method = self.calibration["method"]
            if method == "sigmoid":
                calibrator = _SigmoidCalibration()
                calibrator.a_, calibrator.b_ = self.calibration["a"], self.calibration["b"]
            else:
                x, y = self.calibration["x"], self.calibration["y"]
                calibrator = IsotonicRegression(out_of_bounds="clip")
                calibrator.X_thresholds_, calibrator.y_thresholds_ = x, y
                calibrator.X_min_, calibrator.X_max_ = float(x.min()), float(x.max())
                calibrator.increasing_ = True
                calibrator._build_f(x, y)
            clf = GroupedCalibratedClassifierCV(linear, method=method, cv=5, ensemble=False,
                                                threshold=threshold)
            clf.classes_ = linear.classes_
            clf.calibrated_classifiers_ = [
                _CalibratedClassifier(linear, [calibrator], method=method,
                                      classes=linear.classes_)]
        normalizer = TextNormalizer() if self.normalizer == "normalize" else ContactMasker()
        union = (ContextGatedUnion if self.gated else FeatureUnion)(blocks)
        return Pipeline([(NORMALIZE_STEP, normalizer), (FEATURES_STEP, union),
                         (CLASSIFIER_STEP, clf)])


def _isotonic(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scikit-learn's ``IsotonicRegression(out_of_bounds="clip").predict``: SciPy's linear
    ``interp1d`` of the thresholds, operation by operation."""
    t = np.clip(t, x.min(), x.max())
    if len(x) == 1:
        return np.repeat(y, len(t))
    hi = np.clip(np.searchsorted(x, t), 1, len(x) - 1)
    lo = hi - 1
    slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
    return slope * (t - x[lo]) + y[lo]
