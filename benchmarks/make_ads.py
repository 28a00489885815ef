"""Generate large, realistic ad files for benchmarks by resampling the ChainBreaker ads.

Every output row is a copy of a randomly drawn ChainBreaker ad in which

- every phone number, e-mail address, URL and handle is replaced by a new random one
  (phones in the reserved, never-assigned NANP area codes 37X and 96X, e-mails and URLs at
  ``example.com``), other runs of seven or more digits get random digits, and the few
  source ads in which ``extract_contacts`` still finds a contact after masking are left
  out, so the output holds none of the real contact data of the source;
- each source ad is treated as one vendor with a small pool of phone numbers, so phone
  numbers repeat across rows the way they do in real ad streams;
- a share of the rows gets a few small random edits (a word dropped, repeated, swapped,
  a filler word or emoji added, a typo), so not every row is an exact template copy.

Usage::

    python benchmarks/make_ads.py 1000000 ads.parquet   # or .csv / .jsonl

The source is read from ``$CLASSIFIER_DATA_DIR/chainbreaker/raw.csv`` unless ``--source``
is given.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.text._contacts import extract_contacts, mask_contacts

# Reserved for NANP expansion: no number in these area codes can reach a person.
_AREA_CODES = np.array([*range(370, 380), *range(960, 970)])
_PHONE_FORMATS = (
    "({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}", "{a} {b} {c}", "+1 {a} {b} {c}",
)
_FILLERS = (
    "babe", "xoxo", "!!", "new", "hot", "24/7", "now", "real", "pics", "call", "text",
    "\U0001f339", "\U0001f48b", "\U0001f618", "\U0001f525", "\u2764\ufe0f", "***",
)
# Placeholders written by classifier.text._contacts.mask_contacts.
_PLACEHOLDER = re.compile(r"\bx(phone|phoneobf|email|url|handle)x\b")
_KIND_PHONE, _KIND_PHONE_OBF, _KIND_EMAIL, _KIND_URL, _KIND_HANDLE = range(5)
_KINDS = {"phone": _KIND_PHONE, "phoneobf": _KIND_PHONE_OBF, "email": _KIND_EMAIL,
          "url": _KIND_URL, "handle": _KIND_HANDLE}
_N_EDIT_OPS = 6
# Seven or more digits in a row, possibly spaced out: a phone number that mask_contacts did
# not recognise. Its digits are replaced by random ones.
_DIGIT_RUN = re.compile(r"(?:\d[\s.\-()]{0,3}){7,}")


def default_source() -> Path:
    """Path of the ChainBreaker ``raw.csv`` under ``$CLASSIFIER_DATA_DIR``."""
    root = os.environ.get("CLASSIFIER_DATA_DIR")
    if not root:
        raise FileNotFoundError(
            "set CLASSIFIER_DATA_DIR (the folder holding chainbreaker/raw.csv) or pass a source"
        )
    return Path(root) / "chainbreaker" / "raw.csv"


def make_ads(
    n: int,
    *,
    seed: int = 0,
    source_path: str | os.PathLike | None = None,
    edit_rate: float = 0.7,
    ads_per_phone: float = 4.0,
) -> pd.DataFrame:
    """Resample ChainBreaker ads into ``n`` synthetic ads with fresh contact data.

    Parameters
    ----------
    n : int
        Number of ads to generate.
    seed : int, default=0
        Seed of the random generator; the output is a function of ``n``, ``seed`` and the
        other parameters.
    source_path : path-like, optional
        ChainBreaker ``raw.csv`` (``;``-separated, columns index, ``text``, ``label``);
        defaults to ``$CLASSIFIER_DATA_DIR/chainbreaker/raw.csv``.
    edit_rate : float, default=0.7
        Share of ads that get one to three small random edits.
    ads_per_phone : float, default=4.0
        Average number of ads posted under one phone number of a vendor.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (int64, ``0 .. n-1``), ``text`` and ``label`` (the source ad's 0/1
        label, int8).
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n!r}")
    if not 0.0 <= edit_rate <= 1.0:
        raise ValueError(f"edit_rate must be in [0, 1], got {edit_rate!r}")
    if ads_per_phone < 1:
        raise ValueError(f"ads_per_phone must be at least 1, got {ads_per_phone!r}")
    source = pd.read_csv(source_path or default_source(), sep=";", index_col=0)
    rng = np.random.default_rng(seed)
    templates = [_template(t, rng) for t in source["text"].fillna("")]
    # An ad whose masked text still yields a contact key would leak it: leave it out.
    usable = np.flatnonzero([not _contact_keys(" ".join(words)) for words, _ in templates])
    src = usable[rng.integers(0, len(usable), size=n)]
    labels = source["label"].to_numpy()

    # Each source ad is a vendor with ceil(count / ads_per_phone) contact slots (a phone
    # number, and an e-mail address, URL and handle where the ad has one); a row takes one
    # slot at random, so a number shows up in about `ads_per_phone` rows. Slots are never
    # shared between vendors: a collision would merge two vendors in the benchmark.
    counts = np.bincount(src, minlength=len(templates))
    pool = np.maximum(1, np.ceil(counts / ads_per_phone)).astype(np.int64)
    pool_start = np.concatenate([[0], np.cumsum(pool)[:-1]])
    slot = pool_start[src] + (rng.random(n) * pool[src]).astype(np.int64)
    phones = _phone_numbers(rng, int(pool.sum()))

    n_edits = np.where(rng.random(n) < edit_rate, rng.integers(1, 4, size=n), 0)
    edit_ops = rng.integers(0, _N_EDIT_OPS, size=(n, 3)).tolist()
    edit_pos = rng.random((n, 3)).tolist()
    fillers = rng.integers(0, len(_FILLERS), size=(n, 3)).tolist()

    texts = []
    for i, (s, own, edits) in enumerate(zip(src.tolist(), slot.tolist(), n_edits.tolist(),
                                            strict=True)):
        words, holes = templates[s]
        if holes or edits:
            words = list(words)
        for k, (pos, kind) in enumerate(holes):
            # A second contact in one ad is another slot of the same vendor.
            other = pool_start[s] + (own - pool_start[s] + k) % pool[s] if k else own
            words[pos] = _contact(kind, phones[other], other)
        for e in range(edits):
            _edit(words, edit_ops[i][e], edit_pos[i][e], _FILLERS[fillers[i][e]])
        texts.append(" ".join(words))
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64),
            # Object dtype keeps the generated str objects instead of copying them.
            "text": pd.Series(texts, dtype=object),
            "label": labels[src].astype(np.int8),
        }
    )


