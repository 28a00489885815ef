"""Feature sets: the fast word vectoriser, the rule features, and low scores without evidence."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from obfuscate import obfuscate
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

import classifier
from classifier.features._rules import _prefilter, _rules
from classifier.features._sets import FEATURE_SETS
from classifier.features._transformers import ContactMasker, RuleFeatures, WordTfidfVectorizer
from classifier.text._normalize import normalize_text

# Ordinary classifieds, written for this test: jobs, housing, items for sale, services.
ORDINARY_ADS = [
    "Roommate wanted for a 2 bedroom apartment near the university. $750 a month, utilities "
    "included. No pets.",
    "Busy cafe hiring a part-time barista for weekend shifts. Experience preferred, we train.",
    "Lightly used 29 inch mountain bike, new brakes and tires. Asking $400 or best offer.",
    "Registered massage therapist offering deep tissue and sports massage. Insurance receipts.",
    "Free kittens to a good home, 8 weeks old, litter trained. Call after 5 pm.",
    "Experienced carpenter available for decks, fences and small renovations. Free estimates.",
    "Selling my 2012 Honda Civic, 180,000 km, winter tires included, new battery. $6,500 firm.",
    "Looking for a reliable nanny for two young children, Monday to Friday, 8 to 4.",
    "Piano lessons for beginners of all ages in my home studio. First lesson free.",
    "Moving sale this Saturday: sofa, dining table, bookshelves. Everything must go.",
    "Warehouse workers needed, day and night shifts, $19 per hour, start immediately.",
    "Two bedroom basement suite for rent, separate entrance, close to bus stop.",
    "Professional house cleaning, weekly or biweekly, references available, insured.",
    "Wanted: old vinyl records, will pay cash and pick up anywhere in the city.",
    "Dog walker available mornings and afternoons, experienced with large breeds.",
    "Math and physics tutor, university student, $30 an hour, online or in person.",
    "Snow removal contracts for the season, residential driveways, 24/7 service.",
    "Hiring servers and line cooks for a new restaurant opening downtown. Apply with resume.",
]


@pytest.mark.parametrize(
    "params",
    [
        {"lowercase": False, "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True,
         "dtype": np.float32},
        {"ngram_range": (1, 3)},
        {"binary": True, "norm": "l1", "use_idf": False},
    ],
)
def test_fast_word_vectorizer_equals_scikit_learn(params, ads):
    texts = ads["text"].tolist()
    ours = WordTfidfVectorizer(**params).fit(texts[:30]).transform(texts)
    theirs = TfidfVectorizer(**params).fit(texts[:30]).transform(texts)
    assert ours.dtype == theirs.dtype
    assert (ours != theirs).nnz == 0


def _assert_same_matrix(ours, theirs):
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.data, theirs.data)


# ASCII word characters and punctuation, and non-ASCII ones: letters, a digit, a combining
# mark, and letters that lower-case to ASCII (the Kelvin sign) or to two characters.
_CHARS = "abcAB09_ .,-'\t\né\u00df\u0663\u0301\u212a\u0130"
_texts = st.lists(st.text(alphabet=_CHARS, max_size=30), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(fit_texts=_texts, texts=_texts, lowercase=st.booleans(),
       ngram_range=st.sampled_from([(1, 1), (1, 2), (2, 2), (1, 3), (2, 3)]),
       token_pattern=st.sampled_from([r"(?u)\b\w\w+\b", r"(?u)\b\w+\b", r"[a-z]+"]))
def test_fast_word_vectorizer_equals_scikit_learn_on_any_text(fit_texts, texts, lowercase,
                                                              ngram_range, token_pattern):
    params = {"lowercase": lowercase, "ngram_range": ngram_range, "token_pattern": token_pattern}
    try:
        theirs = TfidfVectorizer(**params).fit(fit_texts)
    except ValueError:  # empty vocabulary
        return
    ours = WordTfidfVectorizer(**params).fit(fit_texts)
    for batch in (texts, fit_texts, texts + fit_texts):
        _assert_same_matrix(ours.transform(batch), theirs.transform(batch))


def test_fast_word_vectorizer_follows_a_refit(ads):
    texts = ads["text"].tolist()
    ours = WordTfidfVectorizer(ngram_range=(1, 2))
    for fit_texts in (texts[:10], texts[10:30], ["only these words here", "and these words"]):
        ours.fit(fit_texts)
        theirs = TfidfVectorizer(ngram_range=(1, 2)).fit(fit_texts)
        _assert_same_matrix(ours.transform(texts), theirs.transform(texts))
    ours.set_params(ngram_range=(1, 1))  # the fitted vocabulary, now read for unigrams only
    theirs.set_params(ngram_range=(1, 1))
    _assert_same_matrix(ours.transform(texts), theirs.transform(texts))


def test_fast_word_vectorizer_reads_bytes_and_batches(ads):
    texts = ads["text"].tolist() * 100  # more than one batch of numpy work
    ours = WordTfidfVectorizer().fit(texts[:30])
    theirs = TfidfVectorizer().fit(texts[:30])
    _assert_same_matrix(ours.transform(texts), theirs.transform(texts))
    encoded = [t.encode() for t in texts[:40]]
    _assert_same_matrix(ours.transform(encoded), theirs.transform(encoded))
    for vectorizer in (ours, theirs):  # as scikit-learn's normalize, refuse no documents
        with pytest.raises(ValueError, match="0 sample"):
            vectorizer.transform(iter([]))


def _plain_rules(texts: list[str]) -> np.ndarray:
    """Rule features the plain way: every rule's Python regex searched in every text."""
    _, patterns = _rules("chainbreaker_rules")
    return np.array([[p.search(t) is not None for p in patterns] for t in texts],
                    dtype=np.float64).reshape(-1, len(patterns))


