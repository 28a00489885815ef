"""Reading whole tables (CSV, TSV, JSONL, Parquet) into pandas; text columns and checks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from classifier._errors import DataError
from classifier.io._formats import detect_format


def read_table(path: str | Path, *, sep: str | None = None) -> pd.DataFrame:
    """Read a whole table, choosing the reader by extension.

    Text columns are read as strings, so that ids such as ``007`` keep their zeros.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    fmt = detect_format(path)
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        if fmt == "jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        default_sep = "\t" if fmt == "tsv" else ","
        return pd.read_csv(path, sep=sep or default_sep, dtype=str, keep_default_na=False,
                           na_values=[""], encoding_errors="replace")
    except DataError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read as {fmt}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def as_pandas(frame) -> pd.DataFrame:
    """A pandas DataFrame of ``frame``: pandas as it is; Polars, pyarrow and other tables
    that convert themselves (``to_pandas()``, the dataframe interchange protocol)."""
    if isinstance(frame, pd.DataFrame):
        return frame
    if hasattr(frame, "to_pandas"):  # pyarrow.Table, polars.DataFrame
        return frame.to_pandas()
    if hasattr(frame, "__dataframe__"):
        return pd.api.interchange.from_dataframe(frame)
    raise DataError(f"cannot score a {type(frame).__name__}: give a pandas, Polars or pyarrow "
                    "table")


def check_columns(frame: pd.DataFrame, columns: Sequence[str], *, source: str = "input") -> None:
    """Raise :class:`DataError` naming the available columns if any of ``columns`` is missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns))
        raise DataError(f"{source}: missing column(s) {', '.join(missing)}; available: {available}")


def join_text(frame: pd.DataFrame, text_cols: Sequence[str]) -> pd.Series:
    """Join one or more text columns (for example title and body) into one string per row.

    Missing values become empty strings, so every row keeps a text.
    """
    check_columns(frame, text_cols)
    parts = [frame[c].astype("string").fillna("") for c in text_cols]
    text = parts[0]
    for part in parts[1:]:
        text = text.str.cat(part, sep="\n")
    return text.str.strip().astype(object)


