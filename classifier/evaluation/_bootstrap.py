"""Confidence intervals by a bootstrap that resamples groups of ads, not single ads.

Templated ads (one text posted many times under different phone numbers) are not independent
observations: resampling rows would count a template's copies as separate evidence and give
intervals that are too narrow. :func:`bootstrap_metrics` therefore draws whole groups (from
:func:`classifier.group_ads`) with replacement, the cluster bootstrap.

Every replicate is a vector of integer row weights (how often each row's group was drawn), and
all metrics are computed for a block of replicates at once with matrix operations: one sort of
the scores serves every replicate, so 1,000 replicates on a few thousand ads take well under a
second. The metrics are the weighted versions of scikit-learn's (a row of weight ``k`` counts
as ``k`` copies of the row), which the tests check against ``sklearn.metrics``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: Metrics of :func:`bootstrap_metrics` that need scores only, and those that need ``flagged``.
RANKING_METRICS = ("roc_auc", "average_precision", "positive_rate", "brier", "log_loss")
THRESHOLD_METRICS = ("precision", "recall", "f1", "false_positive_rate", "flagged_rate")
ORDINAL_METRICS = ("mae", "macro_mae")

# Largest number of (replicate x row) weights held in memory at once.
_MAX_BLOCK_ENTRIES = 4_000_000


def group_bootstrap_weights(
    groups: np.ndarray, n_resamples: int, seed: int = 0
) -> Iterator[np.ndarray]:
    """Row weights of a group (cluster) bootstrap, in blocks of replicates.

    Each replicate draws as many groups as there are, with replacement; a row's weight is the
    number of times its group was drawn, so the rows of a group always move together.

    Parameters
    ----------
    groups : array-like of shape (n_rows,)
        Group id of each row.
    n_resamples : int
        Number of bootstrap replicates.
    seed : int
        Seed of the generator: the same seed, groups and ``n_resamples`` give the same
        replicates, which lets several models be compared on identical resamples.

    Yields
    ------
    ndarray of shape (block, n_rows), float64
        Weights of the next ``block`` replicates (blocks bound the memory used).
    """
    _, index = np.unique(np.asarray(groups), return_inverse=True)
    index = index.ravel()
    n_groups = int(index.max()) + 1 if index.size else 0
    rng = np.random.default_rng(seed)
    block = max(1, _MAX_BLOCK_ENTRIES // max(len(index), n_groups, 1))
    done = 0
    while done < n_resamples:
        size = min(block, n_resamples - done)
        # Draw n_groups group ids per replicate and count them: a multinomial draw, but
        # one flat bincount is much faster than numpy's multinomial with many categories.
        draws = rng.integers(0, n_groups, size=(size, n_groups))
        draws += np.arange(size)[:, None] * n_groups
        counts = np.bincount(draws.ravel(), minlength=size * n_groups).reshape(size, n_groups)
        yield counts[:, index].astype(np.float64)
        done += size


def weighted_metrics(
    W: np.ndarray,
    y: np.ndarray,
    scores: np.ndarray,
    flagged: np.ndarray | None = None,
    *,
    levels: np.ndarray | None = None,
    predicted_levels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Metrics of every row of weights ``W`` at once.

    Parameters
    ----------
    W : ndarray of shape (n_replicates, n_rows)
        Non-negative row weights; a row of ones gives the ordinary (unweighted) metrics.
    y : ndarray of shape (n_rows,)
        0/1 labels.
    scores : ndarray of shape (n_rows,)
        Scores (probabilities, for ``brier`` and ``log_loss``) of the positive class.
    flagged : ndarray of bool, optional
        Whether each row was flagged (score at or above its operating threshold); gives the
        :data:`THRESHOLD_METRICS`.
    levels, predicted_levels : ndarray, optional
        True and predicted ordinal levels; give the :data:`ORDINAL_METRICS`.

    Returns
    -------
    dict of str to ndarray of shape (n_replicates,)
        NaN where a metric is undefined for a replicate (e.g. ROC-AUC with one class only).
    """
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    y = np.asarray(y, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    total = W.sum(axis=1)
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        # Ranking metrics: one sort for all replicates, cumulative weighted TP / FP counts,
        # kept only at the last row of every block of tied scores (as scikit-learn does).
        order = np.argsort(-scores, kind="mergesort")
        sorted_scores = scores[order]
        Ws = W[:, order]
        tp = np.cumsum(Ws * y[order], axis=1)
        fp = np.cumsum(Ws, axis=1) - tp
        del Ws
        ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(scores) - 1]
        tp, fp = tp[:, ends], fp[:, ends]
        pos, neg = tp[:, -1], fp[:, -1]
        zero = np.zeros((len(W), 1))
        tpr = np.hstack([zero, tp / pos[:, None]])
        fpr = np.hstack([zero, fp / neg[:, None]])
        out["roc_auc"] = np.sum(np.diff(fpr, axis=1) * (tpr[:, 1:] + tpr[:, :-1]) / 2, axis=1)
        # Average precision as scikit-learn defines it: sum over thresholds of the recall
        # gained times the precision there (no interpolation). Where no weight is flagged yet,
        # no recall is gained either, so the undefined precision never counts.
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        out["average_precision"] = np.sum(np.diff(tpr, axis=1) * precision, axis=1)
        undefined = (pos == 0) | (neg == 0)
        out["roc_auc"][undefined] = np.nan
        out["average_precision"][pos == 0] = np.nan
        out["positive_rate"] = pos / total
        out["brier"] = W @ (scores - y) ** 2 / total
        # scikit-learn's log_loss clips probabilities to [eps, 1 - eps] of the dtype.
        eps = np.finfo(np.float64).eps
        clipped = np.clip(scores, eps, 1 - eps)
        out["log_loss"] = W @ -(y * np.log(clipped) + (1 - y) * np.log1p(-clipped)) / total

        if flagged is not None:
            flagged = np.asarray(flagged, dtype=np.float64)
            tp_f = W @ (y * flagged)
            fp_f = W @ ((1 - y) * flagged)
            fn_f = pos - tp_f
            out["precision"] = np.where(tp_f + fp_f > 0, tp_f / (tp_f + fp_f), 0.0)
            out["recall"] = np.where(pos > 0, tp_f / pos, np.nan)
            denominator = 2 * tp_f + fp_f + fn_f
            out["f1"] = np.where(denominator > 0, 2 * tp_f / denominator, 0.0)
            out["false_positive_rate"] = np.where(neg > 0, fp_f / neg, np.nan)
            out["flagged_rate"] = (tp_f + fp_f) / total

        if levels is not None and predicted_levels is not None:
            levels = np.asarray(levels, dtype=np.float64)
            error = np.abs(np.asarray(predicted_levels, dtype=np.float64) - levels)
            out["mae"] = W @ error / total
            # Macro-averaged MAE (Baccianella et al., 2009): the mean over true levels of the
            # MAE within each level, so that rare levels count as much as common ones.
            values = np.unique(levels)
            onehot = (levels[None, :] == values[:, None]).astype(np.float64)
            per_level = (W @ (onehot * error).T) / (W @ onehot.T)
            out["macro_mae"] = np.nanmean(per_level, axis=1)
    return out


