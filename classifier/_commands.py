"""The work behind each command-line verb, as plain functions that return a dict.

The command line only parses options, calls one of these and prints the result, so
everything it does can also be done, and tested, from Python.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._datasets import load_labeled
from ._defaults import load_default_model
from ._evaluation import evaluate
from ._features import DEFAULT_FEATURES
from ._model import Model, train
from ._output import TableWriter
from ._persistence import load_model, save_model
from ._scoring import score_file, score_frame


def _model(model_dir: str | Path | None) -> Model:
    return load_default_model() if model_dir is None else load_model(model_dir)


def run_train(
    *,
    out: str | Path,
    dataset: str | None = None,
    data: str | Path | None = None,
    text_cols: Sequence[str] = (),
    label_col: str | None = None,
    label_threshold: float | None = None,
    features: str = DEFAULT_FEATURES,
    folds: int = 5,
    seed: int = 0,
    target_precision: float | None = 0.9,
    threshold: float | None = None,
) -> dict:
    """Train on a dataset or file and save the model to ``out``."""
    if dataset is None and data is None:
        dataset = "chainbreaker"
    labeled, provenance = load_labeled(dataset=dataset, data=data, text_cols=text_cols or None,
                                       label_col=label_col, label_threshold=label_threshold)
    model = train(labeled.texts, labeled.y, features=features, folds=folds, seed=seed,
                  target_precision=target_precision, threshold=threshold, data_info=provenance)
    save_model(model, out)
    return {
        "model_dir": str(out),
        "model_id": model.model_id,
        "threshold": model.threshold,
        "threshold_rule": model.manifest["threshold_rule"],
        "n_rows": labeled.n_rows,
        "n_used": len(labeled.y),
        "n_missing_label": labeled.n_missing_label,
        "metrics": model.manifest["metrics"],
    }


def run_score(
    *,
    source: str | Path | None = None,
    texts: Sequence[str] = (),
    output: str | Path | None = None,
    model_dir: str | Path | None = None,
    text_cols: Sequence[str] = (),
    id_col: str | None = None,
    threshold: float | None = None,
    keep_cols: Sequence[str] = (),
    input_format: str | None = None,
    output_format: str | None = None,
) -> dict:
    """Score a file, standard input (``source="-"``) or texts given directly."""
    model = _model(model_dir)
    if texts:
        frame = pd.DataFrame({"text": list(texts)})
        scored = score_frame(model, frame, threshold=threshold)
        with TableWriter(output, output_format) as writer:
            writer.write(scored)
        return {"rows": len(scored), "flagged": int(scored["flagged"].sum()),
                "threshold": float(scored["threshold"].iloc[0]), "model": model.model_id,
                "output": "-" if output in (None, "-") else str(output)}
    return score_file(model, source, output, text_cols=text_cols or ("text",), id_col=id_col,
                      threshold=threshold, keep_cols=keep_cols, input_format=input_format,
                      output_format=output_format)


def run_evaluate(
    *,
    dataset: str | None = None,
    data: str | Path | None = None,
    text_cols: Sequence[str] = (),
    label_col: str | None = None,
    label_threshold: float | None = None,
    features: str = DEFAULT_FEATURES,
    folds: int = 5,
    seed: int = 0,
    target_precision: float | None = 0.9,
    json_path: str | Path | None = None,
) -> dict:
    """Grouped cross-validation on a dataset or file; optionally save the metrics as JSON."""
    if dataset is None and data is None:
        dataset = "chainbreaker"
    labeled, provenance = load_labeled(dataset=dataset, data=data, text_cols=text_cols or None,
                                       label_col=label_col, label_threshold=label_threshold)
    report = evaluate(labeled.texts, labeled.y, features=features, folds=folds, seed=seed,
                      target_precision=target_precision)
    report["data"] = provenance
    if json_path is not None:
        Path(json_path).write_text(json.dumps(report, indent=2))
    return report
