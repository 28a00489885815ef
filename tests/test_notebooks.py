"""The notebooks: stored without outputs, public API only, and run top to bottom."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]


def test_the_notebooks_exist():
    """Exploration and evaluation notebooks, in reading order."""
    assert NAMES == ["01_explore_dataset.ipynb", "02_evaluate_models.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_is_stored_without_outputs(path):
    """No outputs or execution counts in the repository: diffs stay readable and no ad text
    (with phone numbers) is committed by accident."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_uses_the_public_api_only(path):
    """``import classifier`` and ``classifier.X``; never a private module."""
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import classifier" in source
    assert not re.search(r"classifier\._|from classifier\.|import classifier\.", source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_runs(path, real_data_dir, tmp_path, monkeypatch):
    """Execute every cell in a fresh kernel of this interpreter (quick settings)."""
    from nbclient import NotebookClient

    # The kernel inherits the environment: the data directory, the isolated cache (set by
    # conftest) and the quick settings of notebook 02.
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(real_data_dir.resolve()))  # kernel cwd differs
    monkeypatch.setenv("CLASSIFIER_NOTEBOOK_FAST", "1")
    assert os.environ["CLASSIFIER_CACHE_DIR"]
    nb = nbformat.read(path, as_version=4)
    # "python3" resolves to the interpreter running the tests (ipykernel's native kernel),
    # so the notebook sees this environment's classifier.
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "no plot was shown"
    if path.name.startswith("01"):
        assert "2,677 ads" in text
    else:
        assert "full (random split) − full (group split)" in text
