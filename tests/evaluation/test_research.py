"""Research-grade evaluation: group bootstrap, threshold table, ordinal labels, calibration,
random vs grouped splits, model comparisons and cross-dataset tests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

import classifier
from classifier.cli import cli
from classifier.evaluation import EvaluationOptions, evaluate_source
from classifier.evaluation._bootstrap import (
    bootstrap_metrics,
    group_bootstrap_weights,
    percentile_interval,
    weighted_metrics,
)
from classifier.evaluation._crossval import (
    assign_levels,
    compare,
    evaluate,
    fit_level_cuts,
    parse_config,
)
from classifier.evaluation._metrics import threshold_table
from classifier.features import _names as _features
from classifier.io import DataSource
from classifier.io._labels import prepare_labeled
from classifier.model import _estimators as _model
from classifier.model._estimators import GroupedCalibratedClassifierCV
from classifier.scoring._scorer import linear_part

T10K_LEVELS = (
    "0-Strongly likely Not Trafficking", "1-Likely Not Trafficking",
    "2-Weakly likely Not Trafficking", "3-Unsure", "4-Weakly likely Trafficking",
    "5-Likely Trafficking", "6-Strongly Likely Trafficking",
)


# --------------------------------------------------------------------------- bootstrap


def test_weighted_metrics_match_scikit_learn():
    """Every vectorised metric equals scikit-learn's with the same sample weights, ties too."""
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    scores = np.round(rng.random(n) * 0.6 + 0.3 * y, 2)  # rounded: many tied scores
    flagged = scores >= 0.5
    levels = rng.integers(0, 7, n).astype(float)
    predicted = np.clip(levels + rng.integers(-2, 3, n), 0, 6)
    W = rng.integers(0, 4, (4, n)).astype(float)
    got = weighted_metrics(W, y, scores, flagged, levels=levels, predicted_levels=predicted)
    for b, w in enumerate(W):
        expected = {
            "roc_auc": roc_auc_score(y, scores, sample_weight=w),
            "average_precision": average_precision_score(y, scores, sample_weight=w),
            "brier": brier_score_loss(y, scores, sample_weight=w),
            "log_loss": log_loss(y, scores, sample_weight=w),
            "precision": precision_score(y, flagged, sample_weight=w),
            "recall": recall_score(y, flagged, sample_weight=w),
            "f1": f1_score(y, flagged, sample_weight=w),
            "positive_rate": np.average(y, weights=w),
            "flagged_rate": np.average(flagged, weights=w),
            "false_positive_rate": np.average(flagged[y == 0], weights=w[y == 0]),
            "mae": mean_absolute_error(levels, predicted, sample_weight=w),
            "macro_mae": np.mean([
                mean_absolute_error(levels[levels == v], predicted[levels == v],
                                    sample_weight=w[levels == v])
                for v in np.unique(levels) if w[levels == v].sum() > 0
            ]),
        }
        for name, value in expected.items():
            assert got[name][b] == pytest.approx(value, abs=1e-12), name


def test_bootstrap_weights_move_whole_groups():
    """Rows of one group always get the same weight, and each replicate draws every group
    count once in total (as many draws as there are groups)."""
    groups = np.array([0, 0, 0, 0, 1, 2, 2, 3, 4, 5, 5, 5])
    blocks = list(group_bootstrap_weights(groups, 300, seed=1))
    W = np.vstack(blocks)
    assert W.shape == (300, len(groups))
    for g in np.unique(groups):
        rows = W[:, groups == g]
        assert (rows == rows[:, :1]).all(), f"group {g} split within a replicate"
    first_rows = [np.flatnonzero(groups == g)[0] for g in np.unique(groups)]
    assert (W[:, first_rows].sum(axis=1) == len(first_rows)).all()
    assert (W[:, groups == 0] == 0).any() and (W[:, groups == 0] >= 2).any()


