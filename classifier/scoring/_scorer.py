"""Per-ad explanations: which features pushed a linear model's score up or down.

For a linear model the log-odds of an ad are ``intercept + sum(coef[j] * x[j])``, so each
feature's contribution ``coef[j] * x[j]`` is exact, signed and adds up to the score's log-odds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from classifier.features._csr import Rows

if TYPE_CHECKING:
    from classifier.model import Model
    from classifier.model._linear import LinearModel

# Indicator-block columns that measure rather than fire.
_NOT_INDICATORS = ("ind:age_stated", "ind:age_min_scaled")
# One reason: a feature's label and its contribution, signed, two decimals.
_REASON = "{} {:+.2f}"
# Up to this many reasons per row, they are picked one at a time rather than by sorting.
_FEW = 16
# Magnitudes that sort after every |contribution|: a NaN, and an entry already picked.
_NAN, _PICKED = -1.0, -2.0


def _linear(source) -> LinearModel:
    """The :class:`LinearModel` of a model's data, or of a fitted scikit-learn pipeline."""
    from classifier.model._linear import LinearModel

    if isinstance(source, LinearModel):
        return source
    return LinearModel.from_pipeline(source)


def linear_part(pipeline) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of the pipeline's linear classifier (log-odds scale).

    For a calibrated classifier (``CalibratedClassifierCV``) these are the coefficients of its
    underlying linear model; the calibration is a monotone map on top of them, so the signs
    and ranking of contributions still hold.
    """
    linear = _linear(pipeline)
    return linear.coef, linear.intercept


def feature_labels(pipeline) -> tuple[np.ndarray, np.ndarray]:
    """Readable names of every feature column, and a mask of the indicator columns.

    Word n-grams keep their text; indicator columns are named ``ind:<indicator>``.
    """
    pairs = _linear(pipeline).feature_names
    labels = np.empty(len(pairs), dtype=object)
    labels[:] = [label for label, _ in pairs]
    return labels, np.fromiter((flag for _, flag in pairs), dtype=bool, count=len(pairs))


class Scorer:
    """Scores and explains feature rows of one fitted model.

    Parameters
    ----------
    model : LinearModel or Pipeline
        A model's data (``Model.linear``), or a fitted pipeline of the form normaliser ->
        ``features`` union -> linear classifier (converted to its data).
    top : int
        How many contributions to report per ad (largest absolute value first).

    Feature rows are :class:`~classifier.features._csr.Rows` (CSR arrays; SciPy CSR matrices
    are accepted too).
    """

    def __init__(self, model, top: int = 5):
        self.linear = _linear(model)
        self.top = top
        self.coef, self.intercept = self.linear.coef, self.linear.intercept
        self.labels, self.is_indicator = feature_labels(self.linear)
        # Columns shown in the ``indicators`` column, and their names there.
        self._shown = self.is_indicator & ~np.isin(self.labels, _NOT_INDICATORS)
        self._names = np.array([s.removeprefix("ind:") for s in self.labels], dtype=object)

    def features(self, texts: Sequence[str]) -> Rows:
        """Feature rows of raw texts."""
        return self.linear.features(list(texts))

    def scores(self, X) -> np.ndarray:
        """Positive-class probabilities of feature rows (the pipeline's ``predict_proba``)."""
        return self.linear.scores(_rows(X))

    def _ranked(self, X: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's ``top`` entries, largest absolute contribution first.

        Returns
        -------
        rows, columns : ndarray of int
            Row and column of every kept entry, row by row and, within a row, by decreasing
            absolute contribution; ties keep their order in the row (column order), as in a
            stable sort.
        values : ndarray of float
            Their contributions.
        """
        X = _rows(X)
        contrib = X.data * self.coef[X.indices]
        counts = np.diff(X.indptr)
        rows = np.repeat(np.arange(X.shape[0]), counts)
        if self.top <= _FEW:
            keep = _top_by_rounds(np.abs(contrib), X.indptr, counts, self.top)
        else:
            # Sort every row's entries by |contribution|, largest first, keep the first `top`.
            order = np.lexsort((-np.abs(contrib), rows))
            rank = np.arange(len(order)) - np.repeat(X.indptr[:-1], counts)
            keep = order[rank < self.top]
        return rows[keep], X.indices[keep], contrib[keep]

    def top_contributions(self, X: Rows) -> list[list[tuple[str, float]]]:
        """For each row, its ``top`` (label, contribution) pairs by absolute contribution."""
        rows, columns, values = self._ranked(X)
        labels = self.labels[columns]
        bounds = np.searchsorted(rows, np.arange(X.shape[0] + 1))
        return [
            list(zip(labels[a:b], values[a:b].tolist(), strict=True))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]

    def reasons(self, X: Rows) -> list[str]:
        """For each row, its top contributions as :func:`format_reasons` writes them.

        The same as ``[format_reasons(c) for c in self.top_contributions(X)]``, several times
        faster: every pair is formatted by one C-level ``map`` and only the joining is per row.
        """
        rows, columns, values = self._ranked(X)
        pairs = list(map(_REASON.format, self.labels[columns].tolist(), values.tolist()))
        bounds = np.searchsorted(rows, np.arange(X.shape[0] + 1)).tolist()
        return ["; ".join(pairs[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def indicator_column(self, X: Rows) -> list[str]:
        """For each row, its fired indicators joined with ``";"`` (the ``indicators`` column).

        The same as ``[";".join(i) for i in self.indicators(X)]``, without slicing columns
        out of ``X`` or building a list per row.
        """
        X = _rows(X, sort=True)  # column order, as indicators() gives
        fired = self._shown[X.indices]
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[fired]
        fired_names = self._names[X.indices[fired]].tolist()
        bounds = np.searchsorted(rows, np.arange(X.shape[0] + 1)).tolist()
        return [";".join(fired_names[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def indicators(self, X: Rows) -> list[list[str]]:
        """For each row, the indicators that fired (non-zero), in column order.

        ``age_stated`` and ``age_min_scaled`` are measurements, not indicators, and are left
        out; the age flags (``age_min_le_18``, ...) are kept.
        """
        X = _rows(X, sort=True)
        fired = self._shown[X.indices]
        ptr = np.concatenate([[0], np.cumsum(fired)])[X.indptr].tolist()
        names = self._names[X.indices[fired]].tolist()
        return [names[a:b] for a, b in zip(ptr[:-1], ptr[1:], strict=True)]

    def explain(self, texts: Sequence[str]) -> list[dict]:
        """Score, contributions and fired indicators of each text."""
        X = self.features(list(texts))
        scores = self.scores(X)
        return [
            {"score": float(s), "contributions": c, "indicators": i,
             "intercept": self.intercept}
            for s, c, i in zip(scores, self.top_contributions(X), self.indicators(X), strict=True)
        ]


def _rows(X, sort: bool = False) -> Rows:
    """Feature rows as :class:`Rows`: ``X`` itself, or the arrays of a SciPy sparse matrix."""
    if isinstance(X, Rows):
        return X
    X = X.tocsr()
    if sort and not X.has_sorted_indices:
        X = X.sorted_indices()
    return Rows(X.data, X.indices, X.indptr, X.shape, X.has_sorted_indices)


def format_reasons(contributions: list[tuple[str, float]]) -> str:
    """``"new girls +0.84; ind:third_person +1.20"``: one string for a table cell."""
    return "; ".join(_REASON.format(label, value) for label, value in contributions)


def _top_by_rounds(magnitude: np.ndarray, indptr: np.ndarray, counts: np.ndarray,
                   top: int) -> np.ndarray:
    """Positions of each CSR row's ``top`` largest ``magnitude`` entries, row by row.

    Picks every row's largest remaining entry (the first one on ties) ``top`` times, with
    vectorised per-row maxima: for a few picks, much faster than sorting every row. The order
    is that of a stable sort by decreasing magnitude.
    """
    magnitude = magnitude.copy()
    # A NaN goes after every number, as in a sort; a picked entry after everything.
    magnitude[np.isnan(magnitude)] = _NAN
    filled = np.flatnonzero(counts)
    if not len(filled):
        return np.zeros(0, dtype=np.int64)
    starts = indptr[filled]
    row_of = np.repeat(np.arange(len(filled)), counts[filled])  # among the filled rows
    picked: list[np.ndarray] = []
    for _ in range(min(top, int(counts.max()))):
        best = np.maximum.reduceat(magnitude, starts)
        hits = np.flatnonzero(magnitude == best[row_of])
        hit_rows = row_of[hits]
        first = np.ones(len(hits), dtype=bool)
        first[1:] = hit_rows[1:] != hit_rows[:-1]
        hits = hits[first]
        hits = hits[best[hit_rows[first]] != _PICKED]  # rows with nothing left
        magnitude[hits] = _PICKED
        picked.append(hits)
    if not picked:  # top <= 0
        return np.zeros(0, dtype=np.int64)
    # Row by row, in the order picked (within a row, later rounds came later).
    positions = np.concatenate(picked)
    rounds = np.repeat(np.arange(len(picked)), [len(p) for p in picked])
    return positions[np.lexsort((rounds, row_of[positions]))]


#: The former name of :class:`Scorer`.
Explainer = Scorer


def explain_text(model: Model, text: str, *, top: int = 10) -> dict:
    """One ad's score, flag, top signed contributions and fired indicators (``explain``)."""
    (result,) = Scorer(model.linear, top=top).explain([text])
    return {**result, "threshold": model.threshold, "flagged": result["score"] >= model.threshold,
            "model": model.model_id}
