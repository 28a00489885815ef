"""Writing score tables chunk by chunk, atomically (CSV, JSONL, Parquet, stdout).

CSV and TSV cells that a spreadsheet would run as a formula are escaped by default."""

from __future__ import annotations

import csv
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from classifier._errors import DataError
from classifier.io._files import temp_beside
from classifier.io._formats import OUTPUT_FORMATS, detect_format

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.parquet as pq

# A cell starting with one of these runs as a formula when a spreadsheet opens the file
# (OWASP, "CSV injection"); tab and carriage return hide such a start from the eye.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless it is a plain number, such as -5 or +1.5e3, which no spreadsheet runs.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def escape_formula(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: a leading ``'`` if it starts a formula.

    Cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading
    apostrophe, which spreadsheets show as text; plain numbers (``-5``) are left as numbers.
    """
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`escape_formula` applied to its text cells and column names."""
    import numpy as np
    import pandas as pd

    out = frame.copy(deep=False)
    out.columns = [escape_formula(c) if isinstance(c, str) else c for c in frame.columns]
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
            continue  # numbers, booleans: nothing to escape
        risky = np.flatnonzero(values.str[:1].isin(_FORMULA_START).to_numpy())
        if risky.size:
            cells = values.to_numpy(dtype=object, copy=True)
            cells[risky] = [escape_formula(cell) for cell in cells[risky]]
            out.isetitem(i, pd.Series(cells, index=values.index, dtype=values.dtype))
    return out


class TableWriter:
    """Append DataFrame chunks to a table file; the file appears only when all went well.

    Rows go to a temporary file beside the target, renamed over it on a clean exit and
    deleted otherwise, so a crash or Ctrl-C never leaves a half-written output. ``path=None``
    or ``"-"`` writes to standard output (CSV unless ``fmt`` says otherwise).

    ``escape_formulas`` (CSV and TSV only) writes text cells that a spreadsheet would run
    as a formula with a leading ``'`` (see :func:`escape_formula`). An ``OSError`` (disk
    full, read-only, permission) becomes a :class:`DataError` naming the output.

    Use as a context manager::

        with TableWriter("scores.parquet") as out:
            for chunk in chunks:
                out.write(chunk)
    """

    def __init__(self, path: str | Path | None, fmt: str | None = None, *,
                 escape_formulas: bool = True):
        self.to_stdout = path is None or str(path) == "-"
        self.path = None if self.to_stdout else Path(path)
        if fmt is None:
            fmt = "csv" if self.to_stdout else detect_format(self.path)
        if fmt not in OUTPUT_FORMATS:
            raise DataError(f"cannot write {fmt!r} output; use one of {', '.join(OUTPUT_FORMATS)}")
        self.fmt = fmt
        self.escape_formulas = escape_formulas and fmt in ("csv", "tsv")
        self.rows = 0
        self._header_written = False
        self._tmp: str | None = None
        self._fh = None
        self._parquet: pq.ParquetWriter | None = None
        self._schema = None

    def __enter__(self) -> TableWriter:
        binary = self.fmt == "parquet"
        if self.to_stdout:
            self._fh = sys.stdout.buffer if binary else sys.stdout
            return self
        if not self.path.parent.is_dir():
            raise DataError(f"{self.path.parent}: output directory does not exist")
        try:
            fd, self._tmp = temp_beside(self.path)
        except OSError as exc:
            raise self._error(exc) from exc
        try:
            self._fh = os.fdopen(fd, "wb") if binary else os.fdopen(
                fd, "w", newline="", encoding="utf-8")
        except BaseException:
            os.close(fd)
            os.unlink(self._tmp)
            raise
        return self

    def _error(self, exc: OSError) -> DataError:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return DataError(f"{self.path}: cannot write: {reason}")

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``; every chunk must have the same columns."""
        try:
            self._write(frame)
        except OSError as exc:
            if self.to_stdout:
                raise  # a closed pipe, for the command line to handle
            raise self._error(exc) from exc

    def write_records(self, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """Append rows given as sequences of plain Python values (str, int, float, bool).

        For a few rows, such as ``classifier score --text``: CSV and TSV are written with the
        csv module, as pandas writes them, without importing pandas; other formats go
        through a DataFrame.
        """
        if self.fmt not in ("csv", "tsv"):
            import pandas as pd

            self.write(pd.DataFrame(list(rows), columns=list(columns)))
            return
        escape = escape_formula if self.escape_formulas else str
        try:
            out = csv.writer(self._fh, delimiter="\t" if self.fmt == "tsv" else ",",
                             lineterminator="\n")
            if not self._header_written:
                out.writerow([escape(c) for c in columns])
                self._header_written = True
            out.writerows([[escape(v) if isinstance(v, str) else v for v in row]
                           for row in rows])
            self.rows += len(rows)
            if self.to_stdout:
                self._fh.flush()
        except OSError as exc:
            if self.to_stdout:
                raise
            raise self._error(exc) from exc

    def _write(self, frame: pd.DataFrame) -> None:
        if self.escape_formulas:
            frame = escape_formulas(frame)
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

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
        except OSError as error:
            if exc_type is None:
                raise self._error(error) from error
            # Already failing: the first error is the one to report.
        finally:
            if self._tmp and os.path.exists(self._tmp):
                os.unlink(self._tmp)
