"""Shared fixtures: small invented ads, a model trained on them, and test isolation.

Every ad below is invented for the tests: the phrases are written to resemble the style of
adult-services classifieds, and the phone numbers use the fictional 555-01xx range. None is
copied from a real dataset.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

# "Suspicious" phrases (third person, movement, youth, controlled contact) ...
SUSPICIOUS = (
    "new in town for a few days only",
    "sweet young girls ready to play tonight",
    "my girls are waiting for you upstairs",
    "just arrived fresh and brand new here",
    "daddy come spoil your little one",
    "cash only and no questions asked",
    "ask about our special two girl deal",
    "we are travelling and leaving soon",
    "call my manager to book the girls",
    "petite new girls every single week",
)
# ... and "not suspicious" ones (first person, independent, screening).
BENIGN = (
    "independent mature companion with a warm smile",
    "relaxing massage in my private quiet studio",
    "i set my own hours and my own rates",
    "professional and discreet with screening required",
    "please read my reviews before you book",
    "upscale experience for respectful gentlemen",
    "ask about my weekly availability by email",
    "i enjoy good conversation and dinner dates",
    "verified provider with references from peers",
    "long term regulars always welcome back",
)
PLACES = (
    "downtown", "near the airport", "in the west end", "on the north side",
    "by the harbour", "close to the university", "off the highway", "in the old town",
)
NAMES = (
    "Amber", "Brooke", "Cleo", "Dana", "Elle", "Faye", "Gina", "Hana", "Iris", "Jade",
    "Kira", "Lena", "Mona", "Nina", "Opal", "Pia", "Quinn", "Rae", "Sky", "Tia",
    "Uma", "Vera", "Wren", "Xena",
)


def invented_ads(n_per_class: int = 24) -> pd.DataFrame:
    """``n_per_class`` suspicious and as many benign invented ads, interleaved.

    Columns: ``ad_id`` (strings with leading zeros), ``title``, ``body``, ``text``
    (title and body joined by a newline) and ``label`` (0/1). Every ad has its own
    fictional phone number, so no two ads are linked by a shared contact.
    """
    rows = []
    for i in range(n_per_class):
        for label, phrases in ((1, SUSPICIOUS), (0, BENIGN)):
            k = len(rows)
            title = f"{NAMES[i % len(NAMES)]} {PLACES[(i + label) % len(PLACES)]}"
            body = (
                f"{phrases[i % 10]}, {phrases[(3 * i + 2 + label) % 10]}. "
                f"call ({200 + k}) 555-01{k % 100:02d}"
            )
            rows.append({"ad_id": f"{k:03d}", "title": title, "body": body, "label": label})
    frame = pd.DataFrame(rows)
    frame["text"] = frame["title"] + "\n" + frame["body"]
    return frame[["ad_id", "title", "body", "text", "label"]]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never read or write the user's cache (datasets, default model)."""
    monkeypatch.setenv("CLASSIFIER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def ads() -> pd.DataFrame:
    """48 invented ads, half labelled suspicious; treat as read-only."""
    return invented_ads()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, ads) -> Path:
    """A read-only directory holding ``small.csv`` (the invented ads)."""
    path = tmp_path_factory.mktemp("data")
    ads.to_csv(path / "small.csv", index=False)
    return path


@pytest.fixture
def small_csv(data_dir) -> Path:
    """Path of a labeled CSV of the invented ads (columns ad_id, title, body, text, label)."""
    return data_dir / "small.csv"


@pytest.fixture(scope="session")
def _small_model(tmp_path_factory, ads):
    """A model trained on the invented ads (3 folds) and saved once per session."""
    from classifier import save_model, train

    model = train(ads["text"], ads["label"], folds=3,
                  data_info={"source": "invented", "sha256": "0" * 64})
    path = save_model(model, tmp_path_factory.mktemp("models") / "small")
    return model, path


@pytest.fixture
def saved_model_dir(_small_model) -> Path:
    """Directory of the saved small model; read-only (see ``model_dir`` for a copy)."""
    return _small_model[1]


@pytest.fixture
def model(_small_model):
    """The small model as saved (manifest complete), without going through load_model."""
    trained = _small_model[0]
    return dataclasses.replace(trained, manifest=copy.deepcopy(trained.manifest))


@pytest.fixture
def model_dir(saved_model_dir, tmp_path) -> Path:
    """A private copy of the saved model directory, safe to tamper with."""
    return Path(shutil.copytree(saved_model_dir, tmp_path / "model"))


@pytest.fixture
def real_data_dir() -> Path:
    """``$CLASSIFIER_DATA_DIR``, holding ``chainbreaker/raw.csv``; skips when unavailable."""
    value = os.environ.get("CLASSIFIER_DATA_DIR")
    if not value or not (Path(value) / "chainbreaker" / "raw.csv").is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    return Path(value)


@pytest.fixture
def no_download(monkeypatch):
    """Make any attempt to download a dataset fail the test."""
    import pooch

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(pooch, "retrieve", refuse)