def _template(
    text: str, rng: np.random.Generator
) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Words of the ad with contact data masked, and the (position, kind) of each mask."""
    masked = _DIGIT_RUN.sub(lambda m: _scramble_digits(m.group(), rng), mask_contacts(text))
    words = tuple(_PLACEHOLDER.sub(r" x\1x ", masked).split())
    holes = tuple(
        (i, _KINDS[m.group(1)])
        for i, w in enumerate(words)
        if (m := _PLACEHOLDER.fullmatch(w))
    )
    return words, holes


def _contact_keys(text: str) -> list[str]:
    """Contact keys of ``text`` other than the placeholders themselves."""
    return [key for key in extract_contacts(text) if not _PLACEHOLDER.search(key)]


def _scramble_digits(text: str, rng: np.random.Generator) -> str:
    """Replace the digits of ``text`` by random ones, keeping the separators."""
    n_digits = sum(c.isdigit() for c in text)
    digits = rng.integers(0, 10, size=n_digits).astype(str).tolist()
    # Should the run still read as a phone number (its last ten digits), it falls in the
    # reserved area code 37X like the generated numbers.
    first = max(0, n_digits - 10)
    digits[first : first + 2] = ["3", "7"][: n_digits - first]
    it = iter(digits)
    return re.sub(r"\d", lambda _: next(it), text)


def _phone_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct random phone numbers in reserved area codes, in assorted formats."""
    # A number is area-code index, exchange 200-999 and line 0000-9999 in one integer.
    code = rng.choice(len(_AREA_CODES) * 800 * 10_000, size=n, replace=False)
    area = _AREA_CODES[code // (800 * 10_000)]
    exchange = 200 + code // 10_000 % 800
    line = code % 10_000
    fmt = rng.integers(0, len(_PHONE_FORMATS), size=n)
    return [
        _PHONE_FORMATS[f].format(a=a, b=b, c=f"{c:04d}")
        for a, b, c, f in zip(area.tolist(), exchange.tolist(), line.tolist(), fmt.tolist(),
                              strict=True)
    ]


def _contact(kind: int, phone: str, slot: int) -> str:
    """Replacement text for one masked contact of contact slot ``slot``."""
    if kind == _KIND_PHONE:
        return phone
    if kind == _KIND_PHONE_OBF:
        # Obfuscated numbers come back spaced out digit by digit.
        return " ".join(re.sub(r"\D", "", phone)[-10:])
    if kind == _KIND_EMAIL:
        return f"user{slot}@example.com"
    if kind == _KIND_URL:
        return f"https://example.com/{slot}"
    return f"@user{slot}"


def _edit(words: list[str], op: int, where: float, filler: str) -> None:
    """Apply one small edit in place at relative position ``where``."""
    if not words:
        words.append(filler)
        return
    i = int(where * len(words))
    if op == 0 and len(words) > 1:  # drop a word
        del words[i]
    elif op == 1:  # repeat a word
        words.insert(i, words[i])
    elif op == 2 and i + 1 < len(words):  # swap two neighbours
        words[i], words[i + 1] = words[i + 1], words[i]
    elif op == 3 and len(words[i]) > 3:  # typo: drop a character
        j = len(words[i]) // 2
        words[i] = words[i][:j] + words[i][j + 1 :]
    elif op == 4:  # shouting
        words[i] = words[i].upper()
    else:  # filler word or emoji
        words.insert(i, filler)


def write_ads(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as CSV, Parquet or JSON lines, chosen by the file extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        raise ValueError(f"unsupported output format {suffix!r}: use .csv, .parquet or .jsonl")


def read_ads(path: str | os.PathLike) -> pd.DataFrame:
    """Read a file written by :func:`write_ads`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, dtype={"text": str})
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".jsonl":
        return pd.read_json(path, orient="records", lines=True, dtype={"text": str})
    raise ValueError(f"unsupported input format {suffix!r}: use .csv, .parquet or .jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of ads to generate")
    parser.add_argument("out", help="output file: .csv, .parquet or .jsonl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", default=None, help="ChainBreaker raw.csv")
    parser.add_argument("--edit-rate", type=float, default=0.7)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    frame = make_ads(args.n, seed=args.seed, source_path=args.source, edit_rate=args.edit_rate)
    generated = time.perf_counter() - start
    write_ads(frame, args.out)
    print(
        f"{len(frame):,} ads generated in {generated:.1f} s, written to {args.out} "
        f"in {time.perf_counter() - start - generated:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
