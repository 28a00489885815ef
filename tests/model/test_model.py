"""Training: reproducibility, threshold from held-out folds, manifest, no memorised contacts."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict

from classifier import (
    FEATURE_SETS,
    binary_metrics,
    choose_threshold,
    extract_contacts,
    group_ads,
    load_labeled,
    make_pipeline,
    save_model,
    train,
)
from classifier.model._persistence import ARRAYS_FILE
from classifier.model._pipeline import grouped_folds
from classifier.model._train import find_personal_data, vocabulary

PROVENANCE = {"source": "ads.csv", "sha256": "ab" * 32, "n_rows": 50,
              "n_missing_label": 2, "label_mapping": {"0": 0, "1": 1}}


@pytest.fixture(scope="module")
def trained(ads):
    """A model trained on the invented ads with 3 folds (read-only)."""
    return train(ads["text"], ads["label"], folds=3, data_info=PROVENANCE)


def test_training_is_deterministic(ads, trained):
    """The same data and seed give the same scores, threshold and metrics."""
    again = train(ads["text"], ads["label"], folds=3, data_info=PROVENANCE)
    probe = ads["text"].tolist() + ["new in town", "independent companion"]
    np.testing.assert_array_equal(again.predict_proba(probe), trained.predict_proba(probe))
    assert again.threshold == trained.threshold
    assert again.manifest["metrics"] == trained.manifest["metrics"]


def test_threshold_is_chosen_on_held_out_folds(ads, trained):
    """The threshold comes from out-of-fold scores on grouped folds, not in-sample scores."""
    texts, y = ads["text"].tolist(), ads["label"].to_numpy()
    pipeline = make_pipeline()
    normalized = pipeline.named_steps["normalize"].transform(texts)
    folds = grouped_folds(y, group_ads(texts), 3, 0)
    oof = cross_val_predict(clone(pipeline[1:]), normalized, y, cv=folds,
                            method="predict_proba")[:, 1]
    threshold, rule = choose_threshold(y, oof, 0.9)
    assert trained.threshold == pytest.approx(threshold)
    assert trained.manifest["threshold"] == trained.threshold
    assert trained.manifest["threshold_rule"] == rule
    assert "held-out" in rule
    metrics = trained.manifest["metrics"]
    expected = binary_metrics(y, oof, threshold)
    for key in ("roc_auc", "average_precision", "precision", "recall", "f1", "positive_rate"):
        assert metrics[key] == pytest.approx(expected[key]), key
    # In-sample scores separate the training ads perfectly; held-out ones need not.
    in_sample = trained.predict_proba(texts)
    assert binary_metrics(y, in_sample, 0.5)["roc_auc"] == 1.0


def test_given_threshold_is_kept(ads):
    """A threshold given by the user is stored as is and said to be the user's."""
    model = train(ads["text"], ads["label"], folds=3, threshold=0.3)
    assert model.threshold == 0.3
    assert model.manifest["threshold"] == 0.3
    assert model.manifest["threshold_rule"] == "given by the user"
    assert model.manifest["metrics"]["threshold"] == 0.3


def test_unreachable_precision_falls_back_to_f1(ads):
    """Without a target precision, or one out of reach, the F1-optimal threshold is used."""
    labels = ads["label"].to_numpy().copy()
    labels[::3] = 1 - labels[::3]  # label noise
    for target in (None, 1.01):
        model = train(ads["text"], labels, folds=3, target_precision=target)
        assert model.manifest["threshold_rule"] == "threshold with the highest held-out F1"


def test_manifest_contents(ads, trained):
    """The manifest records provenance, settings, data counts, threshold and metrics."""
    manifest = trained.manifest
    data = manifest["training_data"]
    for key, value in PROVENANCE.items():
        assert data[key] == value
    assert data["n_used"] == len(ads)
    assert data["n_positive"] == int(ads["label"].sum())
    assert 2 <= data["n_groups"] <= len(ads)
    assert manifest["features"] in FEATURE_SETS
    params = {"C": 4.0, "seed": 0, "folds": 3, "target_precision": 0.9}
    assert {key: manifest["params"][key] for key in params} == params
    assert "out-of-fold" in manifest["metrics"]["description"]
    assert set(manifest["metrics"]) >= {"roc_auc", "average_precision", "positive_rate",
                                        "precision", "recall", "f1", "threshold", "n"}
    assert manifest["metrics"]["n"] == len(ads)
    assert manifest["created"]
    assert trained.model_id == ""  # not saved yet


