"""The benign flag rate: how many ordinary classified ads a model flags (all false positives)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def benign_flag_rate(scores: np.ndarray, threshold: float,
                     groups: Sequence[str] | None = None) -> dict:
    """Share of ordinary ads flagged at ``threshold``, overall and per group (genre, source).

    Every ad of a benign set is a false positive if flagged, so this is the false-positive
    rate on ordinary classifieds, with a 95% Wilson interval (sound at rates near zero).
    """
    scores = np.asarray(scores, dtype=float)
    flagged = scores >= threshold
    result = {"n": int(len(scores)), **_rate(flagged), "threshold": float(threshold)}
    if groups is not None:
        groups = np.asarray(groups, dtype=object)
        result["by_group"] = {str(g): {"n": int((groups == g).sum()), **_rate(flagged[groups == g])}
                              for g in dict.fromkeys(groups.tolist())}
    return result


def _rate(flagged: np.ndarray) -> dict:
    n, k = len(flagged), int(flagged.sum())
    if n == 0:
        return {"flagged": 0, "flag_rate": None, "ci_low": None, "ci_high": None}
    z = 1.959964
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"flagged": k, "flag_rate": p, "ci_low": float(max(0.0, centre - half)),
            "ci_high": float(min(1.0, centre + half))}


def benign_report(model, frame: pd.DataFrame) -> dict:
    """Benign flag rate of a fitted :class:`~classifier.model.Model` on ordinary ads.

    ``frame`` comes from :func:`classifier.io.load_benign_sets`. Returns
    :func:`benign_flag_rate`'s figures by genre, with ``by_source`` too.
    """
    scores = model.predict_proba(frame["text"].tolist())
    result = benign_flag_rate(scores, model.threshold, frame["genre"].tolist())
    result["by_source"] = benign_flag_rate(scores, model.threshold,
                                           frame["source"].tolist())["by_group"]
    result["sets"] = frame.attrs.get("sets", [])
    return result


