"""No phone number of a training ad, in any spacing, may reach a saved model's files.

Trains the default model on ChainBreaker (needs ``CLASSIFIER_DATA_DIR``), saves it and reads
every file of the model directory: zip members (skops), numpy arrays of strings, JSON. Any run
of seven digits of a training text (digits joined after removing blanks, dots, dashes and
brackets) found in them fails the test. Only counts are reported: the digits are personal data.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import classifier

DATA_DIR = os.environ.get("CLASSIFIER_DATA_DIR", "")
pytestmark = pytest.mark.skipif(
    not (Path(DATA_DIR) / "chainbreaker" / "raw.csv").is_file(),
    reason="needs CLASSIFIER_DATA_DIR with the ChainBreaker data",
)

# Digits of a text with the separators a phone number is written with removed.
_TEXT_SEPARATORS = re.compile(r"[\s.\-()]+")
# Digit runs in model files: joined over blanks, dashes and brackets (n-grams are joined with
# blanks), never over a line break (between two vocabulary entries) nor over a "." that starts
# the fraction of a number ("0.8523...").
_MODEL_DIGITS = re.compile(r"(?<![.\d])\d(?:[ \t\-()]*\d)*")


def seven_grams(digits: str) -> set[str]:
    return {digits[i : i + 7] for i in range(len(digits) - 6)}


def training_seven_grams(texts: list[str]) -> set[str]:
    grams: set[str] = set()
    for text in texts:
        for run in re.findall(r"\d+", _TEXT_SEPARATORS.sub("", text)):
            grams |= seven_grams(run)
    return grams


def model_texts(folder: Path):
    """Yield (file name, text) for every readable part of every file of a model directory."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{path.name}:{name}", _member_text(name, archive.read(name))
        else:
            yield path.name, path.read_bytes().decode("utf-8", "replace")


def _member_text(name: str, data: bytes) -> str:
    if name.endswith(".npy"):
        array = np.load(io.BytesIO(data), allow_pickle=False)
        # Strings (vocabularies) as text; numbers cannot hold a phone number's digits as text.
        if array.dtype.kind in "US":
            return "\n".join(map(str, array.ravel()))
        return ""
    return data.decode("utf-8", "replace")


def leaked_seven_grams(folder: Path, training: set[str]) -> dict[str, int]:
    """Count, per model file part, the training 7-digit runs found in it."""
    found: dict[str, int] = {}
    for name, text in model_texts(folder):
        for run in _MODEL_DIGITS.findall(text):
            digits = re.sub(r"\D", "", run)
            hits = seven_grams(digits) & training
            if hits:
                found[name] = found.get(name, 0) + len(hits)
    return found


def test_scan_finds_a_planted_number(tmp_path):
    # The scan itself must see digits in vocabularies stored as numpy strings and in JSON.
    training = training_seven_grams(["call (587) 555-0143 now"])
    archive = tmp_path / "pipeline.skops"
    with zipfile.ZipFile(archive, "w") as zf:
        buffer = io.BytesIO()
        np.save(buffer, np.array(["hot", "555 0143 587"]))
        zf.writestr("vocab.npy", buffer.getvalue())
    assert leaked_seven_grams(tmp_path, training) == {"pipeline.skops:vocab.npy": 1}
    (tmp_path / "manifest.json").write_text('{"threshold": 0.5875550143, "x": "587 5550"}')
    assert leaked_seven_grams(tmp_path, training)["manifest.json"] == 1


def test_saved_default_model_holds_no_training_digits(tmp_path):
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").astype(str).tolist()
    model = classifier.train(texts, ads.label, folds=3)
    folder = classifier.save_model(model, tmp_path / "model")
    leaks = leaked_seven_grams(folder, training_seven_grams(texts))
    assert leaks == {}, f"training digit runs in model files (counts per file): {leaks}"
