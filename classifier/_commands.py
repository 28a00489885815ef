"""The work behind each command-line verb, as plain functions that return a dict.

The command line only parses options, calls one of these and prints the result, so
everything it does can also be done, and tested, from Python.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from ._dask import score_file_dask
from ._data import check_columns, join_text
from ._datasets import load_labeled
from ._defaults import load_default_model
from ._errors import DataError
from ._evaluation import compare, config_name, evaluate
from ._explain import Explainer
from ._features import DEFAULT_FEATURES
from ._grouping import DUP_THRESHOLD, duplicate_stats, group_ads
from ._model import Model, train
from ._modelcard import write_model_card
from ._normalize import mask_contacts
from ._output import TableWriter
from ._persistence import load_model, save_model
from ._scoring import CHUNKSIZE, STATUSES, score_file, score_frame
from ._stream import input_size, iter_chunks


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
    calibrate: str | None = None,
    bootstrap: int = 1000,
) -> dict:
    """Train on a dataset or file and save the model, with its ``MODEL_CARD.md``, to ``out``.

    ``calibrate`` (``"sigmoid"`` or ``"isotonic"``) calibrates the scores; ``bootstrap``
    resamples give the model card's confidence intervals.
    """
    if dataset is None and data is None:
        dataset = "chainbreaker"
    labeled, provenance = load_labeled(dataset=dataset, data=data, text_cols=text_cols or None,
                                       label_col=label_col, label_threshold=label_threshold)
    model = train(labeled.texts, labeled.y, features=features, folds=folds, seed=seed,
                  target_precision=target_precision, threshold=threshold, data_info=provenance,
                  calibrate=calibrate)
    save_model(model, out)
    card = write_model_card(model, out, bootstrap=bootstrap, seed=seed)
    return {
        "model_dir": str(out),
        "model_card": str(card),
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
    explain: bool = True,
    flagged_only: bool = False,
    on_error: str = "skip",
    jobs: int | None = None,
    chunksize: int = CHUNKSIZE,
    on_problem: Callable[[int, str], None] | None = None,
    progress: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
) -> dict:
    """Score a file, standard input (``source="-"``) or texts given directly.

    ``progress`` shows a progress bar on standard error (for files). ``engine="dask"``
    scores on a Dask cluster (``scheduler`` address, or a local cluster of ``jobs`` workers).
    """
    model = _model(model_dir)
    if engine == "dask":
        if texts or source in (None, "-") or output in (None, "-"):
            raise DataError("the dask engine reads files and writes a file: give INPUT and -o")
        return score_file_dask(
            model, str(source), str(output), scheduler=scheduler, jobs=jobs,
            input_format=input_format, output_format=output_format, flagged_only=flagged_only,
            text_cols=text_cols or ("text",), id_col=id_col, threshold=threshold,
            keep_cols=keep_cols, explain=explain,
        )
    if texts:
        scored = score_frame(model, pd.DataFrame({"text": list(texts)}, dtype=object),
                             threshold=threshold, explain=explain)
        with TableWriter(output, output_format) as writer:
            writer.write(scored[scored["flagged"]] if flagged_only else scored)
        statuses = scored["status"].value_counts()
        return {"rows_read": len(scored), "rows_written": writer.rows,
                "flagged": int(scored["flagged"].sum()), "problems": 0,
                **{name: int(statuses.get(name, 0)) for name in STATUSES[1:]},
                "threshold": float(scored["threshold"].iloc[0]), "model": model.model_id,
                "output": "-" if output in (None, "-") else str(output)}
    with _progress_bar(source if progress else None) as on_progress:
        return score_file(
            model, source, output, text_cols=text_cols or ("text",), id_col=id_col,
            threshold=threshold, keep_cols=keep_cols, input_format=input_format,
            output_format=output_format, explain=explain, flagged_only=flagged_only,
            on_error=on_error, jobs=jobs, chunksize=chunksize, on_problem=on_problem,
            on_progress=on_progress,
        )


@contextmanager
def _progress_bar(source: str | Path | None) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar over the input's bytes (for an ETA) that also shows rows and rows/s."""
    size = None if source is None else input_size(source)
    if not size:
        yield None
        return
    started = time.perf_counter()
    with tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, leave=False,
              desc="scoring") as bar:

        def update(rows: int, bytes_read: int) -> None:
            rate = rows / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{rows:,} rows, {rate:,.0f} rows/s", refresh=False)
            bar.update(max(0, min(bytes_read, size) - bar.n))

        yield update