def test_scores_are_probabilities_that_rank_suspicious_ads_higher(trained):
    """Scores are probabilities; suspicious wording scores above benign wording."""
    scores = trained.predict_proba([
        "new in town, sweet young girls waiting, call my manager",
        "independent mature companion, screening required, read my reviews",
    ])
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[0] > trained.threshold > scores[1]


def test_scores_follow_the_training_prevalence(ads):
    """Balanced class weights are undone: the mean score stays near the share of positives."""
    keep = (ads["label"] == 0) | (np.arange(len(ads)) % 8 == 0)  # 1 positive in 5
    texts, y = ads["text"][keep].tolist(), ads["label"][keep].to_numpy()
    model = train(texts, y, folds=3, target_precision=None)
    mean_score = model.predict_proba(texts).mean()
    assert mean_score == pytest.approx(y.mean(), abs=0.06)


def test_given_groups_are_used(ads):
    """Explicit groups replace the automatic near-duplicate grouping."""
    groups = np.arange(len(ads)) // 4
    model = train(ads["text"], ads["label"], folds=3, groups=groups)
    assert model.manifest["training_data"]["n_groups"] == len(ads) // 4


def test_unknown_feature_set():
    """An unknown feature set name is refused."""
    with pytest.raises(ValueError, match="unknown feature set"):
        make_pipeline("characters")


def test_vocabulary_holds_no_contact_data(ads):
    """Phone numbers, e-mails and URLs repeated across ads never reach the vocabulary."""
    contacts = ["(555) 014-2987", "555.014.2987", "5550142987", "+1 555 014 2987",
                "friend@example.com", "www.example.com/friend", "https://example.com/friend"]
    texts = [f"{text} {contacts[i % len(contacts)]}" for i, text in enumerate(ads["text"])]
    pipeline = make_pipeline().fit(texts, ads["label"])
    terms = vocabulary(pipeline)
    assert len(terms) > 100
    assert find_personal_data(pipeline) == []
    for piece in ("2987", "0142987", "5550142987", "friend", "example"):
        assert not any(piece in term.split() for term in terms), piece


# The real dataset --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chainbreaker_model(tmp_path_factory):
    """A model trained on the full ChainBreaker dataset (skips without the data)."""
    import os
    from pathlib import Path

    data_dir = os.environ.get("CLASSIFIER_DATA_DIR")
    if not data_dir or not (Path(data_dir) / "chainbreaker" / "raw.csv").is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    labeled, provenance = load_labeled(dataset="chainbreaker")
    # Two folds and trivial groups keep this fast; the vocabulary comes from the final fit.
    model = train(labeled.texts, labeled.y, folds=2, groups=np.arange(len(labeled.y)),
                  data_info=provenance)
    phones = _Private(sorted({key.removeprefix("phone:") for text in labeled.texts
                              for key in extract_contacts(text) if key.startswith("phone:")}))
    return model, phones


class _Private(list):
    """A list whose repr shows only its length, so no failure report prints a phone number."""

    def __repr__(self) -> str:
        return f"<{len(self)} private values>"


def _leaked(blob: bytes, phones: list[str]) -> int:
    """How many phone numbers occur in ``blob``: all 10 digits, or the last 7 on their own.

    Seven digits are only looked for as a whole digit run: inside longer runs (object ids
    in skops' schema) they would match by chance.
    """
    full = {p.encode() for p in phones}
    local = {p[-7:].encode() for p in phones}
    found = set()
    for run in re.findall(rb"\d{7,}", blob):
        found.update(full.intersection(run[i:i + 10] for i in range(len(run) - 9)))
        if run in local:
            found.add(run)
    return len(found)


