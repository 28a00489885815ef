"""Word n-gram counts of the compiled core (``NgramCounter``, ``weigh_rows``) against the
Python reference of ``TfidfBlock``: the same CSR arrays, dtype and bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import _core
from classifier.features import _context, _ngrams
from classifier.features._csr import Rows
from classifier.features._ngrams import TfidfBlock, TfidfSettings
from classifier.text import normalize_text

pytestmark = pytest.mark.usefixtures("core")  # skipped where the extension is not built


def _both(compute):
    """``compute()`` on the compiled core, then on the Python reference."""
    core = _core.CORE
    assert core is not None
    ours = compute()
    _core.CORE = None
    try:
        reference = compute()
    finally:
        _core.CORE = core
    return ours, reference


def _assert_same_rows(ours: Rows, reference: Rows) -> None:
    assert ours.shape == reference.shape
    for name in ("data", "indices", "indptr"):
        a, b = getattr(ours, name), getattr(reference, name)
        assert a.dtype == b.dtype, name
        assert a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), name  # bit for bit (NaN, -0.0 included)


def _transform_both(block: TfidfBlock, texts: list) -> None:
    ours, reference = _both(lambda: block.transform(texts))
    _assert_same_rows(ours, reference)


@pytest.fixture(scope="module")
def normalized(corpus) -> list[str]:
    return [normalize_text(text) for text in corpus]


@pytest.fixture(scope="module")
def word_block(normalized) -> TfidfBlock:
    """The words block of the default model's features, fitted on a few hundred ads."""
    from classifier.features._sets import _word_vectorizer
    from classifier.features._transformers import tfidf_block

    vectorizer = _word_vectorizer().fit(normalized[:600])
    return tfidf_block(vectorizer)


def test_the_compiled_counter_is_used(word_block):
    assert word_block._core_counter() is not None
    assert _context._lexicon(_context.DEFAULT_LEXICON)[0]._core_counter() is not None


def test_words_block_on_the_corpus(word_block, normalized):
    assert len(word_block.terms) > 1000
    _transform_both(word_block, normalized)
    _transform_both(word_block, normalized[::-1])


def test_words_block_from_stored_index(word_block, normalized):
    stored = TfidfBlock(word_block.terms, word_block.idf, word_block.settings,
                        word_block.index_arrays())
    _transform_both(stored, normalized)


def test_context_lexicon_on_the_corpus(normalized):
    block = _context._lexicon(_context.DEFAULT_LEXICON)[0]
    _transform_both(block, normalized)
    ours, reference = _both(lambda: _context.context_rows(normalized))
    _assert_same_rows(ours, reference)


def test_context_logit_is_the_dot_product_of_its_rows(normalized):
    # The core adds up the lexicon's weights as it counts; the rows' dot product is the
    # reference, on either path, bit for bit.
    block, coef, intercept = _context._lexicon(_context.DEFAULT_LEXICON)
    texts = normalized + ["", "caf\xe9 girls new in town", "\ud800 xphoneobfx"]
    ours, reference = _both(lambda: _context.context_logit(texts))
    assert ours.tobytes() == reference.tobytes()
    assert ours.tobytes() == (block.transform(texts).dot(coef) + intercept).tobytes()


def test_raw_corpus_with_declined_texts(word_block, corpus):
    # Not normalised: non-ASCII texts go to the Python code, the others to the core.
    declined = [text for text in corpus if not text.isascii()]
    assert declined
    _transform_both(word_block, corpus)


def test_batches_and_declined_texts_between(word_block, normalized, monkeypatch):
    monkeypatch.setattr(_ngrams, "_CHUNK", 7)
    texts = normalized[:40]
    texts[3] = "caf\xe9 new in town " + texts[3]
    texts[10] = "\ud800 lone surrogate " + texts[10]
    texts[20] = "Ⓜ️ " * 3
    _transform_both(word_block, texts)
    _transform_both(word_block, texts[:7])  # exactly one batch
    ours, reference = _both(lambda: word_block.transform(iter(texts)))  # any iterable
    _assert_same_rows(ours, reference)


def test_empty_inputs(word_block):
    for texts in ([], [""], ["", " ", "\n", "a", "_", "!!"], ["a b c d e"]):
        _transform_both(word_block, texts)


def test_empty_vocabulary():
    for ngram_range in ((1, 1), (1, 2)):
        block = TfidfBlock([], None, TfidfSettings(ngram_range=ngram_range))
        _transform_both(block, ["", "some words here", "x y", "caf\xe9"])


def test_malformed_index_falls_back_to_python():
    # A stored key that Python's arithmetic never computes (negative): the core declines.
    settings_ = TfidfSettings(ngram_range=(1, 2))
    index = {"words": np.frombuffer(b"aa\nbb", dtype=np.uint8),
             "keys": np.array([-1, 1], dtype=np.int64),
             "children": np.array([2, 2], dtype=np.int64),
             "columns": np.array([0, 1, 2], dtype=np.int64)}
    block = TfidfBlock(["aa", "bb", "aa bb"], None, settings_, index)
    assert block._core_counter() is None
    _transform_both(block, ["aa bb", "bb aa zz"])


