"""Scoring texts, frames and files: order, ids, columns, threshold, empty texts, outputs."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pandas as pd
import pytest

from classifier import SCORE_COLUMNS, DataError, score_file, score_frame, score_texts


def test_score_columns():
    """Score tables start with id, score, flagged and threshold, and say model and status."""
    assert SCORE_COLUMNS[:4] == ("id", "score", "flagged", "threshold")
    assert {"model", "status"} <= set(SCORE_COLUMNS)


def test_output_order_equals_input_order(model, ads):
    """Row i of the output scores row i of the input, whatever the input order."""
    texts = ads["text"].tolist()
    base = score_frame(model, ads)
    np.testing.assert_array_equal(base["score"], model.predict_proba(texts))
    order = np.random.default_rng(1).permutation(len(ads))
    shuffled = score_frame(model, ads.iloc[order], id_col="ad_id")
    np.testing.assert_array_equal(shuffled["score"], base["score"].to_numpy()[order])
    assert shuffled["id"].tolist() == ads["ad_id"].iloc[order].tolist()


def test_score_texts_matches_score_frame(model, ads):
    """score_texts gives the same scores and flags as score_frame, and accepts None."""
    texts = ads["text"].tolist()
    plain = score_texts(model, texts)
    framed = score_frame(model, ads)
    np.testing.assert_array_equal(plain["score"], framed["score"])
    np.testing.assert_array_equal(plain["flagged"], framed["flagged"])
    assert len(score_texts(model, [None, "new in town"])) == 2



def test_repeated_texts_score_like_unique_ones(model, ads):
    """A text repeated in a batch (scored once) gets the same row as when it stands alone."""
    texts = ads["text"].tolist()[:6]
    repeated = score_texts(model, [*texts, *texts[::-1], texts[0]])
    alone = score_texts(model, texts)
    for i, text in enumerate([*texts, *texts[::-1], texts[0]]):
        expected = alone.iloc[texts.index(text)]
        assert repeated.iloc[i].to_dict() == expected.to_dict()

def test_ids_from_column_or_row_number(model, ads):
    """``id`` copies --id-col (strings kept), else is the 0-based row number."""
    frame = ads.set_index(pd.Index(range(100, 100 + len(ads))))  # the index is not used
    assert score_frame(model, frame)["id"].tolist() == list(range(len(ads)))
    assert score_frame(model, frame, start=40)["id"].tolist() == list(range(40, 40 + len(ads)))
    with_ids = score_frame(model, frame, id_col="ad_id")
    assert with_ids["id"].tolist() == ads["ad_id"].tolist()
    assert with_ids["id"].iloc[7] == "007"


def test_columns_start_with_score_columns(model, ads):
    """Score columns come first, then the kept input columns in the order given."""
    out = score_frame(model, ads, keep_cols=["title", "label"])
    assert list(out.columns) == [*SCORE_COLUMNS, "title", "label"]
    assert out["title"].tolist() == ads["title"].tolist()
    assert (out["model"] == model.model_id).all()
    assert model.model_id


def test_threshold_override_changes_flagged(model, ads):
    """--threshold replaces the model's threshold; flagged means score >= threshold."""
    default = score_frame(model, ads)
    assert (default["threshold"] == model.threshold).all()
    np.testing.assert_array_equal(default["flagged"], default["score"] >= model.threshold)
    middle = float(np.median(default["score"]))
    custom = score_frame(model, ads, threshold=middle)
    assert (custom["threshold"] == middle).all()
    np.testing.assert_array_equal(custom["flagged"], custom["score"] >= middle)
    assert score_frame(model, ads, threshold=0.0)["flagged"].all()
    assert not score_frame(model, ads, threshold=1.0)["flagged"].any()
    assert score_texts(model, ads["text"], threshold=0.0)["flagged"].all()


def test_empty_text_gets_a_row_and_status(model):
    """Empty, blank and missing texts still get a row, with status empty_text."""
    frame = pd.DataFrame({"text": ["new in town", "", "   ", None, "independent lady"]})
    out = score_frame(model, frame)
    assert len(out) == 5
    assert out["status"].tolist() == ["ok", "empty_text", "empty_text", "empty_text", "ok"]
    assert out["score"].notna().all()


def test_empty_when_every_text_column_is_empty(model):
    """With several text columns, a row is empty only when all of them are."""
    frame = pd.DataFrame({"title": ["", "new girls", None], "body": ["", None, "in town"]})
    out = score_frame(model, frame, text_cols=["title", "body"])
    assert out["status"].tolist() == ["empty_text", "ok", "ok"]


