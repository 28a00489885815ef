"""Rebuild the packaged context lexicon, ``classifier/data/context.json``, from pinned sources.

Positives: every ad of the built-in ``chainbreaker`` dataset (adult-services ads, whatever
their label). Negatives: the ordinary ads of the built-in benign sources whose role is
``context-train`` (items for sale, housing, job postings; MIT licensed). The ``evaluation``
sources are left out, so that the benign flag rate is measured on ads the lexicon never saw.

Offline, point ``CLASSIFIER_DATA_DIR`` at a directory with ``<name>/<file>`` copies::

    CLASSIFIER_DATA_DIR=/path/to/data python scripts/build_context.py

The lexicon holds word 1-2-grams of letters only, each found in at least ``--min-df`` ads of
at least ``--min-groups`` different advertisers (near-duplicate groups), and their weights:
no names, digits or contact details. A phone number counts as one, however it is written:
an obscured one (``xphoneobfx``) is read as a plain one (``xphonex``) for the fit, and every
term holding ``xphonex`` is also written with ``xphoneobfx`` in its place, with the same
weight (so obscuring a number, a trick of evaders, does not move the context; the risk
model's ``phone_obfuscated`` indicator weighs it). Its provenance (URLs, SHA-256, licences)
is written into it and into ``classifier/data/context.SOURCES.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

import classifier
from classifier.io._benign import benign_sources, load_benign
from classifier.io._datasets import get_dataset_info
from classifier.model._context import fit_context
from classifier.text import PHONE_OBF_TOKEN, PHONE_TOKEN, TextNormalizer

DATA = Path(__file__).resolve().parents[1] / "classifier" / "data"
ADULT = "chainbreaker"


def read_phone_as_one(texts: list[str]) -> list[str]:
    """Normalised texts with every obscured phone token read as a plain one."""
    return [t.replace(PHONE_OBF_TOKEN, PHONE_TOKEN) for t in texts]


def alias_phone_terms(lexicon: dict) -> dict:
    """The lexicon with each term holding the plain phone token also written with the
    obscured one in its place (every combination), with the same weight."""
    terms, coef = list(lexicon["terms"]), list(lexicon["coef"])
    known = set(terms)
    for term, weight in zip(lexicon["terms"], lexicon["coef"], strict=True):
        words = term.split(" ")
        slots = [i for i, word in enumerate(words) if word == PHONE_TOKEN]
        for choice in itertools.product((PHONE_TOKEN, PHONE_OBF_TOKEN), repeat=len(slots)):
            variant = list(words)
            for i, word in zip(slots, choice, strict=True):
                variant[i] = word
            alias = " ".join(variant)
            if alias not in known:
                known.add(alias)
                terms.append(alias)
                coef.append(weight)
    return {**lexicon, "terms": terms, "coef": coef}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-df", type=int, default=20)
    parser.add_argument("--min-groups", type=int, default=10)
    parser.add_argument("--C", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=DATA / "context.json")
    parser.add_argument("--no-phone-alias", action="store_true",
                        help="keep obscured and plain phone tokens apart (the lexicon before "
                        "this option)")
    args = parser.parse_args()

    sources = benign_sources("context-train")
    adult = classifier.load_dataset(ADULT)["text"].fillna("").tolist()
    ordinary = load_benign(sources)["text"].tolist()
    normalizer = TextNormalizer()
    groups = classifier.group_ads(adult + ordinary)
    adult_norm, ordinary_norm = normalizer.transform(adult), normalizer.transform(ordinary)
    if not args.no_phone_alias:
        adult_norm, ordinary_norm = read_phone_as_one(adult_norm), read_phone_as_one(ordinary_norm)
    lexicon = fit_context(adult_norm, ordinary_norm, groups=groups, C=args.C,
                          min_df=args.min_df, min_groups=args.min_groups)
    if not args.no_phone_alias:
        lexicon = alias_phone_terms(lexicon)
    provenance = [
        {"name": name, "url": info.url, "sha256": info.sha256, "licence": info.licence,
         "role": "positives" if name == ADULT else "negatives", "genre": info.genre}
        for name, info in ((n, get_dataset_info(n)) for n in [ADULT, *sources])
    ]
    lexicon = {
        "description": "Context model: P(adult-services ad | text), logistic regression over "
        "binary word 1-2-grams of normalised text; see classifier/features/_context.py.",
        "params": {"C": args.C, "min_df": args.min_df, "min_groups": args.min_groups,
                   "phone_alias": not args.no_phone_alias,
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
