"""Feature sets: the fast word vectoriser, the rule features, and low scores without evidence."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

import classifier
from classifier._features import FEATURE_SETS, ContactMasker, RuleFeatures, WordTfidfVectorizer
from classifier._obfuscate import obfuscate

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
