"""Reading ad tables and preparing labels: what ``--data``, ``--text-col`` and labels do."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from classifier import DataError, binarize_labels, load_labeled, prepare_labeled, read_table
from classifier.io._formats import detect_format

FORMATS = {
    "csv": lambda frame, path: frame.to_csv(path, index=False),
    "tsv": lambda frame, path: frame.to_csv(path, sep="\t", index=False),
    "jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True),
    "parquet": lambda frame, path: frame.to_parquet(path, index=False),
    "csv.gz": lambda frame, path: frame.to_csv(path, index=False, compression="gzip"),
    "jsonl.gz": lambda frame, path: frame.to_json(
        path, orient="records", lines=True, compression="gzip"
    ),
}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_read_table_chooses_reader_by_extension(ext, ads, tmp_path):
    """Every supported format, compressed or not, reads back the same texts and labels."""
    path = tmp_path / f"ads.{ext}"
    FORMATS[ext](ads, path)
    frame = read_table(path)
    assert len(frame) == len(ads)
    assert frame["text"].tolist() == ads["text"].tolist()
    labeled = prepare_labeled(frame)
    assert labeled.texts == ads["text"].tolist()
    np.testing.assert_array_equal(labeled.y, ads["label"].to_numpy())


@pytest.mark.parametrize("name", ["ads.xlsx", "ads", "ads.csv.rar", "ads.gz"])
def test_unknown_extension_is_a_data_error(name, tmp_path):
    """An unknown file type is refused with a message listing the known extensions."""
    path = tmp_path / name
    path.write_text("text,label\nhello,1\n")
    with pytest.raises(DataError, match=r"unknown file type.*\.csv.*\.parquet"):
        read_table(path)
    with pytest.raises(DataError, match="unknown file type"):
        detect_format(path)


def test_missing_file_is_a_data_error(tmp_path):
    """A path that does not exist gives a DataError naming it."""
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv")


def test_unreadable_file_is_a_data_error(tmp_path):
    """A file that is not what its extension says gives a DataError, not a parser crash."""
    path = tmp_path / "ads.parquet"
    path.write_text("this is not parquet")
    with pytest.raises(DataError, match="cannot read as parquet"):
        read_table(path)
    bad_json = tmp_path / "ads.jsonl"
    bad_json.write_text('{"text": "a", "label": 1}\n{not json\n')
    with pytest.raises(DataError, match="cannot read as jsonl"):
        read_table(bad_json)


def test_missing_columns_error_names_available_columns(ads):
    """Asking for absent columns names them and lists every column the file has."""
    with pytest.raises(DataError) as info:
        prepare_labeled(ads, text_cols=["description"], label_col="is_suspicious")
    message = str(info.value)
    assert "description" in message
    assert "is_suspicious" in message
    for column in ads.columns:
        assert column in message.split("available:")[1]


def test_ids_keep_leading_zeros(small_csv):
    """Text columns are read as strings, so ids such as 007 keep their zeros."""
    frame = read_table(small_csv)
    assert frame["ad_id"].iloc[7] == "007"


def test_several_text_columns_are_joined(ads):
    """Several --text-col are joined with a newline, in the order given; blanks are skipped."""
    frame = ads.copy()
    frame.loc[0, "title"] = None
    labeled = prepare_labeled(frame, text_cols=["title", "body"])
    assert labeled.texts[1:] == (ads["title"] + "\n" + ads["body"]).tolist()[1:]
    assert labeled.texts[0] == ads["body"].iloc[0]
    reversed_order = prepare_labeled(ads, text_cols=["body", "title"])
    assert reversed_order.texts[2] == f"{ads['body'].iloc[2]}\n{ads['title'].iloc[2]}"


def test_missing_labels_are_counted_and_left_out(ads, tmp_path):
    """Rows without a label (empty cell, blank string) are counted and not trained on."""
    frame = ads.copy()
    frame["label"] = frame["label"].astype(str)
    frame.loc[[3, 10], "label"] = ""
    frame.loc[20, "label"] = "   "
    path = tmp_path / "ads.csv"
    frame.to_csv(path, index=False)
    labeled = prepare_labeled(read_table(path))
    assert labeled.n_rows == len(ads)
    assert labeled.n_missing_label == 3
    assert len(labeled.texts) == len(labeled.y) == len(ads) - 3
    kept = ads.drop(index=[3, 10, 20])
    assert labeled.texts == kept["text"].tolist()
    np.testing.assert_array_equal(labeled.y, kept["label"].to_numpy())


def test_missing_labels_in_jsonl_are_left_out(ads, tmp_path):
    """A null label in JSONL counts as missing, like an empty CSV cell."""
    frame = ads.copy().astype({"label": "float"})
    frame.loc[[0, 5], "label"] = np.nan
    path = tmp_path / "ads.jsonl"
    frame.to_json(path, orient="records", lines=True)
    labeled = prepare_labeled(read_table(path))
    assert labeled.n_missing_label == 2
    assert len(labeled.y) == len(ads) - 2


def test_no_label_at_all_is_an_error(ads):
    """A label column with no value is refused rather than training on nothing."""
    frame = ads.assign(label="")
    with pytest.raises(DataError, match="no row has a label"):
        prepare_labeled(frame)


def test_graded_numeric_labels_with_threshold():
    """Graded 0-6 labels: values >= the threshold are positive; the mapping records it."""
    labels = pd.Series(["0", "1", "2", "3", "4", "5", "6", "4"])
    y, mapping = binarize_labels(labels, threshold=4)
    np.testing.assert_array_equal(y, [0, 0, 0, 0, 1, 1, 1, 1])
    assert mapping == {"0": 0, "1": 0, "2": 0, "3": 0, "4": 1, "5": 1, "6": 1}


def test_trafficking10k_string_labels_with_threshold():
    """Trafficking-10k labels such as "5-Likely Trafficking" are read by their leading number."""
    labels = pd.Series(
        ["0-Not Trafficking", "2-Unlikely", "4-Weakly Likely", "5-Likely Trafficking",
         "6-Trafficking", "3-Neutral"]
    )
    y, mapping = binarize_labels(labels, threshold=4)
    np.testing.assert_array_equal(y, [0, 0, 1, 1, 1, 0])
    assert mapping["5-Likely Trafficking"] == 1
    assert mapping["3-Neutral"] == 0


def test_graded_labels_through_load_labeled(ads, tmp_path):
    """--label-threshold reaches the data loader and is recorded in the provenance."""
    frame = ads.assign(label=np.where(ads["label"] == 1, "5-Likely Trafficking", "1-Unlikely"))
    frame.loc[0, "label"] = "6-Trafficking"
    path = tmp_path / "graded.csv"
    frame.to_csv(path, index=False)
    labeled, provenance = load_labeled(data=path, label_threshold=4)
    np.testing.assert_array_equal(labeled.y, ads["label"].to_numpy())
    assert provenance["label_threshold"] == 4
    assert provenance["label_mapping"] == {
        "1-Unlikely": 0, "5-Likely Trafficking": 1, "6-Trafficking": 1,
    }


@pytest.mark.parametrize(
    "labels",
    [["0", "1", "2", "1"], ["0-Not", "5-Likely", "6-Yes", "0-Not"], [0.0, 0.5, 1.0, 1.0]],
)
def test_more_than_two_levels_need_a_threshold(labels):
    """Graded labels without --label-threshold are an error that says what to pass."""
    with pytest.raises(DataError, match="--label-threshold"):
        binarize_labels(pd.Series(labels))


@pytest.mark.parametrize(
    ("labels", "threshold"),
    [(["1", "1", "1"], None), (["0", "0"], None), (["1", "2", "3"], 5), (["1", "2", "3"], 0)],
)
def test_single_class_is_an_error(labels, threshold):
    """Labels that give only one class (as read, or at the threshold) are refused."""
    with pytest.raises(DataError, match="single class"):
        binarize_labels(pd.Series(labels), threshold)


def test_boolean_and_word_labels():
    """true/false, yes/no and booleans are read as 1/0."""
    y, _ = binarize_labels(pd.Series(["true", "False", "yes", "no"]))
    np.testing.assert_array_equal(y, [1, 0, 1, 0])
    y, _ = binarize_labels(pd.Series([True, False, False]))
    np.testing.assert_array_equal(y, [1, 0, 0])


def test_unreadable_label_is_an_error():
    """A label that is not a number, boolean or graded string is named in the error."""
    with pytest.raises(DataError, match="'maybe'"):
        binarize_labels(pd.Series(["1", "0", "maybe"]))


def test_load_labeled_provenance(small_csv, ads):
    """The provenance kept in the manifest: source, file SHA-256, row counts, label mapping."""
    labeled, provenance = load_labeled(data=small_csv, text_cols=["title", "body"])
    assert provenance["source"] == str(small_csv)
    assert provenance["sha256"] == hashlib.sha256(small_csv.read_bytes()).hexdigest()
    assert provenance["n_rows"] == len(ads)
    assert provenance["n_missing_label"] == 0
    assert provenance["text_cols"] == ["title", "body"]
    assert provenance["label_col"] == "label"
    assert provenance["label_mapping"] == {"0": 0, "1": 1}
    assert labeled.texts == ads["text"].tolist()


def test_load_labeled_needs_exactly_one_source(small_csv):
    """Both a dataset and a file, or neither, is an error."""
    with pytest.raises(DataError, match="either"):
        load_labeled(dataset="chainbreaker", data=small_csv)
    with pytest.raises(DataError, match="either"):
        load_labeled()