def run_dedup(
    *,
    source: str | Path,
    output: str | Path | None = None,
    text_cols: Sequence[str] = (),
    id_col: str | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    threshold: float | None = None,
    link_contacts: bool = True,
    jobs: int | None = None,
) -> dict:
    """Group near-duplicate ads and ads sharing a contact; write ``id`` and ``group`` per row.

    Returns :func:`classifier.duplicate_stats` of the groups, plus ``output`` and ``seconds``.
    """
    started = time.perf_counter()
    chunks = [c.frame for c in iter_chunks(source, fmt=input_format, chunksize=100_000)]
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame({"text": []})
    text_cols = text_cols or ("text",)
    check_columns(frame, [*text_cols, *([id_col] if id_col else [])], source=str(source))
    options = {} if threshold is None else {"threshold": threshold}
    groups = group_ads(join_text(frame, text_cols).tolist(), link_contacts=link_contacts,
                       n_jobs=jobs or (-1 if len(frame) >= 10_000 else 1), **options)
    ids = frame[id_col].to_numpy() if id_col else np.arange(len(frame))
    with TableWriter(output, output_format) as writer:
        writer.write(pd.DataFrame({"id": ids, "group": groups}))
    return {**duplicate_stats(groups), "output": "-" if output in (None, "-") else str(output),
            "seconds": time.perf_counter() - started}


def run_explain(*, text: str, model_dir: str | Path | None = None, top: int = 10) -> dict:
    """Explain one ad: its score, flag, top contributions and fired indicators."""
    model = _model(model_dir)
    explainer = Explainer(model.pipeline, top=top)
    (result,) = explainer.explain([text])
    return {**result, "threshold": model.threshold,
            "flagged": result["score"] >= model.threshold, "model": model.model_id,
            "normalized": mask_contacts(model.pipeline.named_steps["normalize"].transform(
                [text])[0])}


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
    split: str | Sequence[str] = "group",
    bootstrap: int = 1000,
    calibrate: str | None = None,
    compare_configs: Sequence[str] = (),
    test: str | Path | None = None,
    test_text_cols: Sequence[str] = (),
    test_label_col: str | None = None,
    test_label_threshold: float | None = None,
    report_dir: str | Path | None = None,
    n_jobs: int | None = None,
    dup_threshold: float | None = None,
    link_contacts: bool = True,
    command: str | None = None,
) -> dict:
    """Evaluate on a dataset or file; optionally save the metrics as JSON and a report.

    By default: grouped cross-validation of one configuration (``features``, ``calibrate``),
    as :func:`classifier.evaluate`. Several ``split`` values (``"group"``, ``"random"``) or
    ``compare_configs`` (``FEATURES[:CALIBRATION]`` names; ``calibrate`` applies to those
    without one) give a side-by-side :func:`classifier.compare` result; ``test`` (a labeled
    file, read with the ``test_*`` column options, else the training ones) a cross-dataset
    test. ``report_dir`` receives :func:`classifier.write_report`'s files (``command`` is
    quoted in its ``report.md``). ``n_jobs=None`` runs fits on all cores for 1,000 ads or
    more and in this process below that, where starting worker processes costs more than it
    saves. ``dup_threshold`` and ``link_contacts`` set how :func:`classifier.group_ads`
    groups the ads (default: its own defaults).
    """
    from ._report import metrics_json, write_report

    if dataset is None and data is None:
        dataset = "chainbreaker"
    if json_path is not None and not Path(json_path).parent.is_dir():
        raise DataError(f"{Path(json_path).parent}: directory for --json does not exist")
    labeled, provenance = load_labeled(dataset=dataset, data=data, text_cols=text_cols or None,
                                       label_col=label_col, label_threshold=label_threshold)
    splits = [split] if isinstance(split, str) else list(split) or ["group"]
    configs = [c if ":" in c or calibrate is None else config_name(c, calibrate)
               for c in compare_configs] or [config_name(features, calibrate)]
    options = {"folds": folds, "seed": seed, "target_precision": target_precision,
               "bootstrap": bootstrap, "levels": labeled.levels,
               "n_jobs": n_jobs if n_jobs is not None else (-1 if len(labeled.y) >= 1000 else 1)}
    test_provenance = None
    if test is not None:
        tested, test_provenance = load_labeled(
            data=test, text_cols=test_text_cols or text_cols or None,
            label_col=test_label_col or label_col,
            label_threshold=label_threshold if test_label_threshold is None
            else test_label_threshold,
        )
        options.update(test_texts=tested.texts, test_y=tested.y, test_levels=tested.levels)
    grouping = {"threshold": dup_threshold or DUP_THRESHOLD, "link_contacts": link_contacts}
    options["groups"] = group_ads(labeled.texts, **grouping)
    if test is not None:
        options["test_groups"] = group_ads(tested.texts, **grouping)
    try:
        if len(configs) == 1 and len(splits) == 1:
            features, calibrate = configs[0].partition(":")[::2]
            report = evaluate(labeled.texts, labeled.y, features=features,
                              calibrate=calibrate or None, split=splits[0], **options)
        else:
            report = compare(labeled.texts, labeled.y, configs, splits=splits, **options)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    report["data"] = provenance
    report["grouping"] = grouping
    if test_provenance is not None:
        report["test_data"] = test_provenance
    if json_path is not None:
        Path(json_path).write_text(metrics_json(report) + "\n")
    if report_dir is not None:
        write_report(report, report_dir, command=command)
    return report
