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
    data = manifest.get("data") or {}
    metrics = manifest.get("metrics") or {}
    versions = manifest.get("versions") or {}
    lines = [
        f"model        {manifest.get('model_id', '?')} ({model_dir})",
        f"trained      {manifest.get('trained_at', '?')} with classifier "
        f"{versions.get('classifier', '?')}, scikit-learn {versions.get('scikit-learn', '?')}",
        f"features     {manifest.get('features', '?')}",
        f"data         {data.get('source', '?')} (sha256 {str(data.get('sha256', '?'))[:12]}, "
        f"{data.get('n_rows', '?')} rows, {data.get('n_missing_label', 0)} without a label)",
        f"threshold    {manifest['threshold']:.3f}: {manifest.get('threshold_rule', '')}",
    ]
    if metrics:
        lines.append("held-out     " + "  ".join(
            f"{name} {metrics[name]:.3f}" for name in
            ("roc_auc", "average_precision", "precision", "recall") if name in metrics))
    click.echo("\n".join(lines))
    click.echo("(scores are triage signals for human review, not proof)")
