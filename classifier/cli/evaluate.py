"""``classifier evaluate``: grouped cross-validation, comparisons, cross-dataset tests."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from classifier._errors import DataError
from classifier.cli._options import (
    calibrate_option,
    data_options,
    data_sources,
    dup_threshold_option,
    jobs_option,
    no_contacts_option,
    print_metrics,
    working,
)
from classifier.features._names import FEATURE_SETS


def _command_line() -> str | None:
    """The command as typed, for reports; None when not run as ``classifier`` (e.g. in tests)."""
    if not sys.argv or Path(sys.argv[0]).name not in ("classifier", "__main__.py"):
        return None
    return " ".join(["classifier", *map(shlex.quote, sys.argv[1:])])


def _check_configs(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    """Validate ``--compare`` names against the feature sets known at run time."""
    from classifier.evaluation._crossval import parse_config

    if len(values) == 1:
        raise click.BadParameter("give two or more configurations to compare")
    for value in values:
        try:
            parse_config(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return values


@click.command("evaluate")
@data_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="PATH",
              help="Also save the metrics as JSON.")
@click.option("--split", "splits", multiple=True, type=click.Choice(["group", "random"]),
              help="Folds grouped by near-duplicate text and shared contacts (group, the "
                   "default) or over rows (random, leaky). Give both to measure leakage side "
                   "by side.")
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              metavar="N", help="Bootstrap resamples of groups for 95% intervals (0: none).")
@calibrate_option
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
@jobs_option("Parallel model fits (-1: all cores). Default: all cores for 1,000 ads or "
             "more, else 1.")
@click.option("--n-jobs", "n_jobs_alias", type=int, hidden=True)  # an earlier spelling
@dup_threshold_option
@no_contacts_option
@click.option("--benign", multiple=True, metavar="NAME_OR_PATH",
              help="Also report the share of ordinary ads that a model trained on all the "
                   "data flags: a built-in set of ordinary ads, 'evaluation' (the held-out "
                   "ones), 'all', or a file with a text column; repeat for several.")
def evaluate_cmd(**kwargs) -> None:
    """Cross-validate a model, with folds grouped by near-duplicate ads.

    Reports ROC-AUC, average precision (with the positive rate, its baseline), Brier score,
    log loss and precision / recall / F1 at the threshold, with bootstrap intervals over
    groups of ads, a threshold table and calibration data.
    """
    from classifier.evaluation import EvaluationOptions, evaluate_source
    from classifier.evaluation._crossval import config_name
    from classifier.io import DataSource
    from classifier.reports import (
        benign_lines,
        metrics_json,
        source_lines,
        summary_lines,
        write_report,
    )
    from classifier.text import DUP_THRESHOLD

    splits = kwargs["splits"] or ("group",)
    if kwargs["test"] and "random" in splits:
        raise click.UsageError("--split does not apply to a cross-dataset --test")
    json_path = kwargs["json_path"]
    if json_path is not None and not Path(json_path).parent.is_dir():
        raise DataError(f"{Path(json_path).parent}: directory for --json does not exist")
    columns = {"text_cols": kwargs["text_cols"], "label_col": kwargs["label_col"],
               "label_threshold": kwargs["label_threshold"]}
    sources = data_sources(kwargs)
    test = None if kwargs["test"] is None else DataSource(
        data=kwargs["test"], text_cols=kwargs["test_text_cols"] or columns["text_cols"],
        label_col=kwargs["test_label_col"] or columns["label_col"],
        label_threshold=(columns["label_threshold"] if kwargs["test_label_threshold"] is None
                         else kwargs["test_label_threshold"]))
    calibrate = kwargs["calibrate"]
    configs = [c if ":" in c or calibrate is None else config_name(c, calibrate)
               for c in kwargs["compare_configs"]] or [config_name(kwargs["features"], calibrate)]
    jobs = kwargs["jobs"] if kwargs["jobs"] is not None else kwargs["n_jobs_alias"]
    options = EvaluationOptions(
        splits=splits, folds=kwargs["folds"], seed=kwargs["seed"],
        target_precision=kwargs["target_precision"], bootstrap=kwargs["bootstrap"],
        n_jobs=jobs, dup_threshold=kwargs["dup_threshold"] or DUP_THRESHOLD,
        link_contacts=kwargs["link_contacts"])
    with working(f"evaluating {len(configs)} configuration(s) x {len(splits)} split(s) on "
                 f"{options.folds} folds"):
        report = evaluate_source(sources, configs, options, test=test,
                                 benign=kwargs["benign"])

    protocol = "cross-dataset test" if report.get("protocol") == "cross-dataset" else (
        f"{report['n_folds']} folds")
    click.echo(f"{report['n']} ads in {report['n_groups']} groups; {protocol}")
    if "runs" not in report:
        click.echo(report["split"])
        for fold in report["folds"]:
            print_metrics(f"fold {fold['fold']}", fold)
        print_metrics("overall", report["overall"])
        if "mean" in report:
            mean, std = report["mean"], report["std"]
            click.echo("mean ± sd over folds: " + "  ".join(
                f"{m} {mean[m]:.3f}±{std[m]:.3f}" for m in mean))
    if options.bootstrap:
        click.echo(f"with {options.bootstrap} bootstrap resamples of groups (95% intervals):")
    for line in summary_lines(report):
        click.echo(line)
    for line in [*source_lines(report), *benign_lines(report)]:
        click.echo(line)
    if json_path is not None:
        Path(json_path).write_text(metrics_json(report) + "\n")
        click.echo(f"wrote {json_path}")
    if kwargs["report_dir"]:
        write_report(report, kwargs["report_dir"], command=_command_line())
        click.echo(f"wrote the report to {kwargs['report_dir']}")
