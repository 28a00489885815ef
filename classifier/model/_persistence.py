"""Saving and loading models safely: data-only files, a validated manifest, hashes.

A model directory (format 2) holds two files:

- ``model.npz``: numpy arrays only (``np.savez_compressed``; read with
  ``allow_pickle=False``, so nothing in it can run): ``coef``, and per TF-IDF block ``i``
  ``block<i>_terms`` (its vocabulary in column order, UTF-8, one term per line) and
  ``block<i>_idf``, and for word n-grams their lookup index ``block<i>_index_words``,
  ``_keys``, ``_children``, ``_columns`` (see :class:`~classifier.features._ngrams.TfidfBlock`;
  stored because building it takes longer than reading it); an isotonic calibration adds
  ``calibration_x`` and ``calibration_y``.
- ``manifest.json``: provenance, threshold, metrics, library versions, the SHA-256 of
  ``model.npz``, the model's structure (``model``: normaliser, feature blocks with their
  settings, lexicon and rule-file hashes, intercept, prior shift, calibration) and
  ``reference_scores``: the scores of :data:`REFERENCE_TEXTS` when saved.

Loading validates the manifest, checks the hash while reading the file (with a size limit),
checks that the lexicon and rule files are those the model was trained with, and scores the
reference texts again: a model loads on any library version that reproduces them to 1e-6.
Format 1 directories (``pipeline.skops``, classifier 0.1) are read with skops and converted in
memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import math
import platform
import re
import zipfile
from pathlib import Path

import numpy as np

from classifier import __version__
from classifier._errors import ModelError
from classifier.io._files import write_atomic
from classifier.model._linear import (
    BLOCK_KINDS,
    CALIBRATIONS,
    NORMALIZERS,
    WORD_TEXT_PARAM,
    Block,
    LinearModel,
    tfidf_settings_of,
)
from classifier.model._pipeline import Model

MANIFEST_FILE = "manifest.json"
ARRAYS_FILE = "model.npz"
#: The model file of format 1 (a skops pipeline), still read.
PIPELINE_FILE = "pipeline.skops"
FORMAT_VERSION = 2
#: Largest model file read (hashed while streaming; refused beyond, before reading it).
MAX_MODEL_BYTES = 1 << 30
#: Largest manifest read, and its deepest nesting of lists and objects.
MAX_MANIFEST_BYTES = 1 << 20
MAX_MANIFEST_DEPTH = 16
#: Largest total size of the arrays once decompressed (guards against zip bombs).
MAX_ARRAY_BYTES = 1 << 31
#: Scores of these texts are stored when saving and must be reproduced when loading.
REFERENCE_TEXTS = (
    "",
    "New in town!! young sweet girls, new faces every week, call 587 555 0143",
    "EXØTiC ƒяєαк 🌹🌹 s e x y, h0t & nineteen yo! just turned 18",
    "Professional massage therapist, licensed, appointments Monday to Friday.",
    "𝓷𝓮𝔀 𝓰𝓲𝓻𝓵𝓼 in town, 19 yrs, incall outcall, no rush, ask for Kitty",
)
REFERENCE_TOLERANCE = 1e-6

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAX_TEXT = 1000  # longest version string or short text field


#: The project's own classes that may appear in a format 1 file, beyond what skops trusts.
#: Named one by one: trusting a whole module prefix would let a file name any object in it.
TRUSTED_TYPES = (
    "classifier.features._transformers.TextNormalizer",
    "classifier.features._transformers.WordTfidfVectorizer",
    "classifier.features._transformers.ContactMasker",
    "classifier.features._transformers.RuleFeatures",
    "classifier.features._transformers.IndicatorFeatures",
    "classifier.features._transformers.ContextScore",
    "classifier.features._transformers.ContextGatedUnion",
    # The word block's preprocessor (no state; what a pipeline of today's context sets holds).
    "classifier.features._wordtext.WordText",
    "classifier.model._estimators.PriorCorrectedLogisticRegression",
    "classifier.model._estimators.ContextLogisticRegression",
    # A calibrated model (``train(calibrate=...)``): the wrapper and the two private
    # scikit-learn classes it stores its fitted parts in, which skops does not trust itself.
    "classifier.model._estimators.GroupedCalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)

#: Where the classes named by format 1 files (of classifier 0.1, flat or in subpackages)
#: live now. Such files are read with these names rewritten; nothing else in them changes.
_MOVED = {
    f"{old}.{name}": new
    for old, names, new in (
        ("classifier._normalize", ("TextNormalizer",), "classifier.features._transformers"),
        ("classifier.text._normalize", ("TextNormalizer",), "classifier.features._transformers"),
        ("classifier._features", ("WordTfidfVectorizer", "ContactMasker", "RuleFeatures"),
         "classifier.features._transformers"),
        ("classifier.features._tfidf", ("WordTfidfVectorizer", "ContactMasker"),
         "classifier.features._transformers"),
        ("classifier.features._rules", ("RuleFeatures",), "classifier.features._transformers"),
        ("classifier._indicators", ("IndicatorFeatures",), "classifier.features._transformers"),
        ("classifier.features._indicators", ("IndicatorFeatures",),
         "classifier.features._transformers"),
        ("classifier._model", ("PriorCorrectedLogisticRegression",
                               "GroupedCalibratedClassifierCV"), "classifier.model._estimators"),
    )
    for name in names
}


def library_versions() -> dict[str, str]:
    """Versions that a saved model was made with (for the record: scoring needs none of
    scikit-learn, SciPy or skops)."""
    from classifier._core import CORE_NAME

    versions = {"classifier": __version__, "text_core": CORE_NAME,
                "python": platform.python_version(), "numpy": np.__version__}
    for name in ("scikit-learn", "scipy"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


# -- saving ------------------------------------------------------------------------------------


def save_model(model: Model, path: str | Path) -> Path:
    """Save ``model`` into directory ``path`` (created if needed) and complete its manifest.

    Returns the directory. Refuses to save a model whose vocabulary holds contact data.
    """
    from classifier.model._train import _PERSONAL, find_personal_data

    path = Path(path)
    pipeline = model.__dict__.get("_pipeline")
    if pipeline is not None:  # checked first: any pipeline, even one not storable as data
        leaks = find_personal_data(pipeline)
    else:
        leaks = [t for b in model.linear.blocks if b.kind == "tfidf" for t in b.terms
                 if _PERSONAL.search(t)]
    if leaks:
        raise ModelError(
            f"refusing to save: {len(leaks)} vocabulary entries look like contact data"
        )
    try:
        linear = model.linear
    except ValueError as exc:
        raise ModelError(f"cannot save: {exc}") from exc
    structure, arrays = _to_data(linear)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    reference = linear.scores(linear.features(list(REFERENCE_TEXTS)))
    manifest = {
        **model.manifest,
        "format_version": FORMAT_VERSION,
        "model_id": digest[:12],
        "threshold": float(model.threshold),
        "versions": library_versions(),
        "files": {ARRAYS_FILE: digest},
        "model": structure,
        "reference_scores": [float(s) for s in reference],
    }
    path.mkdir(parents=True, exist_ok=True)
    write_atomic(path / ARRAYS_FILE, data)
    write_atomic(path / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())
    # A directory saved by classifier 0.1 gets the new format: its old file would mislead.
    (path / PIPELINE_FILE).unlink(missing_ok=True)
    model.manifest = manifest
    return path


def _to_data(linear: LinearModel) -> tuple[dict, dict[str, np.ndarray]]:
    """The manifest's ``model`` entry and the arrays of ``model.npz``."""
    from classifier.features._context import context_sha256
    from classifier.features._indicators import lexicon_sha256
    from classifier.features._rules import rules_sha256

    arrays = {"coef": np.asarray(linear.coef, dtype=np.float64)}
    blocks = []
    for i, block in enumerate(linear.blocks):
        entry = {"name": block.name, "kind": block.kind, "params": block.params,
                 "n_features": len(block.feature_names())}
        if block.kind == "tfidf":
            if any("\n" in term for term in block.terms):
                raise ModelError(f"block {block.name!r}: a term holds a line break")
            arrays[f"block{i}_terms"] = np.frombuffer("\n".join(block.terms).encode(),
                                                      dtype=np.uint8)
            if block.idf is not None:
                arrays[f"block{i}_idf"] = np.asarray(block.idf)
            # Building the word n-gram index takes longer than reading it.
            for key, array in (block.tfidf.index_arrays() or {}).items():
                arrays[f"block{i}_index_{key}"] = array
        elif block.kind == "indicators":
            entry["lexicon_sha256"] = lexicon_sha256(block.params.get("lexicon_path"))
        elif block.kind == "context":
            entry["context_sha256"] = context_sha256(block.params["lexicon"])
        else:
            entry["rules_sha256"] = rules_sha256(block.params["rules"])
        blocks.append(entry)
    calibration = None
    if linear.calibration is not None:
        calibration = {"method": linear.calibration["method"]}
        if calibration["method"] == "sigmoid":
            calibration.update(a=linear.calibration["a"], b=linear.calibration["b"])
        else:
            arrays["calibration_x"] = np.asarray(linear.calibration["x"], dtype=np.float64)
            arrays["calibration_y"] = np.asarray(linear.calibration["y"], dtype=np.float64)
    structure = {"normalizer": linear.normalizer, "blocks": blocks,
                 "n_features": len(linear.coef), "intercept": linear.intercept,
                 "prior_shift": linear.prior_shift, "calibration": calibration}
    return structure, arrays