def test_group_bootstrap_is_wider_than_row_bootstrap_on_duplicates():
    """Twenty ads each posted ten times are twenty observations, not two hundred: resampling
    groups gives a wider interval than resampling rows, about that of the twenty ads alone."""
    rng = np.random.default_rng(3)
    y20 = np.array([0, 1] * 10)
    s20 = np.clip(0.5 * y20 + rng.normal(0.25, 0.25, 20), 0, 1)
    y, scores = np.repeat(y20, 10), np.repeat(s20, 10)
    groups = np.repeat(np.arange(20), 10)

    def width(samples):
        low, high = percentile_interval(samples)
        return high - low

    by_group = bootstrap_metrics(y, scores, groups=groups, n_resamples=2000, seed=0)
    by_row = bootstrap_metrics(y, scores, n_resamples=2000, seed=0)
    alone = bootstrap_metrics(y20, s20, n_resamples=2000, seed=0)
    assert width(by_group["roc_auc"]) > 2 * width(by_row["roc_auc"])
    assert width(by_group["roc_auc"]) == pytest.approx(width(alone["roc_auc"]), rel=0.3)


def test_bootstrap_is_seeded_and_skips_undefined_replicates():
    """Same seed, same replicates; a replicate with one class gives NaN, ignored by the CI."""
    y = np.array([0, 1, 0, 1])
    scores = np.array([0.1, 0.9, 0.4, 0.6])
    a = bootstrap_metrics(y, scores, n_resamples=500, seed=5)
    b = bootstrap_metrics(y, scores, n_resamples=500, seed=5)
    c = bootstrap_metrics(y, scores, n_resamples=500, seed=6)
    np.testing.assert_array_equal(a["roc_auc"], b["roc_auc"])
    assert not np.array_equal(a["brier"], c["brier"])
    assert np.isnan(a["roc_auc"]).any()  # 4 rows: some resamples hold a single class
    low, high = percentile_interval(a["roc_auc"])
    assert 0.0 <= low <= high <= 1.0


# --------------------------------------------------------------------------- thresholds