def _assert_rules_plain(texts: list[str]):
    fast = RuleFeatures().fit([]).transform(texts).toarray()
    # Row numbers only: a failure must not print the ads.
    differ = np.flatnonzero((fast != _plain_rules(texts)).any(axis=1))
    assert differ.tolist() == []


def test_rule_features_equal_plain_search_on_real_ads(real_data_dir):
    frame = pd.read_csv(real_data_dir / "chainbreaker" / "raw.csv", sep=";", index_col=0)
    raw = frame["text"].fillna("").astype(str).tolist()
    normalized = [normalize_text(t) for t in raw]
    # As the pipeline sees them, raw (upper case, non-ASCII) and lower-cased.
    for texts in (normalized, raw, [t.lower() for t in raw]):
        _assert_rules_plain(texts)
    assert _plain_rules(normalized).sum(axis=0).min() > 0  # every rule fires somewhere


# Words of the rules, look-alikes, and separators, so that the rules often nearly match.
_RULE_WORDS = [
    "she", "her", "hers", "herself", "here", "there", "shelly", "new", "young", "sexy", "open",
    "minded", "openxminded", "open-minded", "few", "girl", "girls", "girly", "ladies", "ladie",
    "dancer", "chicks", "babes", "babe", "all", "nationalities", "in", "town", "out", "of",
    "off", "back", "just", "arrived", "i'm", "im", "i", "am", "a", "newbie", "short", "term",
    "time", "stay", "first", "turned", "18", "hot", "teen", "for", "limited", "vacation",
    "passing", "through", "x",
]
_SEPARATORS = (" ", " ", "  ", ".", "-", "_", "'", "\n", "", "\u00e9", "\u00e9 ", " \u0663")
_rule_texts = st.lists(
    st.lists(st.tuples(st.sampled_from(_RULE_WORDS), st.sampled_from(_SEPARATORS)),
             max_size=12).map(lambda pairs: "".join(w + s for w, s in pairs)),
    min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(texts=_rule_texts)
def test_rule_features_equal_plain_search_on_any_text(texts):
    _assert_rules_plain(texts)


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_rule_prefilter_is_built_from_portable_syntax_only():
    assert _prefilter([r"she(?!\w)", "all nationalities"]) == (
        r"(?:^|\W)(?:she(?:\W|$)|all nationalities)")
    assert _prefilter([r"a[b-d]{1,3}?\W+\w*(?:e|f)."]) is not None
    for pattern in (r"a(?<!\w)b", r"a(?!\w)b", r"a$", r"^a", r"a\s", r"(?i)a", r"a*+", "a{2000}",
                    r"(a)\1", "(", "[[:alpha:]]"):
        assert _prefilter(["b", pattern]) is None, pattern


# Portable patterns of several shapes, checked through the prefilter on generated text.
_PORTABLE_PATTERNS = [
    r"ab(?!\w)", r"a\W+b", r"a(?:\W+\w+){0,2}?\W+b(?!\w)", r"[ab]{2}c?", r"a.b", r"\d+ ?b",
    r"(?:a|b_)+c", r"[^a ]b", r"a\.b|b-a(?!\w)",
]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(_PORTABLE_PATTERNS),
       text=st.text(alphabet="ab_c1 .-\n\u00e9", max_size=20))
