"""Scoring speed of each feature set relative to plain word TF-IDF, on the same ads.

Fits every feature set of ``classifier.FEATURE_SETS`` on ChainBreaker and times
``predict_proba`` (normalisation, features, linear model) over the ads repeated ``--copies``
times, best of ``--repeats``, in this process (one core).

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_features.py
"""

from __future__ import annotations

import argparse
import json
import time

import classifier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").tolist()
    batch = texts * args.copies
    result = {}
    for features in classifier.FEATURE_SETS:
        pipeline = classifier.make_pipeline(features).fit(texts, ads.label.astype(int))
        best = float("inf")
        for _ in range(args.repeats):
            started = time.process_time()
            pipeline.predict_proba(batch)
            best = min(best, time.process_time() - started)
        result[features] = {"us_per_ad": best / len(batch) * 1e6, "ads_per_s": len(batch) / best}
    base = result["words"]["us_per_ad"]
    for features in result:
        result[features]["times_words"] = result[features]["us_per_ad"] / base
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
