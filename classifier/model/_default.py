"""The default model: trained once on the default public dataset and cached."""

from __future__ import annotations

from pathlib import Path

import sklearn

from classifier import __version__
from classifier.io._datasets import cache_dir, load_labeled
from classifier.model._persistence import MANIFEST_FILE, load_model, save_model
from classifier.model._pipeline import Model
from classifier.model._train import train

DEFAULT_DATASET = "chainbreaker"


def default_model_dir() -> Path:
    """Cache directory of the default model, one per classifier and scikit-learn version."""
    return cache_dir() / "models" / f"default-{__version__}-sklearn{sklearn.__version__}"


def load_default_model() -> Model:
    """Load the default model, training and caching it on first use (about half a minute)."""
    path = default_model_dir()
    if (path / MANIFEST_FILE).is_file():
        return load_model(path)
    labeled, provenance = load_labeled(dataset=DEFAULT_DATASET)
    model = train(labeled.texts, labeled.y, data_info=provenance)
    save_model(model, path)
    return model
