"""Writing score tables chunk by chunk, atomically (CSV, JSONL, Parquet, stdout)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from classifier._errors import DataError
from classifier.io._files import temp_beside
from classifier.io._formats import OUTPUT_FORMATS, detect_format


class TableWriter:
    """Append DataFrame chunks to a table file; the file appears only when all went well.

    Rows go to a temporary file beside the target, renamed over it on a clean exit and
    deleted otherwise, so a crash or Ctrl-C never leaves a half-written output. ``path=None``
    or ``"-"`` writes to standard output (CSV unless ``fmt`` says otherwise).

    Use as a context manager::

        with TableWriter("scores.parquet") as out:
            for chunk in chunks:
                out.write(chunk)
    """

    def __init__(self, path: str | Path | None, fmt: str | None = None):
        self.to_stdout = path is None or str(path) == "-"
        self.path = None if self.to_stdout else Path(path)
        if fmt is None:
            fmt = "csv" if self.to_stdout else detect_format(self.path)
        if fmt not in OUTPUT_FORMATS:
            raise DataError(f"cannot write {fmt!r} output; use one of {', '.join(OUTPUT_FORMATS)}")
        self.fmt = fmt
        self.rows = 0
        self._header_written = False
        self._tmp: str | None = None
        self._fh = None
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def __enter__(self) -> TableWriter:
        binary = self.fmt == "parquet"
        if self.to_stdout:
            self._fh = sys.stdout.buffer if binary else sys.stdout
            return self
        if not self.path.parent.is_dir():
            raise DataError(f"{self.path.parent}: output directory does not exist")
        fd, self._tmp = temp_beside(self.path)
        try:
            self._fh = os.fdopen(fd, "wb") if binary else os.fdopen(
                fd, "w", newline="", encoding="utf-8")
        except BaseException:
            os.close(fd)
            os.unlink(self._tmp)
            raise
        return self

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``; every chunk must have the same columns."""
        if self.fmt == "parquet":
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self._fh, self._schema)
            self._parquet.write_table(table)
        elif self.fmt == "jsonl":
            if len(frame):
                text = frame.to_json(orient="records", lines=True, force_ascii=False,
                                     double_precision=15)  # pandas' default keeps 10 digits
                # pandas >= 3 ends the last line with a newline, older versions do not.
                self._fh.write(text if text.endswith("\n") else text + "\n")
        else:
            frame.to_csv(self._fh, sep="\t" if self.fmt == "tsv" else ",", index=False,
                         header=not self._header_written, lineterminator="\n")
            self._header_written = True
        self.rows += len(frame)
        if self.to_stdout:
            self._fh.flush()

    def __exit__(self, exc_type: type | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.to_stdout:
            if self._parquet is not None and exc_type is None:
                self._parquet.close()  # writes the footer
            self._fh.flush()
            return
        try:
            if self._parquet is not None:
                self._parquet.close()
            self._fh.close()
            if exc_type is None:
                os.replace(self._tmp, self.path)
        finally:
            if self._tmp and os.path.exists(self._tmp):
                os.unlink(self._tmp)
