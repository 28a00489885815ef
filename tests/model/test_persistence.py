"""Saving and loading models: round trip, manifest, tampering, unsafe files, personal data."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import pickle
import re

import joblib
import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier import Model, ModelError, load_model, save_model
from classifier.model._persistence import MANIFEST_FILE, PIPELINE_FILE
from classifier.model._train import find_personal_data

PROBES = [
    "new in town, sweet young girls waiting for you",
    "independent mature companion, screening required",
    "",
]


def _rehash(model_dir: pathlib.Path) -> None:
    """Update the manifest's hash to the current pipeline file, as an attacker would."""
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    digest = hashlib.sha256((model_dir / PIPELINE_FILE).read_bytes()).hexdigest()
    manifest["files"][PIPELINE_FILE] = digest
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


def _edit_manifest(model_dir: pathlib.Path, edit) -> None:
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    edit(manifest)
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


class TouchOnUnpickle:
    """Unpickling this object creates ``marker``: a stand-in for arbitrary code execution."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


class TouchOnLoad(TransformerMixin, BaseEstimator):
    """A custom transformer that creates ``marker`` when its state is restored."""

    def __init__(self, marker: str = ""):
        self.marker = marker

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X

    def __setstate__(self, state):
        pathlib.Path(state["marker"]).touch()
        self.__dict__.update(state)


def test_round_trip_gives_identical_scores(ads, tmp_path):
    """A saved and reloaded model gives exactly the scores and threshold of the original."""
    from classifier import train

    model = train(ads["text"], ads["label"], folds=3)
    before = model.predict_proba(PROBES + ads["text"].tolist())
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(PROBES + ads["text"].tolist()), before)
    assert loaded.threshold == model.threshold
    assert loaded.manifest == model.manifest
    assert loaded.model_id == model.model_id != ""


def test_manifest_after_save(model_dir, ads):
    """The manifest records versions, the file hash, model id, threshold and training data."""
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    digest = hashlib.sha256((model_dir / PIPELINE_FILE).read_bytes()).hexdigest()
    assert manifest["files"] == {PIPELINE_FILE: digest}
    assert manifest["model_id"] == digest[:12]
    assert manifest["format_version"] == 1
    versions = manifest["versions"]
    assert versions["scikit-learn"] == sklearn.__version__
    assert set(versions) >= {"classifier", "python", "scikit-learn", "numpy", "scipy", "skops"}
    assert manifest["threshold"] == manifest["metrics"]["threshold"]
    assert 0 < manifest["threshold"] < 1
    data = manifest["training_data"]
    assert data["source"] == "invented"
    assert data["n_used"] == len(ads)
    assert data["n_positive"] == int(ads["label"].sum())


def test_save_creates_directories_and_overwrites(model, tmp_path):
    """Saving creates missing parent directories and can overwrite an earlier save."""
    target = tmp_path / "a" / "b" / "model"
    save_model(model, target)
    save_model(model, target)
    assert sorted(p.name for p in target.iterdir()) == sorted([MANIFEST_FILE, PIPELINE_FILE])
    load_model(target)


def test_loaded_model_scores(model_dir):
    """A loaded model scores texts with probabilities in [0, 1]."""
    scores = load_model(model_dir).predict_proba(PROBES)
    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[0] > scores[1]


def test_tampered_pipeline_file_is_refused(model_dir):
    """Changing bytes of the pipeline file is detected by its hash."""
    path = model_dir / PIPELINE_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(model_dir)


def test_other_scikit_learn_version_is_refused(model_dir):
    """A model saved with another scikit-learn version is refused with advice."""
    _edit_manifest(model_dir, lambda m: m["versions"].update({"scikit-learn": "0.24.2"}))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2"):
        load_model(model_dir)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_malicious_pickle_with_matching_hash_is_not_executed(dump, model_dir, tmp_path):
    """A pickle whose loading runs code is refused, even with the manifest hash updated."""
    write, unsafe_load = {
        "pickle": (lambda obj, path: path.write_bytes(pickle.dumps(obj)),
                   lambda path: pickle.loads(path.read_bytes())),
        "joblib": (joblib.dump, joblib.load),
    }[dump]
    # The payload is live: loading it the unsafe way does run code.
    proof = tmp_path / "PROOF"
    write(TouchOnUnpickle(proof), tmp_path / "proof.bin")
    unsafe_load(tmp_path / "proof.bin")
    assert proof.exists()

    marker = tmp_path / "MARKER"
    write(TouchOnUnpickle(marker), model_dir / PIPELINE_FILE)
    _rehash(model_dir)
    with pytest.raises(ModelError):
        load_model(model_dir)
    assert not marker.exists()


def test_skops_file_with_dangerous_function_is_refused(model_dir):
    """A skops file naming a function such as os.system is refused."""
    pipeline = Pipeline([("run", FunctionTransformer(func=os.system)),
                         ("clf", LogisticRegression())])
    (model_dir / PIPELINE_FILE).write_bytes(sio.dumps(pipeline))
    _rehash(model_dir)
    with pytest.raises(ModelError, match="untrusted"):
        load_model(model_dir)


def test_skops_file_with_custom_class_is_refused(model_dir, tmp_path):
    """A skops file holding an unknown class is refused before the class is built."""
    marker = tmp_path / "MARKER"
    pipeline = Pipeline([("evil", TouchOnLoad(str(marker))), ("clf", LogisticRegression())])
    (model_dir / PIPELINE_FILE).write_bytes(sio.dumps(pipeline))
    marker.unlink(missing_ok=True)
    _rehash(model_dir)
    with pytest.raises(ModelError, match="TouchOnLoad"):
        load_model(model_dir)
    assert not marker.exists()


def test_skops_file_without_pipeline_is_refused(model_dir):
    """A valid skops file that does not hold a Pipeline is refused."""
    (model_dir / PIPELINE_FILE).write_bytes(sio.dumps({"weights": np.zeros(3)}))
    _rehash(model_dir)
    with pytest.raises(ModelError, match="not a Pipeline"):
        load_model(model_dir)


def test_missing_or_broken_files(model_dir, tmp_path):
    """Missing directory, manifest or pipeline, and a corrupt manifest, are ModelErrors."""
    with pytest.raises(ModelError, match="not a model directory"):
        load_model(tmp_path / "absent")
    (model_dir / PIPELINE_FILE).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(model_dir)
    (model_dir / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="JSON"):
        load_model(model_dir)
    (model_dir / MANIFEST_FILE).write_text('{"format_version": 99}')
    with pytest.raises(ModelError, match="format"):
        load_model(model_dir)


@pytest.mark.parametrize("field", ["threshold", "versions", "files"])
def test_manifest_missing_a_field_is_a_model_error(field, model_dir):
    """A manifest lacking a required field is a ModelError, not a crash."""
    _edit_manifest(model_dir, lambda m: m.pop(field))
    with pytest.raises(ModelError):
        load_model(model_dir)


def _plain_pipeline(texts, y) -> Pipeline:
    """A pipeline without contact masking, whose vocabulary keeps whatever the ads hold."""
    union = FeatureUnion([("words", TfidfVectorizer(ngram_range=(1, 2)))])
    return Pipeline([("features", union), ("clf", LogisticRegression())]).fit(texts, y)


def test_save_refuses_model_with_contact_data(tmp_path):
    """A model whose vocabulary holds a phone number is not saved, and the error hides it."""
    texts = [
        "sweet girls new in town call 5550142987",
        "young girls waiting text 5550142987 now",
        "independent lady with reviews and references",
        "mature companion with screening and references",
    ]
    pipeline = _plain_pipeline(texts, [1, 1, 0, 0])
    assert any("5550142987" in term for term in find_personal_data(pipeline))
    target = tmp_path / "leaky"
    with pytest.raises(ModelError, match="contact data") as info:
        save_model(Model(pipeline=pipeline, threshold=0.5), target)
    assert "5550142987" not in str(info.value)
    assert not (target / PIPELINE_FILE).exists()


@pytest.mark.parametrize(
    "contact",
    ["5550142987", "555 014 2987", "friend@example.com", "https://www.example.com/me"],
)
def test_personal_data_detector(contact):
    """Phone numbers, e-mail addresses and URLs left in a vocabulary are detected.

    The vocabulary is built by scikit-learn's default tokenizer, as in the real pipeline, so
    a contact reaches it as word pieces ("555 014", "example com"), not as written.
    """
    texts = [f"new girls call {contact}", f"ask for {contact} tonight", "independent lady"]
    pipeline = _plain_pipeline(texts, [1, 1, 0])
    leaks = find_personal_data(pipeline)
    assert leaks
    assert all(re.search(r"\d|example|www|http|com", term) for term in leaks)
    assert "independent lady" not in leaks
