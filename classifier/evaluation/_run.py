"""One evaluation, as ``classifier evaluate`` runs it: labeled sources in, a report dict out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from classifier._errors import DataError
from classifier.evaluation._crossval import EvaluationOptions, LabeledSet, compare, evaluate
from classifier.io._datasets import DataSource


def evaluate_source(source: DataSource, configs: Sequence[str],
                    options: EvaluationOptions, *, test: DataSource | None = None) -> dict:
    """Cross-validate ``configs`` (``FEATURES[:CALIBRATION]`` names) on ``source``.

    With ``test``, train on all of ``source`` and test on that data instead. One
    configuration and one split give an :func:`evaluate` result, more a :func:`compare`
    one; either records its data's provenance (``data``, ``test_data``) and ``grouping``.
    ``options.n_jobs=None`` fits on all cores from 1,000 ads, and in this process below that,
    where starting workers costs more than it saves.
    """
    labeled, provenance = source.load()
    if options.n_jobs is None:
        options = replace(options, n_jobs=-1 if len(labeled.y) >= 1000 else 1)
    tested, test_provenance = test.load() if test is not None else (None, None)
    try:
        test_set = None if tested is None else LabeledSet.of(
            tested.texts, tested.y, levels=tested.levels, options=options)
        if len(configs) == 1 and len(options.splits) == 1:
            features, _, calibrate = configs[0].partition(":")
            report = evaluate(labeled.texts, labeled.y, features=features,
                              calibrate=calibrate or None, split=options.splits[0],
                              options=options, levels=labeled.levels, test=test_set)
        else:
            report = compare(labeled.texts, labeled.y, configs, options,
                             levels=labeled.levels, test=test_set)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    report["data"] = provenance
    report["grouping"] = options.grouping
    if test_provenance is not None:
        report["test_data"] = test_provenance
    return report