# -- the manifest --------------------------------------------------------------------------


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, counted without recursion and stopping past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fail(file: Path, problem: str) -> ModelError:
    return ModelError(f"{file}: {problem}")


def _validate_manifest(manifest, file: Path) -> dict:
    """Check the manifest's fields a model needs (types, ranges, lengths); return it."""
    if not isinstance(manifest, dict):
        raise _fail(file, "not a model manifest (a JSON object was expected)")
    version = manifest.get("format_version")
    if version not in (1, FORMAT_VERSION) or isinstance(version, bool):
        raise _fail(file, f"unsupported model format {str(version)[:20]!r} (this version of "
                          f"classifier reads formats 1 and {FORMAT_VERSION}; retrain the model)")
    threshold = manifest.get("threshold")
    if not _number(threshold) or not math.isfinite(threshold) or not 0 <= threshold <= 1:
        raise _fail(file, "'threshold' must be a number from 0 to 1")
    model_id = manifest.get("model_id", "")
    if not isinstance(model_id, str) or (model_id and not _ID.fullmatch(model_id)):
        raise _fail(file, "'model_id' must be up to 64 letters, digits, '.', '_' or '-'")
    versions = manifest.get("versions")
    if not isinstance(versions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) + len(v) < _MAX_TEXT
            for k, v in versions.items()):
        raise _fail(file, "missing or invalid 'versions'")
    files = manifest.get("files")
    name = PIPELINE_FILE if version == 1 else ARRAYS_FILE
    if not isinstance(files, dict) or not isinstance(files.get(name), str) or \
            not _HEX64.fullmatch(files[name]):
        raise _fail(file, f"'files' must give the SHA-256 of {name}")
    for key in ("features", "threshold_rule", "created", "classifier_version"):
        value = manifest.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > _MAX_TEXT):
            raise _fail(file, f"{key!r} must be a short string")
    if version == FORMAT_VERSION:
        scores = manifest.get("reference_scores")
        if not isinstance(scores, list) or len(scores) != len(REFERENCE_TEXTS) or not all(
                _number(s) and math.isfinite(s) for s in scores):
            raise _fail(file, f"'reference_scores' must hold {len(REFERENCE_TEXTS)} numbers")
        if not isinstance(manifest.get("model"), dict):
            raise _fail(file, "missing 'model' (the model's structure)")
    return manifest


