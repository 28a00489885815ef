"""``classifier score``: score ads in a file, standard input or given texts."""

from __future__ import annotations

import sys

import click

from classifier.cli._options import (
    EXIT_PARTIAL,
    id_col_option,
    input_format_option,
    jobs_count,
    jobs_option,
    load_model_or_default,
    model_option,
    no_escape_formulas_option,
    on_error_option,
    output_format_option,
    output_of,
    output_option,
    report_line,
    text_col_option,
)
from classifier.scoring._types import CHUNKSIZE


@click.command("score")
@click.argument("source", required=False, metavar="INPUT")
@model_option
@click.option("--text", "texts", multiple=True, metavar="TEXT",
              help="Score this text instead of a file; repeatable.")
@output_option("Output file (.csv, .tsv, .jsonl, .parquet) or - for stdout (default). "
               "Written to a temporary file and renamed when complete.")
@text_col_option
@id_col_option
@click.option("--threshold", type=click.FloatRange(0, 1), metavar="T",
              help="Flag scores >= T (default: the model's threshold).")
@click.option("--keep-col", "keep_cols", multiple=True, metavar="COL",
              help="Input column to carry through to the output; repeatable.")
@click.option("--flagged-only", is_flag=True,
              help="Write only flagged rows (a review queue); the summary counts all rows.")
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Fill the reasons and indicators columns.")
@on_error_option
@jobs_option("Worker processes (default or -1: all cores).")
@click.option("--chunksize", type=click.IntRange(1), default=CHUNKSIZE, show_default=True,
              help="Rows read and scored at a time; memory grows with it, not with the file.")
@input_format_option
@output_format_option
@no_escape_formulas_option
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="local: this machine's cores. dask: partitions on a Dask cluster (INPUT may "
                   "be a glob or an fsspec URL such as s3://bucket/ads/*.parquet).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); default: a local cluster.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
def score_cmd(source: str | None, texts: tuple[str, ...], model_dir: str | None, quiet: bool,
              **settings) -> None:
    """Score ads in INPUT (a file, or - for stdin: one ad per line unless --input-format).

    Writes one row per input row, in input order: id, score (probability of the
    'suspicious' class), flagged (score >= threshold), threshold, reasons (top signed
    feature contributions), indicators (fired indicators), model, status. Malformed input
    lines are reported on stderr with their line number.

    Exit codes: 0 success, 1 failure (nothing written), 2 usage error, 3 partial success
    (some input lines could not be read and were skipped).
    """
    from classifier.scoring import ScoreOptions, score_texts_to

    if (source is None) == (not texts):
        raise click.UsageError("give either INPUT (a file or -) or --text")
    output = output_of(settings)
    settings["jobs"] = jobs_count(settings["jobs"])
    options = ScoreOptions(**settings)
    model = load_model_or_default(model_dir)

    if texts:
        summary = score_texts_to(model, texts, output, options)
    else:
        from classifier.scoring import score_source  # pandas: only for files

        summary = score_source(model, source, output, options, on_problem=report_line,
                               progress=not quiet and sys.stderr.isatty())
    if not quiet:
        click.echo(summary.line(), err=True)
    if summary.problems:
        sys.exit(EXIT_PARTIAL)
