"""Saving and loading models safely: skops files, a JSON manifest, hashes and version checks.

A model directory holds ``pipeline.skops`` (the fitted pipeline in skops' format, which loads
only an allow-list of types and never unpickles arbitrary objects) and ``manifest.json``
(provenance, threshold, metrics, library versions and the pipeline file's SHA-256)."""

from __future__ import annotations

import importlib.metadata
import io
import json
import platform
import zipfile
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.pipeline import Pipeline

from classifier import __version__
from classifier._errors import ModelError
from classifier.io._files import sha256_file, write_atomic
from classifier.model._pipeline import Model
from classifier.model._train import find_personal_data

PIPELINE_FILE = "pipeline.skops"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1

#: The project's own classes that may appear in a model file, beyond what skops trusts.
#: Named one by one: trusting a whole module prefix would let a file name any object in it.
TRUSTED_TYPES = (
    "classifier.text._normalize.TextNormalizer",
    "classifier.features._tfidf.WordTfidfVectorizer",
    "classifier.features._tfidf.ContactMasker",
    "classifier.features._rules.RuleFeatures",
    "classifier.model._estimators.PriorCorrectedLogisticRegression",
    "classifier.features._indicators.IndicatorFeatures",
    # A calibrated model (``train(calibrate=...)``): the wrapper and the two private
    # scikit-learn classes it stores its fitted parts in, which skops does not trust itself.
    "classifier.model._estimators.GroupedCalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)


#: Where the classes named by model files of classifier 0.1 (one flat package) live now.
#: Such files are read with these names rewritten; nothing else in them changes.
_MOVED = {
    f"{old}.{name}": new
    for old, names, new in (
        ("classifier._normalize", ("TextNormalizer",), "classifier.text._normalize"),
        ("classifier._features", ("WordTfidfVectorizer", "ContactMasker"),
         "classifier.features._tfidf"),
        ("classifier._features", ("RuleFeatures",), "classifier.features._rules"),
        ("classifier._indicators", ("IndicatorFeatures",), "classifier.features._indicators"),
        ("classifier._model", ("PriorCorrectedLogisticRegression",
                               "GroupedCalibratedClassifierCV"), "classifier.model._estimators"),
    )
    for name in names
}


def _renamed(node):
    """A skops schema with the modules of moved classes rewritten (see :data:`_MOVED`)."""
    if isinstance(node, list):
        return [_renamed(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _renamed(value) for key, value in node.items()}
    moved = _MOVED.get(f"{node.get('__module__')}.{node.get('__class__')}")
    if moved is not None:
        node["__module__"] = moved
    return node


def _current_names(data: bytes) -> bytes:
    """The skops file ``data``, with classes saved under their 0.1 module names renamed."""
    with zipfile.ZipFile(io.BytesIO(data)) as old:
        schema = json.loads(old.read("schema.json"))
        if '"classifier._' not in json.dumps(schema):
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as new:
            for item in old.infolist():
                content = old.read(item.filename)
                if item.filename == "schema.json":
                    content = json.dumps(_renamed(schema)).encode()
                new.writestr(item, content)
    return out.getvalue()


def library_versions() -> dict[str, str]:
    """Versions that a saved model depends on."""
    return {
        "classifier": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "skops": importlib.metadata.version("skops"),
    }




def save_model(model: Model, path: str | Path) -> Path:
    """Save ``model`` into directory ``path`` (created if needed) and complete its manifest.

    Returns the directory. Refuses to save a model whose vocabulary holds contact data.
    """
    path = Path(path)
    leaks = find_personal_data(model.pipeline)
    if leaks:
        raise ModelError(
            f"refusing to save: {len(leaks)} vocabulary entries look like contact data"
        )
    path.mkdir(parents=True, exist_ok=True)
    import skops.io as sio  # slow to import: only when needed

    write_atomic(path / PIPELINE_FILE, sio.dumps(model.pipeline))
    digest = sha256_file(path / PIPELINE_FILE)
    manifest = {
        **model.manifest,
        "format_version": FORMAT_VERSION,
        "model_id": digest[:12],
        "threshold": float(model.threshold),
        "versions": library_versions(),
        "files": {PIPELINE_FILE: digest},
    }
    write_atomic(path / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())
    model.manifest = manifest
    return path


def read_manifest(path: str | Path) -> dict:
    """Read and minimally validate the manifest of model directory ``path``."""
    file = Path(path) / MANIFEST_FILE
    if not file.is_file():
        raise ModelError(f"{path}: not a model directory (no {MANIFEST_FILE})")
    try:
        manifest = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{file}: unsupported model format (expected version {FORMAT_VERSION})")
    fields = {"threshold": (int, float), "versions": dict, "files": dict}
    for name, kind in fields.items():
        if not isinstance(manifest.get(name), kind) or isinstance(manifest.get(name), bool):
            raise ModelError(f"{file}: missing or invalid {name!r}")
    return manifest


def load_model(path: str | Path) -> Model:
    """Load a model directory written by :func:`save_model`.

    Checks, in order: the manifest, the scikit-learn version the model was saved with, the
    pipeline file's SHA-256, and that the file names no type outside skops' defaults and
    :data:`TRUSTED_TYPES`. Nothing in the file is executed before these checks pass, and
    skops never unpickles arbitrary objects, so a replaced file cannot run code even when the
    manifest's hash was updated to match it.
    """
    path = Path(path)
    manifest = read_manifest(path)
    saved = manifest.get("versions", {}).get("scikit-learn")
    if saved != sklearn.__version__:
        raise ModelError(
            f"{path}: saved with scikit-learn {saved}, this is {sklearn.__version__}; "
            f"retrain it or install scikit-learn=={saved}"
        )
    file = path / PIPELINE_FILE
    if not file.is_file():
        raise ModelError(f"{path}: {PIPELINE_FILE} is missing")
    expected = manifest.get("files", {}).get(PIPELINE_FILE)
    if sha256_file(file) != expected:
        raise ModelError(f"{file}: SHA-256 does not match the manifest; the file was changed")
    import skops.io as sio  # slow to import: only when needed

    try:
        data = _current_names(file.read_bytes())
        untrusted = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise ModelError(f"{file}: not a skops model file ({type(exc).__name__})") from exc
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelError(f"{file}: refusing to load untrusted types: {', '.join(unknown)}")
    try:
        pipeline = sio.loads(data, trusted=list(untrusted))
    except Exception as exc:  # any failure to rebuild means the file is not ours
        raise ModelError(f"{file}: cannot load ({type(exc).__name__}: {exc})") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{file}: holds a {type(pipeline).__name__}, not a Pipeline")
    return Model(pipeline=pipeline, threshold=float(manifest["threshold"]), manifest=manifest)
