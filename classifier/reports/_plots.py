"""Plots of evaluation results (matplotlib, imported only when a plot is drawn)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay, precision_recall_curve

from classifier.evaluation._crossval import evaluation_runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CLASS_NAMES = ("not suspicious (0)", "suspicious (1)")



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


#: Plot file names of a report, with the function that draws each.
PLOTTERS = {
    "precision_recall.png": plot_precision_recall,
    "roc.png": plot_roc,
    "reliability.png": plot_reliability,
    "score_histograms.png": plot_score_histograms,
    "threshold_curves.png": plot_threshold_curves,
}


