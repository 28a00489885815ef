"""Labels: binarising graded labels and preparing labeled data for training."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from classifier._errors import DataError
from classifier.io._tables import check_columns, join_text

_LEADING_INT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
#: Reviewers' decisions (the review page's export) that are labels, and the one that is not:
#: rows marked unsure are left out of training and counted.
DECISION_LABELS = {"suspicious": 1, "not suspicious": 0}
UNSURE = "unsure"
#: Words read as labels.
LABEL_WORDS = {**DECISION_LABELS, "true": 1, "yes": 1, "false": 0, "no": 0}


def binarize_labels(
    labels: pd.Series, threshold: float | None = None, *, both_classes: bool = True
) -> tuple[np.ndarray, dict[str, int]]:
    """Turn raw labels into 0/1.

    Parameters
    ----------
    labels : Series
        Non-missing labels: numbers, booleans, or strings that start with a number such as
        Trafficking-10k's ``"5-Likely Trafficking"``.
    threshold : float, optional
        Labels ``>= threshold`` are positive. Required when there are more than two levels.
    both_classes : bool
        Refuse labels of a single class (a source pooled with others may have one).

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
    if both_classes and len(np.unique(y)) < 2:
        raise DataError(f"labels give a single class at threshold {threshold:g}")
    mapping = {str(raw): int(cls) for raw, cls in zip(labels, y, strict=True)}
    return y, dict(sorted(mapping.items()))


def _label_values(labels: pd.Series) -> np.ndarray:
    if labels.dtype == bool:
        return labels.to_numpy(dtype=float)
    numeric = pd.to_numeric(labels, errors="coerce")
    bad = numeric.isna()
    if bad.any():
        # Strings like "5-Likely Trafficking", "true"/"false" or a reviewer's decision.
        text = labels[bad].astype(str).str.strip()
        parsed = text.str.extract(_LEADING_INT, expand=False).astype(float)
        words = text.str.lower().map(LABEL_WORDS)
        parsed = parsed.fillna(words)
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
    #: Rows whose label is a reviewer's "unsure": left out, like rows without a label.
    n_unsure: int = 0
    #: With several sources pooled: the index of each row's source (see ``load_sources``).
    source_index: np.ndarray | None = None


def prepare_labeled(
    frame: pd.DataFrame,
    *,
    text_cols: Sequence[str] = ("text",),
    label_col: str = "label",
    label_threshold: float | None = None,
    source: str = "input",
    both_classes: bool = True,
) -> LabeledData:
    """Select text and label columns, report rows without a label and binarise the rest."""
    check_columns(frame, [*text_cols, label_col], source=source)
    labels = frame[label_col]
    if not pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels):
        # Blank strings count as missing labels, like empty CSV cells.
        labels = labels.astype("string").str.strip().replace("", pd.NA)
    unsure = (labels.astype("string").str.lower() == UNSURE).fillna(False).to_numpy(dtype=bool)
    has_label = labels.notna().to_numpy() & ~unsure
    kept = frame[has_label]
    if kept.empty:
        raise DataError(f"{source}: no row has a label in column {label_col!r}")
    y, mapping = binarize_labels(labels[has_label], label_threshold,
                                 both_classes=both_classes)
    return LabeledData(
        texts=join_text(kept, text_cols).tolist(),
        y=y,
        label_mapping=mapping,
        n_rows=len(frame),
        n_missing_label=int((~has_label).sum() - unsure.sum()),
        n_unsure=int(unsure.sum()),
        source=source,
        levels=_label_values(labels[has_label]),
    )

