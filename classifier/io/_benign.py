"""Ordinary (benign) classified ads: pinned public sources and their readers.

Every training ad of the default dataset is an adult-services ad, so on its own it says
nothing about how a model treats a job posting or a bicycle for sale. The sources here are
public ordinary ads (items for sale, housing, short-term rentals, jobs) pinned like
``chainbreaker`` in :data:`classifier.io.DATASETS` (raw URL at a fixed commit,
SHA-256, licence), in two parts:

- ``context-train``: negatives of the shipped context model (see
  ``classifier/features/_context.py`` and ``scripts/build_context.py``); only MIT or CC BY
  sources;
- ``evaluation``: held out by genre or source, for the benign flag rate
  (``classifier evaluate --benign``).

Contact details are masked as the texts are read, and each reader keeps the text fields only
(no host names, prices, ids or image links).
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from classifier._errors import DataError
from classifier.text._contacts import mask_contacts

#: Roles of a benign source.
ROLES = ("context-train", "evaluation")
# Job postings are split into passages of about this many characters, the length of an ad.
_PASSAGE_CHARS = 600
_TAG = re.compile(r"<[^>]{1,40}>")


def _craigslist(path: Path) -> list[str]:
    """craigslistbargain items: title and description lines, one ad each."""
    items = json.loads(path.read_text(encoding="utf-8"))
    return [f"{item['title']}\n" + "\n".join(item["description"]) for item in items]


def _passages(sentences: Sequence[str]) -> list[str]:
    """Consecutive sentences of one posting joined into ad-sized passages."""
    passages: list[str] = []
    current = ""
    for sentence in sentences:
        current = f"{current} {sentence}".strip()
        if len(current) >= _PASSAGE_CHARS:
            passages.append(current)
            current = ""
    if current:
        passages.append(current)
    return passages


def _detokenize(tokens: Sequence[str]) -> str:
    # De-identification placeholders (<ORGANIZATION>, <ADDRESS>) carry no words of the ad.
    text = " ".join(t for t in tokens if not _TAG.fullmatch(t))
    return re.sub(r" ([.,;:!?)])", r"\1", text)


def _skillspan(path: Path) -> list[str]:
    """SkillSpan JSON lines (one tokenised sentence a line): postings cut into passages."""
    postings: dict[tuple[str, int], list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            postings.setdefault((row["source"], row["idx"]), []).append(
                _detokenize(row["tokens"]))
    return [p for sentences in postings.values() for p in _passages(sentences)]


def _conll(path: Path) -> list[str]:
    """Token-per-line files (token, tag), sentences separated by blank lines: passages."""
    sentences, tokens = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            tokens.append(line.split()[0])
        elif tokens:
            sentences.append(_detokenize(tokens))
            tokens = []
    return _passages(sentences)


def _airbnb(path: Path) -> list[str]:
    """Inside Airbnb ``listings.csv.gz``: listing name and description (no host columns)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, usecols=["name", "description"], dtype=str)
    frame = frame.fillna("")
    texts = frame["name"] + "\n" + frame["description"].map(html.unescape)
    return [_TAG.sub(" ", t) for t in texts if t.strip()]


#: Readers by the ``reader`` field of a benign :class:`~classifier.io.Dataset`.
READERS: dict[str, Callable[[Path], list[str]]] = {
    "craigslist": _craigslist,
    "skillspan": _skillspan,
    "conll": _conll,
    "airbnb": _airbnb,
}


def read_benign(path: Path, reader: str) -> pd.DataFrame:
    """Texts of one benign source file, contacts masked, exact duplicates dropped; label 0."""
    try:
        texts = READERS[reader](path)
    except (ValueError, KeyError, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as {reader} ads: {type(exc).__name__}") from exc
    texts = list(dict.fromkeys(mask_contacts(t).strip() for t in texts))
    texts = [t for t in texts if t]
    return pd.DataFrame({"text": texts, "label": np.zeros(len(texts), dtype=np.int64)})


def benign_sources(role: str | None = None, genre: str | None = None) -> list[str]:
    """Names of the built-in benign datasets, optionally of one role and/or genre."""
    from classifier.io._datasets import DATASETS

    return [name for name, info in DATASETS.items() if info.genre is not None
            and (role is None or info.role == role) and (genre is None or info.genre == genre)]


def load_benign(names: Sequence[str]) -> pd.DataFrame:
    """Benign ads of several built-in sources, with ``source`` and ``genre`` columns."""
    from classifier.io._datasets import get_dataset_info, load_dataset

    frames = []
    for name in names:
        info = get_dataset_info(name)
        if info.genre is None:
            raise DataError(f"dataset {name!r} is not a set of ordinary ads")
        frames.append(load_dataset(name).assign(source=name, genre=info.genre))
    return pd.concat(frames, ignore_index=True)


def load_benign_set(spec: str, *, text_col: str = "text") -> pd.DataFrame:
    """The ads of ``--benign SPEC``: a built-in benign source, a role, ``all``, or a file.

    ``SPEC`` is the name of a built-in benign dataset, ``evaluation`` or ``context-train``
    (every source of that role), ``all`` (every benign source), or the path of a table
    (``.csv``, ``.jsonl``, ...) with a ``text_col`` column and optionally a ``genre`` one.
    """
    from classifier.io._datasets import DATASETS
    from classifier.io._tables import read_table

    if spec in ("all", *ROLES) or spec in DATASETS:
        names = benign_sources(None if spec == "all" else spec) if spec not in DATASETS else [spec]
        return load_benign(names)
    path = Path(spec)
    if not path.is_file():
        raise DataError(f"--benign {spec}: neither a file nor a benign dataset "
                        f"({', '.join(['all', *ROLES, *benign_sources()])})")
    frame = read_table(path)
    if text_col not in frame.columns:
        raise DataError(f"{path}: no column {text_col!r} (the ordinary ads' text)")
    genre = frame["genre"].astype(str) if "genre" in frame.columns else path.name
    return pd.DataFrame({"text": frame[text_col].fillna("").astype(str).map(mask_contacts),
                         "label": 0, "source": path.name, "genre": genre})


def load_benign_sets(specs: Sequence[str], *, text_col: str = "text") -> pd.DataFrame:
    """The ads of several ``--benign`` specs (see :func:`load_benign_set`), one frame."""
    frame = pd.concat([load_benign_set(s, text_col=text_col) for s in specs], ignore_index=True)
    if frame.empty:
        raise DataError(f"--benign {' '.join(specs)}: no ads")
    frame.attrs["sets"] = list(specs)
    return frame