def read_manifest(path: str | Path) -> dict:
    """Read and validate the manifest of model directory ``path``."""
    file = Path(path) / MANIFEST_FILE
    if not file.is_file():
        raise ModelError(f"{path}: not a model directory (no {MANIFEST_FILE})")
    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise _fail(file, f"cannot read ({exc.strerror})") from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _fail(file, f"larger than {MAX_MANIFEST_BYTES:,} bytes; not a model manifest")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise _fail(file, f"nested more than {MAX_MANIFEST_DEPTH} levels deep") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(file, f"not valid JSON ({str(exc)[:200]})") from exc
    if _depth(manifest, MAX_MANIFEST_DEPTH) > MAX_MANIFEST_DEPTH:
        raise _fail(file, f"nested more than {MAX_MANIFEST_DEPTH} levels deep")
    return _validate_manifest(manifest, file)


# -- loading -----------------------------------------------------------------------------------


def _read_verified(file: Path, expected: str) -> bytes:
    """The file's bytes, hashed while read in blocks; refused past :data:`MAX_MODEL_BYTES`
    (checked before reading and while reading) or when the SHA-256 is not ``expected``."""
    limit = MAX_MODEL_BYTES
    if not file.is_file():
        raise ModelError(f"{file.parent}: {file.name} is missing")
    too_big = ModelError(f"{file}: larger than {limit:,} bytes; not a model file of ours")
    try:
        with open(file, "rb") as fh:
            if file.stat().st_size > limit:
                raise too_big
            digest, blocks, size = hashlib.sha256(), [], 0
            for block in iter(lambda: fh.read(1 << 20), b""):
                size += len(block)
                if size > limit:  # grew while being read
                    raise too_big
                digest.update(block)
                blocks.append(block)
    except OSError as exc:
        raise _fail(file, f"cannot read ({exc.strerror})") from exc
    if digest.hexdigest() != expected:
        raise _fail(file, "SHA-256 does not match the manifest; the file was changed")
    return b"".join(blocks)


