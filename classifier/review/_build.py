"""The review queue: read and score the ads, group them, pick and order what to review."""

from __future__ import annotations

import hashlib
import importlib.resources
import math
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd

import classifier
from classifier.io import join_text, read_all
from classifier.review._display import shown_text
from classifier.review._highlight import locate_indicators
from classifier.review._options import ReviewOptions
from classifier.scoring import MAX_TEXT_CHARS

# Age flags come from stated ages, not from the lexicon file: their meaning in words.
_AGE_SOURCE = ("field notes: stated ages (JRSA 2024 found an age under 23 not significant "
               "on its own); ChainBreaker age rules")
AGE_FLAGS = {
    "age_min_le_18": "The youngest age stated in the ad is 18 or under.",
    "age_min_le_21": "The youngest age stated in the ad is 21 or under.",
    "age_min_lt_23": "The youngest age stated in the ad is under 23.",
}


def indicator_info() -> dict[str, dict[str, str]]:
    """Every indicator's plain-language meaning and source (from ``indicators.toml``)."""
    text = importlib.resources.files("classifier").joinpath("data", "indicators.toml")
    lexicon = tomllib.loads(text.read_text(encoding="utf-8"))
    info = {name: {"description": table["description"], "source": table["source"]}
            for name, table in lexicon.items()}
    info.update({name: {"description": meaning, "source": _AGE_SOURCE}
                 for name, meaning in AGE_FLAGS.items()})
    return info


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _reasons(cell: str) -> list[tuple[str, float]]:
    """``"new girls +0.84; ind:youth +1.20"`` -> [("new girls", 0.84), ("ind:youth", 1.2)]."""
    pairs = []
    for part in filter(None, cell.split("; ")):
        label, _, value = part.rpartition(" ")
        try:
            pairs.append((label, float(value)))
        except ValueError:
            continue
    return pairs


def _times(frame: pd.DataFrame, column: str | None) -> pd.Series | None:
    if column is None:
        return None
    return pd.to_datetime(frame[column], errors="coerce", utc=True, format="mixed")


def _cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _ad(row: int, scored: pd.DataFrame, text: str, keep: dict[str, str], when: str,
        show_contacts: bool) -> dict:
    """One ad of the page: shown text, highlights, contacts, score and reasons."""
    fired = [n for n in str(scored["indicators"].iat[row]).split(";") if n]
    marks, _ = locate_indicators(text, fired) if fired else ([], [])
    shown = shown_text(text, marks, show_contacts)
    ad = {"id": _cell(scored["id"].iat[row]), "text": shown.text,
          "score": round(float(scored["score"].iat[row]), 4),
          "flagged": bool(scored["flagged"].iat[row]),
          "indicators": fired, "marks": shown.marks,
          "reasons": _reasons(str(scored["reasons"].iat[row]))}
    if shown.contacts:
        ad["contacts"] = shown.contacts
    if keep:
        ad["keep"] = keep
    if when:
        ad["time"] = when
    return ad


def build_review(options: ReviewOptions,
                 on_problem: Callable[[int, str], None] | None = None) -> dict:
    """Score, group and order the ads of ``options.source``: the data of one review page.

    Returns
    -------
    dict
        ``meta`` (model, threshold, counts, page id), ``indicators`` (meaning and source of
        each), and ``groups``: one entry per group in queue order, each with ``id``, ``size``
        (queued members), ``size_in_input``, ``first`` / ``last`` times and ``ads``.
    """
    started = time.perf_counter()
    columns = [*options.text_cols, *([options.id_col] if options.id_col else []),
               *options.keep_cols, *([options.time_col] if options.time_col else [])]
    frame, problems = read_all(options.source, columns, fmt=options.input_format,
                               on_error=options.on_error, on_problem=on_problem)
    model = (classifier.load_default_model() if options.model_dir is None
             else classifier.load_model(options.model_dir))
    scored = classifier.score_frame(model, frame, text_cols=options.text_cols,
                                    id_col=options.id_col, threshold=options.threshold,
                                    keep_cols=options.keep_cols)
    texts = join_text(frame, options.text_cols).str.slice(0, MAX_TEXT_CHARS).tolist() if len(
        frame) else []
    groups = (classifier.group_ads(texts, n_jobs=-1 if len(texts) >= 10_000 else 1)
              if texts else np.zeros(0, dtype=int))
    threshold = float(scored["threshold"].iat[0]) if len(scored) else float(
        model.threshold if options.threshold is None else options.threshold)
    scores = scored["score"].to_numpy(dtype=float)
    distance = _logit(scores) - _logit(threshold)  # log-odds above the threshold
    queued = np.ones(len(scores), bool) if options.include_all else distance >= -options.near
    order = _queue_order(groups, scores, distance, queued, options.order)
    if options.limit is not None:
        order = order[:options.limit]
    times = _times(frame, options.time_col)
    sizes = pd.Series(groups).value_counts() if len(groups) else pd.Series(dtype=int)
    out_groups: dict[int, dict] = {}
    for row in order.tolist():
        group = int(groups[row])
        entry = out_groups.setdefault(group, {"id": f"g{group}", "ads": [],
                                              "size_in_input": int(sizes[group])})
        when = times.iat[row] if times is not None else pd.NaT
        keep = {c: _cell(frame[c].iat[row]) for c in options.keep_cols}
        entry["ads"].append(_ad(row, scored, texts[row], keep,
                                "" if pd.isna(when) else when.strftime("%Y-%m-%d %H:%M"),
                                options.show_contacts))
    for entry in out_groups.values():
        entry["size"] = len(entry["ads"])
        stamps = sorted(a["time"] for a in entry["ads"] if a.get("time"))
        if stamps:
            entry["first"], entry["last"] = stamps[0], stamps[-1]
    ids = "\n".join(a["id"] for g in out_groups.values() for a in g["ads"])
    page_id = hashlib.sha256(f"{model.model_id}\n{ids}".encode()).hexdigest()[:16]
    meta = {
        "model": model.model_id, "threshold": threshold, "page_id": page_id,
        "source": str(options.source), "order": options.order,
        "show_contacts": options.show_contacts, "include_all": options.include_all,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rows_read": len(frame), "flagged": int(scored["flagged"].sum()) if len(scored) else 0,
        "queued": sum(g["size"] for g in out_groups.values()), "groups": len(out_groups),
        "problems": problems, "seconds": round(time.perf_counter() - started, 2),
    }
    return {"meta": meta, "indicators": indicator_info(), "groups": list(out_groups.values())}


def _queue_order(groups: np.ndarray, scores: np.ndarray, distance: np.ndarray,
                 queued: np.ndarray, order: str) -> np.ndarray:
    """Rows of the queue, group by group: groups by priority or uncertainty, then members."""
    rows = np.flatnonzero(queued)
    if not len(rows):
        return rows
    g = groups[rows]
    table = pd.DataFrame({"row": rows, "group": g, "score": scores[rows],
                          "near": np.abs(distance[rows])})
    per_group = table.groupby("group").agg(top=("score", "max"), size=("row", "size"),
                                           nearest=("near", "min"))
    if order == "priority":
        table["k1"] = -table["group"].map(per_group["top"])
        table["k2"] = -table["group"].map(per_group["size"])
        table["k3"] = -table["score"]
    else:
        table["k1"] = table["group"].map(per_group["nearest"])
        table["k2"] = -table["group"].map(per_group["size"])
        table["k3"] = table["near"]
    table = table.sort_values(["k1", "k2", "group", "k3", "row"], kind="stable")
    return table["row"].to_numpy()
