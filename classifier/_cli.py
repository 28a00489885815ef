"""Command line: ``classifier train | score | explain | evaluate | dedup``.

Each command parses its options, calls the matching function of ``classifier._commands``
and prints what it returns. Problems a user can fix end with one line on stderr.

Exit codes: 0 success; 1 an error in the input, data or model (nothing written); 2 a usage
error; 3 partial success (``score`` skipped malformed input lines); 130 interrupted.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from ._errors import ClassifierError
from ._features import DEFAULT_FEATURES, FEATURE_SETS
from ._scoring import CHUNKSIZE

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
# Rows scored with a caveat (their status), named in the summary line of ``score``.
_CAVEATS = (("empty_text", "empty"), ("truncated", "truncated"),
            ("invalid_utf8", "with invalid UTF-8"))


def _data_options(func):
    """Options shared by every command that reads labeled data."""
    options = [
        click.option("--dataset", metavar="NAME",
                     help="Built-in dataset (default: chainbreaker when --data is not given)."),
        click.option("--data", type=click.Path(dir_okay=False), metavar="PATH",
                     help="Labeled file: .csv, .tsv, .jsonl or .parquet (by extension)."),
        click.option("--text-col", "text_cols", multiple=True, metavar="COL",
                     help="Text column; repeat to join several (e.g. title and body). "
                          "Default: text."),
        click.option("--label-col", metavar="COL", help="Label column. Default: label."),
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


_calibrate_option = click.option(
    "--calibrate", type=click.Choice(["sigmoid", "isotonic"]),
    help="Calibrate the scores (scikit-learn's CalibratedClassifierCV on grouped folds). "
         "Default: prior-corrected scores, not separately calibrated.")


def _print_metrics(title: str, metrics: dict) -> None:
    click.echo(
        f"{title}: ROC-AUC {metrics['roc_auc']:.3f}  AP {metrics['average_precision']:.3f} "
        f"(positive rate {metrics['positive_rate']:.3f})  precision {metrics['precision']:.3f}  "
        f"recall {metrics['recall']:.3f}  F1 {metrics['f1']:.3f}"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="classifier")
def cli() -> None:
    """Triage scores for online ads that may be linked to human trafficking.

    Scores are signals for human review, never proof: the training labels are suspicion
    judgements, not confirmed cases.
    """


@cli.command("train")
@_data_options
@click.option("--threshold", type=click.FloatRange(0, 1), metavar="T",
              help="Fix the operating threshold instead of choosing it on held-out folds.")
@click.option("--out", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Directory to save the model in (created if needed).")
@_calibrate_option
def train_cmd(**kwargs) -> None:
    """Train a model on labeled ads and save it, with a MODEL_CARD.md, to DIR."""
    from ._commands import run_train

    result = run_train(**kwargs)
    click.echo(f"trained on {result['n_used']} ads ({result['n_missing_label']} rows without a "
               f"label left out); saved model {result['model_id']} to {result['model_dir']}")
    click.echo(f"threshold {result['threshold']:.3f}: {result['threshold_rule']}")
    _print_metrics("held-out (grouped folds)", result["metrics"])
    click.echo(f"wrote {result['model_card']}")


@cli.command("score")
@click.argument("source", required=False, metavar="INPUT")
@click.option("--model", "model_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Model directory (default: the default model, trained on first use).")
@click.option("--text", "texts", multiple=True, metavar="TEXT",
              help="Score this text instead of a file; repeatable.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="PATH",
              help="Output file (.csv, .tsv, .jsonl, .parquet) or - for stdout (default). "
                   "Written to a temporary file and renamed when complete.")
@click.option("--text-col", "text_cols", multiple=True, metavar="COL",
              help="Text column; repeat to join several (e.g. title and body). Default: text.")
@click.option("--id-col", metavar="COL", help="Column copied to the id column "
              "(default: the 0-based input row number).")
@click.option("--threshold", type=click.FloatRange(0, 1), metavar="T",
              help="Flag scores >= T (default: the model's threshold).")
@click.option("--keep-col", "keep_cols", multiple=True, metavar="COL",
              help="Input column to carry through to the output; repeatable.")
@click.option("--flagged-only", is_flag=True,
              help="Write only flagged rows (a review queue); the summary counts all rows.")
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Fill the reasons and indicators columns.")
@click.option("--on-error", type=click.Choice(["skip", "fail"]), default="skip",
              show_default=True,
              help="On a malformed input line: report it with its line number and go on "
                   "(exit code 3), or stop and write nothing (exit code 1).")
@click.option("--jobs", type=click.IntRange(1), metavar="N",
              help="Worker processes (default: all cores).")
@click.option("--chunksize", type=click.IntRange(1), default=CHUNKSIZE, show_default=True,
              help="Rows read and scored at a time; memory grows with it, not with the file.")
@click.option("--input-format", type=click.Choice(["csv", "tsv", "jsonl", "parquet", "lines"]),
              help="Input format (default: from the extension; stdin: one ad per line).")
@click.option("--output-format", type=click.Choice(["csv", "tsv", "jsonl", "parquet"]),
              help="Output format (default: from the extension; stdout: csv).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="local: this machine's cores. dask: partitions on a Dask cluster (INPUT may "
                   "be a glob or an fsspec URL such as s3://bucket/ads/*.parquet).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); default: a local cluster.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
def score_cmd(source: str | None, texts: tuple[str, ...], quiet: bool, **kwargs) -> None:
    """Score ads in INPUT (a file, or - for stdin: one ad per line unless --input-format).

    Writes one row per input row, in input order: id, score (probability of the
    'suspicious' class), flagged (score >= threshold), threshold, reasons (top signed
    feature contributions), indicators (fired indicators), model, status. Malformed input
    lines are reported on stderr with their line number.

    Exit codes: 0 success, 1 failure (nothing written), 2 usage error, 3 partial success
    (some input lines could not be read and were skipped).
    """
    from ._commands import run_score

    if (source is None) == (not texts):
        raise click.UsageError("give either INPUT (a file or -) or --text")

    def report(line: int, reason: str) -> None:
        click.echo(f"line {line}: {reason}", err=True)

    result = run_score(source=source, texts=texts, on_problem=report,
                       progress=not quiet and sys.stderr.isatty(), **kwargs)
    if not quiet:
        caveats = [f"{result[key]:,} {label}" for key, label in _CAVEATS if result.get(key)]
        click.echo(
            f"read {result['rows_read']:,} rows, scored {result['rows_read']:,}, flagged "
            f"{result['flagged']:,} at threshold {result['threshold']:.3f}, "
            f"{result['problems']:,} problem lines"
            + (f" (texts: {', '.join(caveats)})" if caveats else "")
            + (f"; wrote {result['output']}" if result["output"] != "-" else ""),
            err=True,
        )
    if result["problems"]:
        sys.exit(EXIT_PARTIAL)


@cli.command("dedup")
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="PATH",
              help="Output file (.csv, .tsv, .jsonl, .parquet) or - for stdout (default).")
@click.option("--text-col", "text_cols", multiple=True, metavar="COL",
              help="Text column; repeat to join several. Default: text.")
@click.option("--id-col", metavar="COL",
              help="Column copied to the id column (default: the 0-based row number).")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), metavar="J",
              help="MinHash Jaccard similarity (word 3-grams) above which two ads are "
                   "near-duplicates (default: 0.4).")
@click.option("--no-contacts", "link_contacts", flag_value=False, default=True,
              help="Do not link ads that share a phone number or e-mail address.")
@click.option("--jobs", type=click.IntRange(1), metavar="N",
              help="Worker processes (default: all cores).")
@click.option("--input-format", type=click.Choice(["csv", "tsv", "jsonl", "parquet", "lines"]),
              help="Input format (default: from the extension; stdin: one ad per line).")
@click.option("--output-format", type=click.Choice(["csv", "tsv", "jsonl", "parquet"]),
              help="Output format (default: from the extension; stdout: csv).")
def dedup_cmd(**kwargs) -> None:
    """Group near-duplicate ads (one template) and ads sharing a phone number or e-mail.

    Writes id and group for every input row, in input order, and prints the duplicate
    statistics on stderr. Reviewers can then look at one ad per group.
    """
    from ._commands import run_dedup

    stats = run_dedup(**kwargs)
    click.echo(
        f"{stats['n_ads']:,} ads in {stats['n_groups']:,} groups; {stats['n_singletons']:,} "
        f"singletons, {stats['ads_in_multi_groups']:,} ads in {stats['n_multi_groups']:,} groups "
        f"of 2 or more, largest {stats['largest_group']:,} ({stats['seconds']:.1f} s)",
        err=True,
    )


@cli.command("explain")
@click.argument("text")
@click.option("--model", "model_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Model directory (default: the default model).")
@click.option("--top", type=click.IntRange(1), default=10, show_default=True,
              help="How many contributions to show.")
def explain_cmd(**kwargs) -> None:
    """Show why TEXT gets its score: top signed contributions and fired indicators."""
    from ._commands import run_explain

    result = run_explain(**kwargs)
    verdict = "FLAGGED" if result["flagged"] else "not flagged"
    click.echo(f"score {result['score']:.3f} ({verdict} at threshold {result['threshold']:.3f}; "
               f"model {result['model']})")
    click.echo(f"indicators: {', '.join(result['indicators']) or 'none'}")
    click.echo("top contributions to the log-odds (intercept "
               f"{result['intercept']:+.2f}):")
    for label, value in result["contributions"]:
        click.echo(f"  {value:+7.3f}  {label}")
    click.echo("(a triage signal for human review, not proof)")


def _command_line() -> str | None:
    """The command as typed, for reports; None when not run as ``classifier`` (e.g. in tests)."""
    import shlex
    from pathlib import Path

    if not sys.argv or Path(sys.argv[0]).name not in ("classifier", "__main__.py"):
        return None
    return " ".join(["classifier", *map(shlex.quote, sys.argv[1:])])


def _check_configs(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    """Validate ``--compare`` names against the feature sets known at run time."""
    from ._evaluation import parse_config

    if len(values) == 1:
        raise click.BadParameter("give two or more configurations to compare")
    for value in values:
        try:
            parse_config(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return values


@cli.command("evaluate")
@_data_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="PATH",
              help="Also save the metrics as JSON.")
@click.option("--split", multiple=True, type=click.Choice(["group", "random"]),
              help="Folds grouped by near-duplicate text and shared contacts (group, the "
                   "default) or over rows (random, leaky). Give both to measure leakage side "
                   "by side.")
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              metavar="N", help="Bootstrap resamples of groups for 95% intervals (0: none).")
@_calibrate_option
@click.option("--compare", "compare_configs", multiple=True, metavar="NAME",
              callback=_check_configs,
              help="Compare model configurations on the same folds; repeat (two or more). "
                   f"NAME is a feature set ({', '.join(FEATURE_SETS)}), optionally with "
                   "':sigmoid' or ':isotonic'.")
@click.option("--test", type=click.Path(dir_okay=False), metavar="PATH",
              help="Cross-dataset: train on all the data, test on this labeled file.")
@click.option("--test-text-col", "test_text_cols", multiple=True, metavar="COL",
              help="Text column(s) of --test (default: those of the training data).")
@click.option("--test-label-col", metavar="COL",
              help="Label column of --test (default: that of the training data).")
@click.option("--test-label-threshold", type=float, metavar="X",
              help="Label threshold of --test (default: --label-threshold).")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write metrics.json, predictions.csv, plots and report.md to DIR.")
@click.option("--jobs", "n_jobs", type=int, metavar="N",
              help="Parallel model fits (-1: all cores). Default: all cores for 1,000 ads or "
                   "more, else 1.")
@click.option("--dup-threshold", type=click.FloatRange(0, 1, min_open=True), metavar="J",
              help="Grouping: MinHash Jaccard similarity (word 3-grams) above which two ads "
                   "are near-duplicates and share a fold (default: 0.4; 0.9 keeps only "
                   "near-copies together).")
@click.option("--no-contacts", "link_contacts", flag_value=False, default=True,
              help="Grouping: do not keep ads sharing a phone number or e-mail in one fold.")
def evaluate_cmd(**kwargs) -> None:
    """Cross-validate a model, with folds grouped by near-duplicate ads.

    Reports ROC-AUC, average precision (with the positive rate, its baseline), Brier score,
    log loss and precision / recall / F1 at the threshold, with bootstrap intervals over
    groups of ads, a threshold table and calibration data.
    """
    from ._commands import run_evaluate
    from ._report import summary_lines

    if kwargs["test"] and "random" in kwargs["split"]:
        raise click.UsageError("--split does not apply to a cross-dataset --test")
    kwargs["split"] = kwargs["split"] or ("group",)
    kwargs["command"] = _command_line()
    report = run_evaluate(**kwargs)
    protocol = "cross-dataset test" if report.get("protocol") == "cross-dataset" else (
        f"{report['n_folds']} folds")
    click.echo(f"{report['n']} ads in {report['n_groups']} groups; {protocol}")
    if "runs" not in report:
        click.echo(report["split"])
        for fold in report["folds"]:
            _print_metrics(f"fold {fold['fold']}", fold)
        _print_metrics("overall", report["overall"])
        if "mean" in report:
            mean, std = report["mean"], report["std"]
            click.echo("mean ± sd over folds: " + "  ".join(
                f"{m} {mean[m]:.3f}±{std[m]:.3f}" for m in mean))
    if kwargs["bootstrap"]:
        click.echo(f"with {kwargs['bootstrap']} bootstrap resamples of groups (95% intervals):")
    for line in summary_lines(report):
        click.echo(line)
    if kwargs.get("json_path"):
        click.echo(f"wrote {kwargs['json_path']}")
    if kwargs.get("report_dir"):
        click.echo(f"wrote the report to {kwargs['report_dir']}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="classifier", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_ERROR)
    except ClassifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to say
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


__all__ = ["cli", "main"]
