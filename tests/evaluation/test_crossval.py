"""Grouped cross-validation: fold metrics, groups kept together, JSON report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from classifier import evaluate, group_ads
from classifier.cli import cli
from classifier.evaluation import EvaluationOptions, evaluate_source
from classifier.features import DEFAULT_FEATURES
from classifier.io import DataSource
from classifier.model._pipeline import grouped_folds

METRIC_KEYS = ("roc_auc", "average_precision", "positive_rate", "precision", "recall", "f1")


@pytest.fixture(scope="module")
def report(ads):
    """Evaluation of the invented ads with 3 folds (read-only)."""
    return evaluate(ads["text"], ads["label"], folds=3)


def test_report_has_fold_metrics(report, ads):
    """Each fold reports every metric; together the folds test every ad once."""
    assert report["n_folds"] == 3
    assert len(report["folds"]) == 3
    for k, fold in enumerate(report["folds"]):
        assert fold["fold"] == k
        for key in METRIC_KEYS:
            assert 0.0 <= fold[key] <= 1.0, key
        assert fold["n"] + fold["n_train"] == len(ads)
    assert sum(fold["n"] for fold in report["folds"]) == len(ads)
    assert report["n"] == len(ads)
    assert 2 <= report["n_groups"] <= len(ads)


def test_report_summaries(report):
    """Mean and standard deviation across folds, and pooled held-out metrics."""
    for key in ("roc_auc", "average_precision", "precision", "recall", "f1"):
        values = [fold[key] for fold in report["folds"]]
        assert report["mean"][key] == pytest.approx(np.mean(values))
        assert report["std"][key] == pytest.approx(np.std(values, ddof=1))
    for key in METRIC_KEYS:
        assert 0.0 <= report["overall"][key] <= 1.0
    assert report["overall"]["threshold"] is None  # each fold has its own threshold
    assert report["overall"]["positive_rate"] == 0.5
    assert "group" in report["split"]


def test_report_is_json(report):
    """The report is plain JSON data."""
    assert json.loads(json.dumps(report)) == report


def test_evaluation_is_deterministic(ads, report):
    """The same seed gives the same report."""
    assert evaluate(ads["text"], ads["label"], folds=3) == report


def test_evaluation_learns_the_invented_signal(report):
    """On the invented ads, held-out ranking is far better than chance."""
    assert report["overall"]["roc_auc"] > 0.8


def test_evaluation_uses_the_given_groups(ads):
    """Explicit groups decide the folds: fold sizes follow grouped_folds."""
    y = ads["label"].to_numpy()
    groups = np.arange(len(ads)) // 6
    result = evaluate(ads["text"], y, folds=2, groups=groups)
    expected = [len(test) for _, test in grouped_folds(y, groups, 2, 0)]
    assert [fold["n"] for fold in result["folds"]] == expected
    assert result["n_groups"] == len(ads) // 6


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("folds", [2, 3, 5])
def test_grouped_folds_keep_groups_together(seed, folds):
    """No group appears in two test folds; every ad is tested exactly once."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 40, 200)
    y = (rng.random(200) < 0.35).astype(int)
    split = grouped_folds(y, groups, folds, seed)
    assert len(split) == folds
    tested = np.concatenate([test for _, test in split])
    assert sorted(tested) == list(range(200))
    seen: dict[int, int] = {}
    for k, (train, test) in enumerate(split):
        assert not set(groups[train]) & set(groups[test])
        for group in set(groups[test]):
            assert seen.setdefault(group, k) == k, f"group {group} in two test folds"
        assert 0 < y[test].sum() < len(test)  # stratified: both classes in every fold


def test_grouped_folds_are_reproducible():
    """The same seed gives the same folds."""
    rng = np.random.default_rng(0)
    groups, y = rng.integers(0, 30, 120), rng.integers(0, 2, 120)
    first = grouped_folds(y, groups, 4, 7)
    second = grouped_folds(y, groups, 4, 7)
    for (a_train, a_test), (b_train, b_test) in zip(first, second, strict=True):
        np.testing.assert_array_equal(a_test, b_test)
        np.testing.assert_array_equal(a_train, b_train)


def test_reposted_ads_stay_in_one_fold(ads):
    """An ad re-posted under another phone number is never tested against its twin."""
    texts = ads["text"].tolist()
    reposts = [text.replace("555-01", "555-02") for text in texts]
    all_texts = texts + reposts
    y = np.concatenate([ads["label"], ads["label"]])
    groups = group_ads(all_texts)
    for _, test in grouped_folds(y, groups, 3, 0):
        in_test = set(test.tolist())
        for i in range(len(texts)):
            assert (i in in_test) == (i + len(texts) in in_test)


def test_evaluate_writes_json(small_csv, tmp_path, ads):
    """--json saves the report with the data provenance."""
    path = tmp_path / "metrics.json"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), "--folds", "3",
                                      "--bootstrap", "50", "--json", str(path)])
    assert result.exit_code == 0, result.output
    saved = json.loads(path.read_text())
    report = evaluate_source(DataSource(data=small_csv), [DEFAULT_FEATURES],
                             EvaluationOptions(folds=3, bootstrap=50))
    for key in ("mean", "std"):
        assert saved[key] == pytest.approx(report[key]), key
    for key in ("n", "n_folds", "n_groups"):
        assert saved[key] == report[key], key
    for fold, expected in zip(saved["folds"], report["folds"], strict=True):
        assert fold == pytest.approx(expected)
    assert saved["data"]["source"] == str(small_csv)
    assert saved["data"]["n_rows"] == len(ads)
    assert len(saved["folds"]) == 3
    for key in METRIC_KEYS:
        assert key in saved["folds"][0]


def test_evaluate_grouping_options(small_csv, ads):
    """--dup-threshold and --no-contacts change the folds' groups, and the report says how."""
    source = DataSource(data=small_csv)
    default = evaluate_source(source, ["full"], EvaluationOptions(folds=3, bootstrap=0))
    loose = evaluate_source(source, ["full"], EvaluationOptions(
        folds=3, bootstrap=0, dup_threshold=0.95, link_contacts=False))
    expected = group_ads(ads["text"].tolist(), threshold=0.95, link_contacts=False)
    assert loose["n_groups"] == len(np.unique(expected))
    assert loose["n_groups"] >= default["n_groups"]
    assert loose["grouping"] == {"threshold": 0.95, "link_contacts": False}
    assert default["grouping"] == {"threshold": 0.4, "link_contacts": True}
