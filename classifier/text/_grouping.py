"""Group near-duplicate ads and ads that share a contact (same vendor).

Templated ads are typical of organised activity: one text posted many times with only the
phone number or a few words changed. Reviewers want such ads shown once, and evaluation must
keep them in one fold. :func:`group_ads` links two ads when

- their normalised words are identical (:func:`classifier.text.normalize_text` masks
  phone numbers and e-mails, so a template re-posted under another phone is an exact
  duplicate);
- the Jaccard similarity of their sets of word shingles, estimated with MinHash, reaches a
  threshold (candidate pairs from MinHash LSH, checked on the full signatures); or
- they share a phone number or e-mail address
  (:func:`classifier.text.extract_contacts`);

and returns the connected components of these links as group ids. Ads with fewer than
``min_tokens`` words are linked as exact duplicates (a short template re-posted under other
phone numbers is one group, whatever its length) and by their contacts, but not by MinHash
similarity: a few shingles say little. Ads without words, or whose only words are masked
contacts, are linked by their contacts only: equal empty texts are no evidence of a common
author, and the MinHash of an empty set is the same for every empty ad.

The work is done once per distinct raw text and once per distinct normalised text, in
chunks spread over ``n_jobs`` processes; the LSH bands are indexed in passes that bound the
memory of each index."""

from __future__ import annotations

import gc
import hashlib
import itertools
import math
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from joblib import Parallel, delayed, effective_n_jobs
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from classifier.text._normalize import normalize_and_extract, normalize_text
from classifier.text._tokens import (
    EMAIL_TOKEN,
    HANDLE_TOKEN,
    PHONE_OBF_TOKEN,
    PHONE_TOKEN,
    URL_TOKEN,
)

__all__ = ["DedupOptions", "dedup_file", "duplicate_stats", "group_ads"]

_WORD = re.compile(r"\w+")
# Contact keys that link ads. Handle keys are left out: generic words ("sexy", "island")
# are often taken for handles, and one such key would merge unrelated vendors.
_LINK_KINDS = ("phone:", "email:")
# Words that stand for a masked contact: a text of these alone has no content of its own.
_CONTACT_WORDS = frozenset({PHONE_TOKEN, PHONE_OBF_TOKEN, EMAIL_TOKEN, URL_TOKEN, HANDLE_TOKEN})
# datasketch's default scheme: 32-bit hash values, stored as uint32.
_SCHEME = "affine32"
# LSH weights (false positive, false negative) handed to datasketch's parameter search.
# Candidates are checked against the full signature afterwards, so a false positive only
# costs time while a false negative loses a link: favour recall.
_LSH_WEIGHTS = (0.4, 0.6)
# Upper bound on (distinct texts x bands) held by one MinHashLSH index at a time; an entry
# costs 175-350 bytes in datasketch's in-memory storage (less when texts share buckets).
_MAX_INDEX_ENTRIES = 4_000_000
# A bucket is split around at most this many pivots (see `_verified_links`).
_MAX_PIVOTS = 8
# Texts per joblib task, and pairs per vectorised signature comparison.
_CHUNK_SIZE = 20_000
_VERIFY_CHUNK = 65_536
# Odd multiplier of the polynomial shingle hash.
_SHINGLE_MULTIPLIER = 0x9E3779B1

#: Default MinHash Jaccard similarity above which two ads are near-duplicates.
DUP_THRESHOLD = 0.4


