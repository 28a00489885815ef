"""Scoring speed of each feature set relative to plain word TF-IDF, on the same ads.

Fits every feature set of ``classifier.FEATURE_SETS`` on ChainBreaker, and the plain
reference (scikit-learn's word 1-2-gram ``TfidfVectorizer`` and ``LogisticRegression``, no
normalisation), and times ``predict_proba`` over the ads repeated ``--copies`` times, in this
process (one core): the best of ``--repeats`` rounds, each round timing every pipeline in
turn, so that a busy spell on a shared machine hits all of them alike. ``times_plain`` is the
cost relative to the plain reference. Then, for the default feature set,
times each block of the feature union on the normalised ads, and the formatting of the
``reasons`` column (``Scorer.reasons``), in CPU microseconds per ad.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_features.py
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import classifier
from classifier.features._sets import DEFAULT_FEATURES
from classifier.scoring._scorer import Scorer


def _us_per_ad(run: Callable[[], object], n_ads: int, repeats: int) -> float:
    """Best CPU time of ``run`` over ``repeats`` runs, in microseconds per ad."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best / n_ads * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").tolist()
    batch = texts * args.copies
    y = ads.label.astype(int)
    pipelines = {"plain": make_pipeline(TfidfVectorizer(ngram_range=(1, 2)),
                                        LogisticRegression(max_iter=1000)).fit(texts, y)}
    for features in classifier.FEATURE_SETS:
        pipelines[features] = classifier.make_pipeline(features).fit(texts, y)
    best = dict.fromkeys(pipelines, float("inf"))
    for _ in range(args.repeats):
        for name, pipeline in pipelines.items():
            best[name] = min(best[name], _us_per_ad(lambda p=pipeline: p.predict_proba(batch),
                                                    len(batch), 1))
    result = {name: {"us_per_ad": us, "ads_per_s": 1e6 / us, "times_plain": us / best["plain"]}
              for name, us in best.items()}

    # Per block of the default feature set, on the texts as the union sees them.
    pipeline = pipelines[DEFAULT_FEATURES]
    normalized = pipeline.named_steps["normalize"].transform(batch)
    blocks = {"normalize": _us_per_ad(lambda: pipeline.named_steps["normalize"].transform(batch),
                                      len(batch), args.repeats)}
    for name, block in pipeline.named_steps["features"].transformer_list:
        blocks[name] = _us_per_ad(lambda b=block: b.transform(normalized), len(batch),
                                  args.repeats)
    scorer = Scorer(pipeline)
    X = scorer.features(batch)
    blocks["reasons"] = _us_per_ad(lambda: scorer.reasons(X), len(batch), args.repeats)
    result["blocks_us_per_ad"] = blocks
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
