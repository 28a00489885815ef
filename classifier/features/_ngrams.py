"""Word and character n-gram TF-IDF rows without scikit-learn, from a vocabulary and idf.

Scoring a data-only model and :class:`~classifier.features._transformers.WordTfidfVectorizer`
both use :class:`TfidfBlock`: it gives the matrix scikit-learn's ``TfidfVectorizer`` gives for
the same vocabulary and settings, to the last bit, several times faster for word n-grams:
ASCII texts are tokenised with ``bytes.translate`` and ``split`` instead of a regex (when
``token_pattern`` is the default), each token is looked up once, with C-level ``map``, and
n-grams are looked up as chains of word ids with numpy (see :class:`_NgramIndex`), for a whole
batch at once, instead of being built as strings.

With the compiled core (:mod:`classifier._core`), the word n-grams of ASCII texts (default
``token_pattern``, float data) are counted by its ``NgramCounter``, built from the same
:class:`_NgramIndex`, straight into the CSR arrays, and the l2 norm of :meth:`TfidfBlock.weigh`
is taken there too (same operations, same bits; the logarithm stays numpy's). The code here
is the reference, and counts the texts the core declines (not ASCII, or 16 MiB and longer).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import islice, repeat

import numpy as np

from classifier import _core
from classifier.features._csr import Rows, _core_arrays, row_sums
from classifier.features._wordtext import WORD_TEXTS, word_text, word_texts
from classifier.text._tokens import EMOJI_PREFIX, PHONE_OBF_TOKEN, PHONE_TOKEN

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
# Batches of at least this many lookups use a hash table (see _NgramIndex._hashed_keys).
_HASH_LOOKUP = 20_000
# Attributes of a TfidfBlock that hold the compiled core's objects (not pickled).
_CORE_CACHES = ("_core_cache", "_core_pair_cache")
# Data types of the counts and TF-IDF values that the compiled core computes.
_CORE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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
        keys = np.fromiter(transitions, dtype=np.int64, count=len(transitions))
        children = np.fromiter(transitions.values(), dtype=np.int64, count=len(transitions))
        order = np.argsort(keys)
        self._set(list(words), keys[order], children[order], np.array(columns, dtype=np.int64),
                  ascii_tokens)

    def _set(self, words: list[str], sorted_keys: np.ndarray, sorted_children: np.ndarray,
             columns: np.ndarray, ascii_tokens: bool) -> None:
        self.words = {word: i for i, word in enumerate(words)}
        # The ASCII tokeniser splits bytes: looking them up saves decoding every text.
        self.ascii_words = {w.encode("ascii"): i for w, i in self.words.items() if w.isascii()}
        if ascii_tokens:
            # Such tokens can be in no n-gram: the default pattern needs two characters.
            self.ascii_words.update(dict.fromkeys([bytes([b]) for b in _WORD_BYTES], _SHORT))
        self.n_words = len(words)
        self.sorted_keys = sorted_keys
        self.sorted_children = sorted_children
        self.columns = columns

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The index as arrays, to store beside the vocabulary (building it takes longer)."""
        words = "\n".join(self.words).encode()
        return {"words": np.frombuffer(words, dtype=np.uint8), "keys": self.sorted_keys,
                "children": self.sorted_children, "columns": self.columns}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_terms: int,
                    ascii_tokens: bool) -> _NgramIndex:
        """The index :meth:`to_arrays` stored, checked to index only what exists."""
        text = arrays["words"].astype(np.uint8).tobytes().decode("utf-8")
        words = text.split("\n") if text else []
        keys, children, columns = (arrays[k].astype(np.int64)
                                   for k in ("keys", "children", "columns"))
        valid = (
            keys.ndim == children.ndim == columns.ndim == 1
            and keys.shape == children.shape
            and len(columns) >= len(words)
            and bool(np.all(np.diff(keys) > 0))
            and bool(np.all((children >= 0) & (children < len(columns))))
            and bool(np.all((columns >= _UNKNOWN) & (columns < n_terms)))
        )
        if not valid:
            raise ValueError("inconsistent n-gram index")
        index = cls.__new__(cls)
        index._set(words, keys, children, columns, ascii_tokens)
        return index

    @cached_property
    def _hashed_keys(self):
        """A pandas hash index of the keys: several times faster than a binary search on
        large batches, but pandas costs start-up, so it is used only where pandas already is."""
        import pandas as pd

        return pd.Index(self.sorted_keys)

    def extend(self, phrases: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Ids of ``phrases`` each followed by the word of ``words``; ``_UNKNOWN`` if none."""
        # -1 is no key; an unknown phrase or word must not compute one that exists.
        key = np.where((phrases >= 0) & (words >= 0), phrases * self.n_words + words, -1)
        if not len(self.sorted_keys):
            return np.full(len(key), _UNKNOWN, dtype=np.int64)
        if len(key) >= _HASH_LOOKUP and "pandas" in sys.modules:
            found = self._hashed_keys.get_indexer(key)  # -1 when missing
        else:
            found = np.searchsorted(self.sorted_keys, key)
            found[found == len(self.sorted_keys)] = 0
            found[(len(self.sorted_keys) == 0) | (self.sorted_keys[found] != key)] = -1
        return np.where(found >= 0, self.sorted_children[found], _UNKNOWN)




def _batches(documents: Iterable[str]) -> Iterator[list]:
    """A non-empty list as it is (the batch is in memory already), any other iterable
    ``_CHUNK`` documents at a time (which bounds what the core holds at once)."""
    if isinstance(documents, list):
        if documents:
            yield documents
        return
    documents = iter(documents)
    while chunk := list(islice(documents, _CHUNK)):
        yield chunk


#: Settings of a ``TfidfVectorizer`` that :class:`TfidfBlock` reproduces, with their values
#: in :func:`classifier.features._sets.make_features`' vectorizers where they differ from
#: scikit-learn's defaults.
TFIDF_SETTINGS = ("analyzer", "ngram_range", "lowercase", "token_pattern", "binary",
                  "sublinear_tf", "use_idf", "norm", "dtype")
#: Analyzers :class:`TfidfBlock` implements.
ANALYZERS = ("word", "char_wb")
# scikit-learn's white-space squeezing before character n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class TfidfSettings:
    """The settings of a fitted ``TfidfVectorizer`` that shape its ``transform``."""

    analyzer: str = "word"
    ngram_range: tuple[int, int] = (1, 1)
    lowercase: bool = True
    token_pattern: str = _DEFAULT_TOKEN_PATTERN
    binary: bool = False
    sublinear_tf: bool = False
    use_idf: bool = True
    norm: str | None = "l2"
    dtype: str = "float64"

    def as_json(self) -> dict:
        return {**self.__dict__, "ngram_range": list(self.ngram_range)}

    @classmethod
    def from_json(cls, data: dict) -> TfidfSettings:
        return cls(**{**data, "ngram_range": tuple(data["ngram_range"])})


class TfidfBlock:
    """TF-IDF rows of texts for a fixed vocabulary: scikit-learn's ``TfidfVectorizer.transform``.

    Parameters
    ----------
    terms : list of str
        The vocabulary, in column order.
    idf : ndarray or None
        Inverse document frequencies (``idf_``), in the type the vectorizer holds them.
    settings : TfidfSettings
    index : dict of ndarray, optional
        The word n-gram index stored with a model (built from ``terms`` when ``None``).
    text : str, optional
        What the block reads of each text: a name of
        :data:`~classifier.features._wordtext.WORD_TEXTS`, or ``None`` for the text as it is.
    """

    def __init__(self, terms: list[str], idf: np.ndarray | None, settings: TfidfSettings,
                 index: dict[str, np.ndarray] | None = None, text: str | None = None):
        if settings.analyzer not in ANALYZERS:
            raise ValueError(f"analyzer {settings.analyzer!r} is not supported")
        if settings.norm not in ("l2", None):
            raise ValueError(f"norm {settings.norm!r} is not supported")
        self.terms = terms
        self.idf = idf
        self.settings = settings
        self.dtype = np.dtype(settings.dtype)
        self._stored_index = index
        if text is not None and text not in WORD_TEXTS:
            raise ValueError(f"unknown word-block text {text!r}; known: {', '.join(WORD_TEXTS)}")
        self.text = text

    def __getstate__(self) -> dict:
        # The compiled counters are rebuilt where the block is unpickled (a Dask worker).
        return {k: v for k, v in self.__dict__.items() if k not in _CORE_CACHES}

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return {term: column for column, term in enumerate(self.terms)}

    @cached_property
    def _index(self) -> _NgramIndex:
        if self._stored_index is not None:
            return _NgramIndex.from_arrays(self._stored_index, len(self.terms),
                                           self._ascii_tokens)
        return _NgramIndex(self.vocabulary, self.settings.ngram_range, self._ascii_tokens)

    def index_arrays(self) -> dict[str, np.ndarray] | None:
        """The word n-gram index as arrays (``None`` for character n-grams)."""
        return self._index.to_arrays() if self.settings.analyzer == "word" else None

    @property
    def _ascii_tokens(self) -> bool:
        return self.settings.token_pattern == _DEFAULT_TOKEN_PATTERN

    def _core_counter(self) -> object | None:
        """The compiled core's counter of this block's word n-grams (built once per core),
        or ``None`` where the Python code counts: no core, character n-grams, another token
        pattern or data type."""
        core = _core.CORE
        lo, hi = self.settings.ngram_range
        if (core is None or self.settings.analyzer != "word" or not self._ascii_tokens
                or hi < 1 or self.dtype not in _CORE_DTYPES):
            return None
        cached = self.__dict__.get("_core_cache")
        if cached is None or cached[0] is not core:
            index = self._index
            # index.ascii_words without the one-byte tokens, which the core drops itself.
            words = [(word, i) for word, i in index.words.items()
                     if word.isascii() and len(word) >= 2]
            # The core prepares the word text itself (see word_text), from these tokens.
            prepared = (EMOJI_PREFIX, PHONE_OBF_TOKEN, PHONE_TOKEN) if self.text else None
            try:
                counter = core.NgramCounter(words, index.n_words, index.sorted_keys,
                                            index.sorted_children, index.columns,
                                            len(self.terms), lo, hi, self.settings.lowercase,
                                            self.dtype == np.float32, prepared)
            except (ValueError, OverflowError):  # an index beyond the core's integers
                counter = None
            cached = self.__dict__["_core_cache"] = (core, counter)
        return cached[1]

    def transform(self, documents: Iterable[str]) -> Rows:
        """TF-IDF rows of ``documents`` (prepared as :attr:`text` says)."""
        counter = self._core_counter()
        if counter is not None:
            return self.weigh(self._count_core(counter, documents))
        if self.text is not None:
            documents = map(word_text, documents)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        n_docs = 0
        documents = iter(documents)
        while chunk := list(islice(documents, _CHUNK)):
            if self.settings.analyzer == "word":
                row, col = self._count_words(chunk)
            else:
                row, col = self._count_chars(chunk)
            rows.append(row + n_docs)
            cols.append(col)
            n_docs += len(chunk)
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        X = Rows.from_entries(row, col, np.ones(len(col), dtype=self.dtype),
                              (n_docs, len(self.terms)))
        return self.weigh(X)

    def presence_dot(self, documents: Iterable[str], weights: np.ndarray) -> np.ndarray:
        """``self.transform(documents).dot(weights)`` of a block of binary counts with no idf
        and no norm: each document's sum of the weights of the distinct terms it holds, added
        in column order. The compiled core adds them as it counts, with no rows built."""
        counter = self._presence_counter()
        if counter is None:
            return self.transform(documents).dot(weights)
        documents = documents if isinstance(documents, list) else list(documents)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        sums, declined = counter.presence_dots(documents, weights)
        return self._with_python_sums(documents, declined, sums, weights)

    def transform_and_presence_dot(self, documents: Iterable[str], other: TfidfBlock,
                                   weights: np.ndarray) -> tuple[Rows, np.ndarray]:
        """``(self.transform(documents), other.presence_dot(documents, weights))``, the same
        to the bit; the compiled core counts both in one pass over the documents: each is
        tokenised once, and each token looked up once in a table of both vocabularies."""
        pair = self._core_pair(other)
        if pair is None:
            return self.transform(documents), other.presence_dot(documents, weights)
        documents = documents if isinstance(documents, list) else list(documents)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        data, indices, indptr, declined, sums, declined_sums = pair.count_and_presence_dots(
            documents, weights)
        if declined:
            data, indices, indptr = self._with_python_rows(documents, declined, data, indices,
                                                           indptr)
        rows = self.weigh(Rows(data, indices, indptr, (len(documents), len(self.terms))))
        return rows, other._with_python_sums(documents, declined_sums, sums, weights)

    def _presence_counter(self) -> object | None:
        """The core's counter, if :meth:`presence_dot` may add weights as it counts (binary
        counts, no idf, no norm), else ``None``."""
        settings = self.settings
        if (not settings.binary or settings.norm is not None
                or (settings.use_idf and self.idf is not None)):
            return None
        return self._core_counter()

    def _core_pair(self, other: TfidfBlock) -> object | None:
        """The core's ``NgramPair`` of this block's counts and ``other``'s presence sums (built
        once per core and block), or ``None`` where either is counted by the Python code."""
        counter, sums = self._core_counter(), other._presence_counter()
        make_pair = getattr(_core.CORE, "NgramPair", None)  # None: an older build
        if (counter is None or sums is None or make_pair is None
                or self.settings.lowercase != other.settings.lowercase):
            return None
        cached = self.__dict__.get("_core_pair_cache")
        if cached is None or cached[0] is not counter or cached[1] is not sums:
            cached = self.__dict__["_core_pair_cache"] = (counter, sums,
                                                         make_pair(counter, sums))
        return cached[2]

    def _with_python_sums(self, documents: list, declined: list[int], sums: np.ndarray,
                          weights: np.ndarray) -> np.ndarray:
        """``sums`` with those of the documents the core declined computed by the Python
        code."""
        if declined:
            sums[declined] = self.transform([documents[i] for i in declined]).dot(weights)
        return sums

    def weigh(self, X: Rows) -> Rows:
        """Counts to TF-IDF, in place, with the operations of scikit-learn's
        ``TfidfTransformer.transform`` and ``normalize`` (its C loop for the l2 norm)."""
        if self.settings.binary:
            X.data.fill(1)
        if self.settings.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1
        idf = self.idf if self.settings.use_idf and self.idf is not None else None
        core = _core.CORE
        if (core is not None and _core_arrays(X) and X.data.flags.writeable
                and (idf is None or (idf.dtype == X.data.dtype and idf.flags.c_contiguous))):
            # The same operations, one value and one row at a time (see the core's ngrams.rs).
            core.weigh_rows(X.data, X.indices, X.indptr, idf, self.settings.norm == "l2")
            return X
        if idf is not None:
            X.data *= idf[X.indices]
        if self.settings.norm == "l2":
            # A double sum of squares taken in the data's type, one row at a time.
            norms = np.sqrt(row_sums((X.data * X.data).astype(np.float64), X.indptr))
            per_entry = np.repeat(norms, np.diff(X.indptr))
            divided = X.data.astype(np.float64) / np.where(per_entry == 0, 1.0, per_entry)
            X.data = divided.astype(X.data.dtype)
        return X

    def _count_core(self, counter: object, documents: Iterable[str]) -> Rows:
        """The counts ``transform`` weighs, from the compiled core (the Python code counts the
        documents it declines): the ``Rows.from_entries`` of :meth:`_count_words`."""
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        n_docs = 0
        for chunk in _batches(documents):
            data, indices, indptr, declined = counter.count(chunk)
            if declined:
                data, indices, indptr = self._with_python_rows(chunk, declined, data, indices,
                                                               indptr)
            parts.append((data, indices, indptr))
            n_docs += len(chunk)
        shape = (n_docs, len(self.terms))
        if len(parts) == 1:
            return Rows(*parts[0], shape)
        if not parts:
            return Rows(np.zeros(0, dtype=self.dtype), np.zeros(0, dtype=np.int32),
                        np.zeros(1, dtype=np.int64), shape)
        offsets = np.cumsum([0] + [len(data) for data, _, _ in parts[:-1]])
        indptr = np.concatenate([parts[0][2][:1]] + [
            p[2][1:] + offset for p, offset in zip(parts, offsets, strict=True)])
        return Rows(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                    indptr, shape)

    def _with_python_rows(self, chunk: list, declined: list[int], data: np.ndarray,
                          indices: np.ndarray, indptr: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The core's CSR counts of ``chunk`` with the rows of the ``declined`` documents
        (empty there) counted by :meth:`_count_words`."""
        documents = [chunk[i] for i in declined]
        row, col = self._count_words(word_texts(documents, self.text))
        rows = np.concatenate([np.repeat(np.arange(len(chunk), dtype=np.int64), np.diff(indptr)),
                               np.asarray(declined, dtype=np.int64)[row]])
        cols = np.concatenate([indices.astype(np.int64), col])
        values = np.concatenate([data, np.ones(len(col), dtype=self.dtype)])
        X = Rows.from_entries(rows, cols, values, (len(chunk), len(self.terms)))
        return X.data, X.indices, X.indptr

    def _count_words(self, documents: list) -> tuple[np.ndarray, np.ndarray]:
        """Row (document) and column of every vocabulary n-gram occurrence in ``documents``."""
        index = self._index
        ascii_tokens = self._ascii_tokens
        lowercase = self.settings.lowercase
        tokenize = re.compile(self.settings.token_pattern).findall
        table = _TO_WORDS_LOWER if lowercase else _TO_WORDS
        get = index.words.get
        get_ascii = index.ascii_words.get
        ids: list[int] = []
        lengths: list[int] = []
        for doc in documents:
            if ascii_tokens and doc.isascii():
                # On ASCII text \w is [A-Za-z0-9_], so this splits like the default pattern
                # (one-character tokens aside, dropped below).
                tokens = doc.encode("ascii").translate(table).split()
                ids.extend(map(get_ascii, tokens, repeat(_UNKNOWN)))
            else:
                tokens = tokenize(doc.lower() if lowercase else doc)
                ids.extend(map(get, tokens, repeat(_UNKNOWN)))
            lengths.append(len(tokens))
        words = np.array(ids, dtype=np.int64)
        doc_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        if ascii_tokens:
            kept = words != _SHORT
            words, doc_of = words[kept], doc_of[kept]
        lo, hi = self.settings.ngram_range
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

    def _count_chars(self, documents: list) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the character n-grams within words (scikit-learn's
        ``char_wb`` analyzer, with its white-space squeezing, and no accent stripping)."""
        get = self.vocabulary.get
        lo, hi = self.settings.ngram_range
        rows: list[int] = []
        cols: list[int] = []
        for row, doc in enumerate(documents):
            doc = _WHITE_SPACES.sub(" ", doc.lower() if self.settings.lowercase else doc)
            for word in doc.split():
                word = f" {word} "
                for n in range(lo, hi + 1):
                    grams = [word[i:i + n] for i in range(max(1, len(word) - n + 1))]
                    found = [c for c in map(get, grams) if c is not None]
                    cols.extend(found)
                    rows.extend([row] * len(found))
                    if len(word) <= n:  # a short word counts once
                        break
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
