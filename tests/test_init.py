"""The package's public API: every name in ``__all__`` resolves, submodules load lazily."""

from __future__ import annotations

import subprocess
import sys

import classifier


def test_every_public_name_resolves():
    """``classifier.<name>`` works for each name of ``__all__`` (re-exported from submodules)."""
    for name in classifier.__all__:
        assert getattr(classifier, name) is not None, name
    assert set(classifier.__all__) <= set(dir(classifier))


def test_import_does_not_load_plotting_or_minhash():
    """``import classifier`` stays light: plots and MinHash load only when used."""
    code = ("import sys, classifier; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'matplotlib', 'datasketch', 'dask', 'sklearn'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
