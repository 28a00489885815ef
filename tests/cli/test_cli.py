"""The command line: help, the train/score/evaluate workflow, error lines and exit codes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
import sklearn
from click.testing import CliRunner

from classifier import SCORE_COLUMNS, __version__
from classifier._core import CORE_NAME
from classifier.cli import cli, main

COMMANDS = sorted(cli.commands)


def run_main(argv: list, capture) -> tuple[int, str | bytes, str | bytes]:
    """Run the real entry point in-process; return exit code, stdout and stderr.

    ``capture`` is pytest's ``capsys`` (text) or ``capsysbinary`` (bytes).
    """
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # noqa: BLE001 - reported as the failure it is
        pytest.fail(f"{type(exc).__name__} escaped main(): the user would see a traceback: {exc}")
    captured = capture.readouterr()
    return code, captured.out, captured.err


def run_module(args: list, *, input: bytes | None = None, env: dict | None = None):
    """Run ``python -m classifier`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "classifier", *map(str, args)],
        input=input, capture_output=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def assert_one_error_line(err: str) -> None:
    """The message users see for a problem they can fix: one line, no traceback (a status
    notice such as "training on ..." may come before it)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], err
    assert len(lines) <= 2, err


# Help ---------------------------------------------------------------------------------------


def test_commands():
    """The command line offers train, score and evaluate."""
    assert {"train", "score", "evaluate"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_every_option(command):
    """``--help`` of each command shows every option, each with a description (old names
    kept for scripts, such as ``--out``, are hidden)."""
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    for param in cli.commands[command].params:
        if isinstance(param, click.Option) and param.hidden:
            assert all(opt not in result.output.split() for opt in param.opts)
        elif isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                assert opt in result.output, opt
            assert param.help, f"{param.name} has no help text"
        else:
            assert param.human_readable_name in result.output


def test_top_level_help_and_version():
    """The top-level help lists the commands and says scores are not proof."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output
    assert "never proof" in result.output
    version = CliRunner().invoke(cli, ["--version"])
    assert version.output == f"classifier {__version__} (core: {CORE_NAME})\n"


# Workflow (CliRunner) -----------------------------------------------------------------------


def test_train_then_score_a_file(small_csv, tmp_path, ads):
    """``train --data small.csv --out DIR`` then ``score --model DIR input.csv -o out.csv``."""
    runner = CliRunner()
    model_dir = tmp_path / "model"
    trained = runner.invoke(
        cli, ["train", "--data", str(small_csv), "--out", str(model_dir), "--folds", "3"]
    )
    assert trained.exit_code == 0, trained.output
    assert f"trained on {len(ads)} ads" in trained.output
    assert "threshold" in trained.output
    manifest = json.loads((model_dir / "manifest.json").read_text())
    data = manifest["training_data"]
    assert data["source"] == str(small_csv)
    assert data["sha256"] == hashlib.sha256(small_csv.read_bytes()).hexdigest()
    assert data["n_rows"] == data["n_used"] == len(ads)
    assert data["label_mapping"] == {"0": 0, "1": 1}
    assert manifest["params"]["folds"] == 3
    assert manifest["versions"]["scikit-learn"] == sklearn.__version__
    assert manifest["versions"]["text_core"] == CORE_NAME
    assert 0 < manifest["metrics"]["roc_auc"] <= 1
    assert manifest["threshold"] == manifest["metrics"]["threshold"]

    out = tmp_path / "out.csv"
    scored = runner.invoke(cli, ["score", "--model", str(model_dir), str(small_csv),
                                 "-o", str(out), "--id-col", "ad_id", "--keep-col", "label"])
    assert scored.exit_code == 0, scored.output
    assert f"scored {len(ads)}" in scored.stderr
    assert scored.stdout == ""
    table = pd.read_csv(out, dtype={"id": str})
    assert list(table.columns) == [*SCORE_COLUMNS, "label"]
    assert table["id"].tolist() == ads["ad_id"].tolist()
    assert (table["model"] == manifest["model_id"]).all()
    # The model separates its own training ads.
    assert table.loc[table["label"] == 1, "score"].mean() > table.loc[table["label"] == 0,
                                                                       "score"].mean()


def test_train_with_text_columns_and_threshold(small_csv, tmp_path):
    """Options reach the model: joined text columns, a fixed threshold, the seed."""
    model_dir = tmp_path / "model"
    result = CliRunner().invoke(cli, [
        "train", "--data", str(small_csv), "--out", str(model_dir), "--folds", "3",
        "--text-col", "title", "--text-col", "body", "--threshold", "0.25", "--seed", "3",
    ])
    assert result.exit_code == 0, result.output
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["threshold"] == 0.25
    assert manifest["threshold_rule"] == "given by the user"
    assert manifest["training_data"]["text_cols"] == ["title", "body"]
    assert manifest["params"]["seed"] == 3


def test_score_stdin(saved_model_dir):
    """``score --model DIR -`` scores one ad per line of standard input, to standard output."""
    result = CliRunner().invoke(cli, ["score", "--model", str(saved_model_dir), "-"],
                                input="new in town, young girls\n\nindependent lady\n")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == list(SCORE_COLUMNS)
    assert table["id"].tolist() == [0, 1, 2]
    assert table["status"].tolist() == ["ok", "empty_text", "ok"]


def test_score_text_options(saved_model_dir):
    """``score --model DIR --text ...`` scores each text, in order, as CSV on stdout."""
    texts = ["new in town, sweet young girls, call my manager",
             "independent mature companion, screening required"]
    result = CliRunner().invoke(cli, ["score", "--model", str(saved_model_dir),
                                      "--text", texts[0], "--text", texts[1]])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == list(SCORE_COLUMNS)
    assert table["id"].tolist() == [0, 1]
    assert table["score"].iloc[0] > table["score"].iloc[1]
    assert table["flagged"].tolist() == (table["score"] >= table["threshold"]).tolist()


def test_score_threshold_and_formats(saved_model_dir, small_csv, tmp_path, ads):
    """--threshold and --output-format reach the output."""
    out = tmp_path / "scores.data"
    result = CliRunner().invoke(cli, ["score", "--model", str(saved_model_dir), str(small_csv),
                                      "-o", str(out), "--output-format", "jsonl",
                                      "--threshold", "0"])
    assert result.exit_code == 0, result.output
    table = pd.read_json(out, lines=True)
    assert len(table) == len(ads)
    assert table["flagged"].all()
    assert (table["threshold"] == 0).all()


def test_evaluate_writes_json(small_csv, tmp_path):
    """``evaluate --data small.csv --folds 3 --json m.json`` prints folds and saves JSON."""
    path = tmp_path / "m.json"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), "--folds", "3",
                                      "--json", str(path)])
    assert result.exit_code == 0, result.output
    for k in range(3):
        assert f"fold {k}: ROC-AUC" in result.output
    assert "overall" in result.output
    report = json.loads(path.read_text())
    assert len(report["folds"]) == 3
    assert {"roc_auc", "average_precision", "positive_rate", "precision", "recall",
            "f1"} <= set(report["folds"][0])



def test_evaluate_grouping_options(small_csv, tmp_path):
    """``--dup-threshold J --no-contacts`` set the grouping, recorded in the JSON report."""
    path = tmp_path / "m.json"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), "--folds", "3",
                                      "--bootstrap", "0", "--dup-threshold", "0.9",
                                      "--no-contacts", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text())["grouping"] == {"threshold": 0.9,
                                                         "link_contacts": False}
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv),
                                      "--dup-threshold", "1.5"])
    assert result.exit_code == 2

# Errors (the real entry point, in-process) --------------------------------------------------


@pytest.fixture
def bad_inputs(tmp_path, ads) -> dict[str, Path]:
    """Files that users get wrong: unknown type, graded labels, one class, too few ads."""
    files = {}
    files["xlsx"] = tmp_path / "ads.xlsx"
    files["xlsx"].write_text("not a spreadsheet")
    files["graded"] = tmp_path / "graded.csv"
    ads.assign(label=[i % 7 for i in range(len(ads))]).to_csv(files["graded"], index=False)
    files["one_class"] = tmp_path / "one_class.csv"
    ads.assign(label=1).to_csv(files["one_class"], index=False)
    files["tiny"] = tmp_path / "tiny.csv"
    ads.head(6).to_csv(files["tiny"], index=False)
    return files


USER_ERRORS = {
    "missing model dir": (["score", "--model", "{tmp}/absent", "--text", "x"],
                          "not a model directory"),
    "missing input": (["score", "--model", "{model}", "{tmp}/absent.csv"], "no such file"),
    "unknown input type": (["score", "--model", "{model}", "{xlsx}"], "unknown file type"),
    "missing text column": (["score", "--model", "{model}", "{small}", "--text-col", "body_text"],
                            "missing column"),
    "missing id column": (["score", "--model", "{model}", "{small}", "--id-col", "uid"],
                          "missing column"),
    "missing output dir": (["score", "--model", "{model}", "{small}", "-o", "{tmp}/no/out.csv"],
                           "does not exist"),
    "unknown output type": (["score", "--model", "{model}", "{small}", "-o", "{tmp}/out.xlsx"],
                            "unknown file type"),
    "missing label column": (["train", "--data", "{small}", "--label-col", "grade",
                              "--out", "{tmp}/m"], "missing column"),
    "graded labels": (["train", "--data", "{graded}", "--out", "{tmp}/m"], "--label-threshold"),
    "one class": (["train", "--data", "{one_class}", "--out", "{tmp}/m"], "single class"),
    "unknown dataset": (["train", "--dataset", "nope", "--out", "{tmp}/m"], "unknown dataset"),
    "same source twice": (["evaluate", "--data", "{small}", "--data", "{small}"],
                          "given twice"),
    "bad data option": (["train", "--data", "{small}?colour=red", "-o", "{tmp}/m"],
                        "unknown: colour"),
    "json into missing dir": (["evaluate", "--data", "{small}", "--folds", "3",
                               "--json", "{tmp}/no/m.json"], ""),
}


@pytest.mark.parametrize("case", sorted(USER_ERRORS))
def test_user_errors_print_one_line(case, capsys, tmp_path, saved_model_dir, small_csv,
                                    bad_inputs, no_download):
    """Problems users can fix: exit 1 and one line "error: ..." on stderr, no traceback."""
    args, expected = USER_ERRORS[case]
    paths = {"tmp": tmp_path, "model": saved_model_dir, "small": small_csv, **bad_inputs}
    code, out, err = run_main([a.format(**paths) for a in args], capsys)
    assert code == 1, err
    assert_one_error_line(err)
    assert expected in err
    assert not (tmp_path / "m").exists()  # no model saved after a failed training


def test_too_few_ads_for_the_folds(bad_inputs, tmp_path, capsys):
    """Six ads cannot fill five grouped folds: a clean error line (or a model), no traceback."""
    code, _, err = run_main(["train", "--data", bad_inputs["tiny"], "--out", tmp_path / "m"],
                            capsys)
    if code == 0:
        assert (tmp_path / "m" / "manifest.json").is_file()
    else:
        assert code == 1
        assert_one_error_line(err)
        assert not (tmp_path / "m").exists()


def test_tampered_model_is_an_error_line(model_dir, capsys):
    """A model file changed after saving is refused with one error line."""
    arrays = model_dir / "model.npz"
    arrays.write_bytes(arrays.read_bytes() + b"\0")
    code, out, err = run_main(["score", "--model", model_dir, "--text", "x"], capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "SHA-256" in err
    assert out == ""


def test_offline_default_model_is_an_error_line(tmp_path, monkeypatch, capsys, no_download):
    """Without --model and without the dataset, the user is told what is missing."""
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(tmp_path / "empty"))
    code, out, err = run_main(["score", "--text", "x"], capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "CLASSIFIER_DATA_DIR" in err


def test_failed_score_leaves_existing_output(saved_model_dir, small_csv, tmp_path, capsys):
    """A failed ``score -o out.csv`` leaves an existing out.csv untouched."""
    out = tmp_path / "out.csv"
    out.write_text("earlier\n")
    code, _, err = run_main(["score", "--model", saved_model_dir, small_csv, "-o", out,
                             "--text-col", "body_text"], capsys)
    assert code == 1
    assert out.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


USAGE_ERRORS = {
    "no input": ["score", "--model", "{model}"],
    "input and --text": ["score", "--model", "{model}", "{small}", "--text", "x"],
    "no --out": ["train", "--data", "{small}"],
    "one fold": ["train", "--data", "{small}", "--out", "{tmp}/m", "--folds", "1"],
    "threshold above 1": ["score", "--model", "{model}", "--text", "x", "--threshold", "1.5"],
    "unknown feature set": ["evaluate", "--data", "{small}", "--features", "nope"],
    "unknown option": ["score", "--model", "{model}", "--text", "x", "--colour"],
    "unknown command": ["frobnicate"],
}


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_exit_2(case, capsys, tmp_path, saved_model_dir, small_csv):
    """Wrong options or arguments: exit 2 with a usage message, no traceback."""
    paths = {"tmp": tmp_path, "model": saved_model_dir, "small": small_csv}
    code, out, err = run_main([a.format(**paths) for a in USAGE_ERRORS[case]], capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert "Error" in err
    assert out == ""


def test_help_exits_0_in_process(capsys):
    """``--help`` through the real entry point exits 0."""
    code, out, _ = run_main(["score", "--help"], capsys)
    assert code == 0
    assert "--threshold" in out


# Subprocess: what a shell sees --------------------------------------------------------------


def test_module_exit_codes(tmp_path, saved_model_dir):
    """Exit code 1 and one error line for a user error; 2 for a usage error."""
    error = run_module(["score", "--model", tmp_path / "absent", "--text", "x"])
    assert error.returncode == 1
    assert error.stdout == b""
    assert_one_error_line(error.stderr.decode())
    usage = run_module(["score", "--model", saved_model_dir])
    assert usage.returncode == 2
    assert b"Traceback" not in usage.stderr
    assert b"Usage:" in usage.stderr


def test_module_score_stdin(saved_model_dir):
    """A shell pipe: ads piped into ``python -m classifier score --model DIR -``."""
    scored = run_module(["score", "--model", saved_model_dir, "-"],
                        input=b"new in town, young girls\n\nindependent lady\n")
    assert scored.returncode == 0, scored.stderr.decode()
    table = pd.read_csv(io.BytesIO(scored.stdout))
    assert list(table.columns) == list(SCORE_COLUMNS)
    assert table["id"].tolist() == [0, 1, 2]
    assert table["status"].tolist() == ["ok", "empty_text", "ok"]


def test_parquet_to_stdout(saved_model_dir, capsysbinary):
    """Parquet on standard output is either written as bytes or refused with an error line."""
    code, out, err = run_main(["score", "--model", saved_model_dir, "--text", "new in town",
                               "--output-format", "parquet", "--quiet"], capsysbinary)
    if code == 0:
        assert out.startswith(b"PAR1")
        assert pd.read_parquet(io.BytesIO(out))["id"].tolist() == [0]
    else:
        assert code == 1
        assert_one_error_line(err.decode())


MALFORMED_CSV = (
    "text,city\n"
    "new in town,north\n"
    '"too","many","fields","here"\n'
    "independent lady,south\n"
)


def test_malformed_lines_give_exit_code_3(saved_model_dir, tmp_path, capsys):
    """Skipped malformed lines are reported by line number; the exit code is 3."""
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text(MALFORMED_CSV)
    code, _, err = run_main(["score", "--model", saved_model_dir, source, "-o", out,
                             "--keep-col", "city"], capsys)
    assert code == 3
    assert "line 3" in err
    assert "Traceback" not in err
    assert pd.read_csv(out)["city"].tolist() == ["north", "south"]


def test_malformed_lines_can_fail_the_run(saved_model_dir, tmp_path, capsys):
    """With --on-error fail a malformed line is an error (exit 1) and nothing is written."""
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text(MALFORMED_CSV)
    code, _, err = run_main(["score", "--model", saved_model_dir, source, "-o", out,
                             "--on-error", "fail"], capsys)
    assert code == 1
    assert "line 3" in err
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in err
    assert not out.exists()


def test_summary_counts_rows_scored_with_a_caveat(saved_model_dir, tmp_path, capsys):
    """Empty texts and invalid UTF-8 are scored, marked, and counted in the summary line."""
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_bytes(b"id,text\n1,new in town\n2,\n3,caf\xe9 tonight\n4,\n")
    code, _, err = run_main(["score", "--model", saved_model_dir, source, "-o", out,
                             "--id-col", "id"], capsys)
    assert code == 0, err
    assert "(texts: 2 empty, 1 with invalid UTF-8)" in err
    assert "truncated" not in err
    assert pd.read_csv(out)["status"].tolist() == ["ok", "empty_text", "invalid_utf8",
                                                   "empty_text"]


def test_dask_engine_malformed_input_is_one_error_line(saved_model_dir, tmp_path, capsys):
    """The dask engine does not skip malformed lines: exit 1, one line, nothing written."""
    pytest.importorskip("dask.distributed")
    source, out = tmp_path / "ads.csv", tmp_path / "out.csv"
    source.write_text(MALFORMED_CSV)
    code, _, err = run_main(["score", "--model", saved_model_dir, source, "-o", out,
                             "--engine", "dask", "--jobs", "1"], capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "local engine" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.csv"]


def test_dedup_writes_a_group_for_every_row(tmp_path):
    """Templates that differ only in the phone number, and ads sharing a phone, share a group."""
    template = ("Sweet new girls in town this week only, many girls available, incall and "
                "outcall, roses 150hh, call {phone} now")
    frame = pd.DataFrame({
        "ad_id": ["a", "b", "c", "d"],
        "text": [template.format(phone="555-010-0101"), template.format(phone="555-010-0202"),
                 "Mountain bike for sale, new brakes and tires, asking 400, call 555-010-0303",
                 "Guitar lessons for beginners in my home studio, call 555-010-0303 today"],
    })
    frame.to_csv(tmp_path / "ads.csv", index=False)
    out = tmp_path / "groups.csv"
    result = CliRunner().invoke(cli, ["dedup", str(tmp_path / "ads.csv"), "--id-col", "ad_id",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    groups = pd.read_csv(out)
    assert groups["id"].tolist() == ["a", "b", "c", "d"]
    g = groups["group"].tolist()
    assert g[0] == g[1] and g[2] == g[3] and g[0] != g[2]
    assert "4 ads in 2 groups" in result.output


def test_dedup_reports_malformed_lines_and_old_option_names(tmp_path, capsys):
    """A malformed line is reported with its number (exit 3), never silently dropped; the
    old names --threshold and --out still work."""
    source = tmp_path / "ads.jsonl"
    source.write_text('{"text": "first ad"}\nnot json\n{"text": "third ad"}\n')
    out = tmp_path / "groups.csv"
    code, _, err = run_main(["dedup", source, "--threshold", "0.5", "--out", out], capsys)
    assert code == 3
    assert "line 2:" in err and "1 problem lines" in err
    assert pd.read_csv(out)["id"].tolist() == [0, 1]
    code, _, err = run_main(["dedup", source, "--on-error", "fail", "-o", out], capsys)
    assert code == 1 and "line 2" in err


def test_info_names_the_model_its_data_and_threshold(saved_model_dir, capsys):
    """`classifier info MODEL`: id, training data with its checksum, threshold, metrics."""
    manifest = json.loads((saved_model_dir / "manifest.json").read_text())
    code, out, _ = run_main(["info", saved_model_dir], capsys)
    assert code == 0
    assert manifest["model_id"] in out and manifest["created"] in out
    data = manifest["training_data"]
    assert f"{data.get('n_rows', '?')} rows" in out
    assert f"threshold    {manifest['threshold']:.3f}" in out
    code, out, _ = run_main(["info", saved_model_dir, "--json"], capsys)
    assert json.loads(out) == manifest
