"""Which text core runs, and how to turn the compiled one off."""

from __future__ import annotations

import os
import subprocess
import sys


def _core_name(**env: str) -> str:
    code = "from classifier._core import CORE_NAME; print(CORE_NAME)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_pure_python_switch_forces_the_python_core():
    assert _core_name(CLASSIFIER_PURE_PYTHON="1") == "python"


def test_the_compiled_core_is_used_when_installed(core):
    assert _core_name(CLASSIFIER_PURE_PYTHON="") == "rust"
    assert _core_name(CLASSIFIER_PURE_PYTHON="0") == "rust"
    assert core.__version__
