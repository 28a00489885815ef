"""Options shared by several commands: declared once here, used by every command file."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from classifier.features._names import DEFAULT_FEATURES, FEATURE_SETS
from classifier.io._formats import INPUT_FORMATS, OUTPUT_FORMATS

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def apply(*options: Callable) -> Callable:
    """Decorate a command with ``options``, listed in the order ``--help`` shows them."""

    def decorate(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def jobs_count(jobs: int | None) -> int | None:
    """``--jobs``: ``-1`` (or none given) means all cores; other values are taken as they are."""
    return None if jobs is None else (os.cpu_count() or 1) if jobs == -1 else jobs


def _check_jobs(ctx, param, value: int | None) -> int | None:
    if value is not None and value < 1 and value != -1:
        raise click.BadParameter("give a number of processes >= 1, or -1 for all cores")
    return value


def jobs_option(help: str = "Worker processes (-1: all cores).") -> Callable:
    return click.option("--jobs", type=int, metavar="N", callback=_check_jobs, help=help)


def output_option(help: str, *, directory: bool = False) -> Callable:
    """``-o/--output`` (and the hidden ``--out`` of earlier versions, for old scripts)."""
    kind = click.Path(file_okay=False) if directory else click.Path(dir_okay=False,
                                                                    allow_dash=True)
    metavar = "DIR" if directory else "PATH"
    return apply(
        click.option("-o", "--output", type=kind, metavar=metavar, help=help),
        click.option("--out", "output_alias", type=kind, hidden=True),
    )


def output_of(kwargs: dict, *, required: bool = False) -> str | None:
    """The ``-o`` value, taken from ``--out`` when only the old name was given."""
    output, alias = kwargs.pop("output", None), kwargs.pop("output_alias", None)
    if output and alias and output != alias:
        raise click.UsageError("give -o/--output once (--out is its old name)")
    output = output or alias
    if required and not output:
        raise click.UsageError("missing option -o/--output")
    return output


text_col_option = click.option(
    "--text-col", "text_cols", multiple=True, metavar="COL",
    help="Text column; repeat to join several (e.g. title and body). Default: text.")
id_col_option = click.option(
    "--id-col", metavar="COL",
    help="Column copied to the id column (default: the 0-based input row number).")
input_format_option = click.option(
    "--input-format", type=click.Choice(INPUT_FORMATS),
    help="Input format (default: from the extension; stdin: one ad per line).")
output_format_option = click.option(
    "--output-format", type=click.Choice(OUTPUT_FORMATS),
    help="Output format (default: from the extension; stdout: csv).")
on_error_option = click.option(
    "--on-error", type=click.Choice(["skip", "fail"]), default="skip", show_default=True,
    help="On a malformed input line: report it with its line number and go on (exit code 3), "
         "or stop and write nothing (exit code 1).")
model_option = click.option(
    "--model", "model_dir", type=click.Path(file_okay=False), metavar="DIR",
    help="Model directory (default: the default model, trained on first use).")
dup_threshold_option = click.option(
    "--dup-threshold", type=click.FloatRange(0, 1, min_open=True), metavar="J",
    help="Grouping: MinHash Jaccard similarity (word 3-grams) above which two ads are "
         "near-duplicates (default: 0.4; 0.9 groups only near-copies).")
no_contacts_option = click.option(
    "--no-contacts", "link_contacts", flag_value=False, default=True,
    help="Grouping: do not link ads that share a phone number or e-mail address.")
no_escape_formulas_option = click.option(
    "--no-escape-formulas", "escape_formulas", flag_value=False, default=True,
    help="CSV/TSV output: write cells starting with =, +, -, @, tab or carriage return as "
         "they are. By default they get a leading ' so that a spreadsheet shows them as text "
         "instead of running them as formulas (numbers such as -5 stay numbers).")
calibrate_option = click.option(
    "--calibrate", type=click.Choice(["sigmoid", "isotonic"]),
    help="Calibrate the scores (scikit-learn's CalibratedClassifierCV on grouped folds). "
         "Default: prior-corrected scores, not separately calibrated.")

#: Options of every command that reads labeled data and fits models.
data_options = apply(
    click.option("--dataset", "datasets", multiple=True, metavar="NAME",
                 help="Built-in dataset; repeatable (default: chainbreaker when --data is not "
                      "given)."),
    click.option("--data", "data_files", multiple=True, metavar="PATH",
                 help="Labeled file (.csv, .tsv, .jsonl, .parquet), e.g. the review page's "
                      "decisions; repeatable. Its columns differ from --text-col/--label-col? "
                      "Write PATH?text=A+B&label=COL&threshold=X."),
    text_col_option,
    click.option("--label-col", metavar="COL",
                 help="Label column of --data files (default: label). Labels may be 0/1, "
                      "numbers with --label-threshold, or reviewers' decisions (suspicious, "
                      "not suspicious; unsure rows are left out and counted)."),
    click.option("--label-threshold", type=float, metavar="X",
                 help="Labels >= X are positive; needed for graded labels (e.g. 4 for "
                      "Trafficking-10k's 0-6 or '5-Likely Trafficking' labels)."),
    click.option("--features", type=click.Choice(FEATURE_SETS), default=DEFAULT_FEATURES,
                 show_default=True, help="Feature set of the model."),
    click.option("--folds", type=click.IntRange(2, 50), default=5, show_default=True,
                 help="Folds, grouped by near-duplicate text and shared contacts."),
    click.option("--seed", type=int, default=0, show_default=True,
                 help="Random seed, for reproducible results."),
    click.option("--target-precision", type=click.FloatRange(0, 1), default=0.9,
                 show_default=True,
                 help="Choose the threshold as the lowest one reaching this held-out "
                      "precision (the F1-optimal one if none does)."),
)


def data_sources(kwargs: dict) -> list:
    """The :class:`~classifier.io.DataSource` list of the data options, out of ``kwargs``:
    built-in datasets first, then files, each once; chainbreaker when none is given."""
    from classifier.io import DataSource, parse_data_option

    datasets, files = kwargs.pop("datasets"), kwargs.pop("data_files")
    columns = {"text_cols": tuple(kwargs.pop("text_cols")), "label_col": kwargs.pop("label_col"),
               "label_threshold": kwargs.pop("label_threshold")}
    sources = [DataSource(dataset=name) for name in datasets]
    sources += [parse_data_option(value, **columns) for value in files]
    return sources or [DataSource(dataset="chainbreaker")]


def report_line(line: int, reason: str) -> None:
    """A malformed input line, reported on standard error as an editor numbers it."""
    click.echo(f"line {line}: {reason}", err=True)


def say(message: str) -> None:
    """A status line on standard error (never mixed into output on standard output)."""
    click.echo(message, err=True)


def interactive() -> bool:
    """Whether standard error is a terminal (progress bars), or a log (one-line notices)."""
    return sys.stderr.isatty()


@contextmanager
def working(message: str) -> Iterator[None]:
    """Say what a long step does: on a terminal a status line with the time it has taken so
    far, rewritten twice a second, then its total; in a log one line when it starts."""
    if not interactive():
        say(message)
        yield
        return
    started, done = time.monotonic(), threading.Event()

    def tick() -> None:
        while not done.wait(0.5):
            click.echo(f"\r{message} ({time.monotonic() - started:.0f} s)", err=True, nl=False)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        click.echo(f"\r{message}: {time.monotonic() - started:.1f} s", err=True)


def print_metrics(title: str, metrics: dict) -> None:
    click.echo(
        f"{title}: ROC-AUC {metrics['roc_auc']:.3f}  AP {metrics['average_precision']:.3f} "
        f"(positive rate {metrics['positive_rate']:.3f})  precision {metrics['precision']:.3f}  "
        f"recall {metrics['recall']:.3f}  F1 {metrics['f1']:.3f}"
    )


def load_model_or_default(model_dir: str | None):
    """The model in ``model_dir``, or the default model (trained on first use, with a notice)."""
    from classifier.model import (
        cached_default_model,
        default_model_dir,
        load_model,
        train_default_model,
    )

    if model_dir is not None:
        return load_model(model_dir)
    model = cached_default_model()
    if model is None:
        with working("no default model yet: training it once on the public chainbreaker "
                     f"dataset (about 30 s); it is cached in {default_model_dir()}"):
            model = train_default_model()
    return model