def _read_arrays(data: bytes, file: Path) -> dict[str, np.ndarray]:
    """The arrays of a ``model.npz`` (numeric arrays only: nothing is unpickled)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_ARRAY_BYTES:
                raise _fail(file, "arrays too large once decompressed")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ModelError:
        raise
    except Exception as exc:  # any failure to read means the file is not ours
        raise _fail(file, f"not a model array file ({type(exc).__name__})") from exc
    for name, array in arrays.items():
        if array.dtype.kind not in "fiu":
            raise _fail(file, f"array {name!r} is not numeric")
    return arrays


def _from_data(structure: dict, arrays: dict[str, np.ndarray], file: Path) -> LinearModel:
    """The :class:`LinearModel` of a manifest's ``model`` entry and its arrays, checked."""
    from classifier.features._context import context_sha256
    from classifier.features._indicators import lexicon_sha256
    from classifier.features._ngrams import ANALYZERS
    from classifier.features._rules import rules_sha256
    from classifier.features._wordtext import WORD_TEXTS

    try:
        if structure["normalizer"] not in NORMALIZERS:
            raise ValueError(f"unknown normaliser {str(structure['normalizer'])[:40]!r}")
        blocks = []
        for i, entry in enumerate(structure["blocks"]):
            name, kind, params = entry["name"], entry["kind"], entry["params"]
            if kind not in BLOCK_KINDS or not isinstance(params, dict) or \
                    not isinstance(name, str) or not _ID.fullmatch(name):
                raise ValueError(f"block {i} is not a feature block")
            if kind == "tfidf":
                text = params.get(WORD_TEXT_PARAM)
                if text is not None and text not in WORD_TEXTS:
                    raise ValueError(f"block {name!r}: unknown word-block text")
                settings = tfidf_settings_of(params)
                if settings.analyzer not in ANALYZERS or settings.norm not in ("l2", None):
                    raise ValueError(f"block {name!r}: unsupported settings")
                np.dtype(settings.dtype)
                terms = arrays[f"block{i}_terms"].astype(np.uint8).tobytes().decode("utf-8")
                terms = terms.split("\n") if terms else []
                idf = arrays.get(f"block{i}_idf")
                if settings.use_idf and (idf is None or len(idf) != len(terms)):
                    raise ValueError(f"block {name!r}: idf does not match the vocabulary")
                index = {key: arrays[f"block{i}_index_{key}"]
                         for key in ("words", "keys", "children", "columns")
                         if f"block{i}_index_{key}" in arrays}
                params = settings.as_json()
                if text is not None:
                    params[WORD_TEXT_PARAM] = text
                blocks.append(Block(name, kind, params, terms, idf,
                                    (index or None) if len(index) in (0, 4) else {}))
                continue
            if kind == "indicators":
                lexicon = params.get("lexicon_path")
                if lexicon_sha256(lexicon) != entry["lexicon_sha256"]:
                    raise ModelError(f"{file}: the indicator lexicon changed since the model "
                                     "was trained; retrain it")
                params = {"lexicon_path": lexicon, "binary": bool(params.get("binary"))}
            elif kind == "context":
                lexicon = params["lexicon"]
                if not isinstance(lexicon, str) or not (_ID.fullmatch(lexicon)
                                                        or lexicon.endswith(".json")):
                    raise ValueError(f"block {name!r}: invalid context lexicon name")
                if i != len(structure["blocks"]) - 1:
                    raise ValueError("the context block must come last")
                if context_sha256(lexicon) != entry["context_sha256"]:
                    raise ModelError(f"{file}: the context lexicon changed since the model "
                                     "was trained; retrain it")
                params = {"lexicon": lexicon}
            else:
                rules = params["rules"]
                if not isinstance(rules, str) or not _ID.fullmatch(rules):
                    raise ValueError(f"block {name!r}: invalid rule file name")
                if rules_sha256(rules) != entry["rules_sha256"]:
                    raise ModelError(f"{file}: the rule file {rules!r} changed since the model "
                                     "was trained; retrain it")
                params = {"rules": rules}
            blocks.append(Block(name, kind, params))
        coef = arrays["coef"].astype(np.float64)
        n_features = sum(len(b.feature_names()) for b in blocks)
        if coef.shape != (n_features,):
            raise ValueError(f"{coef.shape} coefficients for {n_features} features")
        calibration = structure["calibration"]
        if calibration is not None:
            method = calibration["method"]
            if method not in CALIBRATIONS:
                raise ValueError(f"unknown calibration {str(method)[:40]!r}")
            if method == "sigmoid":
                calibration = {"method": method, "a": float(calibration["a"]),
                               "b": float(calibration["b"])}
            else:
                x = arrays["calibration_x"].astype(np.float64)
                y = arrays["calibration_y"].astype(np.float64)
                if x.ndim != 1 or x.shape != y.shape or not len(x) or np.any(np.diff(x) < 0):
                    raise ValueError("invalid isotonic calibration")
                calibration = {"method": method, "x": x, "y": y}
        return LinearModel(normalizer=structure["normalizer"], blocks=blocks, coef=coef,
                           intercept=float(structure["intercept"]),
                           prior_shift=float(structure.get("prior_shift", 0.0)),
                           calibration=calibration)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError) as exc:
        raise _fail(file, f"invalid model data ({type(exc).__name__}: {str(exc)[:200]})") \
            from exc


