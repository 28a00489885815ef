"""Reviewers' decisions (the page's CSV export) as training labels."""

from __future__ import annotations

import pandas as pd

import classifier
from classifier.io._labels import DECISION_LABELS, UNSURE

#: Decision values of the export; "unsure" gives no label (see classifier.io's labels).
DECISIONS = (*DECISION_LABELS, UNSURE)
#: Columns of the export, in this order.
EXPORT_COLUMNS = ("id", "text", "decision", "note", "decided_at", "score", "model")


def decisions_to_labels(frame: pd.DataFrame, *, label_col: str = "decision"
                        ) -> tuple[pd.DataFrame, int]:
    """Labeled rows of a decisions export: suspicious = 1, not suspicious = 0, unsure left out.

    Parameters
    ----------
    frame : DataFrame
        The review page's export (columns ``id, text, decision, note, decided_at, score,
        model``), e.g. read with ``pandas.read_csv(path, dtype=str, keep_default_na=False)``.
    label_col : str
        The decision column.

    Returns
    -------
    labeled : DataFrame
        The rows decided suspicious or not suspicious, with an integer ``label`` column.
    n_unsure : int
        Rows marked unsure, left out.

    Raises
    ------
    classifier.DataError
        If a column is missing or a decision is not one of the three the page writes.
    """
    missing = [c for c in ("text", label_col) if c not in frame.columns]
    if missing:
        raise classifier.DataError(f"decisions: missing column(s) {', '.join(missing)}")
    decision = frame[label_col].astype("string").str.strip().str.lower()
    unknown = sorted(set(decision.dropna()) - set(DECISIONS))
    if unknown or decision.isna().any():
        shown = ", ".join(repr(u) for u in unknown[:3]) or "an empty decision"
        raise classifier.DataError(
            f"decisions: {shown} is not one of {', '.join(DECISIONS)}")
    unsure = decision == UNSURE
    labeled = frame[~unsure].copy()
    labeled["label"] = decision[~unsure].map(DECISION_LABELS).astype(int).to_numpy()
    return labeled.reset_index(drop=True), int(unsure.sum())
