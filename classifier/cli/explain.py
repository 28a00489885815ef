"""``classifier explain``: why one text gets its score."""

from __future__ import annotations

import click

from classifier.cli._options import load_model_or_default, model_option


@click.command("explain")
@click.argument("text")
@model_option
@click.option("--top", type=click.IntRange(1), default=10, show_default=True,
              help="How many contributions to show.")
def explain_cmd(text: str, model_dir: str | None, top: int) -> None:
    """Show why TEXT gets its score: top signed contributions and fired indicators."""
    from classifier.scoring import explain_text

    result = explain_text(load_model_or_default(model_dir), text, top=top)
    verdict = "FLAGGED" if result["flagged"] else "not flagged"
    click.echo(f"score {result['score']:.3f} ({verdict} at threshold {result['threshold']:.3f}; "
               f"model {result['model']})")
    click.echo(f"indicators: {', '.join(result['indicators']) or 'none'}")
    click.echo(f"top contributions to the log-odds (intercept {result['intercept']:+.2f}):")
    for label, value in result["contributions"]:
        click.echo(f"  {value:+7.3f}  {label}")
    click.echo("(a triage signal for human review, not proof)")