def load_model(path: str | Path) -> Model:
    """Load a model directory written by :func:`save_model` (or by classifier 0.1).

    Checks, in order: the manifest (fields, types, ranges, size, depth), the model file's
    size and SHA-256 (while reading it), its structure and arrays, the lexicon and rule
    files, and that the reference texts score as when the model was saved. Model files hold
    numbers and JSON only: nothing in them is executed. Every failure is a ``ModelError``.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if manifest["format_version"] == 1:
        return _load_format_1(path, manifest)
    file = path / ARRAYS_FILE
    arrays = _read_arrays(_read_verified(file, manifest["files"][ARRAYS_FILE]), file)
    linear = _from_data(manifest["model"], arrays, file)
    try:
        scores = linear.scores(linear.features(list(REFERENCE_TEXTS)))
    except Exception as exc:  # e.g. a user lexicon that no longer compiles
        raise _fail(file, f"cannot score with this model ({type(exc).__name__}: "
                          f"{str(exc)[:200]})") from exc
    worst = float(np.max(np.abs(scores - np.asarray(manifest["reference_scores"]))))
    if not worst <= REFERENCE_TOLERANCE:
        raise ModelError(
            f"{path}: this installation scores the model's reference texts differently "
            f"(by up to {worst:.2g}) than when it was saved with classifier "
            f"{manifest['versions'].get('classifier', '?')}; retrain the model")
    return Model(linear=linear, threshold=float(manifest["threshold"]), manifest=manifest)


# -- format 1 (skops) ------------------------------------------------------------------------


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
    """The skops file ``data``, with classes saved under earlier module names renamed."""
    with zipfile.ZipFile(io.BytesIO(data)) as old:
        schema = json.loads(old.read("schema.json"))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as new:
            for item in old.infolist():
                content = old.read(item.filename)
                if item.filename == "schema.json":
                    content = json.dumps(_renamed(schema)).encode()
                new.writestr(item, content)
    return out.getvalue()


def _load_format_1(path: Path, manifest: dict) -> Model:
    """Read a classifier 0.1 directory (a skops pipeline) and convert it to data in memory.

    Such files store no reference scores, so they load only on the scikit-learn version they
    were saved with; saving the model again writes format 2.
    """
    import sklearn
    import skops.io as sio  # slow to import: only for this old format

    saved = manifest["versions"].get("scikit-learn")
    if saved != sklearn.__version__:
        raise ModelError(
            f"{path}: saved by classifier 0.1 with scikit-learn {saved}, this is "
            f"{sklearn.__version__}; retrain it or install scikit-learn=={saved}"
        )
    file = path / PIPELINE_FILE
    data = _read_verified(file, manifest["files"][PIPELINE_FILE])
    # A hand-made file can make skops fail in any way (TypeError, RecursionError, ...):
    # every failure means the file is not a model of ours.
    try:
        data = _current_names(data)
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise _fail(file, f"not a skops model file ({type(exc).__name__})") from exc
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        shown = ", ".join(name[:100] for name in unknown[:5])
        raise _fail(file, f"refusing to load untrusted types: {shown}")
    try:
        pipeline = sio.loads(data, trusted=list(untrusted))
    except Exception as exc:
        raise _fail(file, f"cannot load ({type(exc).__name__}: {str(exc)[:200]})") from exc
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise _fail(file, f"holds a {type(pipeline).__name__}, not a Pipeline")
    try:
        linear = LinearModel.from_pipeline(pipeline)
    except (ValueError, AttributeError, TypeError) as exc:
        raise _fail(file, f"not a model of classifier's form ({str(exc)[:200]})") from exc
    return Model(pipeline=pipeline, linear=linear, threshold=float(manifest["threshold"]),
                 manifest=manifest)
