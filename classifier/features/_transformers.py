"""scikit-learn transformers of the pipeline, for training and ``Model.pipeline``.

Each wraps a function of a module that imports no scikit-learn (normalisation, contact
masking, TF-IDF rows, indicators, rules), which is what scoring a saved model uses: importing
scikit-learn alone takes seconds of a command's start-up.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from classifier.features._context import (
    DEFAULT_LEXICON,
    context_rows,
    context_sha256,
    gate,
)
from classifier.features._indicators import _key, _matcher, indicator_feature_names, indicator_rows
from classifier.features._names import CONTEXT_BLOCK
from classifier.features._ngrams import TfidfBlock, TfidfSettings
from classifier.features._rules import _rules, rule_names, rule_rows
from classifier.features._wordtext import WordText
from classifier.text._normalize import mask_and_lower, normalize_texts


class _TextTransformer(TransformerMixin, BaseEstimator):
    """A stateless transformer of a list of texts (``fit`` learns nothing)."""

    def fit(self, X: Iterable[str], y=None):  # noqa: ARG002
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    @staticmethod
    def _texts(X: Iterable[str]) -> list[str]:
        if isinstance(X, str):
            raise TypeError("X must be an iterable of texts, not one string")
        return X if isinstance(X, list) else list(X)


class TextNormalizer(_TextTransformer):
    """Stateless transformer applying :func:`~classifier.text.normalize_text` to each document.

    Examples
    --------
    >>> TextNormalizer().fit_transform(["H0T ɢɪʀʟ 🍒 call 587 555 0143"])
    ['hot girl emoji_cherries call xphonex']
    """

    def transform(self, X: Iterable[str]) -> list[str]:
        """One normalised text per input document."""
        return normalize_texts(self._texts(X))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        """One output "feature", the normalised text."""
        return np.asarray(["normalized_text"], dtype=object)


class ContactMasker(_TextTransformer):
    """Stateless transformer that only lower-cases and masks contact data (the baseline).

    Contact data is masked in every feature set, so that no model learns a phone number.
    """

    def transform(self, X: Iterable[str]) -> list[str]:
        return mask_and_lower(self._texts(X))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        return np.asarray(["masked_text"], dtype=object)


class IndicatorFeatures(_TextTransformer):
    """Sparse indicator and stated-age features for normalised ads.

    Stateless: ``fit`` learns nothing. One column per lexicon indicator, then the columns of
    :data:`~classifier.features._indicators.AGE_FEATURE_NAMES`
    (see :func:`~classifier.features._indicators.indicator_rows`).

    Parameters
    ----------
    lexicon_path : str, default=None
        A TOML lexicon in the format of the packaged ``indicators.toml`` (for user-extended
        lexicons). ``None`` uses the packaged lexicon.
    binary : bool, default=False
        If False, indicator columns hold ``log1p(number of matches)``; if True, 1.0 when the
        indicator fires. log1p is the default: with logistic regression on ChainBreaker
        (near-duplicate-grouped 5-fold cross-validation, ``benchmarks/bench_indicators.py
        --quality``) it scored higher than binary values, alone and beside word TF-IDF, as
        agency ads repeat their plural and third-person wording. The logarithm keeps a long
        templated ad from weighing many times more than a short one.

    Examples
    --------
    >>> X = IndicatorFeatures().transform(["new girls in town, 19 yrs, call xphonex"])
    >>> X.shape[0]
    1
    """

    def __init__(self, lexicon_path: str | None = None, binary: bool = False) -> None:
        self.lexicon_path = lexicon_path
        self.binary = binary

    def fit(self, X: Iterable[str], y=None) -> IndicatorFeatures:  # noqa: ARG002
        """Return self: there is nothing to learn (the lexicon is checked)."""
        _matcher(_key(self.lexicon_path)).check()  # fail early on a bad lexicon
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Count indicator matches and read stated ages in each normalised ad (float64 CSR)."""
        return indicator_rows(self._texts(X), _key(self.lexicon_path), self.binary).tocsr()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        """``ind_<indicator>`` for each indicator, then the age feature names."""
        return np.asarray(indicator_feature_names(_key(self.lexicon_path)), dtype=object)


