"""``classifier dedup``: group near-duplicate ads and ads sharing a contact."""

from __future__ import annotations

import sys

import click

from classifier.cli._options import (
    EXIT_PARTIAL,
    dup_threshold_option,
    id_col_option,
    input_format_option,
    jobs_count,
    jobs_option,
    no_contacts_option,
    no_escape_formulas_option,
    on_error_option,
    output_format_option,
    output_of,
    output_option,
    report_line,
    say,
    text_col_option,
    working,
)


@click.command("dedup")
@click.argument("source", metavar="INPUT")
@output_option("Output file (.csv, .tsv, .jsonl, .parquet) or - for stdout (default).")
@text_col_option
@id_col_option
@dup_threshold_option
@click.option("--threshold", "threshold_alias", type=click.FloatRange(0, 1, min_open=True),
              hidden=True)  # the old name of --dup-threshold
@no_contacts_option
@jobs_option("Worker processes (-1: all cores; default: all cores from 10,000 ads).")
@input_format_option
@output_format_option
@on_error_option
@no_escape_formulas_option
def dedup_cmd(source: str, threshold_alias: float | None, **settings) -> None:
    """Group near-duplicate ads (one template) and ads sharing a phone number or e-mail.

    Writes id and group for every input row, in input order, and prints the duplicate
    statistics on stderr. Reviewers can then look at one ad per group.
    """
    from classifier.text import DUP_THRESHOLD, DedupOptions, dedup_file

    output = output_of(settings)
    if settings["dup_threshold"] is None:
        settings["dup_threshold"] = threshold_alias or DUP_THRESHOLD
    elif threshold_alias is not None and threshold_alias != settings["dup_threshold"]:
        raise click.UsageError("give --dup-threshold once (--threshold is its old name)")
    settings["jobs"] = jobs_count(settings["jobs"])
    settings["text_cols"] = tuple(settings["text_cols"]) or ("text",)
    with working(f"grouping the ads of {source}"):
        stats = dedup_file(source, output, DedupOptions(**settings), on_problem=report_line)
    say(f"{stats['n_ads']:,} ads in {stats['n_groups']:,} groups; {stats['n_singletons']:,} "
        f"singletons, {stats['ads_in_multi_groups']:,} ads in {stats['n_multi_groups']:,} groups "
        f"of 2 or more, largest {stats['largest_group']:,} ({stats['seconds']:.1f} s)"
        + (f"; {stats['problems']:,} problem lines" if stats["problems"] else ""))
    if stats["problems"]:
        sys.exit(EXIT_PARTIAL)
