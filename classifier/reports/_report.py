"""Evaluation reports: plots, a Markdown summary and JSON, from an evaluation result.

Every function takes the dict returned by :func:`classifier.evaluate` or
:func:`classifier.compare` (one run or several side by side). Plots are drawn on
:class:`matplotlib.figure.Figure` objects with the Agg canvas, never through ``pyplot``, so
they work without a display, in threads, and in notebooks (where a returned figure is shown
by the inline backend), and never change matplotlib's global state."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from classifier import __version__
from classifier.evaluation._crossval import evaluation_runs
from classifier.reports._templates import render

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


def benign_lines(report: dict) -> list[str]:
    """One line per evaluated configuration: its benign flag rate, then one per genre."""
    lines = []
    for config, result in report.get("benign", {}).items():
        lines.append(f"{config}: ordinary ads flagged {_fmt_rate(result)} at threshold "
                     f"{result['threshold']:.3f} ({', '.join(result['sets'])})")
        lines += [f"  {genre}: {_fmt_rate(r)}" for genre, r in result["by_group"].items()]
    return lines


def _benign_table(report: dict) -> str:
    """The report's table of benign flag rates (empty without ``--benign``)."""
    rows = []
    for config, result in report.get("benign", {}).items():
        rows.append((config, "all", result))
        rows += [(config, name, r) for name, r in {**result["by_group"],
                                                  **result["by_source"]}.items()]
    if not rows:
        return ""
    frame = pd.DataFrame({
        "set": [name for _, name, _ in rows],
        "ads": [f"{r['n']:,}" for _, _, r in rows],
        "flagged": [f"{r['flagged']:,}" for _, _, r in rows],
        "flag rate [95% CI]": [_fmt_rate(r, counts=False) for _, _, r in rows],
    }, index=[config for config, _, _ in rows])
    return markdown_table(frame, "model")


def _fmt_rate(r: dict, counts: bool = True) -> str:
    if r["flag_rate"] is None:
        return "-"
    rate = f"{r['flag_rate']:.2%} [{r['ci_low']:.2%}, {r['ci_high']:.2%}]"
    return f"{r['flagged']}/{r['n']} = {rate}" if counts else rate


def sources_frame(result: dict) -> pd.DataFrame:
    """Per-source metrics of a multi-source result: held-out scores of each source within
    the pooled cross-validation, and each source tested by a model trained on the others."""
    rows = []
    for entry in result.get("by_source", []):
        rows.append({"source": entry["source"], "protocol": "pooled folds", **entry})
    for entry in result.get("leave_one_source_out", []):
        rows.append({"source": entry["source"], "protocol": "trained on the others", **entry})
    columns = ["n", "positive_rate", "roc_auc", "average_precision", "precision", "recall",
               "false_positive_rate", "flagged_rate"]
    if not rows:
        return pd.DataFrame(columns=["source", "protocol", *columns])
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame[["source", "protocol", *columns]]


def source_lines(result: dict) -> list[str]:
    """One plain-text line per source and protocol (for the CLI); none for one source."""
    lines = []
    for row in sources_frame(result).to_dict("records"):
        parts = [f"{name} {_fmt(row[key])}" for key, name in (
            ("roc_auc", "ROC-AUC"), ("average_precision", "AP"), ("precision", "precision"),
            ("recall", "recall"), ("flagged_rate", "flagged"))]
        lines.append(f"{row['source']} ({row['protocol']}, {row['n']:,} ads): "
                     + "  ".join(parts))
    return lines


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
    data = result.get("data", {})
    stats = result.get("duplicates", {})
    grouping = result.get("grouping", {})
    transfer = result.get("protocol") == "cross-dataset"
    boot = result.get("bootstrap", {})
    table = threshold_frame(result)
    threshold_table = "" if table.empty else markdown_table(pd.DataFrame({
        "run": table["run"],
        "target precision": table["target_precision"].map("{:.2f}".format),
        "threshold": table["threshold"].map(_fmt),
        "precision": table["precision"].map(_fmt),
        "recall": table["recall"].map(_fmt),
        "false-positive rate": table["false_positive_rate"].map(_fmt),
        "ads flagged": table["n_flagged"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f}"),
    }).set_index("run"), "run")
    ordinal_runs = [r for r in runs if "ordinal" in r]
    ordinal_table = "" if not ordinal_runs else markdown_table(pd.DataFrame({
        r["name"]: [
            format_interval(r["ordinal"]["mae"], r["ordinal"]["ci"].get("mae")),
            format_interval(r["ordinal"]["macro_mae"], r["ordinal"]["ci"].get("macro_mae")),
            format_interval(r["ordinal"]["baseline"]["mae"]),
            format_interval(r["ordinal"]["baseline"]["macro_mae"]),
        ]
        for r in ordinal_runs
    }, index=["MAE", "macro MAE", "MAE, median baseline", "macro MAE, median baseline"]),
        "metric")
    rule = ""
    if "threshold" in grouping:
        rule = (f" (MinHash Jaccard >= {grouping['threshold']:g} on word 3-grams"
                + ("" if grouping.get("link_contacts", True) else "; contacts not linked") + ")")
    return render(
        "report.md.j2",
        title=title,
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command=command,
        data={"source": data.get("source", "?"),
              "digest": str(data.get("sha256", ""))[:12]} if data else None,
        n_data=result["n_train"] if transfer else result["n"],
        transfer=transfer,
        n=result["n"],
        n_train=result.get("n_train", 0),
        n_folds=result["n_folds"],
        test_source=result.get("test_data", {}).get("source", "the test data"),
        splits=sorted({r["split"] for r in runs}),
        target_precision=result.get("target_precision"),
        groups={**stats, "rule": rule} if stats else None,
        bootstrap=boot if boot.get("n_resamples") else None,
        metrics_table=markdown_table(metrics_frame(result), "metric"),
        calibration=", ".join(f"{r['name']} {r['calibration']['expected_calibration_error']:.3f}"
                              for r in runs),
        threshold_table=threshold_table,
        ordinal_method=ordinal_runs[0]["ordinal"]["method"] if ordinal_runs else "",
        ordinal_table=ordinal_table,
        plots=PLOTS if plots else None,
        sources_table=_sources_table(result),
        benign_table=_benign_table(result),
    )


def _sources_table(result: dict) -> str:
    frame = sources_frame(result)
    if frame.empty:
        return ""
    shown = frame.set_index("source")
    for column in shown.columns[2:]:
        shown[column] = shown[column].map(_fmt)
    shown["n"] = frame["n"].map("{:,}".format).to_numpy()
    names = {"n": "ads", "positive_rate": "positive rate", "roc_auc": "ROC-AUC",
             "average_precision": "AP", "false_positive_rate": "false-positive rate",
             "flagged_rate": "flagged"}
    return markdown_table(shown.rename(columns=names), "source")


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
    from classifier.reports._plots import PLOTTERS  # matplotlib only when plots are drawn

    for name, plot in PLOTTERS.items():
        fig = plot(result)
        fig.savefig(out / name, dpi=dpi)
        written[name] = out / name
    written["report.md"] = out / "report.md"
    written["report.md"].write_text(report_markdown(result, title=title, command=command))
    return written