class RuleFeatures(_TextTransformer):
    """Binary features, one per rule of a packaged rule file, each checked on its own.

    Unlike :class:`IndicatorFeatures`, whose single-pass scan lets one indicator claim a
    stretch of text, every rule here sees the whole ad, so rules may overlap the indicators.
    The default, ``chainbreaker_rules``, holds the rules that labelled the public ChainBreaker
    dataset (see ``classifier/data/chainbreaker_rules.toml``); see
    :func:`~classifier.features._rules.rule_rows` for how they are searched.

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

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        return rule_rows(self._texts(X), self.rules).tocsr()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        return np.asarray(rule_names(self.rules), dtype=object)


# TF-IDF blocks of fitted vectorizers, built on first use; weak keys, so they never enter a
# saved model and go with their vectorizer.
_BLOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tfidf_settings(vectorizer: TfidfVectorizer) -> TfidfSettings | None:
    """The settings of a vectorizer if :class:`TfidfBlock` reproduces its ``transform``
    (on texts prepared by its preprocessor, which may be :class:`WordText`)."""
    supported = (
        vectorizer.analyzer in ("word", "char_wb")
        and vectorizer.tokenizer is None
        and (vectorizer.preprocessor is None or isinstance(vectorizer.preprocessor, WordText))
        and vectorizer.stop_words is None
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
        and vectorizer.norm in ("l2", None)
    )
    if not supported:
        return None
    return TfidfSettings(
        analyzer=vectorizer.analyzer, ngram_range=tuple(vectorizer.ngram_range),
        lowercase=bool(vectorizer.lowercase), token_pattern=vectorizer.token_pattern,
        binary=bool(vectorizer.binary), sublinear_tf=bool(vectorizer.sublinear_tf),
        use_idf=bool(vectorizer.use_idf), norm=vectorizer.norm,
        dtype=np.dtype(vectorizer.dtype).name,
    )


def tfidf_block(vectorizer: TfidfVectorizer) -> TfidfBlock | None:
    """The :class:`TfidfBlock` of a fitted vectorizer (``None`` if its settings are not
    supported); cached until the vectorizer is refitted."""
    settings = tfidf_settings(vectorizer)
    if settings is None:
        return None
    idf = vectorizer.idf_ if vectorizer.use_idf else None
    text = vectorizer.preprocessor.name if vectorizer.preprocessor is not None else None
    cached = _BLOCKS.get(vectorizer)
    # The vocabulary is compared by identity: refitting replaces the dictionary.
    if (cached is None or cached[0] is not vectorizer.vocabulary_ or cached[1] is not idf
            or cached[2].settings != settings or cached[2].text != text):
        vocabulary = vectorizer.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        block = TfidfBlock(terms, idf, settings, text=text)
        block.__dict__["vocabulary"] = vocabulary  # the same mapping: no need to rebuild it
        cached = _BLOCKS[vectorizer] = (vocabulary, idf, block)
    return cached[2]


class WordTfidfVectorizer(TfidfVectorizer):
    """:class:`~sklearn.feature_extraction.text.TfidfVectorizer` with a fast ``transform``.

    Fitting is scikit-learn's own. Transforming, the hot path of batch scoring, gives the same
    matrix as scikit-learn, several times faster (see :class:`TfidfBlock`); settings it does
    not reproduce fall back to scikit-learn. The default feature sets give it
    ``preprocessor=WordText()`` (see :mod:`classifier.features._wordtext`): emoji tokens left
    out, an obscured phone read as a plain one.
    """

    def __getstate__(self) -> dict:
        # Saved as one array of terms (in column order) rather than a dict: skops writes a
        # dict as one node per entry, which made a model file of tens of MB that took
        # seconds to load; an array is one node.
        state = dict(super().__getstate__())  # a copy: it may be the instance's __dict__
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            state["vocabulary_terms_"] = np.array(terms, dtype=np.str_)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {term: column for column, term in enumerate(terms.tolist())}

    def transform(self, raw_documents):
        """Transform documents to a TF-IDF matrix (see scikit-learn's ``transform``)."""
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, "vocabulary_")
        block = tfidf_block(self)
        if block is None:
            return super().transform(raw_documents)
        # The block prepares the documents as the preprocessor (a WordText) would.
        documents = (doc if isinstance(doc, str) else self.decode(doc) for doc in raw_documents)
        X = block.transform(documents)
        if X.shape[0] == 0 and self.norm is not None:  # as scikit-learn's normalize does
            raise ValueError("Found array with 0 sample(s) (shape=(0, ...)) while a minimum "
                             "of 1 is required.")
        return X.tocsr()


class ContextScore(_TextTransformer):
    """One column, ``log p_ctx``: the log-probability that a normalised text is an
    adult-services ad (see :mod:`classifier.features._context`).

    Stateless; the weights come from a packaged lexicon (``classifier/data/<name>.json``) or,
    for experiments, a path ending in ``.json``.
    """

    def __init__(self, lexicon: str = DEFAULT_LEXICON):
        self.lexicon = lexicon

    def fit(self, X: Iterable[str], y=None) -> ContextScore:  # noqa: ARG002
        context_sha256(self.lexicon)  # fail early on a missing lexicon
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        return context_rows(self._texts(X), self.lexicon).tocsr()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        return np.asarray([CONTEXT_BLOCK], dtype=object)


class ContextGatedUnion(FeatureUnion):
    """A feature union whose last block is :class:`ContextScore` and gates all the others:
    each row's risk features are multiplied by its ``p_ctx``; the last column keeps
    ``log p_ctx`` (see :func:`classifier.features._context.gate`)."""

    def transform(self, X):
        return _gated(super().transform(X))

    def fit_transform(self, X, y=None, **params):
        return _gated(super().fit_transform(X, y, **params))


def _gated(X) -> sp.csr_matrix:
    X = sp.csr_matrix(X, dtype=np.float64)
    X.sort_indices()
    gate(X.data, X.indices, X.indptr, X.shape[1])
    return X
