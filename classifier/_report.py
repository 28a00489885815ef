"""Evaluation reports: plots, a Markdown summary and JSON, from an evaluation result.

Every function takes the dict returned by :func:`classifier.evaluate` or
:func:`classifier.compare` (one run or several side by side). Plots are drawn on
:class:`matplotlib.figure.Figure` objects with the Agg canvas, never through ``pyplot``, so
they work without a display, in threads, and in notebooks (where a returned figure is shown
by the inline backend), and never change matplotlib's global state.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay, precision_recall_curve

from . import __version__
from ._evaluation import evaluation_runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Metrics of the summary tables, with their labels.
METRIC_LABELS = {
    "roc_auc": "ROC-AUC",
    "average_precision": "Average precision",
    "positive_rate": "Positive rate (AP baseline)",
    "brier": "Brier score (lower is better)",
    "log_loss": "Log loss (lower is better)",
    "precision": "Precision at threshold",
    "recall": "Recall at threshold",
    "f1": "F1 at threshold",
    "false_positive_rate": "False-positive rate at threshold",
    "flagged_rate": "Share of ads flagged",
}
#: Plot files written by :func:`write_report`, with their titles.
PLOTS = {
    "precision_recall.png": "Precision-recall curve",
    "roc.png": "ROC curve",
    "reliability.png": "Reliability diagram",
    "score_histograms.png": "Scores by class",
    "threshold_curves.png": "Precision and recall against the threshold",
}
_CLASS_NAMES = ("not suspicious (0)", "suspicious (1)")


# --------------------------------------------------------------------------- tables


def format_interval(value: float | None, ci: list | None = None, digits: int = 3) -> str:
    """``"0.812 [0.790, 0.833]"``, or just the value without an interval; ``"–"`` for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    if ci and not any(v is None or math.isnan(v) for v in ci):
        text += f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"
    return text


def metrics_frame(result: dict, metrics: tuple[str, ...] = tuple(METRIC_LABELS)) -> pd.DataFrame:
    """Metrics with their intervals, one column per run plus one per difference.

    Differences are each later run minus the first, with paired bootstrap intervals; for a
    random-split run against a grouped-split run they measure how much leakage inflates the
    metrics. Cells are formatted strings such as ``"0.812 [0.790, 0.833]"``.
    """
    runs = evaluation_runs(result)
    columns: dict[str, list[str]] = {}
    for run in runs:
        columns[run["name"]] = [
            format_interval(run["overall"].get(m), run.get("ci", {}).get(m)) for m in metrics
        ]
    for diff in result.get("differences", []):
        label = f"{diff['run']} − {diff['reference']}"
        columns[label] = [
            format_interval(diff["metrics"].get(m, {}).get("difference"),
                            diff["metrics"].get(m, {}).get("ci"))
            for m in metrics
        ]
    return pd.DataFrame(columns, index=[METRIC_LABELS.get(m, m) for m in metrics])


