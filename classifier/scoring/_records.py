"""Scoring a few texts without pandas: a service's requests and ``classifier score --text``.

``score_frame`` builds DataFrames for its input and output; for a handful of texts, importing
pandas and building frames costs more than the scoring itself. The values are those of
``score_frame`` (``tests/scoring`` and ``tests/serve`` check that they are equal).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.io._writers import TableWriter
from classifier.scoring._types import (
    MAX_TEXT_CHARS,
    SCORE_COLUMNS,
    STATUSES,
    ScoreOptions,
    ScoreSummary,
)

if TYPE_CHECKING:
    from classifier.model import Model


def text_status(text: str) -> tuple[str, str]:
    """One text as it is scored (cut to :data:`MAX_TEXT_CHARS`) and its ``status``: ``ok``,
    or the first caveat that applies of ``empty_text``, ``truncated``, ``invalid_utf8``."""
    if not text:
        return text, "empty_text"
    if len(text) > MAX_TEXT_CHARS:
        return text[:MAX_TEXT_CHARS], "truncated"
    return text, "invalid_utf8" if "\ufffd" in text else "ok"


def score_records(model: Model, texts: Sequence[str], *, threshold: float | None = None,
                  explain: bool = True) -> list[dict]:
    """Score texts without building DataFrames (a service's requests): one dict per text,
    in order, with the values :func:`score_frame` gives (``score``, ``flagged``,
    ``threshold``, ``reasons``, ``indicators``, ``model``, ``status``)."""
    if not texts:
        return []
    threshold = model.threshold if threshold is None else float(threshold)
    cut, statuses = zip(*map(text_status, texts), strict=True)
    scorer = model.scorer
    X = scorer.features(list(cut))
    scores = scorer.scores(X).tolist()
    reasons = scorer.reasons(X) if explain else [""] * len(scores)
    fired = scorer.indicator_column(X) if explain else [""] * len(scores)
    return [{"score": score, "flagged": score >= threshold, "threshold": threshold,
             "reasons": reason, "indicators": names, "model": model.model_id, "status": status}
            for score, reason, names, status in zip(scores, reasons, fired, statuses,
                                                    strict=True)]


def score_texts_to(model: Model, texts: Sequence[str], output: str | Path | None,
                   options: ScoreOptions) -> ScoreSummary:
    """Score texts given directly (``--text``) and write them like a file's rows."""
    started = time.perf_counter()
    texts = [text.strip() for text in texts]  # as join_text makes a file's texts
    results = score_records(model, texts, threshold=options.threshold,
                            explain=options.explain)
    rows = [(i, *(r[c] for c in SCORE_COLUMNS[1:])) for i, r in enumerate(results)]
    written = [row for row in rows if row[2]] if options.flagged_only else rows
    with TableWriter(output, options.output_format,
                     escape_formulas=options.escape_formulas) as writer:
        writer.write_records(SCORE_COLUMNS, written)
    return ScoreSummary(
        threshold=results[0]["threshold"], model=model.model_id,
        output="-" if output in (None, "-") else str(output),
        rows_read=len(rows), rows_written=writer.rows, flagged=sum(row[2] for row in rows),
        **{name: sum(r["status"] == name for r in results) for name in STATUSES[1:]},
        seconds=time.perf_counter() - started,
    )
