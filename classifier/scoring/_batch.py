"""Scoring texts, DataFrames and files: streaming, parallel, lossless.

Every input row yields exactly one output row, in input order. Lines that cannot be read as
rows (malformed CSV, invalid JSON) are reported with their line number; ``on_error`` decides
whether the run goes on ("skip") or stops ("fail"). Output files are written atomically."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from classifier.io._chunks import iter_chunks, report_problems
from classifier.io._files import check_not_input
from classifier.io._tables import as_pandas, check_columns, join_text
from classifier.io._writers import TableWriter
from classifier.scoring._records import text_status
from classifier.scoring._scorer import Scorer
from classifier.scoring._types import (
    SCORE_COLUMNS,
    STATUSES,
    ScoreOptions,
    ScoreSummary,
)

if TYPE_CHECKING:
    from classifier.model import Model



def _texts_and_status(texts: pd.Series) -> tuple[list[str], np.ndarray]:
    """Cut over-long texts and describe each row's text in a status string (see
    :func:`~classifier.scoring._records.text_status`, the rule for one text)."""
    if texts.empty:
        return [], np.zeros(0, dtype=object)
    cut, status = zip(*map(text_status, texts.tolist()), strict=True)
    return list(cut), np.asarray(status, dtype=object)


def _score_batch(scorer: Scorer, texts: list[str], explain: bool) -> dict:
    """Scores, and optionally reasons and fired indicators, of raw texts."""
    # Reposted ads repeat verbatim within a chunk: work on each distinct text once.
    codes, unique = pd.factorize(np.asarray(texts, dtype=object))
    repeats = len(unique) < len(texts)
    X = scorer.features(unique.tolist() if repeats else texts)
    result: dict = {"score": scorer.scores(X)}
    if explain:
        result["reasons"] = scorer.reasons(X)
        result["indicators"] = scorer.indicator_column(X)
    if repeats:
        result = {k: np.asarray(v, dtype=None if k == "score" else object)[codes]
                  for k, v in result.items()}
    return result


def _assemble(frame: pd.DataFrame, ids: np.ndarray, result: dict, status: np.ndarray,
              threshold: float, model_id: str, keep_cols: Sequence[str]) -> pd.DataFrame:
    scores = result["score"]
    out = pd.DataFrame({
        "id": ids,
        "score": scores,
        "flagged": scores >= threshold,
        "threshold": threshold,
        "reasons": result.get("reasons", ""),
        "indicators": result.get("indicators", ""),
        "model": model_id,
        "status": status,
    })
    for col in keep_cols:
        out[col] = frame[col].to_numpy()
    return out


def score_texts(model: Model, texts: Sequence[str], *, threshold: float | None = None,
                explain: bool = True) -> pd.DataFrame:
    """Score texts; returns ``score``, ``flagged``, ``reasons`` and ``indicators`` columns."""
    frame = pd.DataFrame({"text": ["" if t is None else str(t) for t in texts]}, dtype=object)
    out = score_frame(model, frame, threshold=threshold, explain=explain)
    return out[["score", "flagged", "reasons", "indicators"]]


def score_frame(
    model: Model,
    frame: pd.DataFrame,
    *,
    text_cols: Sequence[str] = ("text",),
    id_col: str | None = None,
    threshold: float | None = None,
    keep_cols: Sequence[str] = (),
    start: int = 0,
    explain: bool = True,
) -> pd.DataFrame:
    """Score every row of ``frame``: one output row per input row, in input order.

    ``frame`` is a pandas DataFrame, or a Polars or pyarrow table (converted to pandas).

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
        Row number of the first row (for chunked input).
    explain : bool
        Fill ``reasons`` (top signed contributions) and ``indicators`` (fired indicators).

    Returns
    -------
    DataFrame with the columns :data:`SCORE_COLUMNS` followed by ``keep_cols``.
    """
    frame = as_pandas(frame)
    check_columns(frame, [*text_cols, *([id_col] if id_col else []), *keep_cols])
    threshold = model.threshold if threshold is None else float(threshold)
    texts, status = _texts_and_status(join_text(frame, text_cols))
    ids = frame[id_col].to_numpy() if id_col else np.arange(start, start + len(frame))
    result = _score_batch(model.scorer, texts, explain)
    return _assemble(frame, ids, result, status, threshold, model.model_id, keep_cols)


# Worker processes keep their own scorer, set once by the pool's initializer.
_WORKER: Scorer | None = None


def _init_worker(scorer: Scorer, parent: int) -> None:
    global _WORKER
    _WORKER = scorer
    # Ctrl-C reaches the whole process group: the parent handles it and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this worker when the parent process ends, however it ends (even ``kill -9``).

    Without this a killed parent leaves its workers blocked on a full pipe for ever.
    Linux: the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); elsewhere a thread polls.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # 1: PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _work(texts: list[str], explain: bool) -> dict:
    return _score_batch(_WORKER, texts, explain)


def _pool(jobs: int, scorer: Scorer) -> ProcessPoolExecutor:
    # fork shares the loaded model with the workers at no cost; elsewhere spawn pickles it.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_init_worker, initargs=(scorer, os.getpid()))


def _stop(pool: ProcessPoolExecutor, failed: bool) -> None:
    """Shut the pool down; on failure or interruption end the workers at once."""
    if failed:
        # Waiting for the chunks in flight would delay Ctrl-C or SIGTERM by seconds.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def score_file(
    model: Model,
    source: str | Path,
    output: str | Path | None = None,
    options: ScoreOptions | None = None,
    *,
    on_problem: Callable[[int, str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    **settings,
) -> ScoreSummary:
    """Score a file (or ``"-"`` for standard input) chunk by chunk into ``output``.

    Parameters
    ----------
    source, output : path or "-"
        Input and output (``None`` or ``"-"``: standard output); formats from the
        extensions unless the options say otherwise.
    options : ScoreOptions, optional
        How to read, score and write; ``settings`` (its field names) override single fields,
        e.g. ``score_file(model, "ads.csv", "out.csv", id_col="ad_id", jobs=1)``.
    on_problem : callable, optional
        Called with (line number, reason) for every input line that is not a row.
    on_progress : callable, optional
        Called with (rows done, input bytes read) after every chunk.

    Returns
    -------
    ScoreSummary
        Rows read, written and flagged, problem lines, texts with a caveat, and timing.
    """
    options = replace(options or ScoreOptions(), **settings)
    check_not_input(output, [source])
    threshold = model.threshold if options.threshold is None else float(options.threshold)
    jobs = options.jobs if options.jobs and options.jobs > 0 else os.cpu_count() or 1
    summary = ScoreSummary(threshold=threshold, model=model.model_id,
                           output="-" if output in (None, "-") else str(output))
    scorer = model.scorer
    started = time.perf_counter()
    pending: deque[tuple[Future | dict, pd.DataFrame, np.ndarray, np.ndarray]] = deque()

    def write_oldest(writer: TableWriter) -> None:
        future, frame, ids, status = pending.popleft()
        result = future if isinstance(future, dict) else future.result()
        out = _assemble(frame, ids, result, status, threshold, model.model_id, options.keep_cols)
        summary.flagged += int(out["flagged"].sum())
        if options.flagged_only:
            out = out[out["flagged"]]
        writer.write(out)
        summary.rows_written += len(out)

    pool = None
    failed = True
    if jobs > 1:
        # Keep the objects the workers inherit out of the collector's reach: a collection
        # writes to every object it visits, which copies their pages into every worker.
        gc.freeze()
        pool = _pool(jobs, scorer)
    try:
        with TableWriter(output, options.output_format,
                         escape_formulas=options.escape_formulas) as writer:
            chunks = iter_chunks(source, fmt=options.input_format, chunksize=options.chunksize)
            for chunk in chunks:
                summary.problems += report_problems(chunk, options.on_error, on_problem)
                frame = chunk.frame
                if len(frame) == 0:
                    continue
                check_columns(frame, options.columns, source=str(source))
                texts, status = _texts_and_status(join_text(frame, options.text_cols))
                for name in STATUSES[1:]:
                    setattr(summary, name, getattr(summary, name) + int((status == name).sum()))
                start = summary.rows_read
                ids = (frame[options.id_col].to_numpy() if options.id_col
                       else np.arange(start, start + len(frame)))
                summary.rows_read += len(frame)
                work = pool.submit(_work, texts, options.explain) if pool else _score_batch(
                    scorer, texts, options.explain)
                pending.append((work, frame[list(options.keep_cols)], ids, status))
                # Bounded look-ahead keeps every worker busy and memory flat.
                while len(pending) > 2 * jobs:
                    write_oldest(writer)
                if on_progress is not None:
                    on_progress(summary.rows_read, chunk.bytes_read)
            while pending:
                write_oldest(writer)
            if writer.rows == 0:
                writer.write(pd.DataFrame({c: [] for c in (*SCORE_COLUMNS, *options.keep_cols)}))
        failed = False
    finally:
        if pool is not None:
            _stop(pool, failed)
            gc.unfreeze()
    summary.seconds = time.perf_counter() - started
    return summary
