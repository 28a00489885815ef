"""Word features: contact masking for the baseline, and a fast word n-gram TF-IDF."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from itertools import islice, repeat

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from classifier.text._contacts import mask_contacts


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
