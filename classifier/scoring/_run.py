"""One scoring run, as ``classifier score`` does it: texts, a file or stdin, local or on Dask."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from classifier._errors import DataError
from classifier.io._chunks import input_size
from classifier.io._files import check_not_input
from classifier.scoring._batch import score_file
from classifier.scoring._types import ScoreOptions, ScoreSummary

if TYPE_CHECKING:
    from classifier.model import Model


def score_source(
    model: Model,
    source: str | Path,
    output: str | Path | None,
    options: ScoreOptions,
    *,
    on_problem: Callable[[int, str], None] | None = None,
    progress: bool = False,
) -> ScoreSummary:
    """Score a file or standard input (``"-"``) with the engine the options name.

    ``progress`` shows a progress bar on standard error (local engine, files only).
    """
    check_not_input(output, [source])
    if options.engine == "dask":
        if source in (None, "-") or output in (None, "-"):
            raise DataError("the dask engine reads files and writes a file: give INPUT and -o")
        from classifier.scoring._dask import score_file_dask

        return score_file_dask(model, str(source), str(output), options)
    with _progress_bar(source if progress else None) as on_progress:
        return score_file(model, source, output, options, on_problem=on_problem,
                          on_progress=on_progress)


@contextmanager
def _progress_bar(source: str | Path | None) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar over the input's bytes (for an ETA) that also shows rows and rows/s."""
    size = None if source is None else input_size(source)
    if not size:
        yield None
        return
    from tqdm import tqdm

    started = time.perf_counter()
    with tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, leave=False,
              desc="scoring") as bar:

        def update(rows: int, bytes_read: int) -> None:
            rate = rows / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{rows:,} rows, {rate:,.0f} rows/s", refresh=False)
            bar.update(max(0, min(bytes_read, size) - bar.n))

        yield update
