"""Scoring on a Dask cluster, partition by partition, with the same model and code.

Each partition is scored by :func:`classifier.score_frame`, so scores, reasons and flags are
identical to a local run. Dask is an optional dependency: ``pip install classifier[dask]``."""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from classifier._errors import DataError
from classifier.io._formats import detect_format
from classifier.io._tables import join_text
from classifier.io._writers import escape_formulas
from classifier.scoring._batch import _texts_and_status, score_frame
from classifier.scoring._types import STATUSES, ScoreOptions, ScoreSummary

if TYPE_CHECKING:
    from classifier.model import Model


def _import_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise DataError("the dask engine needs dask: pip install 'classifier[dask]'") from exc
    return dask, dd


def _meta(model: Model, ddf, **kwargs) -> pd.DataFrame:
    # Score dask's stand-in rows: the empty result has exactly the dtypes partitions will have.
    return score_frame(model, ddf._meta_nonempty, **kwargs).iloc[:0]


def _score_partition(part: pd.DataFrame, model: Model, offsets: np.ndarray | None,
                     partition_info: dict | None = None, **kwargs) -> pd.DataFrame:
    start = 0
    if offsets is not None and partition_info is not None:
        start = int(offsets[partition_info["number"]])
    out = score_frame(model, part, start=start, **kwargs)
    return out.set_axis(part.index)


def _input_counts(part: pd.DataFrame, text_cols: list[str]) -> pd.DataFrame:
    """Rows of one input partition, and how many get each caveat status."""
    _, status = _texts_and_status(join_text(part, text_cols))
    counts = {name: int((status == name).sum()) for name in STATUSES[1:]}
    return pd.DataFrame([{"rows": len(part), **counts}])


def score_dask(
    model: Model,
    ddf,
    *,
    text_cols: Sequence[str] = ("text",),
    id_col: str | None = None,
    threshold: float | None = None,
    keep_cols: Sequence[str] = (),
    explain: bool = True,
):
    """Score a Dask DataFrame lazily; returns a Dask DataFrame with :data:`SCORE_COLUMNS`.

    Without ``id_col`` the ids are global 0-based row numbers, which costs one pass to count
    the rows of every partition.
    """
    dask, _ = _import_dask()
    missing = [c for c in [*text_cols, *([id_col] if id_col else []), *keep_cols]
               if c not in ddf.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; available: "
                        f"{', '.join(map(str, ddf.columns))}")
    offsets = None
    if id_col is None:
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths))[:-1]])
    kwargs = {"text_cols": list(text_cols), "id_col": id_col, "threshold": threshold,
              "keep_cols": list(keep_cols), "explain": explain}
    return ddf.map_partitions(_score_partition, dask.delayed(model, pure=True), offsets,
                              meta=_meta(model, ddf, **kwargs), **kwargs)


def read_dask(source: str, *, fmt: str | None = None, blocksize: str | int = "64MB"):
    """Read a file, glob or URL (``s3://``, ``gs://``, ... via fsspec) as a Dask DataFrame.

    Invalid UTF-8 is decoded with U+FFFD replacement characters, as by the local engine.
    """
    _, dd = _import_dask()
    fmt = fmt or detect_format(source.rstrip("/*"))
    if fmt == "parquet":
        return dd.read_parquet(source)
    if fmt == "jsonl":
        return dd.read_json(source, lines=True, blocksize=blocksize, dtype=False,
                            errors="replace")
    if fmt in ("csv", "tsv"):
        return dd.read_csv(source, sep="\t" if fmt == "tsv" else ",", dtype=str,
                           keep_default_na=False, na_values=[""], blocksize=blocksize,
                           encoding_errors="replace")
    raise DataError(f"the dask engine cannot read {fmt!r} input")


def _parser_error(exc: BaseException) -> BaseException | None:
    """The error of pandas failing to parse the input (malformed CSV or JSON), if it is one."""
    # It is raised inside pandas' readers: on the client, while dask samples the input, or on
    # a worker, whose traceback distributed passes on; dask may wrap it in errors of its own.
    found = None
    error: BaseException | None = exc
    while error is not None:
        if isinstance(error, pd.errors.ParserError) or any(
            "pandas/io/" in frame.f_code.co_filename.replace("\\", "/")
            for frame, _ in traceback.walk_tb(error.__traceback__)
        ):
            found = error  # the innermost one says what is wrong
        error = error.__cause__
    return found


