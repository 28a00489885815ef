"""Model cards: ``MODEL_CARD.md`` in every model directory written by ``classifier train``.

The card is filled from the trained model itself: its manifest (provenance of the training
data, label mapping, parameters, threshold, library versions) and its out-of-fold training
scores (:attr:`classifier.Model.cv_predictions`), whose metrics get bootstrap confidence
intervals over groups of near-duplicate ads. Its structure follows Mitchell et al., "Model
Cards for Model Reporting" (FAT* 2019), with the caveats that matter for this field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._bootstrap import bootstrap_metrics, percentile_interval, weighted_metrics
from ._datasets import DATASETS
from ._evaluation import reliability, threshold_table
from ._model import Model
from ._report import METRIC_LABELS, format_interval, markdown_table

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
        return {"overall": metrics, "ci": {}, "threshold_table": [], "calibration": None}
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
    params = manifest.get("params", {})
    data = manifest.get("training_data", {})
    versions = manifest.get("versions", {})
    metrics = card_metrics(model, bootstrap=bootstrap, seed=seed)
    overall, ci = metrics["overall"], metrics["ci"]
    source = data.get("source", "unknown")
    calibrate = params.get("calibrate")
    n_used = data.get("n_used", 0)
    n_pos = data.get("n_positive", 0)
    folds = params.get("folds", "?")

    lines = [f"# Model card: classifier model `{manifest.get('model_id') or 'unsaved'}`", ""]
    lines += [
        "A triage score for online classified ads (escort and other adult-services ads) that "
        "may be linked to human trafficking. **The score is a signal for human review, never "
        "proof, and never grounds for automated action against a person.**", "",
        "## Model details", "",
        f"- Model id: `{manifest.get('model_id') or 'unsaved'}` (first 12 hex digits of the "
        "SHA-256 of `pipeline.skops`); created " + str(manifest.get("created", "?")) + ".",
        f"- Software: classifier {manifest.get('classifier_version', '?')}, scikit-learn "
        f"{versions.get('scikit-learn', '?')}, Python {versions.get('python', '?')}.",
        f"- Pipeline: text normalisation and contact masking (phone numbers, e-mails and URLs "
        f"become placeholder tokens), feature set `{manifest.get('features', '?')}`, "
        f"logistic regression (C={params.get('C', '?')}) fitted with balanced class weights "
        "and shifted back to the training prevalence"
        + (f", then {calibrate} calibration fitted on grouped out-of-fold scores"
           if calibrate else " (not separately calibrated)") + ".",
        f"- Operating threshold: **{model.threshold:.4f}** ({manifest.get('threshold_rule', '')}"
        f"); scores >= the threshold are flagged. It can be changed without retraining "
        "(`classifier score --threshold T`).",
        "- Explanations: each score comes with the terms and indicators that moved it, from "
        "the linear model's coefficients.",
        "",
        "## Intended use", "",
        "- Ordering a queue of ads for trained human reviewers (content moderators, NGO "
        "analysts, investigators), so that the ads most like those annotated as suspicious "
        "are read first; grouping near-identical ads so that one template is reviewed once.",
        "- Research on screening methods, with the evaluation protocol of `classifier evaluate` "
        "(folds grouped by near-duplicate text and shared contacts).",
        "",
        "## Out-of-scope uses", "",
        "- Any automated decision about a person or an ad (removal, account suspension, "
        "reports to authorities, refusal of service) without human review.",
        "- Treating a score as evidence that a person is trafficked, or as a probability of "
        "trafficking: it estimates agreement with the annotators' suspicion labels.",
        "- Identifying, tracking or profiling individuals; scoring text that is not an ad.",
        "- Ads in other languages, regions, sites or periods than the training data, unless "
        "the model has been evaluated on such ads first (`classifier evaluate --test`).",
        "",
        "## Training data", "",
        f"- Source: `{source}`" + (f", SHA-256 `{data['sha256']}`" if data.get("sha256") else "")
        + ".",
    ]
    if source in DATASETS:
        info = DATASETS[source]
        lines.append(f"- {info.description} Licence: {info.licence}.")
    lines += [
        f"- Rows: {data.get('n_rows', n_used):,} read, {data.get('n_missing_label', 0):,} "
        f"without a label left out, {n_used:,} used; {n_pos:,} positive "
        f"({n_pos / max(n_used, 1):.1%}); {data.get('n_groups', 0):,} groups of near-duplicate "
        "ads and ads sharing a contact.",
        f"- Text column(s): {', '.join(data.get('text_cols', []) or ['text'])}; label column: "
        f"{data.get('label_col', 'label')}"
        + (f"; labels >= {data['label_threshold']:g} are positive"
           if data.get("label_threshold") is not None else "") + ".",
    ]
    mapping = data.get("label_mapping")
    if mapping:
        shown = ", ".join(f"`{raw}` -> {cls}" for raw, cls in list(mapping.items())[:10])
        more = f" and {len(mapping) - 10} more" if len(mapping) > 10 else ""
        lines.append(f"- Label mapping (raw label -> class): {shown}{more}.")
    lines += [
        "- **What the labels mean**: class 1 is an annotator's judgement that an ad is "
        "suspicious, not a confirmed trafficking case; who assigned the labels and by which "
        "rules decides what the model learns. Public labels in this field are weak, "
        "indicator-guided annotations.",
        "",
        "## Metrics", "",
        f"Out-of-fold scores of the training data ({folds} folds grouped by near-duplicate text "
        "and shared contacts; every ad scored by a model that did not see its group)."
        + (f" Intervals: {metrics['confidence']:.0%} percentile bootstrap over "
           f"{metrics['bootstrap']:,} resamples of groups." if ci else ""),
        "",
    ]
    names = [m for m in METRIC_LABELS if m in overall]
    frame = pd.DataFrame({"value": [format_interval(overall[m], ci.get(m)) for m in names]},
                         index=[METRIC_LABELS[m] for m in names])
    lines += [markdown_table(frame, "metric"), ""]
    lines += [
        "The threshold was chosen on these same out-of-fold scores, so the metrics *at the "
        "threshold* (precision, recall, F1, false-positive rate) are optimistic; "
        "`classifier evaluate` measures them with the threshold chosen on inner folds only. "
        "Average precision should be compared with the positive rate, its value for a random "
        "ranking.",
        "",
    ]
    if metrics["threshold_table"]:
        rows = metrics["threshold_table"]
        table = pd.DataFrame({
            "threshold": [_fmt(r["threshold"]) for r in rows],
            "precision": [_fmt(r["precision"]) for r in rows],
            "recall": [_fmt(r["recall"]) for r in rows],
            "false-positive rate": [_fmt(r["false_positive_rate"]) for r in rows],
        }, index=[f"{r['target_precision']:.2f}" for r in rows])
        lines += ["Other operating points (lowest threshold reaching each precision on the "
                  "out-of-fold scores):", "", markdown_table(table, "target precision"), ""]
    if metrics["calibration"]:
        ece = metrics["calibration"]["expected_calibration_error"]
        lines += [f"Expected calibration error (10 equal-width bins): {ece:.3f}.", ""]
    lines += [
        "## Limitations and ethical considerations", "",
        "- **False positives fall on sex workers who are not trafficked**, the population most "
        "exposed to this model's errors. The false-positive rate above is the share of ads "
        "labelled not suspicious that the threshold flags; choose thresholds for precision and "
        "keep a human in the loop.",
        "- **Labels are suspicion judgements.** Indicator-guided labels teach the model the "
        "annotators' indicators; a study with known case outcomes found several popular "
        "\"red flags\" not predictive, and movement language less frequent in trafficking "
        "ads. High scores mean \"resembles ads annotated as suspicious\".",
        "- **Shift.** Vocabulary, spelling, obfuscation, site conventions and law change "
        "quickly; a model trained on one region, site and period degrades on others. Evaluate "
        "on your own ads before use (cross-dataset: `classifier evaluate --test PATH`).",
        "- **Templated ads** are common: metrics from random row splits are inflated by "
        "near-duplicates on both sides of a split. The figures here use grouped folds.",
        "- **Personal data.** Ads hold phone numbers and other contact details. They are "
        "masked before vectorising, and saving refuses a model whose vocabulary holds contact "
        "data, so the model does not memorise them; the training data itself must be "
        "protected.",
        "- Scores are on the scale of the training prevalence"
        + (f" and {calibrate}-calibrated on grouped folds" if calibrate else "")
        + "; where the share of suspicious ads differs, the same score means a different "
        "probability.",
        "",
    ]
    return "\n".join(lines)


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