def group_ads(
    texts: Sequence[str],
    *,
    threshold: float = DUP_THRESHOLD,
    num_perm: int = 64,
    shingle_size: int = 3,
    min_tokens: int = 10,
    link_contacts: bool = True,
    seed: int = 0,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Assign each ad to a group of near-duplicate or same-contact ads.

    Parameters
    ----------
    texts : sequence of str
        Raw ad texts. Missing values (``None``, NaN) count as empty ads.
    threshold : float, default=0.4
        Estimated Jaccard similarity of word shingles above which two ads are linked.
    num_perm : int, default=64
        Number of MinHash permutations; the similarity estimate has a standard error of
        about ``sqrt(J * (1 - J) / num_perm)``.
    shingle_size : int, default=3
        Words per shingle. Words are runs of ``\\w`` characters of the normalised text,
        so spacing and punctuation do not matter.
    min_tokens : int, default=10
        Ads with fewer words than this after normalisation are not linked by MinHash
        similarity, only as exact duplicates after normalisation (contacts masked) and by
        shared contacts. Ads with no words but masked contacts are linked by their
        contacts only.
    link_contacts : bool, default=True
        Also link ads sharing a phone number or e-mail address (keys ``phone:`` and
        ``email:`` of :func:`~classifier.text.extract_contacts`; social-media
        handles are not used, as generic words are often mistaken for them).
    seed : int, default=0
        Seed of the MinHash permutations.
    n_jobs : int, optional
        Parallel jobs for normalisation, MinHash and LSH (joblib convention: ``None``
        means 1, ``-1`` all cores).

    Returns
    -------
    numpy.ndarray of int64, shape (n_ads,)
        Group ids ``0 .. k-1``, numbered in order of first appearance.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if num_perm < 4:
        raise ValueError(f"num_perm must be at least 4, got {num_perm!r}")
    if shingle_size < 1:
        raise ValueError(f"shingle_size must be at least 1, got {shingle_size!r}")
    if min_tokens < 1:
        raise ValueError(f"min_tokens must be at least 1, got {min_tokens!r}")
    texts = [t if isinstance(t, str) else "" for t in texts]
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Results are consumed as they arrive, so that at most a few chunks are held at once.
    parallel = Parallel(n_jobs=effective_n_jobs(n_jobs), return_as="generator")

    # Re-posted ads are common: sketch each distinct raw text once. The link graph still
    # has one node per ad, so that two empty ads are not linked by being equal.
    raw_index: dict[str, int] = {}
    raw_of = np.fromiter(
        (raw_index.setdefault(t, len(raw_index)) for t in texts), dtype=np.int64, count=n
    )
    raw = list(raw_index)
    del raw_index
    first_ad_of_raw = _first_positions(raw_of, len(raw))
    sketched = parallel(
        delayed(_sketch)(
            raw[i : i + _CHUNK_SIZE], min_tokens, shingle_size, num_perm, seed, link_contacts
        )
        for i in range(0, len(raw), _CHUNK_SIZE)
    )

    # Texts whose normalised words are equal share a content id; each content id keeps the
    # signature of its first text, and only these are indexed.
    content_index: dict[bytes, int] = {}
    content_of_raw = np.full(len(raw), -1, dtype=np.int64)
    short_index: dict[bytes, int] = {}  # texts too short for MinHash: exact duplicates only
    short_of_raw = np.full(len(raw), -1, dtype=np.int64)
    signatures: list[np.ndarray] = []
    first_raw_of_contact: dict[str, int] = {}
    contact_a: list[int] = []
    contact_b: list[int] = []
    offset = 0
    for digests, rows, chunk_signatures, contact_rows, contact_keys in sketched:
        new_rows = []
        for raw_id, (digest, row) in enumerate(zip(digests, rows, strict=True), start=offset):
            if digest is not None and row < 0:
                short_of_raw[raw_id] = short_index.setdefault(digest, len(short_index))
            elif digest is not None:
                cid = content_index.get(digest)
                if cid is None:
                    cid = content_index[digest] = len(content_index)
                    new_rows.append(row)
                content_of_raw[raw_id] = cid
        signatures.append(chunk_signatures[new_rows])
        for row, key in zip(contact_rows, contact_keys, strict=True):
            contact_a.append(offset + row)
            contact_b.append(first_raw_of_contact.setdefault(key, offset + row))
        offset += len(digests)
    n_short = len(short_index)
    del raw, content_index, first_raw_of_contact, short_index
    signatures = np.concatenate(signatures)

    content = content_of_raw[raw_of]
    has_content = np.flatnonzero(content >= 0)
    first_ad_of_content = has_content[_first_positions(content[has_content], len(signatures))]
    short = short_of_raw[raw_of]
    has_short = np.flatnonzero(short >= 0)
    first_ad_of_short = has_short[_first_positions(short[has_short], n_short)]
    contact_a = np.asarray(contact_a, dtype=np.int64)
    with_contact = np.flatnonzero(np.isin(raw_of, contact_a))
    a = [
        has_content,  # exact duplicates after normalisation
        has_short,  # short exact duplicates
        with_contact,  # re-posts of an ad with a contact
        first_ad_of_raw[contact_a],  # a contact seen before
    ]
    b = [
        first_ad_of_content[content[has_content]],
        first_ad_of_short[short[has_short]],
        first_ad_of_raw[raw_of[with_contact]],
        first_ad_of_raw[np.asarray(contact_b, dtype=np.int64)],
    ]
    del contact_a, contact_b, content, has_content, with_contact, short, has_short
    if len(signatures) > 1:
        for pa, pb in parallel(
            delayed(_band_links)(signatures, bands, rows_per_band, threshold, seed)
            for bands, rows_per_band in _band_passes(threshold, num_perm, len(signatures))
        ):
            a.append(first_ad_of_content[pa])
            b.append(first_ad_of_content[pb])
    a, b = np.concatenate(a), np.concatenate(b)
    graph = coo_array((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return _first_appearance_order(labels)


def duplicate_stats(groups: np.ndarray) -> dict:
    """Summarise a grouping as plain JSON values.

    Parameters
    ----------
    groups : array-like of int, shape (n_ads,)
        Group ids, e.g. from :func:`group_ads`.

    Returns
    -------
    dict
        ``n_ads``, ``n_groups``, ``n_singletons`` (groups of one ad), ``n_multi_groups``
        (groups of two or more), ``largest_group``, ``ads_in_multi_groups`` and
        ``share_in_multi_groups`` (ads in groups of two or more, count and share),
        ``redundant_ads`` (ads beyond the first of each group: what a reviewer is spared by
        reviewing each group once), and ``group_size_quantiles`` (sizes at the 50th, 90th,
        99th percentile of ads, i.e. the group size a random ad belongs to).
    """
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups must be one-dimensional, got shape {groups.shape}")
    n_ads = int(groups.size)
    if n_ads == 0:
        return {
            "n_ads": 0, "n_groups": 0, "n_singletons": 0, "n_multi_groups": 0,
            "largest_group": 0, "ads_in_multi_groups": 0, "share_in_multi_groups": 0.0,
            "redundant_ads": 0, "group_size_quantiles": {"50": 0, "90": 0, "99": 0},
        }
    _, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    ad_sizes = sizes[inverse]
    in_multi = int(np.count_nonzero(ad_sizes > 1))
    quantiles = np.quantile(ad_sizes, [0.5, 0.9, 0.99], method="inverted_cdf")
    return {
        "n_ads": n_ads,
        "n_groups": int(sizes.size),
        "n_singletons": int(np.count_nonzero(sizes == 1)),
        "n_multi_groups": int(np.count_nonzero(sizes > 1)),
        "largest_group": int(sizes.max()),
        "ads_in_multi_groups": in_multi,
        "share_in_multi_groups": in_multi / n_ads,
        "redundant_ads": n_ads - int(sizes.size),
        "group_size_quantiles": {
            str(q): int(v) for q, v in zip((50, 90, 99), quantiles, strict=True)
        },
    }


class _WordHashes(dict):
    """Memo of 32-bit word hashes: ads reuse a small vocabulary."""

    def __missing__(self, word: str) -> int:
        # crc32 is stable across processes, unlike hash().
        value = self[word] = zlib.crc32(word.encode())
        return value


def _shingle_hashes(keys: Sequence[str], shingle_size: int) -> list[np.ndarray]:
    """32-bit hashes of the word shingles of each key, computed for all keys at once.

    A shingle hashes to a polynomial of its word hashes; a key shorter than a shingle is
    one shingle of all its words.
    """
    word_hashes = _WordHashes()
    words = [key.split(" ") for key in keys]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    flat = np.fromiter(
        map(word_hashes.__getitem__, itertools.chain.from_iterable(words)),
        dtype=np.uint32, count=int(lengths.sum()),
    )
    starts = np.cumsum(lengths) - lengths
    k = shingle_size
    # Windows running into the padding or into the next key are never used below.
    padded = np.concatenate([flat, np.zeros(k - 1, dtype=np.uint32)])
    poly = padded[: len(flat)].copy()
    for j in range(1, k):
        poly *= _SHINGLE_MULTIPLIER  # uint32 arithmetic wraps: that is the modulo
        poly += padded[j : j + len(flat)]
    out = []
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        if length >= k:
            out.append(poly[start : start + length - k + 1])
        else:
            short = 0
            for h in flat[start : start + length].tolist():
                short = (short * _SHINGLE_MULTIPLIER + h) & 0xFFFFFFFF
            out.append(np.array([short], dtype=np.uint32))
    return out


def _sketch(
    texts: Sequence[str],
    min_tokens: int,
    shingle_size: int,
    num_perm: int,
    seed: int,
    link_contacts: bool,
) -> tuple[list[bytes | None], list[int], np.ndarray, list[int], list[str]]:
    """Normalise, dedupe and MinHash a chunk of texts, and extract their contacts.

    Returns
    -------
    digests : list of bytes or None
        128-bit digest of each text's normalised words (None when it has no words but
        masked contacts); the parent dedupes on these instead of receiving the words.
    rows : list of int
        Row of each text's signature in ``signatures`` (-1 when shorter than
        ``min_tokens``: no signature, exact duplicates only).
    signatures : ndarray of uint32, shape (n_distinct, num_perm)
        MinHash signatures of the distinct word sequences of the chunk.
    contact_rows, contact_keys : list of int, list of str
        Phone and e-mail keys, with the position of the text they were found in (empty
        when ``link_contacts`` is false).
    """
    digests: list[bytes | None] = []
    rows: list[int] = []
    distinct: dict[str, int] = {}
    contact_rows: list[int] = []
    contact_keys: list[str] = []
    for i, text in enumerate(texts):
        if link_contacts:
            normalized, contacts = normalize_and_extract(text)  # one analysis for both
        else:
            normalized, contacts = normalize_text(text), []
        words = _WORD.findall(normalized)
        for contact in contacts:
            if contact.startswith(_LINK_KINDS):
                contact_rows.append(i)
                contact_keys.append(contact)
        key = " ".join(words)
        if len(words) < min_tokens:
            has_content = not _CONTACT_WORDS.issuperset(words)
            digests.append(hashlib.blake2b(key.encode(), digest_size=16).digest()
                           if has_content else None)
            rows.append(-1)
            continue
        rows.append(distinct.setdefault(key, len(distinct)))
        digests.append(hashlib.blake2b(key.encode(), digest_size=16).digest())

    # Shingles arrive hashed, hence hashfunc=int; datasketch pre-mixes every input hash
    # with a MurmurHash3 finalizer before permuting it.
    minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme=_SCHEME)
    signatures = np.empty((len(distinct), num_perm), dtype=np.uint32)
    for i, hashes in enumerate(_shingle_hashes(list(distinct), shingle_size)):
        # One sketch reused: MinHash.bulk would build a new MinHash per text, which costs
        # about half as much again as hashing it.
        minhash.clear()
        minhash.update_batch(hashes.tolist())
        signatures[i] = minhash.hashvalues
    return digests, rows, signatures, contact_rows, contact_keys


@lru_cache(maxsize=32)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band chosen by datasketch for ``threshold`` and ``num_perm``."""
    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=_LSH_WEIGHTS)
    except ValueError:
        # Near 1.0 the optimum is a single band, which MinHashLSH refuses; two bands of
        # half the rows find every pair one band would, and more.
        return 2, num_perm // 2
    return lsh.b, lsh.r


def _band_passes(
    threshold: float, num_perm: int, n_unique: int
) -> list[tuple[np.ndarray, int]]:
    """Split the LSH bands into passes so that one index stays under the memory bound."""
    b, r = _lsh_params(threshold, num_perm)
    per_pass = max(2, _MAX_INDEX_ENTRIES // max(n_unique, 1))
    # MinHashLSH needs at least two bands per index.
    n_passes = max(1, min(math.ceil(b / per_pass), b // 2))
    return [(bands, r) for bands in np.array_split(np.arange(b), n_passes)]


def _band_links(
    signatures: np.ndarray, bands: np.ndarray, r: int, threshold: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Verified similar pairs among texts sharing an LSH bucket in any of ``bands``.

    The bands of a MinHashLSH index are independent hash tables, so indexing the bands in
    several smaller indexes finds exactly the buckets of one large index, in less memory.
    """
    cols = np.concatenate([np.arange(band * r, (band + 1) * r) for band in bands])
    sub = np.ascontiguousarray(signatures[:, cols])
    members: list[int] = []
    sizes: list[int] = []
    # The index is millions of small sets and no reference cycle: garbage collection
    # passes over them would cost a fifth of the time and reclaim nothing.
    with _gc_paused():
        lsh = MinHashLSH(num_perm=len(cols), params=(len(bands), r))
        with lsh.insertion_session() as session:
            for i, values in enumerate(sub):
                session.insert(
                    i, LeanMinHash(seed=seed, hashvalues=values, scheme=_SCHEME),
                    check_duplication=False,
                )
        del sub
        for table in lsh.hashtables:
            # Storage objects expose keys() but are not iterable themselves.
            for bucket in table.keys():  # noqa: SIM118
                keys = table.get(bucket)
                if len(keys) > 1:
                    members.extend(keys)
                    sizes.append(len(keys))
        del lsh
    bucket_of = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    min_equal = math.ceil(threshold * signatures.shape[1] - 1e-9)
    return _verified_links(signatures, np.asarray(members, dtype=np.int64), bucket_of, min_equal)


def _verified_links(
    signatures: np.ndarray, members: np.ndarray, bucket_of: np.ndarray, min_equal: int
) -> tuple[np.ndarray, np.ndarray]:
    """Link bucket members whose full signatures agree with a pivot on ``min_equal`` values.

    Each bucket's smallest member is its pivot; the members that fail are split again
    around the next smallest, at most ``_MAX_PIVOTS`` times. Checking every pair would cost
    quadratic time in large buckets; pivots link every member of a clique of near-duplicates
    in one round. All buckets are processed at once per round.
    """
    order = np.lexsort((members, bucket_of))
    members, bucket_of = members[order], bucket_of[order]
    a: list[np.ndarray] = []
    b: list[np.ndarray] = []
    for _ in range(_MAX_PIVOTS):
        if members.size == 0:
            break
        is_pivot = np.ones(members.size, dtype=bool)
        is_pivot[1:] = bucket_of[1:] != bucket_of[:-1]
        pivot_of = members[is_pivot][np.cumsum(is_pivot) - 1]
        pivot_of, members, bucket_of = pivot_of[~is_pivot], members[~is_pivot], bucket_of[~is_pivot]
        linked = np.empty(members.size, dtype=bool)
        for start in range(0, members.size, _VERIFY_CHUNK):
            stop = start + _VERIFY_CHUNK
            agree = signatures[members[start:stop]] == signatures[pivot_of[start:stop]]
            linked[start:stop] = np.count_nonzero(agree, axis=1) >= min_equal
        a.append(pivot_of[linked])
        b.append(members[linked])
        members, bucket_of = members[~linked], bucket_of[~linked]
        # A bucket left with a single member has nothing to compare.
        _, count = np.unique(bucket_of, return_counts=True)
        keep = np.repeat(count > 1, count)
        members, bucket_of = members[keep], bucket_of[keep]
    if not a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(a), np.concatenate(b)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if enabled) within the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _first_positions(ids: np.ndarray, n_ids: int) -> np.ndarray:
    """Position of the first occurrence of each id ``0 .. n_ids-1`` in ``ids``."""
    first = np.empty(n_ids, dtype=np.int64)
    # Reversed, so that the earliest position is the one written last.
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1, dtype=np.int64)
    return first


