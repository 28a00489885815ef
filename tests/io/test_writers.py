"""Writing score tables: formats, atomic replacement, standard output."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from classifier import DataError
from classifier.io._writers import TableWriter

CHUNKS = [
    pd.DataFrame({"id": ["a", "b"], "score": [0.25, 0.75], "flagged": [False, True]}),
    pd.DataFrame({"id": ["c"], "score": [0.5], "flagged": [True]}),
]
EXPECTED = pd.concat(CHUNKS, ignore_index=True)

READERS = {
    "csv": lambda path: pd.read_csv(path, dtype={"id": str}),
    "tsv": lambda path: pd.read_csv(path, sep="\t", dtype={"id": str}),
    "jsonl": lambda path: pd.read_json(path, lines=True, dtype={"id": str}),
    "parquet": pd.read_parquet,
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_chunks_round_trip(fmt, tmp_path):
    """Chunks written one after another read back as one table (one header for CSV)."""
    path = tmp_path / f"scores.{fmt}"
    with TableWriter(path) as writer:
        for chunk in CHUNKS:
            writer.write(chunk)
    assert writer.rows == 3
    pd.testing.assert_frame_equal(READERS[fmt](path), EXPECTED, check_dtype=False)


def test_format_option_overrides_extension(tmp_path):
    """An explicit format wins over the file name."""
    path = tmp_path / "scores.out.csv"
    with TableWriter(path, "jsonl") as writer:
        writer.write(CHUNKS[0])
    assert json.loads(path.read_text().splitlines()[0])["id"] == "a"


def test_jsonl_has_one_json_object_per_line(tmp_path):
    """Every line of a JSONL output is a JSON object: no blank lines between chunks."""
    path = tmp_path / "scores.jsonl"
    with TableWriter(path) as writer:
        for chunk in CHUNKS:
            writer.write(chunk)
    lines = path.read_text().split("\n")
    assert lines[-1] == ""  # the file ends with a newline
    records = [json.loads(line) for line in lines[:-1]]
    assert [r["id"] for r in records] == ["a", "b", "c"]


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_failure_leaves_no_output(fmt, tmp_path):
    """When writing fails part-way, no output file (and no temporary file) is left."""
    path = tmp_path / f"scores.{fmt}"
    with pytest.raises(RuntimeError), TableWriter(path) as writer:
        writer.write(CHUNKS[0])
        raise RuntimeError("scoring failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_failure_keeps_existing_output(fmt, tmp_path):
    """An existing output survives a failed run unchanged."""
    path = tmp_path / f"scores.{fmt}"
    path.write_bytes(b"previous results")
    with pytest.raises(RuntimeError), TableWriter(path) as writer:
        writer.write(CHUNKS[0])
        raise RuntimeError("scoring failed")
    assert path.read_bytes() == b"previous results"
    assert list(tmp_path.iterdir()) == [path]


def test_success_replaces_existing_output(tmp_path):
    """A successful run replaces an existing output."""
    path = tmp_path / "scores.csv"
    path.write_text("old\n")
    with TableWriter(path) as writer:
        writer.write(CHUNKS[1])
    assert path.read_text().startswith("id,score,flagged\n")


def test_missing_output_directory(tmp_path):
    """Writing into a directory that does not exist is a DataError."""
    with pytest.raises(DataError, match="does not exist"), \
            TableWriter(tmp_path / "absent" / "scores.csv"):
        pass


@pytest.mark.parametrize("name", ["scores.xlsx", "scores.txt"])
def test_unwritable_format(name, tmp_path):
    """Formats that cannot be written are refused before anything is written."""
    with pytest.raises(DataError):
        TableWriter(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", [None, "-"])
def test_stdout_is_csv(target, capsys):
    """No path, or "-", writes CSV to standard output."""
    with TableWriter(target) as writer:
        for chunk in CHUNKS:
            writer.write(chunk)
    assert capsys.readouterr().out == "id,score,flagged\na,0.25,False\nb,0.75,True\nc,0.5,True\n"


def test_stdout_jsonl(capsys):
    """JSONL to standard output: one object per line."""
    with TableWriter("-", "jsonl") as writer:
        for chunk in CHUNKS:
            writer.write(chunk)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b", "c"]


def test_output_permissions_follow_umask(tmp_path):
    """The output file gets the usual permissions (as ``open`` would give), not owner-only."""
    umask = os.umask(0o022)
    try:
        path = tmp_path / "scores.csv"
        with TableWriter(path) as writer:
            writer.write(CHUNKS[0])
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    finally:
        os.umask(umask)