def test_missing_columns_are_named(model, ads):
    """Scoring with an absent text, id or kept column names it and the available ones."""
    for kwargs in ({"text_cols": ["body_text"]}, {"id_col": "uid"}, {"keep_cols": ["city"]}):
        with pytest.raises(DataError, match="available: ad_id"):
            score_frame(model, ads, **kwargs)


READERS = {
    "csv": lambda path: pd.read_csv(path, dtype={"id": str, "model": str}),
    "tsv": lambda path: pd.read_csv(path, sep="\t", dtype={"id": str, "model": str}),
    "jsonl": lambda path: pd.read_json(path, lines=True, dtype={"id": str, "model": str}),
    "parquet": pd.read_parquet,
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_score_file_output_formats_round_trip(fmt, model, small_csv, ads, tmp_path):
    """Scores written as CSV, TSV, JSONL or Parquet read back as score_frame's result."""
    output = tmp_path / f"scores.{fmt}"
    summary = score_file(model, small_csv, output, id_col="ad_id", keep_cols=["label"],
                         chunksize=7, jobs=1)
    expected = score_frame(model, ads, id_col="ad_id", keep_cols=["label"])
    got = READERS[fmt](output)
    assert list(got.columns) == list(expected.columns)
    assert got["id"].tolist() == expected["id"].tolist()
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-9)
    assert got["flagged"].tolist() == expected["flagged"].tolist()
    assert got["status"].tolist() == expected["status"].tolist()
    assert (got["model"] == model.model_id).all()
    assert summary.rows_read == summary.rows_written == len(ads)
    assert summary.flagged == int(expected["flagged"].sum())
    assert summary.output == str(output)


INPUT_WRITERS = {
    "csv": lambda frame, path: frame.to_csv(path, index=False),
    "tsv": lambda frame, path: frame.to_csv(path, sep="\t", index=False),
    "jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True),
    "parquet": lambda frame, path: frame.to_parquet(path, index=False),
    "csv.gz": lambda frame, path: frame.to_csv(path, index=False, compression="gzip"),
}


@pytest.mark.parametrize("fmt", sorted(INPUT_WRITERS))
def test_score_file_reads_every_input_format(fmt, model, ads, tmp_path):
    """Inputs are read by extension (compressed too); row numbers continue across chunks."""
    source = tmp_path / f"ads.{fmt}"
    INPUT_WRITERS[fmt](ads, source)
    output = tmp_path / "scores.csv"
    assert score_file(model, source, output, chunksize=5, jobs=1).rows_read == len(ads)
    got = pd.read_csv(output)
    assert got["id"].tolist() == list(range(len(ads)))
    np.testing.assert_allclose(got["score"], score_frame(model, ads)["score"], rtol=1e-12)


def test_chunked_scoring_equals_whole_scoring(model, small_csv, tmp_path):
    """The chunk size changes nothing in the output."""
    one, many = tmp_path / "one.csv", tmp_path / "many.csv"
    score_file(model, small_csv, one, chunksize=10_000, jobs=1)
    score_file(model, small_csv, many, chunksize=3, jobs=1)
    assert one.read_text() == many.read_text()


def test_parallel_scoring_equals_serial_scoring(model, small_csv, tmp_path):
    """Worker processes change nothing in the output, not even the row order."""
    serial, parallel = tmp_path / "serial.csv", tmp_path / "parallel.csv"
    score_file(model, small_csv, serial, chunksize=5, jobs=1)
    score_file(model, small_csv, parallel, chunksize=5, jobs=2)
    assert serial.read_text() == parallel.read_text()


def test_summary_counts(model, tmp_path):
    """The summary counts rows, flagged rows and empty texts."""
    source = tmp_path / "ads.csv"
    pd.DataFrame({"text": ["new girls in town", "", "independent lady"]}).to_csv(source,
                                                                                 index=False)
    summary = score_file(model, source, tmp_path / "out.csv", threshold=0.0, jobs=1)
    assert summary.rows_read == summary.rows_written == 3
    assert summary.flagged == 3
    assert summary.empty_text == 1
    assert summary.problems == 0
    assert summary.threshold == 0.0
    assert summary.model == model.model_id
    assert summary.output == str(tmp_path / "out.csv")


def test_stdin_lines(model, monkeypatch, capsys):
    """``-`` reads one ad per line from standard input and writes CSV to standard output."""
    lines = ["new in town, young girls", "", "independent lady, screening"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode())))
    summary = score_file(model, "-", jobs=1)
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(out.columns) == list(SCORE_COLUMNS)
    assert out["id"].tolist() == [0, 1, 2]
    assert out["status"].tolist() == ["ok", "empty_text", "ok"]
    np.testing.assert_allclose(out["score"], model.predict_proba(lines), rtol=1e-12)
    assert summary.output == "-"


