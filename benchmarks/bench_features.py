"""Scoring speed of each feature set relative to plain word TF-IDF, on the same ads.

Fits every feature set of ``classifier.FEATURE_SETS`` on ChainBreaker and times
``predict_proba`` (normalisation, features, linear model) over the ads repeated ``--copies``
times, best of ``--repeats``, in this process (one core). Then, for the default feature set,
times each block of the feature union on the normalised ads, and the formatting of the
``reasons`` column (``Explainer.reasons``), in CPU microseconds per ad.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_features.py
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import classifier
from classifier._explain import Explainer
from classifier._features import DEFAULT_FEATURES


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
    result = {}
    pipelines = {}
    for features in classifier.FEATURE_SETS:
        pipeline = classifier.make_pipeline(features).fit(texts, ads.label.astype(int))
        pipelines[features] = pipeline
        us = _us_per_ad(lambda p=pipeline: p.predict_proba(batch), len(batch), args.repeats)
        result[features] = {"us_per_ad": us, "ads_per_s": 1e6 / us}
    base = result["words"]["us_per_ad"]
    for features in result:
        result[features]["times_words"] = result[features]["us_per_ad"] / base

    # Per block of the default feature set, on the texts as the union sees them.
    pipeline = pipelines[DEFAULT_FEATURES]
    normalized = pipeline.named_steps["normalize"].transform(batch)
    blocks = {"normalize": _us_per_ad(lambda: pipeline.named_steps["normalize"].transform(batch),
                                      len(batch), args.repeats)}
    for name, block in pipeline.named_steps["features"].transformer_list:
        blocks[name] = _us_per_ad(lambda b=block: b.transform(normalized), len(batch),
                                  args.repeats)
    explainer = Explainer(pipeline)
    X = explainer.features(batch)
    blocks["reasons"] = _us_per_ad(lambda: explainer.reasons(X), len(batch), args.repeats)
    result["blocks_us_per_ad"] = blocks
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