def test_rule_prefilter_finds_every_match(pattern, text):
    import pyarrow as pa
    import pyarrow.compute as pc

    prefilter = _prefilter([pattern])
    assert prefilter is not None
    rule = re.compile(r"(?<!\w)(?:" + pattern + ")")
    found = pc.find_substring_regex(pa.array([text]), pattern=prefilter)[0].as_py()
    if text.isascii():
        start = rule.search(text)
        assert (start is not None) == (found >= 0 and rule.search(text, found) is not None)


def test_rule_features_fire_on_their_phrases():
    rules = RuleFeatures().fit([])
    names = list(rules.get_feature_names_out())
    X = rules.transform(["she is sweet", "new sexy asian girls", "new in town for a few days",
                         "here is the weather"]).toarray()
    assert X[0, names.index("rule_third_person")] == 1
    assert X[1, names.index("rule_girls_described")] == 1
    assert X[2, names.index("rule_movement")] == 1
    assert X[3].sum() == 0  # "here" is not "her"


def test_contact_masker_masks_and_lowercases():
    assert ContactMasker().transform(["Call 587-555-0143 NOW"]) == ["call xphonex now"]


@pytest.mark.parametrize("features", FEATURE_SETS)
def test_every_feature_set_fits_clones_and_pickles(features, ads):
    pipeline = classifier.make_pipeline(features).fit(ads["text"], ads["label"])
    assert clone(pipeline).get_params()["features"] is not None
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_allclose(restored.predict_proba(ads["text"]),
                               pipeline.predict_proba(ads["text"]))


def test_unknown_feature_set():
    with pytest.raises(ValueError, match="unknown feature set"):
        classifier.make_pipeline("nope")


def test_no_evidence_scores_low_on_chainbreaker_model(real_data_dir):
    """Ordinary classifieds and empty text score below the training prevalence, never flagged."""
    ads = classifier.load_dataset("chainbreaker")
    model = classifier.train(ads.text, ads.label, folds=3)
    prevalence = ads.label.mean()
    scores = model.predict_proba(ORDINARY_ADS)
    assert (scores < model.threshold).all()
    assert (scores < prevalence).all()
    assert model.predict_proba([""])[0] < prevalence


@pytest.fixture(scope="module")
def chainbreaker_full_model():
    import os
    from pathlib import Path

    data_dir = os.environ.get("CLASSIFIER_DATA_DIR")
    if not data_dir or not (Path(data_dir) / "chainbreaker" / "raw.csv").is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").tolist()
    return classifier.train(texts, ads.label, folds=3), texts


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_scores_barely_move_under_obfuscation(chainbreaker_full_model, seed):
    """Real ads rewritten with every obfuscation keep their scores (benchmarks/bench_robustness:
    mean change 0.020, 95th percentile 0.051 over all ads)."""
    model, texts = chainbreaker_full_model
    rng = np.random.default_rng(seed)
    sample = [texts[i] for i in rng.choice(len(texts), size=150, replace=False)]
    rewritten = [obfuscate(t, seed=seed + i) for i, t in enumerate(sample)]
    change = np.abs(model.predict_proba(rewritten) - model.predict_proba(sample))
    assert change.mean() <= 0.05
    assert np.quantile(change, 0.9) <= 0.1