def test_header_only_input_gives_header_only_output(model, tmp_path):
    """An input without rows gives an output with the score columns and no rows."""
    source = tmp_path / "ads.csv"
    source.write_text("text\n")
    output = tmp_path / "scores.csv"
    assert score_file(model, source, output, jobs=1).rows_read == 0
    assert output.read_text().strip() == ",".join(SCORE_COLUMNS)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_failed_scoring_creates_no_output(fmt, model, small_csv, tmp_path):
    """When scoring fails (a missing text column) no output file appears."""
    output = tmp_path / f"scores.{fmt}"
    with pytest.raises(DataError, match="description"):
        score_file(model, small_csv, output, text_cols=["description"])
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_failed_scoring_keeps_existing_output(model, small_csv, tmp_path):
    """A failed run leaves an existing output untouched."""
    output = tmp_path / "scores.csv"
    output.write_text("earlier results\n")
    with pytest.raises(DataError):
        score_file(model, small_csv, output, id_col="no_such_column")
    assert output.read_text() == "earlier results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_failure_after_some_chunks_keeps_existing_output(model, tmp_path):
    """A failure in a later chunk, after rows were written, still leaves no partial output."""
    source = tmp_path / "ads.jsonl"
    records = [{"text": "new in town"}, {"text": "independent lady"},
               {"body": "no text field here"}, {"body": "nor here"}]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    output = tmp_path / "scores.jsonl"
    output.write_text('{"id": "earlier"}\n')
    with pytest.raises(DataError, match="text"):
        score_file(model, source, output, chunksize=2, jobs=1)
    assert output.read_text() == '{"id": "earlier"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.jsonl", "scores.jsonl"]


def test_missing_input_file_creates_no_output(model, tmp_path):
    """A missing input is a DataError and creates no output."""
    with pytest.raises(DataError, match="no such file"):
        score_file(model, tmp_path / "absent.csv", tmp_path / "scores.csv")
    assert list(tmp_path.iterdir()) == []


MALFORMED_CSV = (
    "text,city\n"
    "new in town,north\n"
    '"too","many","fields","here"\n'
    "independent lady,south\n"
)


def test_malformed_lines_are_reported_and_skipped(model, tmp_path):
    """By default a malformed line is reported with its line number and the rest is scored."""
    source = tmp_path / "ads.csv"
    source.write_text(MALFORMED_CSV)
    problems = []
    output = tmp_path / "scores.csv"
    summary = score_file(model, source, output, keep_cols=["city"], jobs=1,
                         on_problem=lambda line, reason: problems.append(line))
    assert problems == [3]
    assert summary.problems == 1
    assert summary.rows_read == 2
    assert pd.read_csv(output)["city"].tolist() == ["north", "south"]


def test_malformed_lines_can_stop_the_run(model, tmp_path):
    """With on_error="fail" a malformed line is an error naming it, and nothing is written."""
    source = tmp_path / "ads.csv"
    source.write_text(MALFORMED_CSV)
    with pytest.raises(DataError, match="line 3"):
        score_file(model, source, tmp_path / "scores.csv", on_error="fail", jobs=1)
    assert not (tmp_path / "scores.csv").exists()


def test_invalid_json_lines_are_reported(model, tmp_path):
    """JSONL lines that are not JSON objects are reported by line number; blank lines are not."""
    source = tmp_path / "ads.jsonl"
    source.write_text('{"text": "new in town"}\n\n{broken\n[1, 2]\n{"text": "independent"}\n')
    problems = []
    summary = score_file(model, source, tmp_path / "scores.csv", jobs=1,
                         on_problem=lambda line, reason: problems.append(line))
    assert problems == [3, 4]
    assert summary.rows_read == 2


def test_score_frame_takes_polars_and_pyarrow_tables(model, ads):
    """The same scores from a pandas, a Polars and a pyarrow table of the same ads."""
    import polars as pl
    import pyarrow as pa

    frame = ads[["ad_id", "text"]]
    expected = score_frame(model, frame, id_col="ad_id")
    for table in (pl.from_pandas(frame), pa.Table.from_pandas(frame, preserve_index=False)):
        pd.testing.assert_frame_equal(score_frame(model, table, id_col="ad_id"), expected)
    with pytest.raises(DataError, match="cannot score a list"):
        score_frame(model, [["a"]])
