"""Feature pipelines: normalised text -> sparse features -> linear model."""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
from collections.abc import Iterable
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from ._explain import INDICATOR_BLOCK
from ._indicators import IndicatorFeatures
from ._normalize import TextNormalizer, mask_contacts

#: Names accepted by :func:`make_pipeline`, for ``--features`` and model comparisons, each
#: adding one part to the one before it (an ablation ladder):
#:
#: - ``words``: contact masking and lower-casing only, word 1-2-gram TF-IDF (the baseline);
#: - ``normalized``: full obfuscation-proof normalisation, then word 1-2-gram TF-IDF;
#: - ``full``: ``normalized`` plus the named indicator features and the ChainBreaker rule
#:   features (the default);
#: - ``chars``: ``full`` plus character 2-5-gram TF-IDF (slower; for comparison).
FEATURE_SETS = ("words", "normalized", "full", "chars")
DEFAULT_FEATURES = "full"


def _word_vectorizer() -> WordTfidfVectorizer:
    # Normalised text is already lower-cased; min_df=2 keeps one-off strings (names,
    # typos) out of the vocabulary, which also keeps the model small.
    return WordTfidfVectorizer(
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float32,
    )


def make_features(features: str = DEFAULT_FEATURES) -> list[tuple[str, object]]:
    """Return the unfitted feature steps (normalisation, then a union of feature blocks).

    Parameters
    ----------
    features : str
        One of :data:`FEATURE_SETS`.
    """
    if features not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r}; choose from {', '.join(FEATURE_SETS)}")
    blocks = [("words", _word_vectorizer())]
    if features in ("full", "chars"):
        blocks += [(INDICATOR_BLOCK, IndicatorFeatures()), ("rules", RuleFeatures())]
    if features == "chars":
        blocks.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                                sublinear_tf=True, dtype=np.float32)))
    normalizer = ContactMasker() if features == "words" else TextNormalizer()
    return [("normalize", normalizer), ("features", FeatureUnion(blocks))]


@functools.cache
def _rules(name: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    text = importlib.resources.files("classifier").joinpath("data", f"{name}.toml").read_text(
        encoding="utf-8")
    rules = tomllib.loads(text)
    patterns = tuple(
        re.compile(r"(?<!\w)(?:" + "|".join(rule["patterns"]) + ")")
        for rule in rules.values()
    )
    return tuple(rules), patterns


class RuleFeatures(TransformerMixin, BaseEstimator):
    """Binary features, one per rule of a packaged rule file, each checked on its own.

    Unlike :class:`~classifier._indicators.IndicatorFeatures`, whose single-pass scan lets
    one indicator claim a stretch of text, every rule here sees the whole ad, so rules may
    overlap the indicators. The default, ``chainbreaker_rules``, holds the rules that labelled
    the public ChainBreaker dataset (see ``classifier/data/chainbreaker_rules.toml``).

    Parameters
    ----------
    rules : str
        Name of a TOML file in ``classifier/data`` (without ``.toml``).
    """

    def __init__(self, rules: str = "chainbreaker_rules"):
        self.rules = rules

    def fit(self, X: Iterable[str], y=None) -> RuleFeatures:  # noqa: ARG002
        _rules(self.rules)  # fail early on a missing or broken rule file
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        _, patterns = _rules(self.rules)
        dense = np.array([[p.search(x) is not None for p in patterns] for x in X],
                         dtype=np.float64).reshape(-1, len(patterns))
        return sp.csr_matrix(dense)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        return np.asarray(_rules(self.rules)[0], dtype=object)


class ContactMasker(TransformerMixin, BaseEstimator):
    """Stateless transformer that only lower-cases and masks contact data (the baseline).

    Contact data is masked in every feature set, so that no model learns a phone number.
    """

    def fit(self, X: Iterable[str], y=None) -> ContactMasker:  # noqa: ARG002
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless

    def transform(self, X: Iterable[str]) -> list[str]:
        return [mask_contacts(x).lower() for x in X]


class WordTfidfVectorizer(TfidfVectorizer):
    """:class:`~sklearn.feature_extraction.text.TfidfVectorizer` with a fast ``transform``.

    Fitting is scikit-learn's own. Transforming, the hot path of batch scoring, gives the same
    matrix as scikit-learn for word n-grams with the default analyzer, but tokenises with one
    regex call per text and looks n-grams up with C-level ``map`` instead of a Python loop per
    token, which makes it several times faster. Other settings fall back to scikit-learn.
    """

    def _fast_path(self) -> bool:
        return (
            self.analyzer == "word"
            and self.tokenizer is None
            and self.preprocessor is None
            and self.stop_words is None
            and self.strip_accents is None
            and self.input == "content"
        )

    def transform(self, raw_documents):
        """Transform documents to a TF-IDF matrix (see scikit-learn's ``transform``)."""
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, "vocabulary_")
        if not self._fast_path():
            return super().transform(raw_documents)
        findall = re.compile(self.token_pattern).findall
        get = self.vocabulary_.get
        lo, hi = self.ngram_range
        cols: list[int] = []
        lengths: list[int] = []
        for doc in raw_documents:
            tokens = findall(doc.lower() if self.lowercase else doc)
            before = len(cols)
            for n in range(lo, hi + 1):
                shifted = (tokens[i:] for i in range(n))
                grams = tokens if n == 1 else map(" ".join, zip(*shifted, strict=False))
                cols.extend(map(get, grams, repeat(-1)))
            lengths.append(len(cols) - before)
        col = np.fromiter(cols, dtype=np.int32, count=len(cols))
        row = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        known = col >= 0
        # COO -> CSR sums repeated (row, col) pairs: the term counts.
        X = sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=self.dtype), (row[known], col[known])),
            shape=(len(lengths), len(self.vocabulary_)),
        )
        X.sort_indices()
        if self.binary:
            X.data.fill(1)
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1
        if self.use_idf:
            X.data *= self.idf_[X.indices]
        if self.norm is not None:
            X = normalize(X, norm=self.norm, copy=False)
        return X
