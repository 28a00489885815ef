"""Scoring texts, DataFrames and files with a saved model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._data import check_columns, iter_table, join_text
from ._model import Model
from ._output import TableWriter

#: Columns of every score table, in order; further columns may follow.
SCORE_COLUMNS = ("id", "score", "flagged", "threshold", "model", "status")


def score_texts(model: Model, texts: Sequence[str], *, threshold: float | None = None) -> pd.DataFrame:
    """Score a list of texts; returns ``score`` and ``flagged`` columns in input order."""
    threshold = model.threshold if threshold is None else threshold
    scores = model.predict_proba(["" if t is None else str(t) for t in texts])
    return pd.DataFrame({"score": scores, "flagged": scores >= threshold})


def score_frame(
    model: Model,
    frame: pd.DataFrame,
    *,
    text_cols: Sequence[str] = ("text",),
    id_col: str | None = None,
    threshold: float | None = None,
    keep_cols: Sequence[str] = (),
    start: int = 0,
) -> pd.DataFrame:
    """Score every row of ``frame``; one output row per input row, in input order.

    Parameters
    ----------
    text_cols : sequence of str
        Columns joined (with a newline) into the text to score.
    id_col : str, optional
        Column copied to ``id``; otherwise ``id`` is the 0-based row number (from ``start``).
    threshold : float, optional
        Operating threshold; the model's own when omitted.
    keep_cols : sequence of str
        Input columns carried through to the output.
    start : int
        Row number of the first row (for chunked files).

    Returns
    -------
    DataFrame with the columns :data:`SCORE_COLUMNS` followed by ``keep_cols``.
    """
    check_columns(frame, [*text_cols, *([id_col] if id_col else []), *keep_cols])
    threshold = model.threshold if threshold is None else float(threshold)
    texts = join_text(frame, text_cols)
    scores = model.predict_proba(texts.tolist())
    ids = frame[id_col].to_numpy() if id_col else np.arange(start, start + len(frame))
    out = pd.DataFrame(
        {
            "id": ids,
            "score": scores,
            "flagged": scores >= threshold,
            "threshold": threshold,
            "model": model.model_id,
            "status": np.where(texts.str.len().to_numpy() == 0, "empty_text", "ok"),
        }
    )
    for col in keep_cols:
        out[col] = frame[col].to_numpy()
    return out


def score_file(
    model: Model,
    source: str | Path,
    output: str | Path | None = None,
    *,
    text_cols: Sequence[str] = ("text",),
    id_col: str | None = None,
    threshold: float | None = None,
    keep_cols: Sequence[str] = (),
    input_format: str | None = None,
    output_format: str | None = None,
    chunksize: int = 20_000,
) -> dict:
    """Score a file (or ``"-"`` for standard input) chunk by chunk into ``output``.

    The output is written atomically (see :class:`classifier._output.TableWriter`);
    ``None`` or ``"-"`` writes to standard output.

    Returns
    -------
    dict
        Summary: ``rows``, ``flagged``, ``empty_text``, ``threshold``, ``model``, ``output``.
    """
    threshold = model.threshold if threshold is None else float(threshold)
    summary = {"rows": 0, "flagged": 0, "empty_text": 0}
    with TableWriter(output, output_format) as writer:
        for chunk in iter_table(source, fmt=input_format, chunksize=chunksize):
            scored = score_frame(model, chunk, text_cols=text_cols, id_col=id_col,
                                 threshold=threshold, keep_cols=keep_cols, start=summary["rows"])
            writer.write(scored)
            summary["rows"] += len(scored)
            summary["flagged"] += int(scored["flagged"].sum())
            summary["empty_text"] += int((scored["status"] == "empty_text").sum())
        if summary["rows"] == 0:
            writer.write(pd.DataFrame({c: [] for c in SCORE_COLUMNS}))
    return {**summary, "threshold": threshold, "model": model.model_id,
            "output": "-" if output in (None, "-") else str(output)}
