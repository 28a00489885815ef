"""Hostile input, output and signals at the command line (issue #12)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import invented_ads
from test_cli import assert_one_error_line, run_main

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _score(model_dir, *args):
    return ["score", "--model", model_dir, "--jobs", "1", *args]


# 1, 11: formulas in score and dedup output --------------------------------------------------

def test_score_escapes_formula_cells_by_default(saved_model_dir, tmp_path, capsys):
    source, out, raw = tmp_path / "ads.csv", tmp_path / "out.csv", tmp_path / "raw.csv"
    pd.DataFrame({"ad_id": [FORMULA, "@me", "-7"], "note": ["+1+cmd", "-3", "fine"],
                  "text": ["new in town", "call me", "hello"]}).to_csv(source, index=False)
    code, _, err = run_main(_score(saved_model_dir, source, "-o", out, "--id-col", "ad_id",
                                   "--keep-col", "note"), capsys)
    assert code == 0, err
    table = pd.read_csv(out, dtype=str)
    assert table["id"].tolist() == ["'" + FORMULA, "'@me", "-7"]
    assert table["note"].tolist() == ["'+1+cmd", "-3", "fine"]
    assert not table["score"].str.startswith("'").any()
    code, _, err = run_main(_score(saved_model_dir, source, "-o", raw, "--id-col", "ad_id",
                                   "--no-escape-formulas"), capsys)
    assert code == 0, err
    assert pd.read_csv(raw, dtype=str)["id"].tolist() == [FORMULA, "@me", "-7"]


def test_formula_model_id_is_escaped(model, tmp_path):
    from classifier.scoring import score_file

    model.manifest["model_id"] = "=1+1"
    source, out = tmp_path / "ads.csv", tmp_path / "out.tsv"
    source.write_text("text\nhello\n")
    score_file(model, source, out, jobs=1)
    assert pd.read_csv(out, sep="\t", dtype=str)["model"].tolist() == ["'=1+1"]


def test_dedup_escapes_formula_ids(tmp_path, capsys):
    source, out = tmp_path / "ads.csv", tmp_path / "groups.csv"
    pd.DataFrame({"ad_id": [FORMULA, "b"], "text": ["one ad", "another"]}).to_csv(
        source, index=False)
    code, _, err = run_main(["dedup", source, "--id-col", "ad_id", "-o", out], capsys)
    assert code == 0, err
    assert pd.read_csv(out, dtype=str)["id"].tolist() == ["'" + FORMULA, "b"]
    code, _, err = run_main(["dedup", source, "--id-col", "ad_id", "-o", out,
                             "--no-escape-formulas"], capsys)
    assert pd.read_csv(out, dtype=str)["id"].tolist() == [FORMULA, "b"]


# 2: -o naming the input --------------------------------------------------------------------

@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["score", "dedup"])
def test_output_naming_the_input_is_refused(how, command, saved_model_dir, tmp_path, capsys):
    source = tmp_path / "ads.csv"
    source.write_text("text\nnew in town\nhello\n")
    out = source if how == "same" else tmp_path / "out.csv"
    if how == "symlink":
        out.symlink_to(source)
    elif how == "hardlink":
        os.link(source, out)
    argv = (_score(saved_model_dir, source, "-o", out) if command == "score"
            else ["dedup", source, "-o", out])
    code, _, err = run_main(argv, capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "is the input" in err
    assert source.read_text() == "text\nnew in town\nhello\n"


# 5: unclosed quote at the end under --on-error skip -----------------------------------------

def test_unclosed_quote_is_skipped_with_exit_3(saved_model_dir, tmp_path, capsys):
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text('id,text\n1,new in town\n2,"never closed\n')
    code, _, err = run_main(_score(saved_model_dir, source, "-o", out, "--id-col", "id"),
                            capsys)
    assert code == 3, err
    assert "line 3: unclosed quote" in err
    assert pd.read_csv(out)["id"].tolist() == [1]


def test_problem_line_numbers_follow_multiline_fields(saved_model_dir, tmp_path, capsys):
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text('id,text\n1,"a\nb\nc"\n2,too,many\n3,ok\n')
    code, _, err = run_main(_score(saved_model_dir, source, "-o", out), capsys)
    assert code == 3
    assert "line 5: " in err


# 4: duplicate columns ------------------------------------------------------------------------

def test_duplicate_columns_are_one_error_line(saved_model_dir, tmp_path, capsys):
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text("text,text\nhello,world\n")
    code, _, err = run_main(_score(saved_model_dir, source, "-o", out), capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "duplicate column names: text" in err
    assert not out.exists()


# 7: disks that fail --------------------------------------------------------------------------

@pytest.mark.parametrize("code_", [errno.ENOSPC, errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("command", ["score", "dedup"])
def test_os_errors_are_one_error_line(code_, command, saved_model_dir, small_csv, tmp_path,
                                      capsys, monkeypatch):
    from classifier.io import _writers

    def fail(*args, **kwargs):
        raise OSError(code_, os.strerror(code_), str(args[-1]) if args else None)

    monkeypatch.setattr(_writers.os, "replace", fail)
    out = tmp_path / "out.csv"
    argv = (_score(saved_model_dir, small_csv, "-o", out) if command == "score"
            else ["dedup", small_csv, "-o", out])
    code, _, err = run_main(argv, capsys)
    assert code == 1
    assert_one_error_line(err)
    assert os.strerror(code_) in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_is_one_error_line(saved_model_dir, small_csv, capsys):
    if not os.path.isdir("/sys/kernel"):
        pytest.skip("needs Linux /sys")
    code, _, err = run_main(_score(saved_model_dir, small_csv, "-o", "/sys/out.csv"), capsys)
    assert code == 1
    assert_one_error_line(err)


def test_unexpected_os_error_while_reading_is_one_error_line(saved_model_dir, small_csv,
                                                             capsys, monkeypatch):
    from classifier.io import _chunks

    def broken(path):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))

    monkeypatch.setattr(_chunks, "_open", broken)
    code, _, err = run_main(_score(saved_model_dir, small_csv), capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "Input/output error" in err


# 8, 9: signals -------------------------------------------------------------------------------

@pytest.fixture
def big_csv(tmp_path) -> Path:
    """Enough invented ads that two workers score for several seconds: 240,000, about 8 s in
    chunks of 200 with the compiled core (72,000 could be done before the signal came)."""
    frame = invented_ads(24)
    path = tmp_path / "big.csv"
    pd.concat([frame] * 5_000, ignore_index=True)[["ad_id", "text"]].to_csv(path, index=False)
    return path


def _start(saved_model_dir, big_csv, out) -> tuple[subprocess.Popen, list]:
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen(
        [sys.executable, "-m", "classifier", "score", "--model", str(saved_model_dir),
         str(big_csv), "-o", str(out), "--jobs", "2", "--chunksize", "200", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = psutil.Process(proc.pid).children()
        temps = list(out.parent.glob(f".{out.name}.*"))
        if len(children) >= 2 and temps:
            time.sleep(0.5)  # let the workers get busy
            return proc, children
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"scoring did not start its workers: {proc.communicate()[1].decode()[-500:]}")


def _all_gone(processes, timeout: float = 10) -> bool:
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return not alive


def test_sigterm_exits_143_removes_temp_and_workers(saved_model_dir, big_csv, tmp_path):
    out = tmp_path / "scores.csv"
    proc, workers = _start(saved_model_dir, big_csv, out)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err.decode()
    assert b"Traceback" not in err
    assert _all_gone(workers)
    assert not list(tmp_path.glob(".scores.csv*"))
    assert not out.exists()


def test_sigkill_ends_workers_and_next_run_removes_temp(saved_model_dir, big_csv, tmp_path,
                                                       capsys):
    out = tmp_path / "scores.csv"
    proc, workers = _start(saved_model_dir, big_csv, out)
    proc.kill()
    proc.communicate(timeout=30)
    assert _all_gone(workers), "workers outlived their parent"
    left = list(tmp_path.glob(".scores.csv*"))
    assert [p for p in left if f".{proc.pid}." in p.name] == left != []
    source = tmp_path / "small.csv"
    source.write_text("text\nhello\n")
    code, _, err = run_main(_score(saved_model_dir, source, "-o", out), capsys)
    assert code == 0, err
    assert not list(tmp_path.glob(".scores.csv*"))