def test_threshold_table_finds_lowest_threshold_per_precision():
    """Precision of the top k ads: 1, 1, 1, 1, .8, .83, .71, ...: the 0.8 target is first met
    lowest at k=6 (recall 1), the 0.9 and 0.95 targets at k=4 (recall .8)."""
    labels = np.array([1, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    scores = np.linspace(0.95, 0.05, 10)
    rows = {r["target_precision"]: r for r in threshold_table(labels, scores)}
    assert rows[0.8]["threshold"] == pytest.approx(scores[5])
    assert rows[0.8]["recall"] == 1.0
    assert rows[0.8]["precision"] == pytest.approx(5 / 6)
    assert rows[0.8]["false_positive_rate"] == pytest.approx(1 / 5)
    for target in (0.9, 0.95):
        assert rows[target]["threshold"] == pytest.approx(scores[3])
        assert rows[target]["recall"] == pytest.approx(0.8)
        assert rows[target]["n_flagged"] == 4


def test_threshold_table_reports_unreachable_targets():
    """When the top-scored ad is a negative, precision 1 is never reached (top-k precision:
    0, .5, .67, .5; the lowest threshold with precision >= .5 flags all four ads)."""
    rows = threshold_table(np.array([0, 1, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]), [0.5, 1.0])
    assert rows[0]["threshold"] == pytest.approx(0.1) and rows[0]["recall"] == 1.0
    assert rows[1]["threshold"] is None and rows[1]["recall"] is None


# --------------------------------------------------------------------------- evaluation


@pytest.fixture(scope="module")
def report(ads):
    """Grouped 3-fold evaluation of the invented ads (read-only)."""
    return evaluate(ads["text"], ads["label"], folds=3, bootstrap=300)


def test_report_has_metrics_with_intervals(report):
    """Every pooled metric comes with an interval around it."""
    for name in ("roc_auc", "average_precision", "positive_rate", "brier", "log_loss",
                 "precision", "recall", "f1", "false_positive_rate", "flagged_rate"):
        low, high = report["ci"][name]
        assert low - 1e-9 <= report["overall"][name] <= high + 1e-9, name
    assert report["bootstrap"]["n_resamples"] == 300
    assert [r["target_precision"] for r in report["threshold_table"]] == [0.8, 0.9, 0.95]


def test_report_pooled_metrics_match_scikit_learn(report):
    """The pooled metrics are scikit-learn's on the returned held-out predictions."""
    p = report["predictions"]
    y, score, flagged = np.array(p["label"]), np.array(p["score"]), np.array(p["flagged"])
    assert report["overall"]["roc_auc"] == pytest.approx(roc_auc_score(y, score))
    assert report["overall"]["brier"] == pytest.approx(brier_score_loss(y, score))
    assert report["overall"]["f1"] == pytest.approx(f1_score(y, flagged))
    thresholds = np.array(report["fold_thresholds"])[np.array(p["fold"])]
    np.testing.assert_array_equal(flagged, score >= thresholds)


def test_report_calibration_curve(report):
    """Reliability data: bins in order, counts adding up to every ad."""
    cal = report["calibration"]
    assert sum(cal["count"]) == report["n"]
    assert cal["mean_score"] == sorted(cal["mean_score"])
    assert all(0 <= f <= 1 for f in cal["fraction_positive"])
    assert 0 <= cal["expected_calibration_error"] <= 1


def _templates(n_templates: int = 40, copies: int = 3, seed: int = 0) -> pd.DataFrame:
    """Ads of random words with random labels, each template posted ``copies`` times under
    different phone numbers: nothing generalises, everything can be memorised."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}x" for i in range(400)]
    rows = []
    for t in range(n_templates):
        words = " ".join(rng.choice(vocabulary, 12))
        label = int(rng.random() < 0.5) if t >= 2 else t  # both classes, surely
        for c in range(copies):
            rows.append({"text": f"{words} call 555-01{(t * copies + c) % 100:02d}",
                         "label": label})
    return pd.DataFrame(rows)


def test_random_split_leaks_templates_and_grouped_split_does_not():
    """Random folds put copies of a template on both sides and reward memorising it; grouped
    folds keep copies together, so random labels give chance-level ranking."""
    ads = _templates()
    result = compare(ads["text"], ads["label"], ["words"], splits=["group", "random"], folds=3,
                     bootstrap=200)
    grouped, random = result["runs"]
    assert (grouped["split_method"], random["split_method"]) == ("group", "random")
    group_of = np.array(grouped["predictions"]["group"])
    for run, straddles in ((grouped, False), (random, True)):
        fold = np.array(run["predictions"]["fold"])
        split_groups = [g for g in np.unique(group_of) if len(set(fold[group_of == g])) > 1]
        assert bool(split_groups) == straddles
    assert random["overall"]["roc_auc"] > 0.9
    assert grouped["overall"]["roc_auc"] < 0.75
    (diff,) = result["differences"]
    assert diff["reference"] == "words (group split)"
    low, high = diff["metrics"]["roc_auc"]["ci"]
    assert low > 0.1  # the inflation is beyond bootstrap noise


def test_compare_runs_configs_on_the_same_folds(ads):
    """Configurations share folds and bootstrap resamples: paired differences."""
    result = compare(ads["text"], ads["label"], ["words", "full:sigmoid"], folds=3,
                     bootstrap=200)
    words, calibrated = result["runs"]
    assert words["predictions"]["fold"] == calibrated["predictions"]["fold"]
    assert (words["calibrate"], calibrated["calibrate"]) == (None, "sigmoid")
    (diff,) = result["differences"]
    d = diff["metrics"]["brier"]
    assert d["difference"] == pytest.approx(
        calibrated["overall"]["brier"] - words["overall"]["brier"])
    assert d["ci"][0] - 1e-9 <= d["difference"] <= d["ci"][1] + 1e-9


def test_configurations_are_read_from_feature_sets_at_run_time(monkeypatch):
    """A feature set added to FEATURE_SETS later is accepted without code changes here."""
    with pytest.raises(ValueError, match="unknown feature set"):
        parse_config("newset")
    monkeypatch.setattr(_features, "FEATURE_SETS", (*_features.FEATURE_SETS, "newset"))
    assert parse_config("newset:isotonic") == ("newset", "isotonic")
    with pytest.raises(ValueError, match="calibration"):
        parse_config("words:platt")


def test_cross_dataset_evaluation(ads, tmp_path):
    """--test trains on the whole first file and scores the second, with its own columns."""
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    ads.iloc[:30].to_csv(train_file, index=False)
    ads.iloc[30:].rename(columns={"body": "ad_body", "label": "suspicious"}).to_csv(
        test_file, index=False)
    report = evaluate_source(
        DataSource(data=train_file, text_cols=("body",)), ["full"],
        EvaluationOptions(folds=3, bootstrap=100),
        test=DataSource(data=test_file, text_cols=("ad_body",), label_col="suspicious"))
    assert report["protocol"] == "cross-dataset"
    assert report["n"] == 18 and report["n_train"] == 30
    assert len(report["folds"]) == 1 and report["folds"][0]["n_train"] == 30
    assert report["overall"]["threshold"] == report["folds"][0]["threshold"]
    assert report["test_data"]["source"] == str(test_file)
    assert report["overall"]["roc_auc"] > 0.7


# --------------------------------------------------------------------------- ordinal labels


def test_level_cuts_reproduce_the_level_distribution():
    """Cut points at score quantiles: the training scores map back to the training level
    shares, and higher scores never get lower levels."""
    rng = np.random.default_rng(0)
    levels = rng.choice([0, 1, 2, 4, 6], size=500, p=[0.4, 0.2, 0.2, 0.1, 0.1]).astype(float)
    scores = levels / 6 + rng.normal(0, 0.1, 500)
    values, cuts = fit_level_cuts(scores, levels)
    assert values.tolist() == [0, 1, 2, 4, 6]
    predicted = assign_levels(scores, values, cuts)
    for v in values:
        assert np.mean(predicted == v) == pytest.approx(np.mean(levels == v), abs=0.01)
    grid = np.linspace(-1, 2, 100)
    assert (np.diff(assign_levels(grid, values, cuts)) >= 0).all()


@pytest.fixture
def ordinal_csv(ads, tmp_path):
    """The invented ads with Trafficking-10k style labels: 4-6 for the suspicious ads,
    0-3 for the others, as strings like "5-Likely Trafficking"."""
    k = np.arange(len(ads)) // 2  # the classes alternate
    level = np.where(ads["label"] == 1, 4 + k % 3, k % 4)
    frame = ads.assign(label=[T10K_LEVELS[v] for v in level])
    path = tmp_path / "ordinal.csv"
    frame.to_csv(path, index=False)
    return path, level


def test_raw_levels_are_kept(ordinal_csv):
    """LabeledData keeps the numbers behind labels like "5-Likely Trafficking"."""
    path, level = ordinal_csv
    labeled = prepare_labeled(pd.read_csv(path), label_threshold=4)
    np.testing.assert_array_equal(labeled.levels, level)
    np.testing.assert_array_equal(labeled.y, level >= 4)


def test_ordinal_evaluation(ordinal_csv):
    """Binary metrics at the cut, plus MAE and macro MAE of the mapped levels."""
    path, level = ordinal_csv
    report = evaluate_source(DataSource(data=path, label_threshold=4), ["full"],
                             EvaluationOptions(folds=3, bootstrap=200))
    ordinal = report["ordinal"]
    assert ordinal["levels"] == list(range(7))
    p = report["predictions"]
    true, predicted = np.array(p["level"]), np.array(p["predicted_level"])
    np.testing.assert_array_equal(true, level)
    assert ordinal["mae"] == pytest.approx(np.mean(np.abs(true - predicted)))
    per_level = [np.mean(np.abs(true - predicted)[true == v]) for v in range(7)]
    assert ordinal["macro_mae"] == pytest.approx(np.mean(per_level))
    assert ordinal["ci"]["mae"][0] - 1e-9 <= ordinal["mae"] <= ordinal["ci"]["mae"][1] + 1e-9
    # The separable invented signal puts levels on the right side of the cut.
    assert ordinal["mae"] < ordinal["baseline"]["mae"]
    assert np.sum(ordinal["confusion"]) == len(level)
    assert report["overall"]["positive_rate"] == pytest.approx(np.mean(level >= 4))


# --------------------------------------------------------------------------- calibration


@pytest.fixture(scope="module")
def calibrated(ads):
    """A sigmoid-calibrated model of the invented ads (read-only)."""
    return classifier.train(ads["text"], ads["label"], folds=3, calibrate="sigmoid")


def test_calibrated_model_saves_and_loads(calibrated, ads, tmp_path):
    """A calibrated pipeline round-trips through skops with the project's trusted types."""
    classifier.save_model(calibrated, tmp_path / "model")
    loaded = classifier.load_model(tmp_path / "model")
    clf = loaded.pipeline.named_steps["clf"]
    assert isinstance(clf, GroupedCalibratedClassifierCV)
    assert clf.method == "sigmoid" and clf.ensemble is False and clf.cv == 5
    np.testing.assert_allclose(loaded.predict_proba(ads["text"]),
                               calibrated.predict_proba(ads["text"]))
    assert loaded.manifest["params"]["calibrate"] == "sigmoid"


def test_explanations_reach_the_calibrated_models_coefficients(calibrated, ads):
    """One linear model under a monotone sigmoid map: its coefficients rank ads exactly as the
    calibrated scores do."""
    pipeline = calibrated.pipeline
    coef, intercept = linear_part(pipeline)
    linear = pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator
    np.testing.assert_array_equal(coef, linear.coef_.ravel())
    steps = pipeline.named_steps
    X = steps["features"].transform(steps["normalize"].transform(ads["text"].tolist()))
    decision = X @ coef + intercept
    scores = calibrated.predict_proba(ads["text"])
    order = np.argsort(decision)
    assert (np.diff(scores[order]) >= -1e-12).all()


def test_calibration_folds_keep_groups_together(ads, monkeypatch):
    """train() hands its groups to the calibrator, whose folds never split a group."""
    seen = []
    folds = _model.stratified_group_folds

    def recording(y, groups, n_splits, seed):
        splits = folds(y, groups, n_splits, seed)
        seen.extend(set(groups[train]) & set(groups[test]) for train, test in splits)
        return splits

    monkeypatch.setattr(_model, "stratified_group_folds", recording)
    groups = np.arange(len(ads)) // 4  # blocks of four ads
    classifier.train(ads["text"], ads["label"], folds=3, groups=groups, calibrate="isotonic")
    # 3 outer folds and the final fit, each with 5 calibration folds.
    assert len(seen) == 4 * 5
    assert all(not shared for shared in seen)


def test_calibrate_option_on_the_command_line(small_csv, tmp_path):
    """``train --calibrate isotonic`` saves a calibrated model; bad methods are usage errors."""
    out = tmp_path / "model"
    result = CliRunner().invoke(cli, ["train", "--data", str(small_csv), "--folds", "3",
                                      "--calibrate", "isotonic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["calibrate"] == "isotonic"
    bad = CliRunner().invoke(cli, ["train", "--data", str(small_csv), "--calibrate", "platt",
                                   "--out", str(out)])
    assert bad.exit_code == 2


def test_evaluate_command_line_options(small_csv, tmp_path):
    """--compare, --split (twice), --bootstrap, --jobs and --json on the command line."""
    path = tmp_path / "m.json"
    result = CliRunner().invoke(cli, [
        "evaluate", "--data", str(small_csv), "--folds", "3", "--compare", "words",
        "--compare", "full", "--split", "group", "--split", "random", "--bootstrap", "50",
        "--jobs", "1", "--json", str(path)])
    assert result.exit_code == 0, result.output
    saved = json.loads(path.read_text())
    assert [r["name"] for r in saved["runs"]] == [
        "words (group split)", "full (group split)", "words (random split)",
        "full (random split)"]
    assert len(saved["differences"]) == 3
    assert all("predictions" not in r for r in saved["runs"])
    assert "words (random split) − words (group split)" in result.output


@pytest.mark.parametrize("args", [
    ["--compare", "words"],  # one configuration is no comparison
    ["--compare", "words", "--compare", "nope"],
    ["--split", "sideways"],
    ["--test", "{small}", "--split", "random"],
])
def test_evaluate_usage_errors(small_csv, args):
    """Bad evaluation options are usage errors (exit 2)."""
    args = [a.replace("{small}", str(small_csv)) for a in args]
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), *args])
    assert result.exit_code == 2, result.output
