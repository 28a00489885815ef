"""``classifier score --text`` scores without pandas and writes what a file's rows would give."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pandas as pd
import pytest

from classifier.io import TableWriter
from classifier.scoring import ScoreOptions, score_frame, score_texts_to

TEXTS = ["New in town, sweet young girls 19yo", '=HYPERLINK("x") she will report, travel', "",
         '  plain, "quoted"\nnewline ', "x" * 25_000, "caf\ufffd", "+1 555 0100"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
@pytest.mark.parametrize("flagged_only", [False, True])
def test_text_output_equals_the_frame_path(model, fmt, flagged_only):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        summary = score_texts_to(model, TEXTS, None,
                                 ScoreOptions(output_format=fmt, flagged_only=flagged_only,
                                              threshold=0.3))
    scored = score_frame(model, pd.DataFrame({"text": TEXTS}, dtype=object), threshold=0.3)
    expected = io.StringIO()
    with contextlib.redirect_stdout(expected), TableWriter(None, fmt) as writer:
        writer.write(scored[scored["flagged"]] if flagged_only else scored)
    assert out.getvalue() == expected.getvalue()
    assert (summary.rows_read, summary.flagged) == (len(TEXTS), int(scored["flagged"].sum()))
    assert (summary.empty_text, summary.truncated, summary.invalid_utf8) == (1, 1, 1)


def test_scoring_one_text_imports_no_pandas_or_scikit_learn(saved_model_dir):
    code = ("import sys; from classifier.cli import main\n"
            "try:\n"
            f"    main(['score', '--model', {str(saved_model_dir)!r}, '--text', 'new in town'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(sorted(m for m in ('pandas', 'sklearn', 'scipy', 'skops') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