def bootstrap_metrics(
    y: np.ndarray,
    scores: np.ndarray,
    flagged: np.ndarray | None = None,
    *,
    groups: np.ndarray | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    levels: np.ndarray | None = None,
    predicted_levels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Bootstrap distribution of every metric of :func:`weighted_metrics`.

    Parameters
    ----------
    y, scores, flagged, levels, predicted_levels
        See :func:`weighted_metrics`.
    groups : array-like of shape (n_rows,), optional
        Group of each row (e.g. from :func:`classifier.group_ads`); whole groups are resampled.
        Without groups every row is its own group (the ordinary bootstrap).
    n_resamples : int
        Number of replicates.
    seed : int
        Seed; metrics of several models bootstrapped with the same ``groups``, ``n_resamples``
        and ``seed`` share their replicates, so their differences are paired.

    Returns
    -------
    dict of str to ndarray of shape (n_resamples,)
    """
    n = len(y)
    groups = np.arange(n) if groups is None else np.asarray(groups)
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries for {n} rows")
    blocks = [
        weighted_metrics(W, y, scores, flagged, levels=levels, predicted_levels=predicted_levels)
        for W in group_bootstrap_weights(groups, n_resamples, seed)
    ]
    if not blocks:
        return {}
    return {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}


def percentile_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval, ignoring replicates where the metric is undefined.

    Returns ``(nan, nan)`` when no replicate is defined.
    """
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[~np.isnan(samples)]
    if samples.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return float(low), float(high)
