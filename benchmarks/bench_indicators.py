"""Time ``IndicatorFeatures.transform`` on the ChainBreaker ads (needs ``CLASSIFIER_DATA_DIR``).

Usage::

    CLASSIFIER_DATA_DIR=/work/shared/datasets python benchmarks/bench_indicators.py
        [--repeats 7] [--rates] [--quality]

The ads are normalised first (not timed). After one warm-up pass, which fills the per-string
caches as a long-running scorer would have them, prints the best and the median time per ad
of ``transform`` over the repeats, as CPU time of this process (robust on a busy machine) and
as wall time, and the CPU time of a fixed pure-Python reference loop (to compare machines and
load). The budget for batch scoring at 20,000 ads/s on two cores is about 25 us per ad.

``--rates`` prints how often each indicator fires among ads labelled 1 and 0.
``--quality`` compares binary and log1p indicator values with logistic regression in a
near-duplicate-grouped, stratified 5-fold cross-validation (3 shuffles), alone and beside word
TF-IDF: the measurement behind the ``binary=False`` default.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from classifier.features._transformers import IndicatorFeatures
from classifier.text._normalize import normalize_text


def _load() -> tuple[list[str], list[str], np.ndarray]:
    root = os.environ.get("CLASSIFIER_DATA_DIR")
    if not root:
        raise SystemExit("set CLASSIFIER_DATA_DIR (the folder holding chainbreaker/raw.csv)")
    frame = pd.read_csv(Path(root) / "chainbreaker" / "raw.csv", sep=";", index_col=0)
    raw = frame["text"].fillna("").astype(str).tolist()
    return raw, [normalize_text(text) for text in raw], frame["label"].to_numpy(dtype=int)


def _reference_ms() -> float:
    # A fixed pure-Python loop, to compare runs on machines of different speed or load.
    start = time.process_time()
    sum(range(10**6))
    return (time.process_time() - start) * 1e3


def speed(texts: list[str], repeats: int) -> None:
    est = IndicatorFeatures()
    est.transform(texts)  # warm-up
    reference = [_reference_ms()]
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        est.transform(texts)
        cpu.append((time.process_time() - start_cpu) / len(texts) * 1e6)
        wall.append((time.perf_counter() - start_wall) / len(texts) * 1e6)
        reference.append(_reference_ms())
    print(
        f"{len(texts)} ads, mean {np.mean([len(t) for t in texts]):.0f} chars after "
        f"normalisation; transform, us/ad: CPU best {min(cpu):.1f} median "
        f"{statistics.median(cpu):.1f}; wall best {min(wall):.1f} median "
        f"{statistics.median(wall):.1f}"
    )
    print(f"reference loop sum(range(10**6)): best {min(reference):.1f} ms CPU")


def rates(texts: list[str], labels: np.ndarray) -> None:
    est = IndicatorFeatures()
    fired = est.transform(texts).toarray() > 0
    print(f"{'feature':31s} {'label 1':>8s} {'label 0':>8s}")
    for name, pos, neg in zip(
        est.get_feature_names_out(),
        fired[labels == 1].mean(axis=0),
        fired[labels == 0].mean(axis=0),
        strict=True,
    ):
        print(f"{name:31s} {pos:8.1%} {neg:8.1%}")


def quality(raw: list[str], texts: list[str], labels: np.ndarray) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    from classifier.text._grouping import group_ads

    groups = group_ads(raw)
    encodings = {
        "binary": IndicatorFeatures(binary=True).transform(texts),
        "log1p": IndicatorFeatures(binary=False).transform(texts),
    }
    for with_words in (False, True):
        scores: dict[str, list[tuple[float, float]]] = {name: [] for name in encodings}
        for seed in range(3):
            folds = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
            for train, test in folds.split(texts, labels, groups):
                if with_words:
                    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
                    w_train = words.fit_transform([texts[i] for i in train])
                    w_test = words.transform([texts[i] for i in test])
                for name, X in encodings.items():
                    X_train, X_test = X[train], X[test]
                    if with_words:
                        X_train = sp.hstack([w_train, X_train]).tocsr()
                        X_test = sp.hstack([w_test, X_test]).tocsr()
                    model = LogisticRegression(C=3.0 if with_words else 1.0, max_iter=2000)
                    proba = model.fit(X_train, labels[train]).predict_proba(X_test)[:, 1]
                    scores[name].append(
                        (
                            roc_auc_score(labels[test], proba),
                            average_precision_score(labels[test], proba),
                        )
                    )
        setting = "word tf-idf + indicators" if with_words else "indicators only"
        for name, values in scores.items():
            auc, ap = np.array(values).T
            print(
                f"{setting:25s} {name:6s} ROC-AUC {auc.mean():.3f} +- {auc.std():.3f}  "
                f"AP {ap.mean():.3f} +- {ap.std():.3f}"
            )
        auc_gain = [b[0] - a[0] for a, b in zip(scores["binary"], scores["log1p"], strict=True)]
        print(
            f"{setting:25s} log1p - binary ROC-AUC per fold: mean {np.mean(auc_gain):+.3f}, "
            f"better in {sum(g > 0 for g in auc_gain)}/{len(auc_gain)} folds"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rates", action="store_true", help="firing rates by label")
    parser.add_argument("--quality", action="store_true", help="binary vs log1p with LR")
    args = parser.parse_args()
    raw, texts, labels = _load()
    speed(texts, args.repeats)
    if args.rates:
        rates(texts, labels)
    if args.quality:
        quality(raw, texts, labels)


if __name__ == "__main__":
    main()
