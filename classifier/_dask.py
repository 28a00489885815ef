"""Scoring on a Dask cluster, partition by partition, with the same model and code.

Each partition is scored by :func:`classifier.score_frame`, so scores, reasons and flags are
identical to a local run. Dask is an optional dependency: ``pip install classifier[dask]``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from ._data import detect_format
from ._errors import DataError
from ._model import Model
from ._scoring import score_frame


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


def read_dask(source: str, *, fmt: str | None = None, blocksize: str = "64MB"):
    """Read a file, glob or URL (``s3://``, ``gs://``, ... via fsspec) as a Dask DataFrame."""
    _, dd = _import_dask()
    fmt = fmt or detect_format(source.rstrip("/*"))
    if fmt == "parquet":
        return dd.read_parquet(source)
    if fmt == "jsonl":
        return dd.read_json(source, lines=True, blocksize=blocksize, dtype=False)
    if fmt in ("csv", "tsv"):
        return dd.read_csv(source, sep="\t" if fmt == "tsv" else ",", dtype=str,
                           keep_default_na=False, na_values=[""], blocksize=blocksize)
    raise DataError(f"the dask engine cannot read {fmt!r} input")


def score_file_dask(
    model: Model,
    source: str,
    output: str,
    *,
    scheduler: str | None = None,
    jobs: int | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    flagged_only: bool = False,
    **kwargs,
) -> dict:
    """Score ``source`` on Dask into ``output`` (a Parquet directory, or one CSV/JSONL file).

    ``scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``); without
    it a local cluster of ``jobs`` single-threaded worker processes is started. The output
    is written under a temporary name beside ``output`` and renamed when complete.
    """
    dask, dd = _import_dask()
    from dask.distributed import Client, LocalCluster

    fmt = output_format or detect_format(output)
    threshold = model.threshold if kwargs.get("threshold") is None else kwargs["threshold"]
    if scheduler:
        cluster = nullcontext(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
    target = Path(output)
    tmp = Path(tempfile.mkdtemp(dir=target.parent or ".", prefix=f".{target.name}."))
    try:
        with cluster as address, Client(address):
            frame = read_dask(source, fmt=input_format)
            scored = score_dask(model, frame, **kwargs)
            if flagged_only:
                scored = scored[scored["flagged"]]
            written = tmp / "out"
            if fmt == "parquet":
                scored.to_parquet(str(written), write_index=False)
                flags = dd.read_parquet(str(written), columns=["flagged"])["flagged"]
            elif fmt in ("csv", "tsv"):
                sep = "\t" if fmt == "tsv" else ","
                scored.to_csv(str(written), single_file=True, index=False, sep=sep)
                flags = dd.read_csv(str(written), sep=sep, usecols=["flagged"])["flagged"]
            else:
                raise DataError(f"the dask engine writes parquet or csv, not {fmt!r}")
            # Counted from the input and the written file, so scoring runs only once.
            rows, flagged = dask.compute(frame.shape[0], flags.sum())
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(tmp / "out", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"rows_read": int(rows), "flagged": int(flagged), "problems": 0,
            "threshold": threshold, "model": model.model_id, "output": str(output)}
