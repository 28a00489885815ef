"""Evaluation: grouped or random cross-validation, cross-dataset tests and side-by-side
comparisons of model configurations, with bootstrap confidence intervals over groups of ads.

Protocol, in every case:

- **Folds.** ``split="group"`` (the default) keeps every group of near-duplicate ads and ads
  sharing a contact (:func:`classifier.group_ads`) in one fold; ``split="random"`` splits rows,
  so that copies of one template can sit on both sides, which is how leakage inflates metrics.
- **Models.** In every fold the model *and its threshold* are chosen on the training part only,
  exactly as :func:`classifier.train` does (the threshold from inner folds of the same kind),
  then measured on the held-out part.
- **Metrics** are computed on the pooled held-out scores (each ad flagged at its own fold's
  threshold), with 95% percentile intervals from a bootstrap that resamples *groups*
  (:mod:`classifier._bootstrap`); models compared on the same data share their resamples, so
  their differences get paired intervals.
- **Ordinal labels** (e.g. Trafficking-10k's 0-6): the model is trained on the binary cut
  (``label >= label_threshold``) and its score is mapped to a level by cut points learned on
  the training part of each fold: the quantiles of the training rows' out-of-fold scores that
  reproduce the training distribution of levels (:func:`fit_level_cuts`). The mapping only uses
  the ranking of scores, needs no second model, and predicts each level as often as it occurs
  in training. Reported: MAE and macro-averaged MAE (the mean of per-level MAEs, so that rare
  levels count), and the same for a baseline that always predicts the training median.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix

from . import _features
from ._bootstrap import bootstrap_metrics, percentile_interval, weighted_metrics
from ._features import DEFAULT_FEATURES
from ._grouping import duplicate_stats, group_ads
from ._metrics import binary_metrics, threshold_for_precision
from ._model import CALIBRATION_METHODS, grouped_folds, make_pipeline, train

#: Metrics summarised across folds.
FOLD_METRICS = ("roc_auc", "average_precision", "precision", "recall", "f1")
#: Ways of splitting the data into folds.
SPLITS = ("group", "random")
#: Precision targets of the threshold table.
PRECISION_TARGETS = (0.8, 0.9, 0.95)

_SPLIT_DESCRIPTIONS = {
    "group": "stratified group k-fold (near-duplicate text and shared contacts)",
    "random": "stratified k-fold over rows (random: near-duplicates may straddle folds)",
}
_ORDINAL_METHOD = (
    "binary model at the label threshold; score mapped to a level by cut points at the "
    "quantiles of the training part's out-of-fold scores that reproduce its level distribution"
)


def parse_config(name: str) -> tuple[str, str | None]:
    """Split a model configuration name ``FEATURES[:CALIBRATION]`` into its two parts.

    ``FEATURES`` is a name from :data:`classifier.FEATURE_SETS` (read when called, so feature
    sets added later are accepted), ``CALIBRATION`` one of ``sigmoid`` or ``isotonic``:
    ``"words"``, ``"full"``, ``"full:isotonic"``.

    Raises
    ------
    ValueError
        For an unknown feature set or calibration method.
    """
    features, _, calibrate = str(name).partition(":")
    if features not in _features.FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r} in {name!r}; choose from "
                         f"{', '.join(_features.FEATURE_SETS)}")
    if calibrate and calibrate not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration {calibrate!r} in {name!r}; choose from "
                         f"{', '.join(CALIBRATION_METHODS)}")
    return features, calibrate or None


def config_name(features: str, calibrate: str | None = None) -> str:
    """Inverse of :func:`parse_config`."""
    return features if calibrate is None else f"{features}:{calibrate}"


def fit_level_cuts(scores: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Learn cut points that map scores to ordinal levels.

    The cuts are the quantiles of ``scores`` at the cumulative shares of the levels, so that
    mapping these same scores reproduces the distribution of ``levels``; higher scores map to
    higher levels.

    Returns
    -------
    values : ndarray
        The distinct levels, ascending.
    cuts : ndarray
        ``len(values) - 1`` ascending cut points; see :func:`assign_levels`.
    """
    values, counts = np.unique(np.asarray(levels, dtype=np.float64), return_counts=True)
    shares = np.cumsum(counts)[:-1] / counts.sum()
    cuts = np.quantile(np.asarray(scores, dtype=np.float64), shares)
    return values, cuts


