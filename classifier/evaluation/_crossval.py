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
  (:mod:`classifier.evaluation._bootstrap`); models compared on the same data share their
  resamples, so their differences get paired intervals.
- **Ordinal labels** (e.g. Trafficking-10k's 0-6): the model is trained on the binary cut
  (``label >= label_threshold``) and its score is mapped to a level by cut points learned on
  the training part of each fold: the quantiles of the training rows' out-of-fold scores that
  reproduce the training distribution of levels (:func:`fit_level_cuts`). The mapping only uses
  the ranking of scores, needs no second model, and predicts each level as often as it occurs
  in training. Reported: MAE and macro-averaged MAE (the mean of per-level MAEs, so that rare
  levels count), and the same for a baseline that always predicts the training median."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import confusion_matrix

from classifier.evaluation._bootstrap import (
    bootstrap_metrics,
    percentile_interval,
    weighted_metrics,
)
from classifier.evaluation._metrics import (
    _ORDINAL_METHOD,
    _SPLIT_DESCRIPTIONS,
    FOLD_METRICS,
    SPLITS,
    binary_metrics,
    reliability,
    threshold_table,
)
from classifier.features import _names
from classifier.features._names import DEFAULT_FEATURES, NORMALIZE_STEP
from classifier.model._estimators import CALIBRATION_METHODS
from classifier.model._pipeline import grouped_folds, make_pipeline
from classifier.model._train import train
from classifier.text._grouping import DUP_THRESHOLD, duplicate_stats, group_ads


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
    if features not in _names.FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r} in {name!r}; choose from "
                         f"{', '.join(_names.FEATURE_SETS)}")
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


@dataclass(frozen=True)
class EvaluationOptions:
    """The protocol of an evaluation, shared by every run of it.

    Attributes
    ----------
    splits : fold schemes, ``"group"`` (near-duplicates and shared contacts kept together)
        and/or ``"random"`` (rows; leaky); both measure how much leakage inflates metrics.
    folds, seed, target_precision : cross-validation folds (also the inner folds that choose
        each fold's threshold), random seed (folds, models, bootstrap), threshold rule.
    bootstrap, confidence : bootstrap resamples of groups for the intervals (0: none), and
        their confidence level.
    n_jobs : parallel model fits (joblib convention: -1 for all cores).
    dup_threshold, link_contacts : how ads are grouped when no groups are given (see
        :func:`classifier.group_ads`): MinHash Jaccard threshold, and shared contacts.
    """

    splits: tuple[str, ...] = ("group",)
    folds: int = 5
    seed: int = 0
    target_precision: float | None = 0.9
    bootstrap: int = 1000
    confidence: float = 0.95
    n_jobs: int | None = None
    dup_threshold: float = DUP_THRESHOLD
    link_contacts: bool = True

    @property
    def grouping(self) -> dict:
        """The grouping settings, as recorded in reports."""
        return {"threshold": self.dup_threshold, "link_contacts": self.link_contacts}

    def __post_init__(self) -> None:
        splits = (self.splits,) if isinstance(self.splits, str) else tuple(self.splits)
        object.__setattr__(self, "splits", splits)
        if not splits:
            raise ValueError("give at least one configuration and one split")
        for split in splits:
            if split not in SPLITS:
                raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")


@dataclass
class LabeledSet:
    """Texts with 0/1 labels, their groups of near-duplicates and, optionally, ordinal levels."""

    texts: list[str]
    y: np.ndarray
    groups: np.ndarray
    levels: np.ndarray | None = None

    @classmethod
    def of(cls, texts: Sequence[str], y: Sequence[int], groups: np.ndarray | None = None,
           levels: Sequence[float] | None = None,
           options: EvaluationOptions | None = None) -> LabeledSet:
        """Validate and complete the parts (groups from :func:`classifier.group_ads`, with the
        grouping settings of ``options``)."""
        texts = [str(t) for t in texts]
        if groups is None:
            options = options or EvaluationOptions()
            groups = group_ads(texts, threshold=options.dup_threshold,
                               link_contacts=options.link_contacts)
        return cls(texts, np.asarray(y, dtype=np.int64), np.asarray(groups),
                   _ordinal_levels(levels))


