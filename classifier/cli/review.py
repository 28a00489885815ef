"""``classifier review``: a self-contained HTML page to review flagged ads and decide."""

from __future__ import annotations

import sys

import click

from classifier.cli._options import (
    EXIT_PARTIAL,
    id_col_option,
    input_format_option,
    model_option,
    on_error_option,
    output_of,
    output_option,
    report_line,
    text_col_option,
)
from classifier.review._options import ORDERS


@click.command("review")
@click.argument("source", metavar="INPUT")
@output_option("The HTML page to write (to a temporary file, renamed when complete).")
@model_option
@text_col_option
@id_col_option
@click.option("--keep-col", "keep_cols", multiple=True, metavar="COL",
              help="Input column shown with each ad; repeatable.")
@click.option("--time-col", metavar="COL",
              help="Column of post times: each group shows its time span.")
@click.option("--threshold", type=click.FloatRange(0, 1), metavar="T",
              help="Flag scores >= T (default: the model's threshold).")
@click.option("--order", type=click.Choice(ORDERS), default="priority", show_default=True,
              help="priority: highest score, then largest group first. uncertainty: nearest "
                   "the threshold first (the decisions that teach the model most).")
@click.option("--limit", type=click.IntRange(1), metavar="N",
              help="At most N ads in the queue, in queue order.")
@click.option("--all", "include_all", is_flag=True,
              help="Queue every ad (default: flagged ads and those just under the threshold).")
@click.option("--show-contacts", is_flag=True,
              help="Show phone numbers, e-mails, URLs and handles (masked by default: the "
                   "file may travel).")
@input_format_option
@on_error_option
@click.option("--quiet", "-q", is_flag=True, help="No summary line.")
def review_cmd(quiet: bool, text_cols: tuple[str, ...], **settings) -> None:
    """Write a self-contained HTML review page of the ads in INPUT.

    Scores the ads (read as `score` reads them), groups reposts of one template and ads
    sharing a contact, and queues the flagged ads and those just under the threshold, one
    card per group. Each ad shows its text with the passages that fired each indicator
    highlighted, and its score and reasons in words. Reviewers mark ads suspicious / not
    suspicious / unsure (keys 1/2/3, j/k to move); decisions stay in the browser and are
    exported as CSV: id,text,decision,note,decided_at,score,model.

    The page needs no network. Contacts are masked unless --show-contacts.
    """
    from classifier.review import ReviewOptions, write_review_page

    output = output_of(settings, required=True)
    options = ReviewOptions(output=output, text_cols=text_cols or ("text",), **settings)
    result = write_review_page(options, on_problem=report_line)
    if not quiet:
        click.echo(
            f"read {result['rows_read']:,} rows, flagged {result['flagged']:,} at threshold "
            f"{result['threshold']:.3f}; {result['queued']:,} ads in {result['groups']:,} "
            f"groups to review, {result['problems']:,} problem lines; wrote {result['output']} "
            f"({result['bytes'] / 1e6:.1f} MB)", err=True)
    if result["problems"]:
        sys.exit(EXIT_PARTIAL)
