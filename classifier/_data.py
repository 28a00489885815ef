"""Reading labeled and unlabeled ad tables (CSV, TSV, JSONL, Parquet) into pandas."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import DataError

#: File extensions understood by :func:`read_table`, mapped to a format name.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "lines",
}
_COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst", ".zip")
_LEADING_INT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def detect_format(path: str | Path) -> str:
    """Return the table format of ``path`` from its extension (compression suffix ignored).

    Raises
    ------
    DataError
        If the extension is not one of :data:`FORMATS`.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in _COMPRESSIONS:
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: unknown file type; use one of {known}")
    return FORMATS[suffixes[-1]]


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


def binarize_labels(
    labels: pd.Series, threshold: float | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Turn raw labels into 0/1.

    Parameters
    ----------
    labels : Series
        Non-missing labels: numbers, booleans, or strings that start with a number such as
        Trafficking-10k's ``"5-Likely Trafficking"``.
    threshold : float, optional
        Labels ``>= threshold`` are positive. Required when there are more than two levels.

    Returns
    -------
    y : ndarray of int
    mapping : dict
        Each distinct raw label (as a string) and the class it was given.
    """
    values = _label_values(labels)
    levels = np.unique(values)
    if threshold is None:
        if not set(levels) <= {0.0, 1.0}:
            shown = ", ".join(f"{v:g}" for v in levels[:10])
            raise DataError(
                f"labels have levels {shown}; pass --label-threshold to say which are positive"
            )
        threshold = 1.0
    y = (values >= threshold).astype(np.int64)
    if len(np.unique(y)) < 2:
        raise DataError(f"labels give a single class at threshold {threshold:g}")
    mapping = {str(raw): int(cls) for raw, cls in zip(labels, y, strict=True)}
    return y, dict(sorted(mapping.items()))


def _label_values(labels: pd.Series) -> np.ndarray:
    if labels.dtype == bool:
        return labels.to_numpy(dtype=float)
    numeric = pd.to_numeric(labels, errors="coerce")
    bad = numeric.isna()
    if bad.any():
        # Strings like "5-Likely Trafficking" or "true"/"false".
        text = labels[bad].astype(str).str.strip()
        lowered = text.str.lower()
        parsed = text.str.extract(_LEADING_INT, expand=False).astype(float)
        parsed[lowered.isin(["true", "yes"])] = 1.0
        parsed[lowered.isin(["false", "no"])] = 0.0
        if parsed.isna().any():
            example = text[parsed.isna()].iloc[0]
            raise DataError(f"cannot read label {example!r} as a number")
        numeric = numeric.astype(float)
        numeric[bad] = parsed
    return numeric.to_numpy(dtype=float)


@dataclass
class LabeledData:
    """Texts and binary labels ready for training, with an account of what was dropped."""

    texts: list[str]
    y: np.ndarray
    label_mapping: dict[str, int]
    n_rows: int
    n_missing_label: int
    source: str = ""
    #: The raw labels as numbers, before binarising (e.g. Trafficking-10k's 0-6 levels, from
    #: labels like ``"5-Likely Trafficking"``), for ordinal evaluation.
    levels: np.ndarray | None = None


def prepare_labeled(
    frame: pd.DataFrame,
    *,
    text_cols: Sequence[str] = ("text",),
    label_col: str = "label",
    label_threshold: float | None = None,
    source: str = "input",
) -> LabeledData:
    """Select text and label columns, report rows without a label and binarise the rest."""
    check_columns(frame, [*text_cols, label_col], source=source)
    labels = frame[label_col]
    if not pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels):
        # Blank strings count as missing labels, like empty CSV cells.
        labels = labels.astype("string").str.strip().replace("", pd.NA)
    has_label = labels.notna().to_numpy()
    kept = frame[has_label]
    if kept.empty:
        raise DataError(f"{source}: no row has a label in column {label_col!r}")
    y, mapping = binarize_labels(labels[has_label], label_threshold)
    return LabeledData(
        texts=join_text(kept, text_cols).tolist(),
        y=y,
        label_mapping=mapping,
        n_rows=len(frame),
        n_missing_label=int((~has_label).sum()),
        source=source,
        levels=_label_values(labels[has_label]),
    )

