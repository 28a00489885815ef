"""Saving and loading models: round trip, manifest, tampering, unsafe files, personal data."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import pickle
import re
import subprocess
import sys
import zipfile

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
from classifier.cli import main
from classifier.model import _persistence
from classifier.model._persistence import (
    ARRAYS_FILE,
    MANIFEST_FILE,
    PIPELINE_FILE,
    REFERENCE_TEXTS,
)
from classifier.model._train import find_personal_data

PROBES = [
    "new in town, sweet young girls waiting for you",
    "independent mature companion, screening required",
    "",
]


def _rehash(model_dir: pathlib.Path, name: str = ARRAYS_FILE) -> None:
    """Update the manifest's hash to the current model file, as an attacker would."""
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    digest = hashlib.sha256((model_dir / name).read_bytes()).hexdigest()
    manifest["files"][name] = digest
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


def _save_format_1(model: Model, path: pathlib.Path) -> pathlib.Path:
    """Save ``model`` as classifier 0.1 did (format 1: a skops pipeline and its manifest)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / PIPELINE_FILE).write_bytes(sio.dumps(model.pipeline))
    digest = hashlib.sha256((path / PIPELINE_FILE).read_bytes()).hexdigest()
    manifest = {key: value for key, value in model.manifest.items()
                if key not in ("model", "reference_scores")}
    manifest.update(format_version=1, model_id=digest[:12], files={PIPELINE_FILE: digest},
                    versions={"classifier": "0.1.0", "scikit-learn": sklearn.__version__})
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    return path


@pytest.fixture
def format_1_dir(model, tmp_path) -> pathlib.Path:
    return _save_format_1(model, tmp_path / "format1")


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
    # The pipeline rebuilt from the data scores as the fitted one did.
    np.testing.assert_array_equal(
        loaded.pipeline.predict_proba(PROBES + ads["text"].tolist())[:, 1], before)
    assert loaded.threshold == model.threshold
    assert loaded.manifest == model.manifest
    assert loaded.model_id == model.model_id != ""


def test_manifest_after_save(model_dir, ads):
    """The manifest records versions, the file hash, model id, threshold, structure,
    reference scores and training data."""
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    digest = hashlib.sha256((model_dir / ARRAYS_FILE).read_bytes()).hexdigest()
    assert manifest["files"] == {ARRAYS_FILE: digest}
    assert manifest["model_id"] == digest[:12]
    assert manifest["format_version"] == 2
    assert set(manifest["versions"]) >= {"classifier", "python", "numpy", "scikit-learn"}
    assert manifest["threshold"] == manifest["metrics"]["threshold"]
    assert 0 < manifest["threshold"] < 1
    assert len(manifest["reference_scores"]) == len(REFERENCE_TEXTS)
    blocks = manifest["model"]["blocks"]
    assert [b["kind"] for b in blocks] == ["tfidf", "indicators", "rules", "context"]
    assert blocks[-1]["context_sha256"] and blocks[2]["params"] == {"rules": "evidence"}
    assert blocks[0]["params"]["text"] == "words"  # what the word block reads (_wordtext.py)
    data = manifest["training_data"]
    assert data["source"] == "invented"
    assert data["n_used"] == len(ads)
    assert data["n_positive"] == int(ads["label"].sum())


def test_model_file_holds_arrays_only(model_dir):
    """model.npz is numeric arrays, readable without pickle."""
    with np.load(model_dir / ARRAYS_FILE, allow_pickle=False) as npz:
        assert "coef" in npz.files
        assert all(npz[name].dtype.kind in "fiu" for name in npz.files)


def test_save_creates_directories_and_overwrites(model, tmp_path):
    """Saving creates missing parent directories and can overwrite an earlier save."""
    target = tmp_path / "a" / "b" / "model"
    save_model(model, target)
    save_model(model, target)
    assert sorted(p.name for p in target.iterdir()) == sorted([MANIFEST_FILE, ARRAYS_FILE])
    load_model(target)


def test_loaded_model_scores(model_dir):
    """A loaded model scores texts with probabilities in [0, 1]."""
    scores = load_model(model_dir).predict_proba(PROBES)
    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[0] > scores[1]


def test_scoring_a_loaded_model_imports_no_scikit_learn(saved_model_dir):
    """Loading and scoring import neither scikit-learn, SciPy nor skops (start-up time)."""
    code = (
        "import sys; from classifier import load_model, score_texts; "
        f"score_texts(load_model({str(saved_model_dir)!r}), ['new girls in town']); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_tampered_model_file_is_refused(model_dir):
    """Changing bytes of the model file is detected by its hash."""
    path = model_dir / ARRAYS_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(model_dir)


def test_other_library_versions_load_when_reference_scores_match(model_dir):
    """A model saved with another scikit-learn version loads: its reference scores match."""
    _edit_manifest(model_dir, lambda m: m["versions"].update({"scikit-learn": "1.5.2"}))
    assert load_model(model_dir).predict_proba(PROBES).shape == (3,)


def test_reference_scores_that_do_not_reproduce_are_refused(model_dir):
    """A model whose reference texts score differently here is refused with one line."""
    def shift(manifest):
        manifest["reference_scores"][1] += 1e-4
    _edit_manifest(model_dir, shift)
    with pytest.raises(ModelError, match="reference texts"):
        load_model(model_dir)


@pytest.mark.parametrize("dump", ["pickle", "joblib", "npz-object"])
def test_malicious_pickle_with_matching_hash_is_not_executed(dump, model_dir, tmp_path):
    """A pickle whose loading runs code is refused, even with the manifest hash updated."""
    write, unsafe_load = {
        "pickle": (lambda obj, path: path.write_bytes(pickle.dumps(obj)),
                   lambda path: pickle.loads(path.read_bytes())),
        "joblib": (joblib.dump, joblib.load),
        "npz-object": (
            lambda obj, path: path.write_bytes(_npz(coef=np.array([obj], dtype=object))),
            lambda path: np.load(path, allow_pickle=True)["coef"]),
    }[dump]
    # The payload is live: loading it the unsafe way does run code.
    proof = tmp_path / "PROOF"
    write(TouchOnUnpickle(proof), tmp_path / "proof.bin")
    unsafe_load(tmp_path / "proof.bin")
    assert proof.exists()

    marker = tmp_path / "MARKER"
    write(TouchOnUnpickle(marker), model_dir / ARRAYS_FILE)
    _rehash(model_dir)
    with pytest.raises(ModelError):
        load_model(model_dir)
    assert not marker.exists()


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_arrays_that_do_not_fit_the_structure_are_refused(model_dir):
    """Coefficients of the wrong length (a hand-made file) are a ModelError."""
    with np.load(model_dir / ARRAYS_FILE, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["coef"] = arrays["coef"][:-1]
    (model_dir / ARRAYS_FILE).write_bytes(_npz(**arrays))
    _rehash(model_dir)
    with pytest.raises(ModelError, match="coefficients"):
        load_model(model_dir)


def test_missing_or_broken_files(model_dir, tmp_path):
    """Missing directory, manifest or model file, and a corrupt manifest, are ModelErrors."""
    with pytest.raises(ModelError, match="not a model directory"):
        load_model(tmp_path / "absent")
    (model_dir / ARRAYS_FILE).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(model_dir)
    (model_dir / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="JSON"):
        load_model(model_dir)
    (model_dir / MANIFEST_FILE).write_text('{"format_version": 99}')
    with pytest.raises(ModelError, match="format"):
        load_model(model_dir)


@pytest.mark.parametrize("field", ["threshold", "versions", "files", "model",
                                   "reference_scores"])
def test_manifest_missing_a_field_is_a_model_error(field, model_dir):
    """A manifest lacking a required field is a ModelError, not a crash."""
    _edit_manifest(model_dir, lambda m: m.pop(field))
    with pytest.raises(ModelError):
        load_model(model_dir)


# Issue #12 case 10: a manifest's threshold must be a finite number in [0, 1].
@pytest.mark.parametrize("threshold", ["-5", "NaN", "Infinity", "-Infinity", "1e308", "1.5",
                                       '"0.5"', "true", "null"])
def test_manifest_threshold_out_of_range_is_refused(threshold, model_dir):
    text = (model_dir / MANIFEST_FILE).read_text()
    value = json.loads(text)["threshold"]
    (model_dir / MANIFEST_FILE).write_text(
        text.replace(f'"threshold": {value!r}', f'"threshold": {threshold}'))
    with pytest.raises(ModelError, match="threshold"):
        load_model(model_dir)


# Issue #12 case 11: ids of bounded length and plain characters.
@pytest.mark.parametrize("model_id", ["=HYPERLINK(\"http://x\")", "a b", "../../etc",
                                      "x" * 65, 12])
def test_manifest_model_id_must_be_plain(model_id, model_dir):
    _edit_manifest(model_dir, lambda m: m.update(model_id=model_id))
    with pytest.raises(ModelError, match="model_id"):
        load_model(model_dir)


def test_huge_manifest_is_refused_without_reading_it(model_dir):
    """A 5 MB model_id (or any manifest past the size limit) is one clear error."""
    _edit_manifest(model_dir, lambda m: m.update(model_id="x" * 5_000_000))
    with pytest.raises(ModelError, match="larger than"):
        load_model(model_dir)
    with open(model_dir / MANIFEST_FILE, "wb") as fh:
        fh.truncate(100_000_000)  # 100 MB, sparse
    with pytest.raises(ModelError, match="larger than"):
        load_model(model_dir)


def test_deeply_nested_manifest_is_refused(model_dir):
    """A manifest nested 100,000 deep is a ModelError, never a RecursionError."""
    (model_dir / MANIFEST_FILE).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="nested"):
        load_model(model_dir)
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    (model_dir / MANIFEST_FILE).write_text(json.dumps(nested))
    with pytest.raises(ModelError, match="nested"):
        load_model(model_dir)


# Issue #12 case 13: a huge model file is refused before being read.
def test_huge_model_file_is_refused_before_reading(model_dir):
    with open(model_dir / ARRAYS_FILE, "r+b") as fh:
        fh.truncate(6 * 1024**3)  # 6 GB, sparse: reading it whole would take 6 GB
    with pytest.raises(ModelError, match="larger than"):
        load_model(model_dir)


def test_model_file_size_limit(model_dir, monkeypatch):
    monkeypatch.setattr(_persistence, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(ModelError, match="larger than 1,000 bytes"):
        load_model(model_dir)


# Every failure inside model loading: one "error:" line, exit code 1.
def _break(model_dir: pathlib.Path, how: str) -> None:
    if how == "threshold":
        _edit_manifest(model_dir, lambda m: m.update(threshold=-5))
    elif how == "nested":
        (model_dir / MANIFEST_FILE).write_text("[" * 100_000 + "]" * 100_000)
    elif how == "huge":
        with open(model_dir / ARRAYS_FILE, "r+b") as fh:
            fh.truncate(6 * 1024**3)
    elif how == "pickle":
        (model_dir / ARRAYS_FILE).write_bytes(pickle.dumps(TouchOnUnpickle(model_dir / "M")))
        _rehash(model_dir)
    elif how == "structure":
        _edit_manifest(model_dir, lambda m: m["model"].update(blocks=[{"kind": "eval"}]))
    elif how == "word_text":
        _edit_manifest(model_dir, lambda m: m["model"]["blocks"][0]["params"].update(text="eval"))


@pytest.mark.parametrize("how", ["threshold", "nested", "huge", "pickle", "structure",
                                 "word_text"])
def test_broken_model_is_one_error_line(how, model_dir, capsys):
    _break(model_dir, how)
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--model", str(model_dir), "--text", "x"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert not (model_dir / "M").exists()


# Format 1 (classifier 0.1: a skops pipeline) ---------------------------------------------------


def test_format_1_directory_loads_with_identical_scores(model, format_1_dir, ads, tmp_path):
    """A model saved by classifier 0.1 loads, converted to data, with the same scores; saving
    it again writes format 2."""
    texts = PROBES + ads["text"].tolist()
    loaded = load_model(format_1_dir)
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    save_model(loaded, format_1_dir)
    assert not (format_1_dir / PIPELINE_FILE).exists()
    np.testing.assert_array_equal(load_model(format_1_dir).predict_proba(texts),
                                  model.predict_proba(texts))


_OLD_MODULES = {  # where classifier 0.1 kept its classes: flat, then in subpackages
    "flat": {"TextNormalizer": "classifier._normalize", "WordTfidfVectorizer":
             "classifier._features", "ContactMasker": "classifier._features",
             "RuleFeatures": "classifier._features", "IndicatorFeatures": "classifier._indicators",
             "PriorCorrectedLogisticRegression": "classifier._model"},
    "subpackages": {"TextNormalizer": "classifier.text._normalize",
                    "WordTfidfVectorizer": "classifier.features._tfidf",
                    "RuleFeatures": "classifier.features._rules",
                    "IndicatorFeatures": "classifier.features._indicators"},
}


@pytest.mark.parametrize("layout", _OLD_MODULES)
def test_format_1_with_earlier_module_names_loads(layout, model, format_1_dir):
    """Files naming the classes where earlier versions kept them load, same scores."""
    file = format_1_dir / PIPELINE_FILE
    modules = _OLD_MODULES[layout]

    def rename(node):
        if isinstance(node, list):
            return [rename(item) for item in node]
        if isinstance(node, dict):
            node = {key: rename(value) for key, value in node.items()}
            if node.get("__class__") in modules:
                node["__module__"] = modules[node["__class__"]]
        return node

    with zipfile.ZipFile(io.BytesIO(file.read_bytes())) as old:
        schema = json.dumps(rename(json.loads(old.read("schema.json"))))
        assert f'"{next(iter(modules.values()))}"' in schema
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as new:
            for item in old.infolist():
                new.writestr(item, schema if item.filename == "schema.json"
                             else old.read(item.filename))
    file.write_bytes(buffer.getvalue())
    _rehash(format_1_dir, PIPELINE_FILE)
    np.testing.assert_array_equal(load_model(format_1_dir).predict_proba(PROBES),
                                  model.predict_proba(PROBES))


def test_format_1_from_other_scikit_learn_version_is_refused(format_1_dir):
    """A format 1 file has no reference scores: another scikit-learn version is refused."""
    _edit_manifest(format_1_dir, lambda m: m["versions"].update({"scikit-learn": "0.24.2"}))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2"):
        load_model(format_1_dir)


def test_skops_file_with_dangerous_function_is_refused(format_1_dir):
    """A skops file naming a function such as os.system is refused."""
    pipeline = Pipeline([("run", FunctionTransformer(func=os.system)),
                         ("clf", LogisticRegression())])
    (format_1_dir / PIPELINE_FILE).write_bytes(sio.dumps(pipeline))
    _rehash(format_1_dir, PIPELINE_FILE)
    with pytest.raises(ModelError, match="untrusted"):
        load_model(format_1_dir)


def _hand_made_skops(schema: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


# Issue #12 case 12: hand-made files naming a callable, or malformed, are one ModelError.
@pytest.mark.parametrize("schema", [
    {"__class__": "system", "__module__": "posix", "__loader__": "FunctionNode",
     "content": {"module_path": "posix", "function": "system"}, "__id__": 1,
     "protocol": 2, "_skops_version": "0.10"},
    {"__class__": "Pipeline", "__module__": "sklearn.pipeline", "__loader__": "ObjectNode",
     "content": {"steps": {"__class__": "list", "__module__": "builtins",
                           "__loader__": "ListNode", "content": [
                               {"__class__": "system", "__module__": "posix",
                                "__loader__": "TypeNode", "__id__": 3}], "__id__": 2}},
     "__id__": 1, "protocol": 2, "_skops_version": "0.10"},
    {"__loader__": "ObjectNode"},
    {"content": None},
])
def test_hand_made_skops_file_is_one_model_error(schema, format_1_dir, tmp_path):
    marker = tmp_path / "MARKER"
    (format_1_dir / PIPELINE_FILE).write_bytes(_hand_made_skops(schema))
    _rehash(format_1_dir, PIPELINE_FILE)
    with pytest.raises(ModelError):
        load_model(format_1_dir)
    assert not marker.exists()


def test_skops_file_with_custom_class_is_refused(format_1_dir, tmp_path):
    """A skops file holding an unknown class is refused before the class is built."""
    marker = tmp_path / "MARKER"
    pipeline = Pipeline([("evil", TouchOnLoad(str(marker))), ("clf", LogisticRegression())])
    (format_1_dir / PIPELINE_FILE).write_bytes(sio.dumps(pipeline))
    marker.unlink(missing_ok=True)
    _rehash(format_1_dir, PIPELINE_FILE)
    with pytest.raises(ModelError, match="TouchOnLoad"):
        load_model(format_1_dir)
    assert not marker.exists()


def test_skops_file_without_pipeline_is_refused(format_1_dir):
    """A valid skops file that does not hold a Pipeline is refused."""
    (format_1_dir / PIPELINE_FILE).write_bytes(sio.dumps({"weights": np.zeros(3)}))
    _rehash(format_1_dir, PIPELINE_FILE)
    with pytest.raises(ModelError, match="not a Pipeline"):
        load_model(format_1_dir)


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
    assert not target.exists()


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
