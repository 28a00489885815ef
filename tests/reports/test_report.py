"""Evaluation reports: metrics.json, predictions.csv, PNG plots and report.md."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from matplotlib.image import imread

import classifier
from classifier.cli import cli
from classifier.evaluation import LabeledSet
from classifier.reports._report import (
    PLOTS,
    format_interval,
    markdown_table,
    metrics_frame,
    metrics_json,
    report_markdown,
    summary_lines,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result(ads):
    """A grouped evaluation of the invented ads (read-only)."""
    return classifier.evaluate(ads["text"], ads["label"], folds=3, bootstrap=200)


@pytest.fixture(scope="module")
def comparison(ads):
    """Two configurations side by side (read-only)."""
    return classifier.compare(ads["text"], ads["label"], ["words", "full:sigmoid"], folds=3,
                              bootstrap=200)


def test_write_report_writes_every_file(result, tmp_path):
    """metrics.json, predictions.csv, five readable PNGs and report.md embedding them."""
    written = classifier.write_report(result, tmp_path / "report", command="classifier x")
    names = {p.name for p in (tmp_path / "report").iterdir()}
    assert names == {"metrics.json", "predictions.csv", "report.md", *PLOTS}
    assert set(written) == names
    for plot in PLOTS:
        data = (tmp_path / "report" / plot).read_bytes()
        assert data.startswith(PNG_SIGNATURE), plot
        height, width = imread(tmp_path / "report" / plot).shape[:2]
        assert height > 200 and width > 200, plot
    report = (tmp_path / "report" / "report.md").read_text()
    for plot in PLOTS:
        assert f"]({plot})" in report
    assert "classifier x" in report


def test_report_markdown_shows_the_real_metrics(result):
    """The summary quotes the run's metrics with their intervals, and the threshold table."""
    text = report_markdown(result)
    roc = format_interval(result["overall"]["roc_auc"], result["ci"]["roc_auc"])
    assert roc in text and "[" in roc
    assert "| ROC-AUC |" in text
    row = result["threshold_table"][1]
    assert f"| {result['name']} | 0.90 | {row['threshold']:.3f} |" in text
    assert "not confirmed trafficking" in text
    assert "1,000" not in text and "200 bootstrap" in text


def test_metrics_json_is_strict_json_without_predictions(result, tmp_path):
    """Standard JSON (no NaN), the same metrics, per-ad predictions left out."""
    with_nan = {**result, "ci": {**result["ci"], "roc_auc": [float("nan"), 1.0]}}
    text = metrics_json(with_nan)
    saved = json.loads(text)
    assert "NaN" not in text and saved["ci"]["roc_auc"] == [None, 1.0]
    assert "predictions" not in saved
    assert saved["overall"] == pytest.approx(result["overall"])
    assert "predictions" in json.loads(metrics_json(result, predictions=True))


def test_predictions_csv_holds_no_text(result, tmp_path, ads):
    """Per-ad held-out scores for re-analysis; no text, so no contact data."""
    classifier.write_report(result, tmp_path)
    frame = pd.read_csv(tmp_path / "predictions.csv")
    assert list(frame.columns) == ["run", "row", "label", "score", "flagged", "fold", "group"]
    assert len(frame) == len(ads)
    np.testing.assert_allclose(frame["score"], result["predictions"]["score"])
    # No column holds text (a score such as 0.9555 may contain the digits by chance).
    others = frame.drop(columns="score").astype(str)
    assert not others.apply(lambda c: c.str.contains("555")).any().any()


def test_comparison_tables_and_plots(comparison):
    """One column per run and one per difference; one histogram panel per run."""
    frame = metrics_frame(comparison)
    assert list(frame.columns) == ["words", "full:sigmoid", "full:sigmoid − words"]
    assert frame.loc["ROC-AUC", "words"].startswith(
        f"{comparison['runs'][0]['overall']['roc_auc']:.3f} [")
    table = markdown_table(frame, "metric")
    assert table.splitlines()[0] == "| metric | words | full:sigmoid | full:sigmoid − words |"
    fig = classifier.plot_score_histograms(comparison)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    roc = classifier.plot_roc(comparison)
    labels = [t.get_text() for t in roc.axes[0].get_legend().get_texts()]
    assert any(label.startswith("words") for label in labels)
    assert any(label.startswith("full:sigmoid") for label in labels)
    lines = summary_lines(comparison)
    assert len(lines) == 3 and lines[2].startswith("full:sigmoid − words:")


def test_plots_draw_on_given_axes(result):
    """Every single-axes plot can draw into an existing figure (for notebooks)."""
    fig = Figure()
    axes = fig.subplots(2, 2).ravel()
    for ax, plot in zip(axes, [classifier.plot_precision_recall, classifier.plot_roc,
                               classifier.plot_reliability, classifier.plot_threshold_curves],
                        strict=True):
        assert plot(result, ax=ax) is fig
        assert ax.lines, plot.__name__


def test_ordinal_section(ads):
    """With ordinal levels, report.md gets the MAE table."""
    k = np.arange(len(ads)) // 2
    levels = np.where(ads["label"] == 1, 4 + k % 3, k % 4)
    result = classifier.evaluate(ads["text"], ads["label"], folds=3, bootstrap=100,
                                 levels=levels)
    text = report_markdown(result)
    assert "## Ordinal labels" in text
    assert f"| MAE | {result['ordinal']['mae']:.3f} [" in text


def test_evaluate_report_on_the_command_line(small_csv, tmp_path):
    """``evaluate --report DIR`` writes the report files and says so."""
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), "--folds", "3",
                                      "--bootstrap", "100", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote the report to {out}" in result.output
    assert {"metrics.json", "report.md", *PLOTS} <= {p.name for p in out.iterdir()}
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["data"]["source"] == str(small_csv)
    assert saved["bootstrap"]["n_resamples"] == 100


def test_cross_dataset_report(ads):
    """A cross-dataset result names both data sets' sizes and the single threshold."""
    test = LabeledSet.of(ads["text"][30:], ads["label"][30:])
    result = classifier.evaluate(ads["text"][:30], ads["label"][:30], folds=3, bootstrap=50,
                                 test=test)
    text = report_markdown(result)
    assert "cross-dataset" in text
    assert "trained on all 30 training ads" in text and "(18 ads)" in text
    assert "the trained model's threshold" in text
