"""Feature pipelines: normalised text -> sparse features -> linear model."""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
import weakref
from collections.abc import Iterable
from itertools import islice, repeat

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
#: - ``indicators``: ``normalized`` plus the named indicator features (those meant to carry
#:   over to other sites and years);
#: - ``full``: ``indicators`` plus the ChainBreaker rule features (the default);
#: - ``chars``: ``full`` plus character 2-5-gram TF-IDF (slower; for comparison).
FEATURE_SETS = ("words", "normalized", "indicators", "full", "chars")
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
    if features in ("indicators", "full", "chars"):
        blocks.append((INDICATOR_BLOCK, IndicatorFeatures()))
    if features in ("full", "chars"):
        blocks.append(("rules", RuleFeatures()))
    if features == "chars":
        blocks.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                                sublinear_tf=True, dtype=np.float32)))
    normalizer = ContactMasker() if features == "words" else TextNormalizer()
    return [("normalize", normalizer), ("features", FeatureUnion(blocks))]


@functools.cache
def _rules(name: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    rules = _load_rules(name)
    patterns = tuple(
        re.compile(r"(?<!\w)(?:" + "|".join(rule["patterns"]) + ")")
        for rule in rules.values()
    )
    return tuple(rules), patterns


def _load_rules(name: str) -> dict:
    text = importlib.resources.files("classifier").joinpath("data", f"{name}.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(text)


# Regex syntax that means the same in Python's re and in RE2 on ASCII text: literal
# characters, escaped punctuation, \w \W \d, ".", "|", capturing and (?:...) groups, the
# quantifiers ? * + {m} {m,} {m,n} (lazy or not; RE2 refuses possessive ones), and classes of
# literals, ranges and \w \W \d. Not ^ or $ ($ also matches before a final newline in
# Python), nor lookarounds or flags, nor \s (Python's takes \x1c-\x1f).
_PORTABLE = re.compile(r"""(?x)
    (?: [A-Za-z0-9\ '"_,;:!&/%@=<>~-]
      | \\[wWd.?*+()\[\]{}|\\/'-]
      | [.|)?*+]
      | \((?:\?:|(?!\?))
      | \{\d+(?:,\d*)?\}
      | \[\^?(?:[A-Za-z0-9\ '"_,;:!&/%@=<>~.-]|\\[wWd])+\]
    )*""")


@functools.cache
def _prefilters(name: str) -> tuple[str | None, ...]:
    """For each rule of a rule file, its :func:`_prefilter`."""
    return tuple(_prefilter(rule["patterns"]) for rule in _load_rules(name).values())


def _prefilter(patterns: list[str]) -> str | None:
    r"""An RE2 pattern that finds, in ASCII text, where a rule's match could start.

    It is the rule's pattern with the leading ``(?<!\w)`` written ``(?:^|\W)`` and a final
    ``(?!\w)`` written ``(?:\W|$)``: RE2 has no lookarounds, and at the two ends of a match
    these say the same. So in ASCII text it matches wherever the rule does, starting at most
    one character earlier, and searching with the rule from there loses no match. ``None``
    when a pattern uses other syntax (see ``_PORTABLE``).
    """
    parts = []
    for pattern in patterns:
        part = pattern.removesuffix(r"(?!\w)")
        try:
            re.compile(pattern)  # on its own, so that no group spans two patterns
        except re.error:
            return None
        if not _PORTABLE.fullmatch(part):
            return None
        parts.append(part if part == pattern else part + r"(?:\W|$)")
    prefilter = r"(?:^|\W)(?:" + "|".join(parts) + ")"
    try:
        pc.find_substring_regex(pa.array([""]), pattern=prefilter)
    except pa.ArrowInvalid:  # beyond RE2's limits
        return None
    return prefilter


class RuleFeatures(TransformerMixin, BaseEstimator):
    """Binary features, one per rule of a packaged rule file, each checked on its own.

    Unlike :class:`~classifier._indicators.IndicatorFeatures`, whose single-pass scan lets
    one indicator claim a stretch of text, every rule here sees the whole ad, so rules may
    overlap the indicators. The default, ``chainbreaker_rules``, holds the rules that labelled
    the public ChainBreaker dataset (see ``classifier/data/chainbreaker_rules.toml``).

    A rule is one Python regex, searched in every ad. To make that fast, an RE2 version of it
    (see :func:`_prefilter`) first scans the whole batch with pyarrow, in C++ and linear time;
    Python's regex then searches only the ASCII ads where that found something, from where it
    did, and the other ads. The result is that of searching every ad with Python's regex.

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
        prefilters = _prefilters(self.rules)
        texts = list(X)
        dense = np.zeros((len(texts), len(patterns)), dtype=np.float64)
        if texts and any(prefilters):
            # RE2's \w is ASCII only: other texts are left out here and searched in full.
            ascii_ = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
            batch = pa.array([t if a else "" for t, a in zip(texts, ascii_, strict=True)],
                             type=pa.string())
        for j, (pattern, prefilter) in enumerate(zip(patterns, prefilters, strict=True)):
            if prefilter is None or not texts:
                starts = np.zeros(len(texts), dtype=np.int64)
            else:
                # Offsets in bytes, which are characters in ASCII text; -1: no match.
                found = pc.find_substring_regex(batch, pattern=prefilter).to_numpy()
                starts = np.where(ascii_, found, 0)
            rows = np.flatnonzero(starts >= 0).tolist()
            search = pattern.search
            dense[rows, j] = [search(texts[i], pos) is not None
                              for i, pos in zip(rows, starts[rows].tolist(), strict=True)]
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


#: scikit-learn's default ``token_pattern``: runs of two or more word characters.
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# What ``\w`` matches in ASCII text.
_WORD_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
# Tables for tokenising ASCII text with ``bytes.translate`` and ``split``, several times faster
# than ``re.findall``: every byte that is not a word character becomes a space. The second one
# also lower-cases, as ``str.lower`` does on ASCII text.
_TO_WORDS = bytes(b if b in _WORD_BYTES else 0x20 for b in range(256))
_TO_WORDS_LOWER = _TO_WORDS.lower()
# Word ids of an _NgramIndex besides 0, 1, ...: a word of no vocabulary n-gram, and a
# one-character token, which the default token pattern would not have produced.
_UNKNOWN, _SHORT = -1, -2
# Documents tokenised per batch of numpy work: bounds the memory held in Python ints.
_CHUNK = 4096


class _NgramIndex:
    """A vocabulary's n-grams as chains of word ids, to look them all up at once with numpy.

    Every word of a vocabulary n-gram gets an id ``0 .. n_words - 1``. A phrase (an n-gram of
    the vocabulary or the start of one) of one word has its word's id; a longer phrase has the
    id that ``keys``/``children`` give to "id of its first words * n_words + id of its last
    word". So the n-grams of a batch are found one word longer at a time, for all positions
    at once, without building their strings.

    Parameters
    ----------
    vocabulary : dict of str to int
        A fitted ``vocabulary_`` (n-gram -> column).
    ngram_range : tuple of int
        Lengths of the n-grams that ``transform`` makes.
    ascii_tokens : bool
        Whether the ASCII tokeniser is used, which keeps one-character tokens: they all get
        the id ``_SHORT``, to be dropped.
    """

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int],
                 ascii_tokens: bool):
        lo, hi = ngram_range
        # Split terms as " ".join built them. A term with an empty part (a double space) or of
        # a length outside ngram_range is never generated, so it can be left out.
        terms = [(term.split(" "), column) for term, column in vocabulary.items()]
        terms = [(parts, column) for parts, column in terms if lo <= len(parts) <= hi
                 and all(parts)]
        words: dict[str, int] = {}
        for parts, _ in terms:
            for word in parts:
                words.setdefault(word, len(words))
        n_words = len(words)
        transitions: dict[int, int] = {}
        columns = [_UNKNOWN] * n_words  # phrase id -> column
        for parts, column in terms:
            phrase = words[parts[0]]
            for word in parts[1:]:
                key = phrase * n_words + words[word]
                if key not in transitions:
                    transitions[key] = len(columns)
                    columns.append(_UNKNOWN)
                phrase = transitions[key]
            columns[phrase] = column
        self.words = words
        # The ASCII tokeniser splits bytes: looking them up saves decoding every text.
        self.ascii_words = {w.encode("ascii"): i for w, i in words.items() if w.isascii()}
        if ascii_tokens:
            # Such tokens can be in no n-gram: the default pattern needs two characters.
            self.ascii_words.update(dict.fromkeys([bytes([b]) for b in _WORD_BYTES], _SHORT))
        self.n_words = n_words
        # pandas' hash table looks keys up several times faster than searchsorted.
        self.keys = pd.Index(np.fromiter(transitions, dtype=np.int64, count=len(transitions)))
        # get_indexer answers -1 for a missing key, which picks the last child: _UNKNOWN.
        self.children = np.array([*transitions.values(), _UNKNOWN], dtype=np.int64)
        self.columns = np.array(columns, dtype=np.int64)

    def extend(self, phrases: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Ids of ``phrases`` each followed by the word of ``words``; ``_UNKNOWN`` if none."""
        # -1 is no key; an unknown phrase or word must not compute one that exists.
        key = np.where((phrases >= 0) & (words >= 0), phrases * self.n_words + words, -1)
        return self.children[self.keys.get_indexer(key)]


# Indexes of fitted vectorizers, built on first use; weak keys, so they never enter a saved
# model and go with their vectorizer.
_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class WordTfidfVectorizer(TfidfVectorizer):
    """:class:`~sklearn.feature_extraction.text.TfidfVectorizer` with a fast ``transform``.

    Fitting is scikit-learn's own. Transforming, the hot path of batch scoring, gives the same
    matrix as scikit-learn for word n-grams with the default analyzer, several times faster:
    ASCII texts are tokenised with ``bytes.translate`` and ``split`` instead of a regex (when
    ``token_pattern`` is the default), each token is looked up once, with C-level ``map``, and
    n-grams are looked up as chains of word ids with numpy (see :class:`_NgramIndex`), for a
    whole batch at once, instead of being built as strings. Other settings fall back to
    scikit-learn.
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

    def _fast_path(self) -> bool:
        return (
            self.analyzer == "word"
            and self.tokenizer is None
            and self.preprocessor is None
            and self.stop_words is None
            and self.strip_accents is None
            and self.input == "content"
        )

    def _index(self, ascii_tokens: bool) -> _NgramIndex:
        cached = _INDEXES.get(self)
        settings = (self.ngram_range, ascii_tokens)
        # The vocabulary is compared by identity: refitting replaces the dictionary.
        if cached is None or cached[0] is not self.vocabulary_ or cached[1] != settings:
            index = _NgramIndex(self.vocabulary_, self.ngram_range, ascii_tokens)
            cached = _INDEXES[self] = (self.vocabulary_, settings, index)
        return cached[2]

    def transform(self, raw_documents):
        """Transform documents to a TF-IDF matrix (see scikit-learn's ``transform``)."""
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, "vocabulary_")
        if not self._fast_path():
            return super().transform(raw_documents)
        ascii_tokens = self.token_pattern == _DEFAULT_TOKEN_PATTERN
        index = self._index(ascii_tokens)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        n_docs = 0
        documents = iter(raw_documents)
        while chunk := list(islice(documents, _CHUNK)):
            row, col = self._count(chunk, index, ascii_tokens)
            rows.append(row + n_docs)
            cols.append(col)
            n_docs += len(chunk)
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        # Converting COO sums repeated (row, col) pairs: the term counts. Going through CSC is
        # faster than straight to CSR: each column holds n-grams of one length, whose rows
        # come in order, so no column needs sorting, and CSC -> CSR gives sorted rows.
        X = sp.csc_matrix((np.ones(len(col), dtype=self.dtype), (row, col)),
                          shape=(n_docs, len(self.vocabulary_))).tocsr()
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

    def _count(self, documents: list, index: _NgramIndex,
               ascii_tokens: bool) -> tuple[np.ndarray, np.ndarray]:
        """Row (document) and column of every vocabulary n-gram occurrence in ``documents``."""
        tokenize = self.build_tokenizer()
        table = _TO_WORDS_LOWER if self.lowercase else _TO_WORDS
        get = index.words.get
        get_ascii = index.ascii_words.get
        ids: list[int] = []
        lengths: list[int] = []
        for doc in documents:
            if not isinstance(doc, str):
                doc = self.decode(doc)
            if ascii_tokens and doc.isascii():
                # On ASCII text \w is [A-Za-z0-9_], so this splits like the default pattern
                # (one-character tokens aside, dropped below).
                tokens = doc.encode("ascii").translate(table).split()
                ids.extend(map(get_ascii, tokens, repeat(_UNKNOWN)))
            else:
                tokens = tokenize(doc.lower() if self.lowercase else doc)
                ids.extend(map(get, tokens, repeat(_UNKNOWN)))
            lengths.append(len(tokens))
        words = np.array(ids, dtype=np.int64)
        doc_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        if ascii_tokens:
            kept = words != _SHORT
            words, doc_of = words[kept], doc_of[kept]
        lo, hi = self.ngram_range
        rows, cols = [], []
        phrases = words  # phrases[i]: the phrase of n words starting at token i
        for n in range(1, hi + 1):
            if n > 1:
                phrases = index.extend(phrases[:-1], words[n - 1:])
                # An n-gram never spans two documents.
                phrases[doc_of[:len(phrases)] != doc_of[n - 1:]] = _UNKNOWN
            if n >= lo:
                at = np.flatnonzero(phrases >= 0)
                col = index.columns[phrases[at]]
                known = col >= 0
                rows.append(doc_of[at[known]])
                cols.append(col[known])
        return np.concatenate(rows), np.concatenate(cols)