# Documents made of vocabulary words, unknown words, one-character tokens, digits,
# underscores, upper case, punctuation, white space and (rarely) non-ASCII text.
_VOCABULARY_WORDS = ["aa", "bb", "cc", "dd_e", "x1", "09", "hello", "world", "abcdefghijklmnop",
                     "abcdefghijklmnopq", "sixteen_bytes_ok", "a_very_long_word_of_many_bytes"]
_TOKENS = _VOCABULARY_WORDS + ["zz", "qq", "a", "b", "_", "0", "AA", "Hello", "BB_", "__",
                               "é", "ßx", "\ud800"]
_SEPARATORS = [" ", "  ", ",", ".", "-", "'", "\t", "\n", "!?", "(", ")", "\x00", "\x7f"]
_documents = st.lists(
    st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(_SEPARATORS)),
             max_size=25).map(lambda parts: "".join(a + b for a, b in parts)),
    max_size=12)


def _terms(data, lo: int, hi: int) -> list[str]:
    # Terms no token can be too: with a NUL byte, a hyphen, upper case, non-ASCII, a space.
    odd = ["aa\x00", "bb-cc", "Hello", "hello\xe9", "x", "aa  bb", " aa"]
    words = data.draw(st.lists(st.sampled_from(_VOCABULARY_WORDS + ["zz"] + odd), min_size=0,
                               max_size=8, unique=True))
    grams = data.draw(st.lists(st.lists(st.sampled_from(_VOCABULARY_WORDS), min_size=max(lo, 1),
                                        max_size=hi + 1).map(" ".join),
                               max_size=12, unique=True))
    return list(dict.fromkeys(words + grams))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), documents=_documents,
       ngram_range=st.sampled_from([(1, 1), (1, 2), (2, 2), (1, 3), (2, 3), (3, 3)]),
       lowercase=st.booleans(), dtype=st.sampled_from(["float32", "float64"]),
       binary=st.booleans(), sublinear_tf=st.booleans(), norm=st.sampled_from(["l2", None]),
       use_idf=st.booleans(), stored=st.booleans())
def test_any_documents_and_vocabulary(data, documents, ngram_range, lowercase, dtype, binary,
                                      sublinear_tf, norm, use_idf, stored):
    terms = _terms(data, *ngram_range)
    idf = None
    if use_idf:
        idf = np.asarray(data.draw(st.lists(st.floats(1.0, 10.0, width=32), min_size=len(terms),
                                            max_size=len(terms))), dtype=dtype)
    settings_ = TfidfSettings(ngram_range=ngram_range, lowercase=lowercase, binary=binary,
                              sublinear_tf=sublinear_tf, use_idf=use_idf, norm=norm, dtype=dtype)
    block = TfidfBlock(terms, idf, settings_)
    if stored:
        block = TfidfBlock(terms, idf, settings_, block.index_arrays())
    _transform_both(block, documents)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), documents=_documents,
       ngram_range=st.sampled_from([(1, 1), (1, 2), (2, 2), (1, 3)]),
       lowercase=st.booleans(), dtype=st.sampled_from(["float32", "float64"]))
def test_presence_dot_of_any_documents_and_weights(data, documents, ngram_range, lowercase,
                                                   dtype):
    terms = _terms(data, *ngram_range)
    weights = np.asarray(data.draw(st.lists(st.floats(allow_nan=False, width=64),
                                            min_size=len(terms), max_size=len(terms))))
    settings_ = TfidfSettings(ngram_range=ngram_range, lowercase=lowercase, binary=True,
                              use_idf=False, norm=None, dtype=dtype)
    block = TfidfBlock(terms, None, settings_)
    ours, reference = _both(lambda: block.presence_dot(documents, weights))
    rows = block.transform(documents).dot(weights)
    assert ours.dtype == reference.dtype == np.float64
    assert ours.tobytes() == reference.tobytes() == rows.tobytes()


def test_presence_dot_needs_a_weight_per_term(word_block, normalized):
    binary = TfidfBlock(word_block.terms, None, TfidfSettings(ngram_range=(1, 2), binary=True,
                                                              use_idf=False, norm=None))
    with pytest.raises(ValueError, match="weights"):
        binary.presence_dot(normalized[:3], np.ones(len(word_block.terms) - 1))
    # Not a block of binary counts: the rows' dot product, idf and norm included.
    weights = np.linspace(-1, 1, len(word_block.terms))
    assert (word_block.presence_dot(normalized[:50], weights).tobytes()
            == word_block.transform(normalized[:50]).dot(weights).tobytes())


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.floats(min_value=0, width=32), max_size=9),
                     max_size=8),
       dtype=st.sampled_from([np.float32, np.float64]),
       idf=st.none() | st.floats(min_value=0, width=32))
