"""Hostile input and output (issue #12): formulas, bombs, duplicate columns, bad lines, disks."""

from __future__ import annotations

import errno
import gzip
import json
import os

import pandas as pd
import pytest

from classifier import DataError
from classifier.io import _chunks
from classifier.io._chunks import MAX_FIELD_CHARS, iter_chunks
from classifier.io._files import check_not_input, temp_beside
from classifier.io._writers import TableWriter, escape_formula


def _read(path, **kwargs):
    chunks = list(iter_chunks(path, **kwargs))
    frames = [c.frame for c in chunks if not c.frame.empty]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return rows, [p for c in chunks for p in c.problems]


# 1, 11: spreadsheet formulas ----------------------------------------------------------------

@pytest.mark.parametrize(("cell", "written"), [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-5", "-5"),  # a number is not a formula
    ("+1.5e3", "+1.5e3"),
    ("plain", "plain"),
    ("", ""),
])
def test_escape_formula(cell, written):
    assert escape_formula(cell) == written


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_cells_that_start_a_formula_are_escaped(fmt, tmp_path):
    frame = pd.DataFrame({"id": ["=1+1", "@x", "ok"], "score": [-0.5, 0.25, 1.0],
                          "=name": ["-3", "+a", None]})
    path = tmp_path / f"out.{fmt}"
    with TableWriter(path) as writer:
        writer.write(frame)
    back = pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", dtype=str,
                       keep_default_na=False)
    assert back.columns.tolist() == ["id", "score", "'=name"]
    assert back["id"].tolist() == ["'=1+1", "'@x", "ok"]
    assert back["score"].tolist() == ["-0.5", "0.25", "1.0"]  # numbers stay numbers
    assert back["'=name"].tolist() == ["-3", "'+a", ""]


def test_escaping_can_be_turned_off_and_leaves_jsonl_and_parquet_alone(tmp_path):
    frame = pd.DataFrame({"id": ["=1+1"]})
    for name, kwargs in (("raw.csv", {"escape_formulas": False}), ("out.jsonl", {}),
                         ("out.parquet", {})):
        with TableWriter(tmp_path / name, **kwargs) as writer:
            writer.write(frame)
    assert (tmp_path / "raw.csv").read_text().splitlines()[1] == "=1+1"
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "=1+1"
    assert pd.read_parquet(tmp_path / "out.parquet")["id"].tolist() == ["=1+1"]


# 2: the output is an input -----------------------------------------------------------------

def test_output_that_is_the_input_is_refused(tmp_path):
    ads = tmp_path / "ads.csv"
    ads.write_text("text\nhello\n")
    (tmp_path / "link.csv").symlink_to(ads)
    os.link(ads, tmp_path / "hard.csv")
    for output in (ads, tmp_path / "link.csv", tmp_path / "hard.csv",
                   tmp_path / "sub" / ".." / "ads.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(DataError, match="is the input"):
            check_not_input(output, [ads])
    check_not_input(tmp_path / "other.csv", [ads])
    check_not_input("-", [ads])
    check_not_input(ads, ["-"])


# 3: one huge field, decompression bombs ----------------------------------------------------

def _gz_with_field(path, n_chars: int) -> None:
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'id,text\n1,"')
        block = b"x" * (1 << 20)
        for _ in range(n_chars // len(block)):
            fh.write(block)
        fh.write(b'"\n2,after\n')


def test_huge_field_is_truncated_while_read(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    _gz_with_field(path, 24 << 20)
    rows, problems = _read(path)
    assert problems == []
    assert rows["id"].tolist() == ["1", "2"]
    assert len(rows["text"][0]) == MAX_FIELD_CHARS
    assert rows["text"][1] == "after"


@pytest.mark.parametrize("ext", ["csv", "txt", "jsonl"])
def test_huge_line_is_truncated_or_reported_while_read(ext, tmp_path):
    path = tmp_path / f"long.{ext}.gz"
    record = (b'{"text": "' + b"y" * (12 << 20) + b'"}' if ext == "jsonl"
              else b"y" * (12 << 20))
    with gzip.open(path, "wb") as fh:
        fh.write((b"text\n" if ext == "csv" else b"") + record + b"\n"
                 + (b'{"text": "next"}' if ext == "jsonl" else b"next") + b"\n")
    rows, problems = _read(path)
    if ext == "jsonl":  # a JSON object cannot be cut: the line is reported instead
        assert [line for line, _ in problems] == [1]
        assert rows["text"].tolist() == ["next"]
    else:
        assert problems == []
        assert [len(t) for t in rows["text"]] == [MAX_FIELD_CHARS, 4]


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.csv.gz"
    _gz_with_field(path, 8 << 20)
    monkeypatch.setattr(_chunks, "MAX_RATIO", 50)
    monkeypatch.setattr(_chunks, "RATIO_FLOOR", 1 << 20)
    with pytest.raises(DataError, match="more than 50 times"):
        _read(path)


def test_corrupt_compressed_input_is_a_data_error(tmp_path):
    for ext in ("gz", "bz2", "xz"):
        path = tmp_path / f"ads.csv.{ext}"
        path.write_bytes(b"not compressed at all\n" * 10)
        with pytest.raises(DataError, match="cannot read"):
            _read(path)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(b"text\n" + b"hello\n" * 1000)[:-30])
    with pytest.raises(DataError, match="cannot read"):
        _read(path)


# 4: duplicate column names -----------------------------------------------------------------

@pytest.mark.parametrize("ext", ["csv", "tsv"])
def test_duplicate_column_names_are_an_error(ext, tmp_path):
    path = tmp_path / f"ads.{ext}"
    sep = "\t" if ext == "tsv" else ","
    path.write_text(sep.join(["id", "text", "x", "text", "x"]) + "\n1" + sep + "a\n")
    with pytest.raises(DataError, match="duplicate column names: text, x"):
        _read(path)


def test_duplicate_parquet_columns_are_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "ads.parquet"
    pq.write_table(pa.table([["a"], ["b"]], names=["text", "text"]), path)
    with pytest.raises(DataError, match="duplicate column names: text"):
        _read(path)


def test_duplicate_json_keys_are_a_problem_line(tmp_path):
    path = tmp_path / "ads.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b", "text": "c"}\n{"text": "d"}\n')
    rows, problems = _read(path)
    assert rows["text"].tolist() == ["a", "d"]
    assert problems == [(2, "duplicate key 'text'")]


