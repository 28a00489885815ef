"""``classifier info``: what a saved model is, where it came from and how it did."""

from __future__ import annotations

import json

import click


@click.command("info")
@click.argument("model_dir", metavar="MODEL", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the whole manifest as JSON.")
def info_cmd(model_dir: str, as_json: bool) -> None:
    """Show a model's manifest: id, training data, threshold, held-out metrics, versions."""
    from classifier.model import read_manifest

    manifest = read_manifest(model_dir)
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
        return
    data = manifest.get("training_data") or {}
    metrics = manifest.get("metrics") or {}
    versions = manifest.get("versions") or {}
    parts = data.get("sources") or [data]
    lines = [
        f"model        {manifest.get('model_id', '?')} ({model_dir})",
        f"trained      {manifest.get('created', '?')} with classifier "
        f"{versions.get('classifier', '?')} (core: {versions.get('text_core', 'python')}), "
        f"scikit-learn {versions.get('scikit-learn', '?')}",
        f"features     {manifest.get('features', '?')}",
        *(f"data         {part.get('source', '?')} (sha256 {str(part.get('sha256'))[:12]}, "
          f"{part.get('n_rows', '?')} rows, {part.get('n_missing_label', 0)} without a label)"
          for part in parts),
        f"threshold    {manifest['threshold']:.3f}: {manifest.get('threshold_rule', '')}",
    ]
    if metrics:
        lines.append("held-out     " + "  ".join(
            f"{name} {metrics[name]:.3f}" for name in
            ("roc_auc", "average_precision", "precision", "recall") if name in metrics))
    click.echo("\n".join(lines))
    click.echo("(scores are triage signals for human review, not proof)")