def _fit_fold(data: LabeledSet, normalized: list[str], train_idx: np.ndarray,
              test_idx: np.ndarray, config: str, options: EvaluationOptions):
    """Train on ``train_idx`` as :func:`classifier.train` does, and score ``test_idx``."""
    features, calibrate = parse_config(config)
    model = train(
        [data.texts[i] for i in train_idx], data.y[train_idx], features=features,
        seed=options.seed, folds=options.folds, groups=data.groups[train_idx],
        target_precision=options.target_precision, n_jobs=options.n_jobs,
        normalized=[normalized[i] for i in train_idx], calibrate=calibrate,
    )
    scores = model.pipeline[1:].predict_proba([normalized[i] for i in test_idx])[:, 1]
    ordinal = None
    if data.levels is not None:
        train_levels = data.levels[train_idx]
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
    options: EvaluationOptions | None = None,
    *,
    groups: np.ndarray | None = None,
    levels: Sequence[float] | None = None,
    test: LabeledSet | None = None,
    **settings,
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
    options : EvaluationOptions, optional
        Splits, folds, seed, threshold rule, bootstrap and parallelism; ``settings`` (its
        field names) override single fields, e.g. ``compare(texts, y, configs, folds=3)``.
    groups : array, optional
        Groups of near-duplicate ads; computed with :func:`classifier.group_ads` if omitted.
        The bootstrap resamples these groups whatever the split.
    levels : sequence of float, optional
        Raw ordinal labels (e.g. 0-6); with more than two levels, ordinal metrics are added.
    test : LabeledSet, optional
        A second dataset: train each configuration on all of ``texts`` and test on it
        (cross-dataset evaluation) instead of cross-validating; ``splits`` must then be left
        at its default.

    Returns
    -------
    dict
        ``runs``: one dict per run (see :func:`evaluate`); ``differences``: each later run
        minus the first, per metric, with paired intervals; and the shared set-up (``n``,
        ``n_groups``, ``duplicates``, ``bootstrap``, ``protocol``...).
    """
    options = replace(options or EvaluationOptions(), **settings)
    configs = [config_name(*parse_config(c)) for c in configs]
    if not configs:
        raise ValueError("give at least one configuration and one split")
    if len(set(configs)) < len(configs) or len(set(options.splits)) < len(options.splits):
        raise ValueError("configurations and splits must not repeat")
    data = LabeledSet.of(texts, y, groups, levels, options)
    normalized = _normalized(data.texts, configs)
    if test is not None:
        if options.splits != ("group",):
            raise ValueError("a cross-dataset test does not take splits")
        raw = _transfer_runs(data, test, normalized, configs, options)
        # Ordinal metrics need levels on both sides: the training ones to learn the mapping.
        evaluated = test if data.levels is not None else replace(test, levels=None)
    else:
        raw = _cv_runs(data, normalized, configs, options)
        evaluated = data

    runs, replicates = [], []
    for run in raw:
        summary, samples = _summarise(run, evaluated, options)
        runs.append(summary)
        replicates.append(samples)
    for run in runs:
        run["name"] = _run_label(run, runs)
    stats = duplicate_stats(evaluated.groups)
    return {
        "protocol": "cross-dataset" if test is not None else "cross-validation",
        "runs": runs,
        "differences": _differences(runs, replicates, options.confidence),
        "n": int(len(evaluated.y)),
        "n_groups": stats["n_groups"],
        "duplicates": stats,
        "n_train": int(len(data.y)),
        "n_folds": options.folds,
        "seed": options.seed,
        "target_precision": options.target_precision,
        "bootstrap": {
            "n_resamples": int(options.bootstrap),
            "unit": "group of near-duplicate ads / shared contacts",
            "confidence": options.confidence,
            "interval": "percentile",
            "seed": options.seed,
        },
    }


def evaluate(
    texts: Sequence[str],
    y: Sequence[int],
    *,
    features: str = DEFAULT_FEATURES,
    calibrate: str | None = None,
    split: str = "group",
    options: EvaluationOptions | None = None,
    groups: np.ndarray | None = None,
    levels: Sequence[float] | None = None,
    test: LabeledSet | None = None,
    **settings,
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
    options, groups, levels, test, settings
        As for :func:`compare` (``split`` sets its ``splits``).

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
    options = replace(options or EvaluationOptions(), splits=(split,), **settings)
    result = compare(texts, y, [config_name(features, calibrate)], options, groups=groups,
                     levels=levels, test=test)
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
        normalizer = make_pipeline(parse_config(config)[0]).named_steps[NORMALIZE_STEP]
        key = repr(normalizer)
        if key not in by_normalizer:
            by_normalizer[key] = normalizer.transform(texts)
        out[config] = by_normalizer[key]
    return out


def _cv_runs(data: LabeledSet, normalized: dict, configs: list[str],
             options: EvaluationOptions) -> list[dict]:
    """Out-of-fold scores of every (configuration, split), all fits in one parallel batch."""
    y = data.y
    plan = []
    for split in options.splits:
        # A random split is a grouped split where every ad is its own group; the inner folds
        # (threshold, calibration) are then random too, as in a naive evaluation.
        fold_groups = data.groups if split == "group" else np.arange(len(y))
        cv = grouped_folds(y, fold_groups, options.folds, options.seed)
        for config in configs:
            plan.append((config, split, fold_groups, cv))
    tasks = [
        delayed(_fit_fold)(
            replace(data, groups=fold_groups), normalized[config], train_idx, test_idx,
            config, replace(options, n_jobs=None),
        )
        for config, split, fold_groups, cv in plan
        for train_idx, test_idx in cv
    ]
    results = iter(Parallel(n_jobs=options.n_jobs)(tasks))
    runs = []
    for config, split, _, cv in plan:
        run = _empty_run(config, split, len(y), data.levels is not None)
        for k, (train_idx, test_idx) in enumerate(cv):
            scores, threshold, ordinal = next(results)
            _record_fold(run, k, train_idx, test_idx, scores, threshold, ordinal, y)
        runs.append(run)
    return runs


def _transfer_runs(data: LabeledSet, test: LabeledSet, normalized: dict, configs: list[str],
                   options: EvaluationOptions) -> list[dict]:
    """Train every configuration on all the training data and score the test data."""
    if data.levels is None or test.levels is None:
        data = replace(data, levels=None)  # no ordinal metrics without levels on both sides
    # One configuration: parallelise its inner folds; several: the configurations.
    inner = replace(options, n_jobs=options.n_jobs if len(configs) == 1 else None)
    tasks = [delayed(_fit_transfer)(data, normalized[config], test.texts, config, inner)
             for config in configs]
    results = Parallel(n_jobs=None if len(configs) == 1 else options.n_jobs)(tasks)
    runs = []
    everything, test_idx = np.arange(len(data.y)), np.arange(len(test.texts))
    for config, (scores, threshold, ordinal) in zip(configs, results, strict=True):
        run = _empty_run(config, "transfer", len(test.texts), ordinal is not None)
        run["split"] = "cross-dataset: trained on all the training data, tested on the test data"
        _record_fold(run, 0, everything, test_idx, scores, threshold, ordinal, test.y)
        run["transfer_threshold"] = threshold
        runs.append(run)
    return runs


def _fit_transfer(data: LabeledSet, normalized: list[str], test_texts: list[str], config: str,
                  options: EvaluationOptions):
    features, calibrate = parse_config(config)
    model = train(data.texts, data.y, features=features, seed=options.seed, folds=options.folds,
                  groups=data.groups, target_precision=options.target_precision,
                  n_jobs=options.n_jobs, normalized=normalized, calibrate=calibrate)
    scores = model.predict_proba(test_texts)
    ordinal = None
    if data.levels is not None:
        values, cuts = fit_level_cuts(model.cv_predictions["score"].to_numpy(), data.levels)
        ordinal = (assign_levels(scores, values, cuts),
                   float(np.quantile(data.levels, 0.5, method="lower")))
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


def _summarise(run: dict, data: LabeledSet, options: EvaluationOptions) -> tuple[dict, dict]:
    """Point metrics, intervals and tables of one run; also its bootstrap replicates."""
    y, groups, levels = data.y, data.groups, data.levels
    score, flagged = run.pop("score"), run.pop("flagged")
    fold = run.pop("fold")
    predicted, baseline = run.pop("predicted_level"), run.pop("baseline_level")
    ordinal = levels is not None and predicted is not None
    kwargs = {"levels": levels, "predicted_levels": predicted} if ordinal else {}
    point = {k: float(v[0]) for k, v in
             weighted_metrics(np.ones((1, len(y))), y, score, flagged, **kwargs).items()}
    samples = bootstrap_metrics(y, score, flagged, groups=groups, n_resamples=options.bootstrap,
                                seed=options.seed, **kwargs) if options.bootstrap > 0 else {}
    ci = {k: list(percentile_interval(v, options.confidence)) for k, v in samples.items()}
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
