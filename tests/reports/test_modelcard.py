"""Model cards: MODEL_CARD.md written by ``classifier train`` from the real run."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import classifier
from classifier.cli import cli
from classifier.reports._modelcard import MODEL_CARD_FILE, card_metrics
from classifier.reports._report import format_interval


@pytest.fixture(scope="module")
def trained(ads):
    """A model of the invented ads, straight from train() (with its out-of-fold scores)."""
    return classifier.train(ads["text"], ads["label"], folds=3,
                            data_info={"source": "invented.csv", "sha256": "ab" * 32,
                                       "label_mapping": {"0": 0, "1": 1}, "n_rows": 50,
                                       "n_missing_label": 2})


def test_train_command_writes_a_model_card(small_csv, tmp_path):
    """``classifier train`` leaves MODEL_CARD.md beside the model, with the real threshold,
    model id and metrics of the run."""
    out = tmp_path / "model"
    result = CliRunner().invoke(cli, ["train", "--data", str(small_csv), "--folds", "3",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out / MODEL_CARD_FILE}" in result.output
    card = (out / MODEL_CARD_FILE).read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"**{manifest['threshold']:.4f}**" in card
    assert manifest["model_id"] in card
    assert f"| ROC-AUC | {manifest['metrics']['roc_auc']:.3f} [" in card
    assert f"| Precision at threshold | {manifest['metrics']['precision']:.3f} [" in card
    assert str(small_csv) in card and manifest["training_data"]["sha256"] in card


def test_card_metrics_have_group_bootstrap_intervals(trained):
    """Point values equal the manifest's out-of-fold metrics, inside their intervals."""
    metrics = card_metrics(trained, bootstrap=300)
    for name in ("roc_auc", "average_precision", "precision", "recall", "f1"):
        value = metrics["overall"][name]
        assert value == pytest.approx(trained.manifest["metrics"][name]), name
        low, high = metrics["ci"][name]
        assert low - 1e-9 <= value <= high + 1e-9, name  # float sums differ in the last bit
    assert len(metrics["threshold_table"]) == 3


def test_card_sections(trained):
    """Details, intended and out-of-scope use, data and labels, metrics, limitations."""
    card = classifier.model_card(trained, bootstrap=200)
    for heading in ("## Model details", "## Intended use", "## Out-of-scope uses",
                    "## Training data", "## Metrics", "## Limitations and ethical considerations"):
        assert heading in card
    metrics = card_metrics(trained, bootstrap=200)
    assert format_interval(metrics["overall"]["f1"], metrics["ci"]["f1"]) in card
    assert "2 without a label left out" in card and "`invented.csv`" in card
    assert "not a confirmed trafficking case" in card
    assert "sex workers who are not trafficked" in card
    assert "False-positive rate at threshold" in card
    assert "(not separately calibrated)" in card


def test_card_of_a_loaded_model_falls_back_to_the_manifest(saved_model_dir):
    """A loaded model has no out-of-fold scores: the manifest's metrics, without intervals."""
    model = classifier.load_model(saved_model_dir)
    card = classifier.model_card(model)
    assert f"| ROC-AUC | {model.manifest['metrics']['roc_auc']:.3f} |" in card
    assert model.model_id in card


def test_card_of_a_calibrated_model(ads, tmp_path):
    """The card says how the scores were calibrated."""
    model = classifier.train(ads["text"], ads["label"], folds=3, calibrate="isotonic")
    path = classifier.write_model_card(model, tmp_path, bootstrap=50)
    assert path == tmp_path / MODEL_CARD_FILE
    assert "then isotonic calibration fitted on grouped out-of-fold scores" in path.read_text()
