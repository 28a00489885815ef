"""How much do held-out scores move when ads are rewritten the way evaders write them?

Grouped cross-validation on ChainBreaker (groups of near-duplicate and same-contact ads from
:func:`classifier.group_ads` stay in one fold): for each fold, the default model is trained
on the plain training part, and the held-out ads are scored as written and obfuscated with
each kind of ``tests/obfuscate.py``, then with all the first kinds (``ALL_KINDS``, the
transforms of the first benchmark), with every kind (``EVERY_KIND``: also zero-width
characters, combining marks, enclosed letters, mixed-script look-alikes, punctuation padding,
reformatted phone numbers and mojibake) and with every kind but "phone" (an obscured number
is an indicator the model weighs), over several seeds. Reported per kind: the mean,
95th percentile and maximum of |score change| over held-out ads, and the change of the
out-of-fold ROC-AUC (obfuscated minus plain, mean over seeds).

With ``--in-sample`` the model is trained on all ads and scores them (the first benchmark's
protocol, kept for comparison).

Usage::

    CLASSIFIER_DATA_DIR=/work/shared/datasets python benchmarks/bench_robustness.py \
        [--seeds 2] [--folds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

import classifier
from classifier.features import DEFAULT_FEATURES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from obfuscate import ALL_KINDS, EVERY_KIND, obfuscate  # noqa: E402  (a test helper)


def _settings() -> list[tuple[str, tuple[str, ...]]]:
    """Every kind alone, then the first kinds together, then every kind together."""
    # Without "phone": an obscured number is evidence the model weighs (an indicator from the
    # literature), so its score change is partly intended.
    no_phone = tuple(kind for kind in EVERY_KIND if kind != "phone")
    return [*((kind, (kind,)) for kind in EVERY_KIND), ("all (first kinds)", ALL_KINDS),
            ("all (every kind)", EVERY_KIND), ("all but phone", no_phone)]  # fmt: skip


def _fold_models(texts: list[str], y: np.ndarray, args: argparse.Namespace) -> list:
    """Return (held-out indices, model trained on the rest) per fold, or one in-sample model."""
    if args.in_sample:
        model = classifier.train(texts, y, features=args.features, folds=3)
        return [(np.arange(len(texts)), model)]
    groups = classifier.group_ads(texts)
    splitter = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=0)
    models = []
    for train_idx, test_idx in splitter.split(texts, y, groups):
        train_texts = [texts[i] for i in train_idx]
        model = classifier.train(train_texts, y[train_idx], features=args.features, folds=3,
                                 groups=groups[train_idx])  # fmt: skip
        models.append((test_idx, model))
    return models


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--features", default=DEFAULT_FEATURES)
    parser.add_argument("--in-sample", action="store_true", help="train and score on all ads")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    ads = classifier.load_dataset("chainbreaker")
    texts = ads.text.fillna("").astype(str).tolist()
    y = ads.label.to_numpy()
    models = _fold_models(texts, y, args)
    plain = np.empty(len(texts))
    for test_idx, model in models:
        plain[test_idx] = model.predict_proba([texts[i] for i in test_idx])
    auc_plain = roc_auc_score(y, plain)
    result = {"features": args.features, "n_ads": len(texts), "seeds": args.seeds,
              "protocol": "in-sample" if args.in_sample else f"{args.folds}-fold grouped",
              "roc_auc_plain": auc_plain, "kinds": {}}  # fmt: skip
    for name, kinds in _settings():
        changes, auc_deltas = [], []
        for seed in range(args.seeds):
            scores = np.empty(len(texts))
            for test_idx, model in models:
                rewritten = [obfuscate(texts[i], seed=seed * 100_003 + int(i), kinds=kinds)
                             for i in test_idx]  # fmt: skip
                scores[test_idx] = model.predict_proba(rewritten)
            changes.append(np.abs(scores - plain))
            auc_deltas.append(roc_auc_score(y, scores) - auc_plain)
        change = np.concatenate(changes)
        result["kinds"][name] = {
            "mean_abs_change": float(change.mean()),
            "p95_abs_change": float(np.quantile(change, 0.95)),
            "max_abs_change": float(change.max()),
            "roc_auc_change": float(np.mean(auc_deltas)),
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['protocol']}, {args.seeds} seeds, features {args.features}, "
          f"{len(texts)} ads, plain ROC-AUC {auc_plain:.3f}")  # fmt: skip
    print("| obfuscation | mean abs change | p95 | max | ROC-AUC change |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, row in result["kinds"].items():
        print(f"| {name} | {row['mean_abs_change']:.4f} | {row['p95_abs_change']:.4f} | "
              f"{row['max_abs_change']:.3f} | {row['roc_auc_change']:+.4f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