def _first_appearance_order(labels: np.ndarray) -> np.ndarray:
    """Renumber component labels 0..k-1 by the position of each component's first ad."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int64)
    return rank[inverse]


@dataclass(frozen=True)
class DedupOptions:
    """How ``classifier dedup`` reads ads and groups them.

    ``dup_threshold``: MinHash Jaccard similarity above which two ads are near-duplicates;
    ``link_contacts``: also link ads sharing a phone number or e-mail; ``jobs``: worker
    processes (``None``: all cores from 10,000 ads, else one); ``escape_formulas``: in
    CSV/TSV output, prefix cells that a spreadsheet would run as a formula with ``'``.
    """

    text_cols: tuple[str, ...] = ("text",)
    id_col: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    dup_threshold: float = DUP_THRESHOLD
    link_contacts: bool = True
    jobs: int | None = None
    on_error: str = "skip"
    escape_formulas: bool = True


def dedup_file(source: str | Path, output: str | Path | None,
               options: DedupOptions = DedupOptions(), *,
               on_problem: Callable[[int, str], None] | None = None) -> dict:
    """Group the ads of a file; write ``id`` and ``group`` for every row, in input order.

    Malformed input lines are reported through ``on_problem`` (see :func:`classifier.io.read_all`).
    Returns :func:`duplicate_stats` of the groups, plus ``problems``, ``output`` and ``seconds``.
    """
    import pandas as pd

    from classifier.io import TableWriter, check_not_input, join_text, read_all

    check_not_input(output, [source])
    started = time.perf_counter()
    text_cols = list(options.text_cols or ("text",))
    frame, problems = read_all(
        source, [*text_cols, *([options.id_col] if options.id_col else [])],
        fmt=options.input_format, on_error=options.on_error, on_problem=on_problem)
    jobs = options.jobs or (-1 if len(frame) >= 10_000 else 1)
    groups = group_ads(join_text(frame, text_cols).tolist(), threshold=options.dup_threshold,
                       link_contacts=options.link_contacts, n_jobs=jobs)
    ids = frame[options.id_col].to_numpy() if options.id_col else np.arange(len(frame))
    with TableWriter(output, options.output_format,
                     escape_formulas=options.escape_formulas) as writer:
        writer.write(pd.DataFrame({"id": ids, "group": groups}))
    return {**duplicate_stats(groups), "problems": problems,
            "output": "-" if output in (None, "-") else str(output),
            "seconds": time.perf_counter() - started}