def markdown_table(frame: pd.DataFrame, index_label: str = "") -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (no extra dependency)."""
    header = [index_label, *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for label, row in frame.iterrows():
        lines.append("| " + " | ".join([str(label), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)


def threshold_frame(result: dict) -> pd.DataFrame:
    """The threshold tables of all runs (pooled out-of-fold scores), one row per target."""
    rows = []
    for run in evaluation_runs(result):
        for row in run["threshold_table"]:
            rows.append({"run": run["name"], **row})
    return pd.DataFrame(rows)


def summary_lines(result: dict) -> list[str]:
    """Plain-text summary of a result, one line per run and per difference (for the CLI)."""
    keys = ("roc_auc", "average_precision", "brier", "precision", "recall", "f1")
    short = {"roc_auc": "ROC-AUC", "average_precision": "AP", "brier": "Brier",
             "precision": "precision", "recall": "recall", "f1": "F1"}
    lines = []
    for run in evaluation_runs(result):
        overall, ci = run["overall"], run.get("ci", {})
        parts = [f"{short[k]} {format_interval(overall[k], ci.get(k))}" for k in keys]
        lines.append(f"{run['name']}: " + "  ".join(parts)
                     + f"  (positive rate {overall['positive_rate']:.3f})")
    for diff in result.get("differences", []):
        metrics = diff["metrics"]
        parts = [
            f"{short[k]} " + format_interval(metrics[k]["difference"], metrics[k].get("ci"))
            for k in keys if k in metrics
        ]
        lines.append(f"{diff['run']} − {diff['reference']}: " + "  ".join(parts))
    return lines


# --------------------------------------------------------------------------- plots


def _new_figure(figsize) -> Figure:
    # Imported here so that importing classifier does not import matplotlib.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _figure(ax=None, figsize=(5.5, 4.5)):
    if ax is not None:
        return ax.figure, ax
    fig = _new_figure(figsize)
    return fig, fig.add_subplot()


def _arrays(run: dict) -> tuple[np.ndarray, np.ndarray]:
    predictions = run["predictions"]
    return np.asarray(predictions["label"]), np.asarray(predictions["score"], dtype=float)


def _threshold(run: dict) -> float:
    """The run's operating threshold: the median of its folds' thresholds."""
    return float(np.median(run["fold_thresholds"]))


def plot_precision_recall(result: dict, ax=None) -> Figure:
    """Precision-recall curves of the pooled held-out scores, with the positive-rate baseline."""
    fig, ax = _figure(ax)
    for i, run in enumerate(evaluation_runs(result)):
        y, score = _arrays(run)
        PrecisionRecallDisplay.from_predictions(
            y, y_score=score, ax=ax, name=run["name"], plot_chance_level=i == 0,
            chance_level_kw={"label": f"positive rate ({y.mean():.2f})"},
        )
    ax.set_title("Precision-recall (held-out scores)")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def plot_roc(result: dict, ax=None) -> Figure:
    """ROC curves of the pooled held-out scores."""
    fig, ax = _figure(ax)
    for i, run in enumerate(evaluation_runs(result)):
        y, score = _arrays(run)
        RocCurveDisplay.from_predictions(y, score, ax=ax, name=run["name"],
                                         plot_chance_level=i == 0)
    ax.set_title("ROC (held-out scores)")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_reliability(result: dict, ax=None, n_bins: int = 10) -> Figure:
    """Reliability diagram: observed fraction of positives against the mean score per bin."""
    fig, ax = _figure(ax)
    for i, run in enumerate(evaluation_runs(result)):
        y, score = _arrays(run)
        CalibrationDisplay.from_predictions(y, score, n_bins=n_bins, ax=ax, name=run["name"],
                                            ref_line=i == 0)
    ax.set_title(f"Reliability ({n_bins} equal-width bins)")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_score_histograms(result: dict) -> Figure:
    """Histograms of held-out scores by class, one panel per run, with the threshold."""
    runs = evaluation_runs(result)
    ncols = 2 if len(runs) == 4 else min(len(runs), 3)
    nrows = math.ceil(len(runs) / ncols)
    fig = _new_figure((4.5 * ncols, 3.5 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    bins = np.linspace(0, 1, 41)
    for ax, run in zip(axes, runs, strict=False):
        y, score = _arrays(run)
        for cls in (0, 1):
            ax.hist(score[y == cls], bins=bins, alpha=0.6, label=_CLASS_NAMES[cls])
        ax.axvline(_threshold(run), color="black", linestyle=":", label="threshold")
        ax.set_title(run["name"])
        ax.set_xlabel("score")
        ax.set_ylabel("ads")
        ax.legend(fontsize="small")
    for ax in axes[len(runs):]:
        ax.set_visible(False)
    return fig


def plot_threshold_curves(result: dict, ax=None) -> Figure:
    """Precision (solid) and recall (dashed) of the pooled scores against the threshold."""
    fig, ax = _figure(ax)
    for i, run in enumerate(evaluation_runs(result)):
        y, score = _arrays(run)
        precision, recall, thresholds = precision_recall_curve(y, score)
        color = f"C{i}"
        ax.plot(thresholds, precision[:-1], color=color, label=f"{run['name']}: precision")
        ax.plot(thresholds, recall[:-1], color=color, linestyle="--",
                label=f"{run['name']}: recall")
        ax.axvline(_threshold(run), color=color, linestyle=":", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("threshold (dotted: median fold threshold)")
    ax.set_ylabel("precision / recall")
    ax.set_title("Precision and recall against the threshold")
    ax.legend(fontsize="small")
    return fig


_PLOTTERS = {
    "precision_recall.png": plot_precision_recall,
    "roc.png": plot_roc,
    "reliability.png": plot_reliability,
    "score_histograms.png": plot_score_histograms,
    "threshold_curves.png": plot_threshold_curves,
}


# --------------------------------------------------------------------------- files


def _jsonable(value):
    """Plain JSON values: NaN becomes null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_json(result: dict, *, predictions: bool = False) -> str:
    """The result as JSON text; the per-ad ``predictions`` are left out unless asked for."""
    def strip(run):
        return run if predictions else {k: v for k, v in run.items() if k != "predictions"}

    if "runs" in result:
        result = {**result, "runs": [strip(r) for r in result["runs"]]}
    else:
        result = strip(result)
    return json.dumps(_jsonable(result), indent=2, allow_nan=False)


