"""One evaluation, as ``classifier evaluate`` runs it: labeled sources in, a report dict out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from classifier._errors import DataError
from classifier.evaluation._benign import benign_report
from classifier.evaluation._crossval import (
    EvaluationOptions,
    LabeledSet,
    compare,
    evaluate,
    evaluation_runs,
)
from classifier.evaluation._metrics import subset_metrics
from classifier.io._benign import load_benign_sets
from classifier.io._datasets import DataSource, load_sources
from classifier.io._labels import LabeledData
from classifier.model._train import train


def evaluate_source(source: DataSource | Sequence[DataSource], configs: Sequence[str],
                    options: EvaluationOptions, *, test: DataSource | None = None,
                    benign: Sequence[str] = ()) -> dict:
    """Cross-validate ``configs`` (``FEATURES[:CALIBRATION]`` names) on labeled sources.

    With ``test``, train on all the data and test on that data instead. One configuration
    and one split give an :func:`evaluate` result, more a :func:`compare` one; either records
    its data's provenance (``data``, ``test_data``) and ``grouping``. Several sources are
    pooled; the report then adds, for the first run, metrics of each source's held-out scores
    (``by_source``) and a leave-one-source-out test of each source (``leave_one_source_out``:
    trained on the others). ``options.n_jobs=None`` fits on all cores from 1,000 ads, and in
    this process below that, where starting workers costs more than it saves. ``benign``
    (see :func:`classifier.io.load_benign_set`: built-in sets of ordinary ads, ``evaluation``,
    or files) adds, for each configuration, the share of those ads that a model trained on
    all the data flags at its threshold (``report["benign"]``).
    """
    sources = [source] if isinstance(source, DataSource) else list(source)
    labeled, provenance = load_sources(sources)
    if options.n_jobs is None:
        options = replace(options, n_jobs=-1 if len(labeled.y) >= 1000 else 1)
    tested, test_provenance = test.load() if test is not None else (None, None)
    # Ordinary ads are read before the fits, so that a bad name fails at once.
    benign_ads = load_benign_sets(benign) if benign else None
    try:
        test_set = None if tested is None else LabeledSet.of(
            tested.texts, tested.y, levels=tested.levels, options=options)
        report = _run(labeled, configs, options, test_set)
        if len(sources) > 1 and test is None:
            report["by_source"] = _by_source(report, sources, labeled.source_index)
            report["leave_one_source_out"] = _leave_one_source_out(
                labeled, sources, configs[0], options)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    if benign_ads is not None:
        report["benign"] = {config: benign_report(_fit_all(labeled, config, options), benign_ads)
                            for config in configs}
    report["data"] = provenance
    report["grouping"] = options.grouping
    if test_provenance is not None:
        report["test_data"] = test_provenance
    return report


def _fit_all(labeled: LabeledData, config: str, options: EvaluationOptions):
    """The model of ``config`` trained on all the data, as ``classifier train`` would."""
    features, _, calibrate = config.partition(":")
    return train(labeled.texts, labeled.y, features=features, calibrate=calibrate or None,
                 seed=options.seed, folds=options.folds, target_precision=options.target_precision,
                 n_jobs=options.n_jobs)


def _run(labeled: LabeledData, configs: Sequence[str], options: EvaluationOptions,
         test: LabeledSet | None) -> dict:
    if len(configs) == 1 and len(options.splits) == 1:
        features, _, calibrate = configs[0].partition(":")
        return evaluate(labeled.texts, labeled.y, features=features, calibrate=calibrate or None,
                        split=options.splits[0], options=options, levels=labeled.levels,
                        test=test)
    return compare(labeled.texts, labeled.y, configs, options, levels=labeled.levels,
                   test=test)


def _by_source(report: dict, sources: list[DataSource], index: np.ndarray) -> list[dict]:
    """Each source's share of the first run's pooled held-out scores, measured alone."""
    predictions = evaluation_runs(report)[0]["predictions"]
    y = np.asarray(predictions["label"])
    score = np.asarray(predictions["score"], dtype=float)
    flagged = np.asarray(predictions["flagged"], dtype=bool)
    return [{"source": source.name, **subset_metrics(y[index == i], score[index == i],
                                                     flagged[index == i])}
            for i, source in enumerate(sources)]


def _leave_one_source_out(labeled: LabeledData, sources: list[DataSource], config: str,
                          options: EvaluationOptions) -> list[dict]:
    """Train on every source but one and test on that one, for each source in turn."""
    features, _, calibrate = config.partition(":")
    out = []
    for i, source in enumerate(sources):
        held_out = labeled.source_index == i
        train_y, test_y = labeled.y[~held_out], labeled.y[held_out]
        entry = {"source": source.name, "n_train": int((~held_out).sum()),
                 "n": int(held_out.sum())}
        if len(np.unique(train_y)) < 2 or len(np.unique(test_y)) < 2:
            out.append({**entry, "skipped": "the training part or the held-out source has "
                                            "a single class"})
            continue
        texts = np.asarray(labeled.texts, dtype=object)
        test = LabeledSet.of(texts[held_out].tolist(), test_y, options=options)
        result = evaluate(texts[~held_out].tolist(), train_y, features=features,
                          calibrate=calibrate or None, options=replace(options, bootstrap=0),
                          test=test)
        out.append({**entry, **result["overall"]})
    return out
