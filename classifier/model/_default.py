"""The default model: trained once on the default public dataset and cached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifier import __version__
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


def load_default_model(notify: Callable[[str], None] | None = None) -> Model:
    """Load the default model, training and caching it on first use (about half a minute).

    ``notify`` is told, on first use, what is being done and where the model is cached.
    """
    path = default_model_dir()
    if (path / MANIFEST_FILE).is_file():
        return load_model(path)
    if notify is not None:
        notify(f"no default model yet: training it once on the public {DEFAULT_DATASET!r} "
               f"dataset (about 30 s); it is cached in {path}")
    # Training needs scikit-learn and pandas: imported only now, after the notice.
    from classifier.io._datasets import load_labeled
    from classifier.model._train import train

    labeled, provenance = load_labeled(dataset=DEFAULT_DATASET)
    model = train(labeled.texts, labeled.y, data_info=provenance)
    save_model(model, path)
    return model