def test_idf_and_l2_norm_of_any_values(rows, dtype, idf):
    """The idf and l2 steps of ``weigh`` on any non-negative values: the same bits (squares
    and products that overflow float32, subnormals and infinities included)."""
    settings_ = TfidfSettings(use_idf=idf is not None, dtype=np.dtype(dtype).name)
    block = TfidfBlock(["a"], None if idf is None else np.array([idf], dtype=dtype), settings_)
    lengths = [len(row) for row in rows]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = np.asarray([v for row in rows for v in row], dtype=dtype)

    def weigh():
        X = Rows(data.copy(), np.zeros(len(data), dtype=np.int32), indptr, (len(rows), 1))
        with np.errstate(all="ignore"):  # inf / inf
            return block.weigh(X)

    ours, reference = _both(weigh)
    _assert_same_rows(ours, reference)


def test_a_block_pickles_without_its_counter(word_block, normalized):
    import pickle

    word_block.transform(normalized[:5])  # the counter is built
    copy = pickle.loads(pickle.dumps(word_block))
    assert "_core_cache" not in copy.__dict__
    _assert_same_rows(copy.transform(normalized[:50]), word_block.transform(normalized[:50]))


# Texts the word block's preparation rewrites: emoji tokens, obscured phones, and obscured
# phones inside longer tokens (which the core declines: str.replace rewrites them in part).
PREPARED = [
    "new emoji_star girls text xphoneobfx now", "emoji_rose emoji_rose_2 xphonex",
    "callxphoneobfx now", "xphoneobfxx and axphoneobfxb", "xemoji_rose kiss emoji_",
    "EMOJI_ROSE Xphoneobfx xphoneobfx xphoneobfx", "",
]


def test_the_word_text_is_prepared_in_the_core(word_block, normalized):
    """A block that reads the word text counts what the Python preparation gives, on both
    paths; documents the core declines are counted by Python from their prepared text."""
    from classifier.features._wordtext import word_texts

    prepared = TfidfBlock(word_block.terms, word_block.idf, word_block.settings, text="words")
    texts = PREPARED + normalized[:300]
    _transform_both(prepared, texts)
    _assert_same_rows(prepared.transform(texts),
                      word_block.transform(word_texts(texts, "words")))


def test_an_unknown_word_text_is_refused(word_block):
    with pytest.raises(ValueError, match="unknown word-block text"):
        TfidfBlock(word_block.terms, word_block.idf, word_block.settings, text="chars")


@settings(max_examples=100, deadline=None)
@given(data=st.data(), documents=st.lists(st.sampled_from(PREPARED) | _documents.map(" ".join),
                                         max_size=6),
       ranges=st.sampled_from([((1, 2), (1, 2)), ((1, 1), (1, 3)), ((2, 3), (1, 1))]),
       lowercase=st.sampled_from([(False, False), (True, True), (False, True)]),
       prepared=st.booleans())
def test_one_pass_for_a_block_and_a_presence_dot(data, documents, ranges, lowercase, prepared):
    """``transform_and_presence_dot`` (one pass of the core over the documents for both
    vocabularies) gives what ``transform`` and ``presence_dot`` give one by one, on both
    paths, bit for bit: the word text prepared or not, counters that lower-case differently
    (then counted one by one)."""
    (lo, hi), (lo2, hi2) = ranges
    block = TfidfBlock(_terms(data, lo, hi) + ["xphonex", "girls"], None,
                       TfidfSettings(ngram_range=(lo, hi), lowercase=lowercase[0]),
                       text="words" if prepared else None)
    other_terms = _terms(data, lo2, hi2) + ["emoji_star"]
    other = TfidfBlock(other_terms, None, TfidfSettings(
        ngram_range=(lo2, hi2), lowercase=lowercase[1], binary=True, use_idf=False, norm=None,
        dtype="float64"))
    weights = np.asarray(data.draw(st.lists(st.floats(-5, 5), min_size=len(other_terms),
                                            max_size=len(other_terms))))
    (rows, sums), (rows_py, sums_py) = _both(
        lambda: block.transform_and_presence_dot(documents, other, weights))
    _assert_same_rows(rows, rows_py)
    _assert_same_rows(rows, block.transform(documents))
    assert sums.tobytes() == sums_py.tobytes() == other.presence_dot(documents, weights).tobytes()


def test_the_words_and_context_pass_on_the_corpus(word_block, normalized):
    prepared = TfidfBlock(word_block.terms, word_block.idf, word_block.settings, text="words")
    rows, context = _context.words_and_context_rows(prepared, normalized)
    _assert_same_rows(rows, prepared.transform(normalized))
    _assert_same_rows(context, _context.context_rows(normalized))
    assert "_core_pair_cache" in prepared.__dict__  # the one pass ran
    import pickle

    copy = pickle.loads(pickle.dumps(prepared))
    assert not {"_core_cache", "_core_pair_cache"} & copy.__dict__.keys()
    _assert_same_rows(_context.words_and_context_rows(copy, normalized[:50])[0],
                      rows.take(np.arange(50)))