def _zip_contents(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_chainbreaker_model_vocabulary_is_free_of_contact_data(chainbreaker_model):
    """Trained on real ads, the vocabulary holds no phone number, e-mail or URL."""
    model, phones = chainbreaker_model
    assert len(phones) > 100
    n_leaks = len(find_personal_data(model.pipeline))  # counted, never shown
    assert n_leaks == 0, f"{n_leaks} vocabulary entries look like contact data"


def test_chainbreaker_model_file_holds_no_phone_number(chainbreaker_model, tmp_path):
    """No phone number of the training ads appears anywhere in the saved model file."""
    model, phones = chainbreaker_model
    save_model(model, tmp_path / "model")
    saved = (tmp_path / "model" / ARRAYS_FILE).read_bytes()
    count = _leaked(saved + _zip_contents(saved), phones)
    assert count == 0, f"{count} phone numbers in the saved model file"


# The data-only model (LinearModel) against the scikit-learn pipeline ---------------------------

EDGE_CASES = [
    "", " ", "a", "\x00", "\x00 new girls \x00", "\ufffd\ufffd bad bytes",
    "EXØTiC ƒяєαк 🌹🌹 s e x y, h0t & nineteen yo! 587-555-0143",
    "n e w  g i r l s  i n  t o w n", "𝓷𝓮𝔀 𝓰𝓲𝓻𝓵 18yo", "ｆｕｌｌ ｗｉｄｔｈ ａｄ",
    "new girls in town young sweet " * 3000, "x" * 100_000, "age 17 yrs, i am 16",
]


def _assert_same_rows(rows, matrix):
    """Feature rows of the data-only model equal the pipeline's matrix, bit for bit."""
    matrix = matrix.tocsr()
    assert rows.shape == matrix.shape
    np.testing.assert_array_equal(rows.indptr, matrix.indptr)
    np.testing.assert_array_equal(rows.indices, matrix.indices)
    assert rows.data.dtype == matrix.data.dtype
    np.testing.assert_array_equal(rows.data, matrix.data)


def test_data_only_model_equals_the_pipeline_on_chainbreaker(chainbreaker_model):
    """Features, scores, reasons and indicators without scikit-learn are the pipeline's, to
    the last bit, on every ChainBreaker ad, obfuscated copies and edge cases."""
    from obfuscate import obfuscate

    from classifier.scoring import Scorer

    model, _ = chainbreaker_model
    labeled, _ = load_labeled(dataset="chainbreaker")
    texts = list(labeled.texts)
    texts += [obfuscate(t, seed=i) for i, t in enumerate(texts[:300])] + EDGE_CASES
    pipeline, linear = model.pipeline, model.linear
    steps = pipeline.named_steps
    matrix = steps["features"].transform(steps["normalize"].transform(texts))
    rows = linear.features(texts)
    _assert_same_rows(rows, matrix)
    expected = pipeline.predict_proba(texts)[:, 1]
    np.testing.assert_array_equal(linear.scores(rows), expected)
    scorer = Scorer(linear, top=5)
    assert scorer.reasons(rows) == scorer.reasons(matrix)
    assert scorer.indicator_column(rows) == scorer.indicator_column(matrix)


def test_predict_agrees_with_flagged(chainbreaker_model):
    """The pipeline's predict() flags exactly the ads whose score reaches the threshold."""
    model, _ = chainbreaker_model
    labeled, _ = load_labeled(dataset="chainbreaker")
    flagged = model.predict_proba(labeled.texts) >= model.threshold
    np.testing.assert_array_equal(model.pipeline.predict(labeled.texts), flagged)
    np.testing.assert_array_equal(model.predict(labeled.texts), flagged)


@pytest.mark.parametrize("kwargs", [dict(calibrate="sigmoid"), dict(calibrate="isotonic"),
                                    dict(features="words"), dict(features="normalized"),
                                    dict(features="chars")],
                         ids=["sigmoid", "isotonic", "words", "normalized", "chars"])
def test_data_only_model_equals_the_pipeline(kwargs, ads):
    """Every feature set and calibration: the data-only model scores as the pipeline does,
    and the pipeline rebuilt from the data too."""
    texts = ads["text"].tolist() + EDGE_CASES
    model = train(ads["text"], ads["label"], folds=3, **kwargs)
    expected = model.pipeline.predict_proba(texts)[:, 1]
    np.testing.assert_array_equal(model.linear.scores(model.linear.features(texts)), expected)
    rebuilt = model.linear.to_pipeline(threshold=model.threshold)
    np.testing.assert_array_equal(rebuilt.predict_proba(texts)[:, 1], expected)