# 5, 6: problem lines as an editor numbers them ---------------------------------------------

def test_problem_lines_are_counted_like_an_editor_after_multiline_fields(tmp_path):
    path = tmp_path / "ads.csv"
    path.write_text('id,text\n1,"one\ntwo\nthree"\n2,a,b\n3,"x\r\ny"\n4,c,d\n5,fine\n')
    rows, problems = _read(path, chunksize=2)
    assert rows["id"].tolist() == ["1", "3", "5"]
    assert rows["text"].tolist() == ["one\ntwo\nthree", "x\r\ny", "fine"]
    assert [line for line, _ in problems] == [5, 8]
    assert problems[0][1] == "expected 2 fields, saw 3"


def test_unclosed_quote_at_the_end_is_one_more_problem_line(tmp_path):
    path = tmp_path / "ads.csv"
    path.write_text('id,text\n1,ok\n2,"never closed\nstill in it\n')
    rows, problems = _read(path)
    assert rows["id"].tolist() == ["1"]
    assert [line for line, _ in problems] == [3]
    assert "unclosed quote" in problems[0][1]


def test_jsonl_number_too_large_is_a_problem_line(tmp_path):
    path = tmp_path / "ads.jsonl"
    path.write_text('{"id": ' + "9" * 5000 + ', "text": "a"}\n{"text": "b"}\n')
    rows, problems = _read(path)
    assert rows["text"].tolist() == ["b"]
    assert [line for line, _ in problems] == [1]


# 7: disks that fail ------------------------------------------------------------------------

def test_write_errors_are_data_errors_and_leave_no_temp(tmp_path, monkeypatch):
    from classifier.io import _writers

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_writers.os, "replace", full)
    with pytest.raises(DataError, match="No space left on device"), \
            TableWriter(tmp_path / "out.csv") as writer:
        writer.write(pd.DataFrame({"id": [1]}))
    assert os.listdir(tmp_path) == []


def test_unwritable_directory_is_a_data_error():
    if not os.path.isdir("/sys/kernel"):
        pytest.skip("needs Linux /sys")
    with pytest.raises(DataError, match="/sys/out.csv"), \
            TableWriter("/sys/out.csv"):
        pass


# 8: temporary files left by a killed run ----------------------------------------------------

def test_temp_files_of_dead_processes_are_removed(tmp_path):
    target = tmp_path / "scores.csv"
    dead = _dead_pid()
    stale = tmp_path / f".scores.csv.{dead}.abc123.tmp"
    alive = tmp_path / f".scores.csv.{os.getppid()}.abc123.tmp"
    other = tmp_path / f".other.csv.{dead}.abc123.tmp"
    for path in (stale, alive, other):
        path.write_text("partial")
    fd, tmp = temp_beside(target)
    os.close(fd)
    assert f".{os.getpid()}." in os.path.basename(tmp)
    assert not stale.exists()
    assert alive.exists() and other.exists()


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)
