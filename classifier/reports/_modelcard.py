"""Model cards: ``MODEL_CARD.md`` in every model directory written by ``classifier train``.

The card is filled from the trained model itself: its manifest (provenance of the training
data, label mapping, parameters, threshold, library versions) and its out-of-fold training
scores (:attr:`classifier.Model.cv_predictions`), whose metrics get bootstrap confidence
intervals over groups of near-duplicate ads. Its structure follows Mitchell et al., "Model
Cards for Model Reporting" (FAT* 2019), with the caveats that matter for this field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from classifier.evaluation._bootstrap import (
    bootstrap_metrics,
    percentile_interval,
    weighted_metrics,
)
from classifier.evaluation._metrics import reliability, threshold_table
from classifier.io._datasets import DATASETS
from classifier.model._pipeline import Model
from classifier.reports._report import METRIC_LABELS, format_interval, markdown_table
from classifier.reports._templates import render

#: File name of the model card in a model directory.
MODEL_CARD_FILE = "MODEL_CARD.md"


def card_metrics(model: Model, *, bootstrap: int = 1000, seed: int = 0,
                 confidence: float = 0.95) -> dict:
    """Metrics of the model's out-of-fold training scores, with bootstrap intervals.

    Returns
    -------
    dict
        ``overall`` (point values), ``ci`` (``[low, high]`` per metric; empty without
        out-of-fold scores or with ``bootstrap=0``), ``threshold_table`` and
        ``calibration``; for a model without :attr:`~classifier.Model.cv_predictions` (a
        loaded model) only the manifest's point metrics.
    """
    oof = model.cv_predictions
    if oof is None:
        metrics = dict(model.manifest.get("metrics", {}))
        metrics.pop("description", None)
        return {"overall": metrics, "ci": {}, "threshold_table": [], "calibration": None,
                "bootstrap": 0, "confidence": confidence}
    y = oof["label"].to_numpy()
    score = oof["score"].to_numpy(dtype=float)
    flagged = score >= model.threshold
    point = weighted_metrics(np.ones((1, len(y))), y, score, flagged)
    samples = bootstrap_metrics(y, score, flagged, groups=oof["group"].to_numpy(),
                                n_resamples=bootstrap, seed=seed) if bootstrap > 0 else {}
    return {
        "overall": {k: float(v[0]) for k, v in point.items()},
        "ci": {k: list(percentile_interval(v, confidence)) for k, v in samples.items()},
        "threshold_table": threshold_table(y, score),
        "calibration": reliability(y, score),
        "bootstrap": bootstrap,
        "confidence": confidence,
    }


def model_card(model: Model, *, bootstrap: int = 1000, seed: int = 0) -> str:
    """The model card of ``model`` as Markdown.

    Parameters
    ----------
    model : Model
        A trained model; saved (so that its manifest has its id and versions) for a complete
        card. Metrics get intervals only when the model carries its out-of-fold training
        scores, i.e. straight after :func:`classifier.train`.
    bootstrap : int
        Bootstrap resamples of groups for the intervals.
    seed : int
        Seed of the bootstrap.
    """
    manifest = model.manifest
    data = manifest.get("training_data", {})
    metrics = card_metrics(model, bootstrap=bootstrap, seed=seed)
    overall, ci = metrics["overall"], metrics["ci"]
    n_used = data.get("n_used", 0)
    names = [m for m in METRIC_LABELS if m in overall]
    metrics_table = pd.DataFrame({"value": [format_interval(overall[m], ci.get(m))
                                            for m in names]},
                                 index=[METRIC_LABELS[m] for m in names])
    threshold_table = ""
    if metrics["threshold_table"]:
        rows = metrics["threshold_table"]
        threshold_table = markdown_table(pd.DataFrame({
            "threshold": [_fmt(r["threshold"]) for r in rows],
            "precision": [_fmt(r["precision"]) for r in rows],
            "recall": [_fmt(r["recall"]) for r in rows],
            "false-positive rate": [_fmt(r["false_positive_rate"]) for r in rows],
        }, index=[f"{r['target_precision']:.2f}" for r in rows]), "target precision")
    mapping = data.get("label_mapping") or {}
    shown = ", ".join(f"`{raw}` -> {cls}" for raw, cls in list(mapping.items())[:10])
    more = f" and {len(mapping) - 10} more" if len(mapping) > 10 else ""
    source = data.get("source", "unknown")
    return render(
        "model_card.md.j2",
        model_id=manifest.get("model_id") or "unsaved",
        created=manifest.get("created", "?"),
        classifier_version=manifest.get("classifier_version", "?"),
        versions=manifest.get("versions", {}),
        params=manifest.get("params", {}),
        features=manifest.get("features", "?"),
        calibrate=manifest.get("params", {}).get("calibrate"),
        threshold=model.threshold,
        threshold_rule=manifest.get("threshold_rule", ""),
        dataset=DATASETS.get(source),
        sources=[{"source": part.get("source", "?"), "sha256": part.get("sha256"),
                  "n_rows": part.get("n_rows", 0), "n_used": part.get("n_used", 0),
                  "n_positive": part.get("n_positive", 0), "n_unsure": part.get("n_unsure", 0),
                  "dataset": DATASETS.get(part.get("source"))}
                 for part in data.get("sources", [])],
        data={
            "source": source,
            "sha256": data.get("sha256"),
            "n_rows": data.get("n_rows", n_used),
            "n_missing_label": data.get("n_missing_label", 0),
            "n_unsure": data.get("n_unsure", 0),
            "n_used": n_used,
            "n_positive": data.get("n_positive", 0),
            "n_groups": data.get("n_groups", 0),
            "text_cols": data.get("text_cols", []) or ["text"],
            "label_col": data.get("label_col", "label"),
            "label_threshold": data.get("label_threshold"),
        },
        positive_share=data.get("n_positive", 0) / max(n_used, 1),
        label_mapping=shown + more,
        folds=manifest.get("params", {}).get("folds", "?"),
        intervals=bool(ci),
        confidence=metrics["confidence"],
        bootstrap=metrics["bootstrap"],
        metrics_table=markdown_table(metrics_table, "metric"),
        threshold_table=threshold_table,
        ece=(metrics["calibration"]["expected_calibration_error"]
             if metrics["calibration"] else None),
    )


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def write_model_card(model: Model, path: str | Path, **kwargs) -> Path:
    """Write ``MODEL_CARD.md`` for ``model`` into model directory ``path``; returns the file.

    ``kwargs`` go to :func:`model_card`.
    """
    file = Path(path) / MODEL_CARD_FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(model_card(model, **kwargs))
    return file