def score_file_dask(
    model: Model,
    source: str,
    output: str,
    options: ScoreOptions | None = None,
    *,
    blocksize: str | int = "64MB",
    **settings,
) -> ScoreSummary:
    """Score ``source`` on Dask into ``output`` (a Parquet directory, or one CSV/TSV file).

    ``options.scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``);
    without it a local cluster of ``options.jobs`` single-threaded worker processes is
    started. ``source`` and ``output`` may be local paths or fsspec URLs (``s3://...``). The
    output is written under a hidden temporary name beside ``output`` and moved into place
    when complete (an atomic rename on a local disk; a copy and delete on object stores).
    Malformed input stops the run with a :class:`DataError` and writes nothing.
    ``blocksize`` is the size of the partitions CSV and JSONL input is cut into.
    """
    options = replace(options or ScoreOptions(), **settings)
    dask, dd = _import_dask()
    import fsspec
    from dask.distributed import Client, LocalCluster
    from fsspec.implementations.local import LocalFileSystem

    fmt = options.output_format or detect_format(output)
    if fmt not in ("parquet", "csv", "tsv"):
        raise DataError(f"the dask engine writes parquet, csv or tsv, not {fmt!r}")
    input_format = options.input_format or detect_format(source.rstrip("/*"))
    threshold = model.threshold if options.threshold is None else options.threshold
    fs, target = fsspec.core.url_to_fs(output)
    parent = fs._parent(target)
    # Object stores have no directories to create first: only a local parent must exist.
    if isinstance(fs, LocalFileSystem) and not fs.isdir(parent):
        raise DataError(f"{parent}: output directory does not exist")
    started = time.perf_counter()
    tmp = f"{parent}/.{target.rsplit('/', 1)[-1]}.{uuid.uuid4().hex[:12]}"
    tmp_url = fs.unstrip_protocol(tmp)
    if options.scheduler:
        cluster = nullcontext(options.scheduler)
    else:
        jobs = options.jobs if options.jobs and options.jobs > 0 else os.cpu_count() or 1
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)  # a failed task: our one-line error
    try:
        with cluster as address, Client(address):
            frame = read_dask(source, fmt=input_format, blocksize=blocksize)
            scored = score_dask(model, frame, text_cols=options.text_cols, id_col=options.id_col,
                                threshold=options.threshold, keep_cols=options.keep_cols,
                                explain=options.explain)
            if options.flagged_only:
                scored = scored[scored["flagged"]]
            if fmt == "parquet":
                scored.to_parquet(tmp_url, write_index=False)
                written = dd.read_parquet(tmp_url, columns=["flagged"])
            else:
                sep = "\t" if fmt == "tsv" else ","
                if options.escape_formulas:
                    scored = scored.map_partitions(escape_formulas,
                                                   meta=escape_formulas(scored._meta))
                scored.to_csv(tmp_url, single_file=True, index=False, sep=sep)
                written = dd.read_csv(tmp_url, sep=sep, usecols=["flagged"])
            # Counted from the input and the written file: computing the counts together with
            # the output would score every partition again for CSV output.
            text_cols = list(options.text_cols)
            counts = frame.map_partitions(_input_counts, text_cols,
                                          meta=_input_counts(frame._meta, text_cols))
            counts, flagged, rows_written = dask.compute(
                counts.sum(), written["flagged"].sum(), written.shape[0])
        if fs.exists(target):
            fs.rm(target, recursive=True)
        fs.mv(tmp, target, recursive=True)
    except Exception as exc:
        error = _parser_error(exc)
        if error is None:
            raise
        message = (str(error).strip() or type(error).__name__).splitlines()[0].rstrip(".")
        if " line " in message:
            message += " (a line number counts from the start of its Dask partition)"
        raise DataError(f"{source}: cannot read as {input_format}: {message}. The dask engine "
                        "stops at malformed input; the local engine (--engine local) reports "
                        "and skips malformed lines") from exc
    finally:
        if fs.exists(tmp):
            fs.rm(tmp, recursive=True)
    return ScoreSummary(
        threshold=threshold, model=model.model_id, output=str(output),
        rows_read=int(counts["rows"]), rows_written=int(rows_written), flagged=int(flagged),
        **{name: int(counts[name]) for name in STATUSES[1:]},
        seconds=time.perf_counter() - started,
    )
