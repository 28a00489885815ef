"""The text core in use: the compiled extension ``classifier_core`` or the Python reference.

The extension (Rust, built from ``core/`` by ``make setup``) computes normalisation, contact
masking, indicator scans and word n-grams several times faster; the Python modules stay the
reference, and every call site falls back to them when the extension is missing or turned off
with ``CLASSIFIER_PURE_PYTHON=1``. Tests assert that both give identical results.
"""

from __future__ import annotations

import os
from types import ModuleType

#: Environment variable that forces the Python path when set to anything but "" or "0".
PURE_PYTHON_ENV = "CLASSIFIER_PURE_PYTHON"


def _load() -> ModuleType | None:
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return None
    try:
        import classifier_core
    except ImportError:
        return None
    return classifier_core


#: The compiled extension, or ``None`` where the Python path runs.
CORE: ModuleType | None = _load()
#: Which text core is in use: ``"rust"`` or ``"python"`` (``classifier --version``, manifests).
CORE_NAME: str = "python" if CORE is None else "rust"