def predictions_frame(result: dict) -> pd.DataFrame:
    """Per-ad held-out predictions of every run (long format; no text, no contact data)."""
    frames = []
    for run in evaluation_runs(result):
        frame = pd.DataFrame(run["predictions"])
        frame.insert(0, "row", np.arange(len(frame)))
        frame.insert(0, "run", run["name"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def report_markdown(result: dict, *, title: str = "Evaluation report",
                    command: str | None = None, plots: bool = True) -> str:
    """The Markdown summary written as ``report.md`` by :func:`write_report`."""
    runs = evaluation_runs(result)
    boot = result.get("bootstrap", {})
    data = result.get("data", {})
    stats = result.get("duplicates", {})
    lines = [f"# {title}", ""]
    lines.append(f"Generated by classifier {__version__} on "
                 f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.")
    if command:
        lines += ["", "```sh", command, "```"]
    lines += ["", "## Set-up", ""]
    transfer = result.get("protocol") == "cross-dataset"
    if data:
        source = data.get("source", "?")
        digest = str(data.get("sha256", ""))[:12]
        lines.append(f"- **Data**: `{source}`" + (f" (SHA-256 `{digest}…`)" if digest else "")
                     + f", {result['n_train'] if transfer else result['n']:,} labelled ads.")
    if transfer:
        test = result.get("test_data", {})
        lines.append(f"- **Protocol**: cross-dataset. Each model is trained on all "
                     f"{result.get('n_train', 0):,} training ads (threshold from "
                     f"{result['n_folds']} grouped inner folds), then tested on "
                     f"`{test.get('source', 'the test data')}` ({result['n']:,} ads).")
    else:
        splits = sorted({r["split"] for r in runs})
        lines.append(f"- **Protocol**: {result['n_folds']}-fold cross-validation; "
                     + "; ".join(splits) + ". In every fold the model and its threshold "
                     "are chosen on the training part only (the threshold on inner folds of "
                     "the same kind), then measured on the held-out part.")
    if result.get("target_precision") is not None:
        lines.append(f"- **Threshold rule**: the lowest threshold with held-out precision >= "
                     f"{result['target_precision']:g} on the inner folds (else the F1-optimal "
                     "one); the metrics at threshold flag each ad at "
                     + ("the trained model's threshold." if transfer
                        else "its own fold's threshold."))
    if stats:
        grouping = result.get("grouping", {})
        rule = (f" (MinHash Jaccard >= {grouping['threshold']:g} on word 3-grams"
                + ("" if grouping.get("link_contacts", True) else "; contacts not linked")
                + ")") if "threshold" in grouping else ""
        lines.append(f"- **Groups**{' (test data)' if transfer else ''}: "
                     f"{stats['n_groups']:,} groups of near-duplicate ads and "
                     f"ads sharing a contact{rule}; {stats['ads_in_multi_groups']:,} ads "
                     f"({stats['share_in_multi_groups']:.0%}) are in groups of two or more, "
                     f"the largest has {stats['largest_group']:,}.")
    if boot.get("n_resamples"):
        lines.append(f"- **Intervals**: {boot['confidence']:.0%} percentile intervals from "
                     f"{boot['n_resamples']:,} bootstrap resamples of whole groups (seed "
                     f"{boot['seed']}); runs share their resamples, so differences are paired.")
    lines += ["", "## Metrics", "",
              "Pooled held-out scores; intervals in brackets. Average precision should be "
              "compared with the positive rate, its value for a random ranking.", "",
              markdown_table(metrics_frame(result), "metric")]
    ece = {r["name"]: r["calibration"]["expected_calibration_error"] for r in runs}
    lines += ["", "Expected calibration error (10 equal-width bins): "
              + ", ".join(f"{k} {v:.3f}" for k, v in ece.items()) + "."]

    lines += ["", "## Operating thresholds", "",
              "The lowest threshold reaching each precision on the pooled held-out scores, and "
              "what it flags. These thresholds are chosen on the scores they are measured on, "
              "so they are a guide for choosing an operating point, not held-out estimates.",
              ""]
    table = threshold_frame(result)
    if not table.empty:
        shown = pd.DataFrame({
            "run": table["run"],
            "target precision": table["target_precision"].map("{:.2f}".format),
            "threshold": table["threshold"].map(_fmt),
            "precision": table["precision"].map(_fmt),
            "recall": table["recall"].map(_fmt),
            "false-positive rate": table["false_positive_rate"].map(_fmt),
            "ads flagged": table["n_flagged"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f}"),
        })
        lines.append(markdown_table(shown.set_index("run"), "run"))

    ordinal_runs = [r for r in runs if "ordinal" in r]
    if ordinal_runs:
        lines += ["", "## Ordinal labels", "", f"Method: {ordinal_runs[0]['ordinal']['method']}.",
                  "Macro MAE averages the MAE of each true level, so rare levels count as much "
                  "as common ones.", ""]
        frame = pd.DataFrame({
            r["name"]: [
                format_interval(r["ordinal"]["mae"], r["ordinal"]["ci"].get("mae")),
                format_interval(r["ordinal"]["macro_mae"], r["ordinal"]["ci"].get("macro_mae")),
                format_interval(r["ordinal"]["baseline"]["mae"]),
                format_interval(r["ordinal"]["baseline"]["macro_mae"]),
            ]
            for r in ordinal_runs
        }, index=["MAE", "macro MAE", "MAE, median baseline", "macro MAE, median baseline"])
        lines.append(markdown_table(frame, "metric"))

    if plots:
        lines += ["", "## Plots", ""]
        for file, caption in PLOTS.items():
            lines += [f"### {caption}", "", f"![{caption}]({file})", ""]
    lines += [
        "## Reading these numbers", "",
        "- The labels are suspicion judgements (weak, indicator-guided annotation), not "
        "confirmed trafficking cases: these metrics measure agreement with the annotators.",
        "- A score is a triage signal for human review, never proof and never grounds for "
        "automated action against a person. The false-positive rate is the share of ads "
        "labelled *not* suspicious that would be flagged: these are mostly ads of sex workers "
        "who are not trafficked, the people most exposed to errors.",
        "- Metrics from a random split of rows are inflated when near-duplicate ads sit on "
        "both sides of a split; the grouped split is the honest estimate (`classifier "
        "evaluate --split group --split random` shows both).",
        "- Vocabulary shifts with language, region, site and time: expect lower numbers on "
        "ads from elsewhere (see cross-dataset results, `--test`).",
        "",
    ]
    return "\n".join(lines)


def _fmt(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3f}"


def write_report(result: dict, out_dir: str | Path, *, title: str = "Evaluation report",
                 command: str | None = None, dpi: int = 110) -> dict[str, Path]:
    """Write ``metrics.json``, ``predictions.csv``, the plots and ``report.md`` to ``out_dir``.

    Parameters
    ----------
    result : dict
        From :func:`classifier.evaluate` or :func:`classifier.compare`.
    out_dir : path
        Directory, created if needed; existing report files in it are replaced.
    title : str
        Heading of ``report.md``.
    command : str, optional
        The command that produced the result, quoted in ``report.md``.
    dpi : int
        Resolution of the PNG plots.

    Returns
    -------
    dict of str to Path
        Every file written, by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    written["metrics.json"] = out / "metrics.json"
    written["metrics.json"].write_text(metrics_json(result) + "\n")
    written["predictions.csv"] = out / "predictions.csv"
    predictions_frame(result).to_csv(written["predictions.csv"], index=False)
    for name, plot in _PLOTTERS.items():
        fig = plot(result)
        fig.savefig(out / name, dpi=dpi)
        written[name] = out / name
    written["report.md"] = out / "report.md"
    written["report.md"].write_text(report_markdown(result, title=title, command=command))
    return written
