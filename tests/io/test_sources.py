"""Several labeled sources: built-in datasets and files pooled, reviewers' decisions as labels."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from classifier import DataError
from classifier.cli import cli
from classifier.evaluation import EvaluationOptions, evaluate_source
from classifier.io import DataSource, load_sources, parse_data_option, prepare_labeled


@pytest.fixture
def two_files(ads, tmp_path):
    """The invented ads split in two files: plain 0/1 labels, and a review page's export."""
    plain = tmp_path / "plain.csv"
    ads.iloc[20:][["text", "label"]].to_csv(plain, index=False)
    decisions = tmp_path / "decisions.csv"
    export = ads.iloc[:20][["ad_id", "text", "label"]].rename(columns={"ad_id": "id"})
    export["decision"] = export["label"].map({1: "suspicious", 0: "not suspicious"})
    export.loc[export.index[:4], "decision"] = "unsure"
    export.drop(columns="label").to_csv(decisions, index=False)
    return plain, decisions


def test_decisions_are_labels_and_unsure_is_left_out_and_counted():
    frame = pd.DataFrame({"text": ["a", "b", "c", "d"],
                          "decision": ["suspicious", "Not suspicious", "unsure", ""]})
    labeled = prepare_labeled(frame, label_col="decision")
    assert labeled.y.tolist() == [1, 0]
    assert labeled.n_unsure == 1 and labeled.n_missing_label == 1


def test_data_option_takes_its_own_columns():
    source = parse_data_option("t10k.csv?text=title+body&label=grade&threshold=4",
                               label_col="label")
    assert source == DataSource(data="t10k.csv", text_cols=("title", "body"), label_col="grade",
                                label_threshold=4.0)
    assert parse_data_option("a.csv", label_col="decision").label_col == "decision"
    with pytest.raises(DataError, match="unknown: colour"):
        parse_data_option("a.csv?colour=red")


def test_sources_are_pooled_in_order_with_their_own_counts(two_files, ads):
    plain, decisions = two_files
    labeled, provenance = load_sources([DataSource(data=plain),
                                        DataSource(data=decisions, label_col="decision")])
    assert len(labeled.y) == len(ads) - 4
    assert labeled.source_index.tolist() == [0] * (len(ads) - 20) + [1] * 16
    assert labeled.n_unsure == 4
    parts = provenance["sources"]
    assert [p["source"] for p in parts] == [str(plain), str(decisions)]
    assert [p["n_used"] for p in parts] == [len(ads) - 20, 16]
    with pytest.raises(DataError, match="given twice"):
        load_sources([DataSource(data=plain), DataSource(data=plain)])


def test_train_on_sources_names_each_in_the_model_card(two_files, tmp_path):
    plain, decisions = two_files
    out = tmp_path / "model"
    result = CliRunner().invoke(cli, [
        "train", "--data", str(plain), "--data", f"{decisions}?label=decision", "--folds", "3",
        "--bootstrap", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 marked unsure left out" in result.output
    card = (out / "MODEL_CARD.md").read_text()
    assert f"`{plain}`" in card and f"`{decisions}`" in card
    assert "16 used" in card and "4 marked unsure left out" in card


def test_evaluate_reports_each_source_and_leaves_each_out(two_files):
    plain, decisions = two_files
    report = evaluate_source(
        [DataSource(data=plain), DataSource(data=decisions, label_col="decision")], ["full"],
        EvaluationOptions(folds=3, bootstrap=0))
    by_source = {row["source"]: row for row in report["by_source"]}
    assert by_source[str(decisions)]["n"] == 16
    assert sum(row["n"] for row in report["by_source"]) == report["n"]
    held_out = {row["source"]: row for row in report["leave_one_source_out"]}
    assert held_out[str(decisions)]["n_train"] == by_source[str(plain)]["n"]
    assert 0 <= held_out[str(decisions)]["roc_auc"] <= 1


def test_public_dataset_and_team_decisions_in_one_command(real_data_dir, two_files, tmp_path):
    """The issue's command: the built-in dataset keeps its own columns, --label-col names the
    decisions file's, and the card names both sources with their counts."""
    _, decisions = two_files
    out = tmp_path / "model"
    result = CliRunner().invoke(cli, [
        "train", "--dataset", "chainbreaker", "--data", str(decisions), "--label-col",
        "decision", "--folds", "2", "--bootstrap", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "chainbreaker: 2677 ads" in result.output and f"{decisions}: 16 ads" in result.output
    card = (out / "MODEL_CARD.md").read_text()
    assert "`chainbreaker`" in card and "2,677 used" in card and "16 used" in card
