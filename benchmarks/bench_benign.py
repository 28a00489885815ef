"""Benign flag rate of the default model on ordinary ads: held-out and leave-one-genre-out.

Needs the pinned benign sources (``classifier.io.DATASETS``, role ``evaluation`` and
``context-train``) and ``chainbreaker``; offline, set ``CLASSIFIER_DATA_DIR``::

    CLASSIFIER_DATA_DIR=/path/to/data nice python benchmarks/bench_benign.py [--logo] [--strict]

- held-out: the default model (shipped context lexicon) on the ``evaluation`` sources, which
  the lexicon never saw;
- ``--logo``: for each genre, a context lexicon refitted without any source of that genre
  (every other benign source, evaluation ones too), the risk model retrained with it, and
  the flag rate on that genre;
- ``--strict``: ChainBreaker cross-validation with the context lexicon refitted in every fold
  on the training part only (the shipped lexicon has seen every ChainBreaker ad).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

import classifier
from classifier.evaluation._benign import benign_flag_rate
from classifier.features import _context as context
from classifier.features._transformers import ContextScore
from classifier.io._benign import benign_sources, load_benign
from classifier.model._context import fit_context
from classifier.model._pipeline import grouped_folds
from classifier.text import TextNormalizer

ONE_LINERS = [
    line for line in (Path(__file__).resolve().parents[1] / "examples" / "ordinary_one_liners.txt")
    .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def _with_lexicon(lexicon: dict | None):
    """Make new pipelines use ``lexicon`` (None: the packaged one)."""
    if lexicon is None:
        ContextScore.__init__.__defaults__ = (context.DEFAULT_LEXICON,)
        return
    path = Path(tempfile.mkdtemp()) / "context.json"
    path.write_text(json.dumps(lexicon))
    ContextScore.__init__.__defaults__ = (str(path),)


def _rate(model, frame) -> dict:
    scores = model.predict_proba(frame["text"].tolist())
    return benign_flag_rate(scores, model.threshold, frame["genre"].tolist())


def _line(label: str, r: dict) -> str:
    return (f"{label}: {r['flagged']}/{r['n']} = {r['flag_rate']:.2%} "
            f"[{r['ci_low']:.2%}, {r['ci_high']:.2%}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="context", choices=classifier.FEATURE_SETS)
    parser.add_argument("--logo", action="store_true")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()

    adult = classifier.load_dataset("chainbreaker")
    texts, y = adult["text"].fillna("").tolist(), adult["label"].to_numpy().astype(int)
    groups = classifier.group_ads(texts)
    model = classifier.train(texts, y, features=args.features, groups=groups)
    held_out = load_benign(benign_sources("evaluation"))
    result = _rate(model, held_out)
    print(f"features {args.features}, threshold {model.threshold:.3f}")
    print(_line("held-out ordinary ads", result))
    for genre, r in result["by_group"].items():
        print(_line(f"  {genre}", r))
    trained_on = load_benign(benign_sources("context-train"))
    print(_line("context-training ordinary ads (seen)", _rate(model, trained_on)))
    flagged = [t for t, s in zip(ONE_LINERS, model.predict_proba(ONE_LINERS), strict=True)
               if s >= model.threshold]
    print(f"one-liners flagged: {len(flagged)}/{len(ONE_LINERS)} {flagged}")
    if not (args.logo or args.strict):
        return
    normalizer = TextNormalizer()
    adult_norm = normalizer.transform(texts)
    every = load_benign(benign_sources())
    every_norm = np.asarray(normalizer.transform(every["text"].tolist()), dtype=object)
    every_groups = classifier.group_ads(every["text"].tolist())
    if args.logo:
        for genre in every["genre"].unique():
            keep = (every["genre"] != genre).to_numpy()
            lexicon = fit_context(
                adult_norm, list(every_norm[keep]),
                groups=np.r_[groups, every_groups[keep]])
            _with_lexicon(lexicon)
            refit = classifier.train(texts, y, features=args.features, groups=groups)
            print(_line(f"leave-one-genre-out {genre}", _rate(refit, every[~keep])))
    if args.strict:
        ordinary = list(every_norm[every["source"].isin(benign_sources("context-train"))])
        ordinary_groups = every_groups[every["source"].isin(benign_sources("context-train"))]
        scores = np.zeros(len(y))
        for train_idx, test_idx in grouped_folds(y, groups, 5, 0):
            lexicon = fit_context([adult_norm[i] for i in train_idx], ordinary,
                                          groups=np.r_[groups[train_idx], ordinary_groups])
            _with_lexicon(lexicon)
            fold_model = classifier.train([texts[i] for i in train_idx], y[train_idx],
                                          features=args.features, groups=groups[train_idx])
            scores[test_idx] = fold_model.predict_proba([texts[i] for i in test_idx])
        print(f"ChainBreaker, context refitted per fold: ROC-AUC {roc_auc_score(y, scores):.4f}"
              f" AP {average_precision_score(y, scores):.4f}")
    _with_lexicon(None)


if __name__ == "__main__":
    main()
