"""``classifier train``: fit a model on labeled ads and save it with its model card."""

from __future__ import annotations

import click

from classifier.cli._options import (
    calibrate_option,
    data_options,
    data_sources,
    output_of,
    output_option,
    print_metrics,
    working,
)


@click.command("train")
@data_options
@click.option("--threshold", type=click.FloatRange(0, 1), metavar="T",
              help="Fix the operating threshold instead of choosing it on held-out folds.")
@output_option("Directory to save the model in (created if needed).", directory=True)
@calibrate_option
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              metavar="N", help="Bootstrap resamples for the model card's 95% intervals.")
def train_cmd(**kwargs) -> None:
    """Train a model on labeled ads and save it, with a MODEL_CARD.md, to -o DIR."""
    from classifier.io import load_sources
    from classifier.model import save_model, train
    from classifier.reports import write_model_card

    out = output_of(kwargs, required=True)
    labeled, provenance = load_sources(data_sources(kwargs))
    with working(f"training on {len(labeled.y):,} ads: grouping near-duplicates, choosing the "
                 f"threshold on {kwargs['folds']} grouped folds, fitting"):
        model = train(labeled.texts, labeled.y, features=kwargs["features"],
                      folds=kwargs["folds"], seed=kwargs["seed"],
                      target_precision=kwargs["target_precision"], threshold=kwargs["threshold"],
                      data_info=provenance, calibrate=kwargs["calibrate"])
    save_model(model, out)
    with working("writing the model card (bootstrap intervals)"):
        card = write_model_card(model, out, bootstrap=kwargs["bootstrap"], seed=kwargs["seed"])
    unsure = f", {labeled.n_unsure} marked unsure" if labeled.n_unsure else ""
    click.echo(f"trained on {len(labeled.y)} ads ({labeled.n_missing_label} rows without a "
               f"label{unsure} left out); saved model {model.model_id} to {out}")
    for part in provenance.get("sources", []):
        click.echo(f"  {part['source']}: {part['n_used']} ads, {part['n_positive']} positive")
    click.echo(f"threshold {model.threshold:.3f}: {model.manifest['threshold_rule']}")
    print_metrics("held-out (grouped folds)", model.manifest["metrics"])
    click.echo(f"wrote {card}")
