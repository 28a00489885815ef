"""Scoring speed of each feature set relative to plain word TF-IDF, on the same ads.

Fits every feature set of ``classifier.FEATURE_SETS`` on ChainBreaker, and the plain
reference (scikit-learn's word 1-2-gram ``TfidfVectorizer`` and ``LogisticRegression``, no
normalisation), and times ``predict_proba`` over the ads repeated ``--copies`` times, in this
process (one core): the best of ``--repeats`` rounds, each round timing every pipeline in
turn, so that a busy spell on a shared machine hits all of them alike. ``times_plain`` is the
cost relative to the plain reference. Then, for the default feature set,
times each block of the feature union on the normalised ads, and the formatting of the
``reasons`` column (``Scorer.reasons``), in CPU microseconds per ad.

Last, the text core (``text_core_us_per_ad``): the default model's data path (what ``classifier
score`` runs: normalisation, then every feature block on the normalised text), per stage, in
CPU microseconds per ad on one core, on the compiled core and on the Python path in turn,
which must give identical features; then the word and context n-grams counted in one pass
(as scoring counts them), normalisation + indicators + n-grams run in turn (the stages of
issue #15's target), and the whole path. ``--core-only`` skips everything else.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_features.py
    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_features.py --core-only
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


def text_core_stages(texts: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """CPU us/ad of each stage of the default model's data path, per available text core."""
    import numpy as np

    from classifier import _core
    from classifier.model._default import load_default_model

    linear = load_default_model().linear
    compiled = _core.CORE
    cores = {"rust": compiled, "python": None} if compiled is not None else {"python": None}
    stages: dict[str, dict[str, float]] = {}
    features = {}
    for name, module in cores.items():
        _core.CORE = module
        try:
            linear.features(texts)  # warm-up: caches and lazily built tables
            normalized = linear.normalize(texts)
            times = {"normalize": _us_per_ad(lambda: linear.normalize(texts), len(texts),
                                             repeats)}
            for block in linear.blocks:
                times[block.name] = _us_per_ad(lambda b=block, t=normalized: b.transform(t),
                                               len(texts), repeats)
            times["sum_of_stages"] = sum(times.values())
            if linear.gated:
                times.update(_one_pass_stages(linear, texts, normalized, repeats))
            # The whole data path, as scoring runs it (with the union's stacking and gating).
            times["features"] = _us_per_ad(lambda: linear.features(texts), len(texts), repeats)
            stages[name] = times
            X = linear.features(texts)
            features[name] = (X.data, X.indices, X.indptr)
        finally:
            _core.CORE = compiled
    if len(features) == 2:
        (a, b) = features.values()
        if not all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a, b,
                                                                                strict=True)):
            raise SystemExit("the text cores gave different features")
    return stages


def _one_pass_stages(linear, texts: list[str], normalized: list[str],
                     repeats: int) -> dict[str, float]:
    """CPU us/ad of the word and context n-grams counted in one pass (as ``features`` counts
    them), and of normalisation + indicators + n-grams, the stages issue #15 names, run in
    turn from the raw texts (evidence rules and the stacking of the blocks left out)."""
    from classifier.features._context import words_and_context_rows

    words = next(block for block in linear.blocks if block.kind == "tfidf")
    indicators = next(block for block in linear.blocks if block.kind == "indicators")
    lexicon = linear.blocks[-1].params["lexicon"]

    def named_stages() -> None:
        text = linear.normalize(texts)
        indicators.transform(text)
        words_and_context_rows(words.tfidf, text, lexicon)

    return {
        "words_and_context_one_pass": _us_per_ad(
            lambda: words_and_context_rows(words.tfidf, normalized, lexicon), len(texts),
            repeats),
        "normalize_indicators_ngrams": _us_per_ad(named_stages, len(texts), repeats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--core-only", action="store_true",
                        help="only time the text core stages of the default model")
    args = parser.parse_args(argv)
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").tolist()
    batch = texts * args.copies
    if args.core_only:
        print(json.dumps({"text_core_us_per_ad": text_core_stages(batch, args.repeats)},
                         indent=2))
        return 0
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
        blocks[name] = _us_per_ad(lambda b=block, t=normalized: b.transform(t), len(batch),
                                  args.repeats)
    scorer = Scorer(pipeline)
    X = scorer.features(batch)
    blocks["reasons"] = _us_per_ad(lambda: scorer.reasons(X), len(batch), args.repeats)
    result["blocks_us_per_ad"] = blocks
    result["text_core_us_per_ad"] = text_core_stages(batch, args.repeats)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
