"""How much do scores move when ads are rewritten the way evaders write them?

Trains the default model on ChainBreaker (grouped folds are not needed here: the question is
the model's stability, not its accuracy), then scores every ad as written and obfuscated
with each kind of ``tests/obfuscate.py`` (homoglyphs, spacing, leetspeak, phone rewriting,
emoji, repeated letters, number words) and all kinds at once, over several seeds.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_robustness.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import classifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from obfuscate import ALL_KINDS, obfuscate  # noqa: E402  (a test helper, not package code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--features", default=classifier.FEATURE_SETS[2])
    args = parser.parse_args(argv)
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").tolist()
    model = classifier.train(texts, ads.label, features=args.features, folds=3)
    plain = model.predict_proba(texts)
    result = {"features": args.features, "n_ads": len(texts), "seeds": args.seeds}
    for kinds in [*[(k,) for k in ALL_KINDS], ALL_KINDS]:
        changes = []
        for seed in range(args.seeds):
            rewritten = [obfuscate(t, seed=seed * 100_003 + i, kinds=kinds)
                         for i, t in enumerate(texts)]
            changes.append(np.abs(model.predict_proba(rewritten) - plain))
        change = np.concatenate(changes)
        name = "all" if kinds == ALL_KINDS else kinds[0]
        result[name] = {"mean_abs_change": float(change.mean()),
                        "p95_abs_change": float(np.quantile(change, 0.95)),
                        "max_abs_change": float(change.max())}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
