"""The default model: trained once on the default public dataset and cached."""

from __future__ import annotations

from pathlib import Path

from classifier import __version__
from classifier._errors import ModelError
from classifier.model._persistence import FORMAT_VERSION, MANIFEST_FILE, load_model, save_model
from classifier.model._pipeline import Model

DEFAULT_DATASET = "chainbreaker"


def default_model_dir() -> Path:
    """Cache directory of the default model, one per classifier version and model format.

    A saved model scores the same with any supported scikit-learn version (see
    :func:`load_model`), so the version is not part of the name.
    """
    from classifier.io._datasets import cache_dir

    return cache_dir() / "models" / f"default-{__version__}-format{FORMAT_VERSION}"


def cached_default_model() -> Model | None:
    """The cached default model, or ``None`` when there is none or it no longer loads (for
    instance after the packaged lexicons changed)."""
    path = default_model_dir()
    if not (path / MANIFEST_FILE).is_file():
        return None
    try:
        return load_model(path)
    except ModelError:
        return None  # stale: trained again by the caller


def train_default_model() -> Model:
    """Train the default model on the public dataset and cache it (about half a minute)."""
    # Training needs scikit-learn and pandas: imported only now.
    from classifier.io._datasets import load_labeled
    from classifier.model._train import train

    labeled, provenance = load_labeled(dataset=DEFAULT_DATASET)
    model = train(labeled.texts, labeled.y, data_info=provenance)
    save_model(model, default_model_dir())
    return model


def load_default_model() -> Model:
    """Load the default model, training and caching it on first use (about half a minute)."""
    return cached_default_model() or train_default_model()