def test_word_vectorizer_state_keeps_vocabulary_as_one_array():
    """Saved state holds the vocabulary as one array (small, fast skops files) and restores it."""
    import pickle

    texts = ["new girl in town", "girl in town now", "selling a bike in town"]
    vectorizer = WordTfidfVectorizer(ngram_range=(1, 2)).fit(texts)
    state = vectorizer.__getstate__()
    assert "vocabulary_" not in state
    assert state["vocabulary_terms_"].dtype.kind == "U"
    assert hasattr(vectorizer, "vocabulary_")  # taking the state leaves the object intact
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert restored.vocabulary_ == vectorizer.vocabulary_
    assert (restored.transform(texts) != vectorizer.transform(texts)).nnz == 0


# -- what the word block reads (classifier/features/_wordtext.py) ------------------------------


def test_word_text_leaves_emoji_out_and_reads_any_phone_as_one():
    from classifier.features._wordtext import word_text

    assert word_text("new emoji_star girls emoji_ear_with_hearing_aid, text xphoneobfx").split() \
        == ["new", "girls", ",", "text", "xphonex"]
    assert word_text("plain text, call xphonex") == "plain text, call xphonex"
    assert word_text("myemoji_rose stays glued") == "myemoji_rose stays glued"


def test_context_word_block_ignores_emoji_padding_and_phone_writing(ads):
    """The default word block gives the same row for an ad with emoji between its words or its
    number obscured; the feature sets of the ladder before it read the text as it is."""
    from classifier.features._names import FEATURES_STEP, WORDS_BLOCK

    texts = ads["text"].tolist()
    plain = ["new girls in town, call xphonex", "sweet young girl, text me xphonex now"]
    padded = ["new emoji_star girls in emoji_rose town, call xphoneobfx",
              "sweet emoji_cherries young girl, text me xphoneobfx now"]
    pipeline = classifier.make_pipeline("context").fit(texts, ads["label"])
    words = dict(pipeline.named_steps[FEATURES_STEP].transformer_list)[WORDS_BLOCK]
    assert (words.transform(plain) != words.transform(padded)).nnz == 0
    assert not any(term.startswith("emoji_") or "xphoneobfx" in term
                   for term in words.vocabulary_)
    # The data-only model (what scoring runs) reads the same, and names it in its block.
    linear = classifier.Model(pipeline=pipeline).linear
    assert linear.blocks[0].params["text"] == "words"
    normal = classifier.make_pipeline("normalized").fit(texts, ads["label"])
    normal_words = dict(normal.named_steps[FEATURES_STEP].transformer_list)[WORDS_BLOCK]
    assert normal_words.preprocessor is None


def test_context_word_block_equals_scikit_learn_on_prepared_text(ads):
    """The fast transform with the WordText preprocessor is scikit-learn's, to the bit."""
    from classifier.features._wordtext import WordText, word_text

    texts = [normalize_text(t) + " emoji_rose xphoneobfx" for t in ads["text"]]
    ours = WordTfidfVectorizer(preprocessor=WordText(), lowercase=False, min_df=2,
                               ngram_range=(1, 2), sublinear_tf=True).fit(texts)
    theirs = TfidfVectorizer(lowercase=False, min_df=2, ngram_range=(1, 2),
                             sublinear_tf=True).fit([word_text(t) for t in texts])
    assert ours.vocabulary_ == theirs.vocabulary_
    _assert_same_matrix(ours.transform(texts), theirs.transform([word_text(t) for t in texts]))
    assert clone(ours).preprocessor == WordText()
    assert pickle.loads(pickle.dumps(ours)).transform(texts).nnz == ours.transform(texts).nnz
