"""Rebuild the packaged context lexicon, ``classifier/data/context.json``, from pinned sources.

Positives: every ad of the built-in ``chainbreaker`` dataset (adult-services ads, whatever
their label). Negatives: the ordinary ads of the built-in benign sources whose role is
``context-train`` (items for sale, housing, job postings; MIT licensed). The ``evaluation``
sources are left out, so that the benign flag rate is measured on ads the lexicon never saw.

Offline, point ``CLASSIFIER_DATA_DIR`` at a directory with ``<name>/<file>`` copies::

    CLASSIFIER_DATA_DIR=/path/to/data python scripts/build_context.py

The lexicon holds word 1-2-grams of letters only, each found in at least ``--min-df`` ads of
at least ``--min-groups`` different advertisers (near-duplicate groups), and their weights:
no names, digits or contact details. Its provenance (URLs, SHA-256, licences) is written into
it and into ``classifier/data/context.SOURCES.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import classifier
from classifier.io._benign import benign_sources, load_benign
from classifier.io._datasets import get_dataset_info
from classifier.model._context import fit_context
from classifier.text import TextNormalizer

DATA = Path(__file__).resolve().parents[1] / "classifier" / "data"
ADULT = "chainbreaker"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-df", type=int, default=20)
    parser.add_argument("--min-groups", type=int, default=10)
    parser.add_argument("--C", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=DATA / "context.json")
    args = parser.parse_args()

    sources = benign_sources("context-train")
    adult = classifier.load_dataset(ADULT)["text"].fillna("").tolist()
    ordinary = load_benign(sources)["text"].tolist()
    normalizer = TextNormalizer()
    groups = classifier.group_ads(adult + ordinary)
    lexicon = fit_context(normalizer.transform(adult), normalizer.transform(ordinary),
                          groups=groups, C=args.C, min_df=args.min_df,
                          min_groups=args.min_groups)
    provenance = [
        {"name": name, "url": info.url, "sha256": info.sha256, "licence": info.licence,
         "role": "positives" if name == ADULT else "negatives", "genre": info.genre}
        for name, info in ((n, get_dataset_info(n)) for n in [ADULT, *sources])
    ]
    lexicon = {
        "description": "Context model: P(adult-services ad | text), logistic regression over "
        "binary word 1-2-grams of normalised text; see classifier/features/_context.py.",
        "params": {"C": args.C, "min_df": args.min_df, "min_groups": args.min_groups,
                   "n_adult": len(adult), "n_ordinary": len(ordinary)},
        "sources": provenance,
        **lexicon,
    }
    args.out.write_text(json.dumps(lexicon, indent=0, ensure_ascii=True) + "\n",
                        encoding="utf-8")
    rows = "\n".join(f"| {p['name']} | {p['role']} | {p['genre'] or 'adult services'} | "
                     f"{p['url']} | `{p['sha256']}` | {p['licence']} |" for p in provenance)
    (args.out.parent / f"{args.out.stem}.SOURCES.md").write_text(
        f"# Sources of `{args.out.name}`\n\nBuilt by `scripts/build_context.py` "
        f"({len(lexicon['terms'])} terms, C={args.C}, min_df={args.min_df}, "
        f"min_groups={args.min_groups}) from these pinned files; only word 1-2-grams of "
        "letters, each in at least min_df ads of min_groups advertisers, and their weights "
        "are kept (no texts). Attribution as their licences ask:\n\n"
        "| dataset | role | genre | raw file | SHA-256 | licence |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        f"{rows}\n", encoding="utf-8")
    coef = np.asarray(lexicon["coef"])
    print(f"{args.out}: {len(coef)} terms, intercept {lexicon['intercept']:+.3f}")


if __name__ == "__main__":
    main()