def assign_levels(scores: np.ndarray, values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Map scores to levels: ``values[k]`` for scores between ``cuts[k-1]`` and ``cuts[k]``."""
    return values[np.searchsorted(cuts, np.asarray(scores, dtype=np.float64), side="right")]


def threshold_table(
    y: np.ndarray, scores: np.ndarray, targets: Sequence[float] = PRECISION_TARGETS
) -> list[dict]:
    """For each target precision, the lowest threshold reaching it and what it flags.

    Computed on the given (pooled out-of-fold) scores, so the thresholds are chosen on the same
    scores they are measured on: an optimistic guide to operating points, not a held-out
    estimate. A target that no threshold reaches gives ``None`` values.
    """
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    rows = []
    for target in targets:
        found = threshold_for_precision(y, scores, target)
        row = {"target_precision": float(target), "threshold": None, "precision": None,
               "recall": None, "flagged_rate": None, "false_positive_rate": None,
               "n_flagged": None}
        if found is not None:
            threshold, recall = found
            flagged = scores >= threshold
            row.update(
                threshold=threshold,
                precision=float(y[flagged].mean()),
                recall=recall,
                flagged_rate=float(flagged.mean()),
                false_positive_rate=float(flagged[y == 0].mean()),
                n_flagged=int(flagged.sum()),
            )
        rows.append(row)
    return rows


def reliability(y: np.ndarray, scores: np.ndarray, n_bins: int = 10) -> dict:
    """Reliability-curve data: fraction of positives against mean score, in equal-width bins.

    Uses :func:`sklearn.calibration.calibration_curve` (empty bins are left out) and adds the
    number of ads in each bin and the expected calibration error (the count-weighted mean
    distance of the curve from the diagonal).
    """
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    fraction, mean_score = calibration_curve(y, scores, n_bins=n_bins, strategy="uniform")
    # The same binning as calibration_curve, to count the ads per non-empty bin.
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], scores), minlength=n_bins)
    counts = counts[counts > 0]
    ece = float(np.sum(counts / len(y) * np.abs(fraction - mean_score)))
    return {
        "strategy": "uniform",
        "n_bins": n_bins,
        "mean_score": mean_score.tolist(),
        "fraction_positive": fraction.tolist(),
        "count": counts.tolist(),
        "expected_calibration_error": ece,
    }


def _fit_fold(texts, normalized, y, groups, levels, train_idx, test_idx, *, features, calibrate,
              folds, seed, target_precision, n_jobs=None):
    """Train on ``train_idx`` as :func:`classifier.train` does, and score ``test_idx``."""
    model = train(
        [texts[i] for i in train_idx], y[train_idx], features=features, seed=seed, folds=folds,
        groups=groups[train_idx], target_precision=target_precision, n_jobs=n_jobs,
        normalized=[normalized[i] for i in train_idx], calibrate=calibrate,
    )
    scores = model.pipeline[1:].predict_proba([normalized[i] for i in test_idx])[:, 1]
    ordinal = None
    if levels is not None:
        train_levels = levels[train_idx]
        values, cuts = fit_level_cuts(model.cv_predictions["score"].to_numpy(), train_levels)
        ordinal = (assign_levels(scores, values, cuts),
                   float(np.quantile(train_levels, 0.5, method="lower")))
    return scores, model.threshold, ordinal


def _ordinal_levels(levels) -> np.ndarray | None:
    """``levels`` as floats when they have more than two distinct values, else ``None``."""
    if levels is None:
        return None
    levels = np.asarray(levels, dtype=np.float64)
    return levels if len(np.unique(levels)) > 2 else None


def compare(
    texts: Sequence[str],
    y: Sequence[int],
    configs: Sequence[str] = (DEFAULT_FEATURES,),
    *,
    splits: Sequence[str] = ("group",),
    folds: int = 5,
    seed: int = 0,
    groups: np.ndarray | None = None,
    target_precision: float | None = 0.9,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    levels: Sequence[float] | None = None,
    test_texts: Sequence[str] | None = None,
    test_y: Sequence[int] | None = None,
    test_levels: Sequence[float] | None = None,
    test_groups: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> dict:
    """Evaluate several model configurations and/or splits side by side on the same folds.

    Every (configuration, split) pair is one *run*. Runs with the same split use the same
    folds, and all runs share the same bootstrap resamples of the same groups, so their
    differences come with paired confidence intervals.

    Parameters
    ----------
    texts, y : sequences
        Ad texts and 0/1 labels.
    configs : sequence of str
        Model configurations, ``FEATURES[:CALIBRATION]`` (see :func:`parse_config`), e.g.
        ``("words", "full")``.
    splits : sequence of {"group", "random"}
        Fold schemes; ``("group", "random")`` measures how much leakage inflates metrics.
    folds, seed, target_precision
        Cross-validation folds (also used for the inner folds that choose each fold's
        threshold), random seed (folds, models and bootstrap), threshold rule.
    groups : array, optional
        Groups of near-duplicate ads; computed with :func:`classifier.group_ads` if omitted.
        The bootstrap resamples these groups whatever the split.
    bootstrap : int
        Bootstrap resamples for the confidence intervals; 0 for none.
    confidence : float
        Confidence level of the intervals.
    levels : sequence of float, optional
        Raw ordinal labels (e.g. 0-6); with more than two levels, ordinal metrics are added.
    test_texts, test_y, test_levels, test_groups : optional
        A second dataset: train each configuration on all of ``texts`` and test on it
        (cross-dataset evaluation) instead of cross-validating; ``splits`` must then be left
        at its default.
    n_jobs : int, optional
        Parallel model fits (joblib convention: ``-1`` for all cores).

    Returns
    -------
    dict
        ``runs``: one dict per run (see :func:`evaluate`); ``differences``: each later run
        minus the first, per metric, with paired intervals; and the shared set-up (``n``,
        ``n_groups``, ``duplicates``, ``bootstrap``, ``protocol``...).
    """
    texts = [str(t) for t in texts]
    y = np.asarray(y, dtype=np.int64)
    levels = _ordinal_levels(levels)
    configs = [config_name(*parse_config(c)) for c in configs]
    splits = list(splits)
    if not configs or not splits:
        raise ValueError("give at least one configuration and one split")
    for split in splits:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    if len(set(configs)) < len(configs) or len(set(splits)) < len(splits):
        raise ValueError("configurations and splits must not repeat")
    if groups is None:
        groups = group_ads(texts)
    groups = np.asarray(groups)
    transfer = test_texts is not None
    if transfer:
        if splits != ["group"]:
            raise ValueError("a cross-dataset test (test_texts) does not take splits")
        if test_y is None:
            raise ValueError("test_texts needs test_y")
    normalized = _normalized(texts, configs)

    if transfer:
        test_texts = [str(t) for t in test_texts]
        test_y = np.asarray(test_y, dtype=np.int64)
        if test_groups is None:
            test_groups = group_ads(test_texts)
        test_groups = np.asarray(test_groups)
        test_levels = _ordinal_levels(test_levels)
        raw = _transfer_runs(texts, normalized, y, groups, levels, test_texts, test_y,
                             test_levels, configs=configs, folds=folds, seed=seed,
                             target_precision=target_precision, n_jobs=n_jobs)
        eval_y, eval_groups, eval_levels = test_y, test_groups, test_levels
        if levels is None:
            eval_levels = None  # no training levels to learn the mapping from
    else:
        raw = _cv_runs(texts, normalized, y, groups, levels, configs=configs, splits=splits,
                       folds=folds, seed=seed, target_precision=target_precision, n_jobs=n_jobs)
        eval_y, eval_groups, eval_levels = y, groups, levels

    runs, replicates = [], []
    for run in raw:
        summary, samples = _summarise(run, eval_y, eval_groups, eval_levels, bootstrap=bootstrap,
                                      seed=seed, confidence=confidence)
        runs.append(summary)
        replicates.append(samples)
    for run in runs:
        run["name"] = _run_label(run, runs)
    stats = duplicate_stats(eval_groups)
    return {
        "protocol": "cross-dataset" if transfer else "cross-validation",
        "runs": runs,
        "differences": _differences(runs, replicates, confidence),
        "n": int(len(eval_y)),
        "n_groups": stats["n_groups"],
        "duplicates": stats,
        "n_train": int(len(y)),
        "n_folds": folds,
        "seed": seed,
        "target_precision": target_precision,
        "bootstrap": {
            "n_resamples": int(bootstrap),
            "unit": "group of near-duplicate ads / shared contacts",
            "confidence": confidence,
            "interval": "percentile",
            "seed": seed,
        },
    }


def evaluate(
    texts: Sequence[str],
    y: Sequence[int],
    *,
    features: str = DEFAULT_FEATURES,
    calibrate: str | None = None,
    split: str = "group",
    folds: int = 5,
    seed: int = 0,
    groups: np.ndarray | None = None,
    target_precision: float | None = 0.9,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    levels: Sequence[float] | None = None,
    test_texts: Sequence[str] | None = None,
    test_y: Sequence[int] | None = None,
    test_levels: Sequence[float] | None = None,
    test_groups: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> dict:
    """Cross-validate one model configuration (or test it on a second dataset).

    By default: K-fold cross-validation grouped by near-duplicate text and shared contacts.
    In every fold the model, and its threshold, are chosen on the training part only (the
    threshold from inner folds), then measured on the held-out part. See the module
    docstring for the protocol.

    Parameters
    ----------
    texts, y : sequences
        Ad texts and 0/1 labels.
    features : str
        A name from :data:`classifier.FEATURE_SETS`.
    calibrate : {"sigmoid", "isotonic"}, optional
        Calibrate the model (see :func:`classifier.make_pipeline`).
    split : {"group", "random"}
        Folds keeping groups of near-duplicate ads together, or folds over rows.
    folds, seed, groups, target_precision, bootstrap, confidence, levels, n_jobs
        As for :func:`compare`.
    test_texts, test_y, test_levels, test_groups : optional
        Train on all of ``texts`` and test on these instead (cross-dataset).

    Returns
    -------
    dict
        ``overall``: metrics of the pooled held-out scores (each ad flagged at its own fold's
        threshold): ROC-AUC, average precision and its baseline ``positive_rate``, Brier score,
        log loss, precision, recall, F1, false-positive and flagged rates; ``ci``: their
        bootstrap intervals ``[low, high]``; ``folds``: metrics per fold, with ``mean`` and
        ``std`` across folds; ``threshold_table``: thresholds reaching precision 0.8 / 0.9 /
        0.95 on the pooled scores and the recall there; ``calibration``: reliability-curve
        data; ``ordinal`` (with ordinal ``levels``): MAE and macro MAE; ``predictions``: the
        pooled scores as lists (``label``, ``score``, ``flagged``, ``fold``, ``group``); and
        the set-up (``n``, ``n_groups``, ``features``, ``calibrate``, ``split``, ``seed``...).
    """
    result = compare(
        texts, y, [config_name(features, calibrate)], splits=[split], folds=folds, seed=seed,
        groups=groups, target_precision=target_precision, bootstrap=bootstrap,
        confidence=confidence, levels=levels, test_texts=test_texts, test_y=test_y,
        test_levels=test_levels, test_groups=test_groups, n_jobs=n_jobs,
    )
    shared = {k: v for k, v in result.items() if k not in ("runs", "differences")}
    return {**result["runs"][0], **shared}


def evaluation_runs(result: dict) -> list[dict]:
    """The runs of a :func:`compare` result, or a one-run list for an :func:`evaluate` result."""
    return result.get("runs", [result])


def _normalized(texts: list[str], configs: list[str]) -> dict[str, list[str]]:
    # The normaliser is stateless: normalise once per distinct normaliser, not per fit.
    by_normalizer: dict[str, list[str]] = {}
    out = {}
    for config in configs:
        normalizer = make_pipeline(parse_config(config)[0]).named_steps["normalize"]
        key = repr(normalizer)
        if key not in by_normalizer:
            by_normalizer[key] = normalizer.transform(texts)
        out[config] = by_normalizer[key]
    return out


def _cv_runs(texts, normalized, y, groups, levels, *, configs, splits, folds, seed,
             target_precision, n_jobs):
    """Out-of-fold scores of every (configuration, split), all fits in one parallel batch."""
    plan = []
    for split in splits:
        # A random split is a grouped split where every ad is its own group; the inner folds
        # (threshold, calibration) are then random too, as in a naive evaluation.
        fold_groups = groups if split == "group" else np.arange(len(y))
        cv = grouped_folds(y, fold_groups, folds, seed)
        for config in configs:
            plan.append((config, split, fold_groups, cv))
    tasks = [
        delayed(_fit_fold)(
            texts, normalized[config], y, fold_groups, levels, train_idx, test_idx,
            features=parse_config(config)[0], calibrate=parse_config(config)[1], folds=folds,
            seed=seed, target_precision=target_precision,
        )
        for config, split, fold_groups, cv in plan
        for train_idx, test_idx in cv
    ]
    results = iter(Parallel(n_jobs=n_jobs)(tasks))
    runs = []
    for config, split, _, cv in plan:
        run = _empty_run(config, split, len(y), levels is not None)
        for k, (train_idx, test_idx) in enumerate(cv):
            scores, threshold, ordinal = next(results)
            _record_fold(run, k, train_idx, test_idx, scores, threshold, ordinal, y)
        runs.append(run)
    return runs


def _transfer_runs(texts, normalized, y, groups, levels, test_texts, test_y, test_levels, *,
                   configs, folds, seed, target_precision, n_jobs):
    """Train every configuration on all the training data and score the test data."""
    everything = np.arange(len(y))
    ordinal_levels = levels if (levels is not None and test_levels is not None) else None
    # One configuration: parallelise its inner folds; several: the configurations.
    inner_jobs = n_jobs if len(configs) == 1 else None
    tasks = [
        delayed(_fit_transfer)(texts, normalized[config], y, groups, ordinal_levels, test_texts,
                               features=parse_config(config)[0],
                               calibrate=parse_config(config)[1], folds=folds, seed=seed,
                               target_precision=target_precision, n_jobs=inner_jobs)
        for config in configs
    ]
    results = Parallel(n_jobs=None if len(configs) == 1 else n_jobs)(tasks)
    runs = []
    test_idx = np.arange(len(test_texts))
    for config, (scores, threshold, ordinal) in zip(configs, results, strict=True):
        run = _empty_run(config, "transfer", len(test_texts), ordinal is not None)
        run["split"] = "cross-dataset: trained on all the training data, tested on the test data"
        _record_fold(run, 0, everything, test_idx, scores, threshold, ordinal, test_y)
        run["transfer_threshold"] = threshold
        runs.append(run)
    return runs


def _fit_transfer(texts, normalized, y, groups, levels, test_texts, *, features, calibrate,
                  folds, seed, target_precision, n_jobs):
    model = train(texts, y, features=features, seed=seed, folds=folds, groups=groups,
                  target_precision=target_precision, n_jobs=n_jobs, normalized=normalized,
                  calibrate=calibrate)
    scores = model.predict_proba(test_texts)
    ordinal = None
    if levels is not None:
        values, cuts = fit_level_cuts(model.cv_predictions["score"].to_numpy(), levels)
        ordinal = (assign_levels(scores, values, cuts),
                   float(np.quantile(levels, 0.5, method="lower")))
    return scores, model.threshold, ordinal


def _empty_run(config: str, split: str, n: int, ordinal: bool) -> dict:
    features, calibrate = parse_config(config)
    return {
        "config": config, "features": features, "calibrate": calibrate, "split_method": split,
        "split": _SPLIT_DESCRIPTIONS.get(split, split),
        "score": np.zeros(n), "flagged": np.zeros(n, dtype=bool),
        "fold": np.zeros(n, dtype=np.int64), "folds": [],
        "predicted_level": np.zeros(n) if ordinal else None,
        "baseline_level": np.zeros(n) if ordinal else None,
    }


def _record_fold(run, k, train_idx, test_idx, scores, threshold, ordinal, y):
    run["score"][test_idx] = scores
    run["flagged"][test_idx] = scores >= threshold
    run["fold"][test_idx] = k
    if ordinal is not None:
        run["predicted_level"][test_idx] = ordinal[0]
        run["baseline_level"][test_idx] = ordinal[1]
    run["folds"].append({"fold": k, "n_train": int(len(train_idx)),
                         **binary_metrics(y[test_idx], scores, threshold)})


def _summarise(run, y, groups, levels, *, bootstrap, seed, confidence):
    """Point metrics, intervals and tables of one run; also its bootstrap replicates."""
    score, flagged = run.pop("score"), run.pop("flagged")
    fold = run.pop("fold")
    predicted, baseline = run.pop("predicted_level"), run.pop("baseline_level")
    ordinal = levels is not None and predicted is not None
    kwargs = {"levels": levels, "predicted_levels": predicted} if ordinal else {}
    point = {k: float(v[0]) for k, v in
             weighted_metrics(np.ones((1, len(y))), y, score, flagged, **kwargs).items()}
    samples = bootstrap_metrics(y, score, flagged, groups=groups, n_resamples=bootstrap,
                                seed=seed, **kwargs) if bootstrap > 0 else {}
    ci = {k: list(percentile_interval(v, confidence)) for k, v in samples.items()}
    overall = {"n": int(len(y)), **{k: v for k, v in point.items() if k not in ("mae",
                                                                                "macro_mae")}}
    thresholds = [f["threshold"] for f in run["folds"]]
    overall["threshold"] = thresholds[0] if len(thresholds) == 1 else None
    summary = {
        "name": run["config"],
        **run,
        "overall": overall,
        "ci": {k: v for k, v in ci.items() if k not in ("mae", "macro_mae")},
        "fold_thresholds": thresholds,
        "threshold_table": threshold_table(y, score),
        "calibration": reliability(y, score),
        "predictions": {"label": y.tolist(), "score": score.tolist(),
                        "flagged": flagged.tolist(), "fold": fold.tolist(),
                        "group": np.asarray(groups).tolist()},
    }
    if len(run["folds"]) > 1:
        table = {m: np.array([f[m] for f in run["folds"]]) for m in FOLD_METRICS}
        summary["mean"] = {m: float(v.mean()) for m, v in table.items()}
        summary["std"] = {m: float(v.std(ddof=1)) for m, v in table.items()}
    if ordinal:
        base = weighted_metrics(np.ones((1, len(y))), y, score, levels=levels,
                                predicted_levels=baseline)
        values = np.unique(levels)
        summary["ordinal"] = {
            "method": _ORDINAL_METHOD,
            "levels": values.tolist(),
            "mae": point["mae"],
            "macro_mae": point["macro_mae"],
            "ci": {k: ci[k] for k in ("mae", "macro_mae") if k in ci},
            "baseline": {"description": "always the training median level",
                         "mae": float(base["mae"][0]), "macro_mae": float(base["macro_mae"][0])},
            "confusion": confusion_matrix(levels, predicted, labels=values).tolist(),
        }
        summary["predictions"]["level"] = levels.tolist()
        summary["predictions"]["predicted_level"] = predicted.tolist()
    return summary, samples


def _differences(runs: list[dict], replicates: list[dict], confidence: float) -> list[dict]:
    """Each run after the first minus the first, per metric, with paired intervals."""
    out = []
    reference = runs[0]
    for run, samples in zip(runs[1:], replicates[1:], strict=True):
        metrics = {}
        for name, value in run["overall"].items():
            if name in ("n", "threshold") or value is None:
                continue
            diff = {"difference": value - reference["overall"][name]}
            if name in samples and name in replicates[0]:
                diff["ci"] = list(percentile_interval(samples[name] - replicates[0][name],
                                                      confidence))
            metrics[name] = diff
        out.append({"run": _run_label(run, runs), "reference": _run_label(reference, runs),
                    "metrics": metrics})
    return out


def _run_label(run: dict, runs: list[dict]) -> str:
    splits = {r["split_method"] for r in runs}
    return run["config"] if len(splits) == 1 else f"{run['config']} ({run['split_method']} split)"
