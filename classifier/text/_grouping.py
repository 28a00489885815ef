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

How it is computed. Each distinct raw text is normalised once, in chunks spread over
``n_jobs`` processes; everything after normalisation works on whole arrays (numpy), not one
ad at a time, and gives the same groups as the one-ad-at-a-time definition with datasketch
(``tests/text/test_grouping.py`` keeps such a reference):

- *Words.* The normalised texts of a block are joined into one array of code points; words
  are the runs of ``\\w`` characters. A word hashes to its CRC-32 (:func:`zlib.crc32`), which
  is linear over GF(2): the CRC is an XOR of one table value per character, chosen by the
  character and its distance to the end of the word, so a whole block is hashed with one
  table lookup and one XOR reduction. The words of a text joined by spaces get a 128-bit
  BLAKE2b digest, on which exact duplicates are found (in the worker, then across chunks).
- *MinHash.* A shingle of ``shingle_size`` words hashes to a polynomial of its word hashes
  mod 2**32. The signature value ``p`` of a text is the minimum over its shingles ``s`` of
  ``a_p * fmix32(s) + b_p mod 2**32``: datasketch's ``affine32`` scheme, with the same
  ``a``, ``b`` for a seed, computed for (permutations x shingles) blocks at once.
- *LSH.* Band ``i`` of the signatures (columns ``i*r .. (i+1)*r``, ``b`` and ``r`` from
  datasketch's parameter search) is sorted on a 64-bit key of its values; runs of equal
  rows are the buckets of a ``MinHashLSH`` index (a key collision between unequal rows is
  detected, and that band sorted exactly instead). The members of a bucket are checked
  against its smallest member on the full signature, the failures against the smallest of
  them, and so on (``_MAX_PIVOTS`` rounds). Bands run a few at a time in threads, and a
  bucket whose members the earlier bands connected already is skipped: its links could not
  change the components.
- *Groups.* The connected components of all links (exact duplicates, contacts, verified
  LSH pairs), numbered in order of first appearance."""

from __future__ import annotations

import hashlib
import math
import re
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH
from joblib import Parallel, delayed, effective_n_jobs
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from classifier.text._normalize import normalize_texts
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
# LSH weights (false positive, false negative) handed to datasketch's parameter search.
# Candidates are checked against the full signature afterwards, so a false positive only
# costs time while a false negative loses a link: favour recall.
_LSH_WEIGHTS = (0.4, 0.6)
# A bucket is split around at most this many pivots (see `_verified_links`).
_MAX_PIVOTS = 8
# Texts per joblib task, and pairs per vectorised signature comparison.
_CHUNK_SIZE = 20_000
_VERIFY_CHUNK = 65_536
# Texts tokenised at once, and texts whose shingles are permuted at once (about
# 85 shingles x num_perm uint32 values each): blocks whose arrays stay in the CPU's caches.
_WORDS_BLOCK = 512
_MINHASH_BLOCK = 128
# Odd multipliers of the polynomial shingle hash and of the LSH band keys.
_SHINGLE_MULTIPLIER = 0x9E3779B1
_BAND_MULTIPLIER = 0x9E3779B97F4A7C15
# The ASCII characters that `_WORD` matches, and zlib's CRC-32 table.
_ASCII_WORD = np.array([_WORD.fullmatch(chr(c)) is not None for c in range(128)], dtype=bool)
_CRC_MAX_LENGTH = 64  # longer words are hashed by zlib.crc32 itself


def _crc_tables(max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Tables of zlib's CRC-32 for words of up to ``max_length`` bytes.

    The register step of CRC-32 is linear over GF(2): ``s -> F(s) ^ T[byte]`` with
    ``F(s) = T[s & 0xFF] ^ (s >> 8)`` and T the byte table. So the CRC of ``n`` bytes is the
    XOR of ``F**(n-1-i)(T[byte_i])`` over its bytes and of ``F**n(~0) ^ ~0`` (the initial
    register and the final XOR). Row ``d`` of the first table is ``F**(d-1)(T)``, what a
    byte ``d - 1`` bytes before the end adds (row 0, zeros, is for a separator after the
    word); entry ``n`` of the second is the constant of a word of ``n`` bytes.
    """
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = (table >> 1) ^ np.where(table & 1, np.uint32(0xEDB88320), np.uint32(0))

    def step(s: np.ndarray) -> np.ndarray:
        return table[s & 0xFF] ^ (s >> np.uint32(8))

    by_distance = np.zeros((max_length + 1, 256), dtype=np.uint32)
    by_distance[1] = table
    for d in range(2, max_length + 1):
        by_distance[d] = step(by_distance[d - 1])
    of_length = np.zeros(max_length + 1, dtype=np.uint32)
    register = np.full(1, 0xFFFFFFFF, dtype=np.uint32)
    for n in range(max_length + 1):
        of_length[n] = register[0] ^ np.uint32(0xFFFFFFFF)
        register = step(register)
    return by_distance, of_length


_CRC_BY_DISTANCE, _CRC_OF_LENGTH = _crc_tables(_CRC_MAX_LENGTH)

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
    for chunk in sketched:
        stop = offset + len(chunk.long_row)
        n_before = len(content_index)
        ids = _ids(content_index, chunk.long_digests)
        signatures.append(chunk.signatures[ids >= n_before])  # ids new to the index
        content_of_raw[offset:stop] = _lookup(ids, chunk.long_row)
        short_of_raw[offset:stop] = _lookup(_ids(short_index, chunk.short_digests),
                                            chunk.short_row)
        for row, key in zip(chunk.contact_rows, chunk.contact_keys, strict=True):
            contact_a.append(offset + row)
            contact_b.append(first_raw_of_contact.setdefault(key, offset + row))
        offset = stop
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
        pa, pb = _similar_pairs(signatures, threshold, n_jobs)
        a.append(first_ad_of_content[pa])
        b.append(first_ad_of_content[pb])
        del pa, pb
    a, b = np.concatenate(a), np.concatenate(b)
    graph = coo_array((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return _first_appearance_order(labels)


def _similar_pairs(
    signatures: np.ndarray, threshold: float, n_jobs: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Verified pairs of similar signatures (MinHash LSH), as two arrays of rows.

    The bands are processed a few at a time, in threads (numpy's sorts and comparisons
    release the GIL). A bucket whose texts are all connected already by the pairs of earlier
    bands is skipped: its pairs could not change the connected components, which are all
    that :func:`group_ads` keeps of them.
    """
    b, r = _lsh_params(threshold, signatures.shape[1])
    min_equal = math.ceil(threshold * signatures.shape[1] - 1e-9)
    n_threads = min(effective_n_jobs(n_jobs), b)
    component = np.arange(len(signatures))  # under the pairs found so far
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    with ThreadPoolExecutor(n_threads) as threads:
        for first_band in range(0, b, n_threads):
            bands = range(first_band, min(first_band + n_threads, b))
            found = list(threads.map(
                _band_links, *zip(*[(signatures, band, r, min_equal, component) for band in bands],
                                  strict=True)
            ))
            found_a.extend(pa for pa, _ in found)
            found_b.extend(pb for _, pb in found)
            component = _merge_components(component, found)
    return np.concatenate(found_a), np.concatenate(found_b)


def _merge_components(
    component: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Component labels of the nodes once ``pairs`` are linked as well."""
    a = component[np.concatenate([pa for pa, _ in pairs])]
    b = component[np.concatenate([pb for _, pb in pairs])]
    if not len(a):
        return component
    n = len(component)
    # float32: duplicate pairs add up (int8 ones could wrap around to an explicit zero)
    graph = coo_array((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1][component]


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


@dataclass
class _Words:
    """The words of a block of normalised texts, found and hashed with numpy.

    ``count[t]`` words of text ``t`` start at ``first[t]`` in ``hashes``, the CRC-32 of
    each word's UTF-8 bytes (as :func:`zlib.crc32` gives it). Bytes ``key_start[t]`` to
    ``key_stop[t]`` of ``keys`` are the text's words joined by single spaces, in UTF-8.
    """

    count: np.ndarray
    first: np.ndarray
    hashes: np.ndarray
    keys: bytes
    key_start: np.ndarray
    key_stop: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> _Words:
        # All texts in one array of code points, each text followed by a newline (never
        # part of a word), so that words stop at the end of their text.
        joined = "\n".join(texts) + "\n"
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        text_start = np.cumsum(lengths) - lengths
        is_ascii = joined.isascii()
        if is_ascii:
            codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            is_word = _ASCII_WORD[codes]
        else:
            # Lone surrogates are code points like any other (and never word characters).
            codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            is_word = _ASCII_WORD[np.minimum(codes, 127)]
            wide = codes > 127
            values, inverse = np.unique(codes[wide], return_inverse=True)
            is_word[wide] = np.array(
                [_WORD.fullmatch(chr(c)) is not None for c in values.tolist()], dtype=bool
            )[inverse]
        # Words are the runs of word characters: the matches of `_WORD`.
        edges = np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        first = np.searchsorted(starts, text_start)
        count = np.diff(first, append=len(starts))
        # Each word followed by the character after it, made a space: the words of each
        # text joined by spaces, and one more space after its last word.
        keep = is_word.copy()
        keep[ends] = True
        canon = codes[keep]
        key_end = np.cumsum(ends - starts + 1)
        canon[key_end - 1] = 32
        hashes = _crc32(canon, key_end)
        if not is_ascii:
            # A word with a character beyond ASCII: CRC-32 of its UTF-8 bytes, one by one.
            word_start = key_end - (ends - starts + 1)
            widest = np.maximum.reduceat(canon, word_start) if len(starts) else canon
            for w in np.flatnonzero(widest > 127).tolist():
                hashes[w] = zlib.crc32(joined[starts[w] : ends[w]].encode())
        # Where each text's words begin and end in `canon`, then in its UTF-8 encoding.
        key_start = np.concatenate([[0], key_end])[np.append(first, len(starts))]
        key_stop = np.maximum(key_start[1:] - 1, key_start[:-1])
        key_start = key_start[:-1]
        if is_ascii:
            keys = canon.tobytes()
        else:
            keys = canon.astype("<u4").tobytes().decode("utf-32-le").encode()
            utf8_length = 1 + (canon >= 0x80) + (canon >= 0x800) + (canon >= 0x10000)
            byte_offset = np.concatenate([[0], np.cumsum(utf8_length)])
            key_start, key_stop = byte_offset[key_start], byte_offset[key_stop]
        return cls(count, first, hashes, keys, key_start, key_stop)


def _crc32(canon: np.ndarray, key_end: np.ndarray) -> np.ndarray:
    """zlib's CRC-32 of each word of ``canon``, as uint32; word ``i`` ends just before the
    space at ``key_end[i] - 1``.

    Codes are taken as bytes: right for ASCII words, whose UTF-8 bytes are their code
    points. CRC-32 is linear over GF(2): the CRC of a word is the XOR of one table value
    per character (its code and its distance to the end of the word) and of a constant for
    its length, so all words are hashed with one gather and one ``bitwise_xor.reduceat``.
    Words longer than the tables are hashed by :func:`zlib.crc32`.
    """
    if not len(key_end):
        return np.zeros(0, dtype=np.uint32)
    # Distance of every code (spaces included) to the space that ends its word.
    after = np.repeat(key_end - 1, np.diff(key_end, prepend=0)) - np.arange(len(canon))
    contribution = _CRC_BY_DISTANCE.ravel()[
        np.minimum(after, _CRC_MAX_LENGTH) * 256 + (canon & 0xFF)
    ]
    # The space contributes the table's row 0 (all zeros), the word its characters.
    word_start = np.concatenate([[0], key_end[:-1]])
    crc = np.bitwise_xor.reduceat(contribution, word_start)
    length = key_end - word_start - 1
    crc ^= _CRC_OF_LENGTH[np.minimum(length, _CRC_MAX_LENGTH)]
    data = None
    for w in np.flatnonzero(length > _CRC_MAX_LENGTH).tolist():
        if data is None:
            data = canon.astype(np.uint8).tobytes()
        crc[w] = zlib.crc32(data[word_start[w] : key_end[w] - 1])
    return crc


@dataclass
class _Sketch:
    """What :func:`_sketch` returns for a chunk of texts.

    The parent dedupes texts on 128-bit digests of their normalised words (joined by
    spaces) instead of receiving the words. ``long_row[t]`` is the row of text ``t`` in
    ``long_digests`` and ``signatures`` (-1 when it has fewer than ``min_tokens`` words);
    ``short_row[t]`` its row in ``short_digests`` when it is short (-1 when it is long, or
    has no words but masked contacts). Both list distinct digests in order of first
    appearance. ``contact_keys`` are the phone and e-mail keys found in texts
    ``contact_rows`` (empty when contacts are not linked).
    """

    long_row: np.ndarray
    long_digests: list[bytes]
    signatures: np.ndarray
    short_row: np.ndarray
    short_digests: list[bytes]
    contact_rows: list[int]
    contact_keys: list[str]


def _sketch(
    texts: Sequence[str],
    min_tokens: int,
    shingle_size: int,
    num_perm: int,
    seed: int,
    link_contacts: bool,
) -> _Sketch:
    """Normalise, dedupe and MinHash a chunk of texts, and extract their contacts."""
    normalized: list[str] = []
    contact_rows: list[int] = []
    contact_keys: list[str] = []
    if link_contacts:
        for i, (text, contacts) in enumerate(normalize_texts(texts, contacts=True)):
            normalized.append(text)  # one analysis for both
            for contact in contacts:
                if contact.startswith(_LINK_KINDS):
                    contact_rows.append(i)
                    contact_keys.append(contact)
    else:
        normalized = normalize_texts(texts)

    long_index: dict[bytes, int] = {}
    short_index: dict[bytes, int] = {}
    long_row = np.full(len(texts), -1, dtype=np.int64)
    short_row = np.full(len(texts), -1, dtype=np.int64)
    signatures = [np.zeros((0, num_perm), dtype=np.uint32)]
    a, b = _permutations(num_perm, seed)
    # In blocks, so that the arrays of a block stay small (and in the CPU's caches).
    for offset in range(0, len(normalized), _WORDS_BLOCK):
        block = normalized[offset : offset + _WORDS_BLOCK]
        words = _Words.of(block)
        keys = memoryview(words.keys)
        n_signed = len(long_index)
        new: list[int] = []  # the first text of each new distinct word sequence
        for t, (start, stop, n_words) in enumerate(zip(
            words.key_start.tolist(), words.key_stop.tolist(), words.count.tolist(), strict=True
        )):
            digest = hashlib.blake2b(keys[start:stop], digest_size=16).digest()
            if n_words >= min_tokens:
                row = long_row[offset + t] = long_index.setdefault(digest, len(long_index))
                if row == n_signed + len(new):
                    new.append(t)
            elif not _CONTACT_WORDS.issuperset(_WORD.findall(block[t])):
                # Short: exact duplicates only, and none at all if it is only contacts.
                short_row[offset + t] = short_index.setdefault(digest, len(short_index))
        signatures.append(_minhash(words, np.asarray(new, dtype=np.int64), shingle_size, a, b))
    return _Sketch(long_row, list(long_index), np.concatenate(signatures), short_row,
                   list(short_index), contact_rows, contact_keys)


@lru_cache(maxsize=32)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Parameters ``a`` (odd) and ``b`` of the permutations ``a * h + b mod 2**32``.

    Drawn as datasketch's ``MinHash(num_perm, seed, scheme="affine32")`` draws them.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (uint32 arithmetic wraps: that is the modulo)."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _shingle_hashes(words: _Words, texts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the word shingles of ``texts``, concatenated, and where each starts.

    A shingle of ``k`` words hashes to the polynomial ``sum(h_j * M**(k-1-j))`` of its word
    hashes mod 2**32; a text shorter than a shingle is one shingle of all its words.
    """
    hashes = words.hashes
    # The polynomial of the k words from every word on (windows running into the next
    # text or the padding are never used).
    padded = np.concatenate([hashes, np.zeros(k - 1, dtype=np.uint32)])
    poly = padded[: len(hashes)].copy()
    for j in range(1, k):
        poly *= np.uint32(_SHINGLE_MULTIPLIER)
        poly += padded[j : j + len(hashes)]
    count = words.count[texts]
    first = words.first[texts]
    n_shingles = np.maximum(count - k + 1, 1)
    offsets = np.cumsum(n_shingles) - n_shingles
    index = np.repeat(first - offsets, n_shingles) + np.arange(n_shingles.sum())
    shingles = poly[index]
    for i in np.flatnonzero(count < k).tolist():
        short = 0
        for h in hashes[first[i] : first[i] + count[i]].tolist():
            short = (short * _SHINGLE_MULTIPLIER + h) & 0xFFFFFFFF
        shingles[offsets[i]] = short
    return shingles, offsets


def _minhash(
    words: _Words, texts: np.ndarray, k: int, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """MinHash signatures of the word shingles of ``texts``, shape (len(texts), num_perm).

    Value ``p`` of a signature is the minimum of ``a[p] * fmix(s) + b[p] mod 2**32`` over
    the text's shingle hashes ``s``: datasketch's ``affine32`` scheme, as
    ``MinHash(hashfunc=int, scheme="affine32").update_batch(shingles)`` computes it.
    """
    signatures = np.empty((len(a), len(texts)), dtype=np.uint32)
    if not len(texts):
        return signatures.T
    shingles, offsets = _shingle_hashes(words, texts, k)
    mixed = _fmix32(shingles)
    bounds = np.append(offsets, len(mixed))
    # One row per permutation, so that each minimum runs over contiguous values.
    for start in range(0, len(texts), _MINHASH_BLOCK):
        stop = min(start + _MINHASH_BLOCK, len(texts))
        lo, hi = bounds[start], bounds[stop]
        permuted = np.multiply.outer(a, mixed[lo:hi])
        permuted += b[:, None]
        signatures[:, start:stop] = np.minimum.reduceat(permuted, offsets[start:stop] - lo, axis=1)
    return np.ascontiguousarray(signatures.T)


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


def _band_links(
    signatures: np.ndarray, band: int, r: int, min_equal: int, component: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Verified similar pairs among texts sharing an LSH bucket of ``band``.

    A bucket of band ``i`` is a set of (two or more) texts whose signatures are equal in
    columns ``i * r`` to ``(i + 1) * r``: the buckets of datasketch's ``MinHashLSH`` with
    ``params=(b, r)``. Buckets whose texts are all in one ``component`` are left out.
    """
    members, bucket_of = _buckets(signatures, band * r, r)
    start = np.flatnonzero(np.diff(bucket_of, prepend=-1))
    labels = component[members]
    mixed = np.minimum.reduceat(labels, start) != np.maximum.reduceat(labels, start)
    keep = np.repeat(mixed, np.diff(start, append=len(members)))
    return _verified_links(signatures, members[keep], bucket_of[keep], min_equal)


def _buckets(signatures: np.ndarray, column: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose ``r`` values from ``column`` on equal those of another row, and an id per
    set of equal rows (ids increase along the returned rows).

    Rows are sorted by a 64-bit key: the values themselves when they fit, else a
    polynomial hash of them. Equal keys of unequal rows (a hash collision) are detected and
    answered with an exact lexicographic sort instead.
    """
    values = [signatures[:, j] for j in range(column, column + r)]
    keys = values[0].astype(np.uint64)
    for v in values[1:]:
        if r * 32 <= 64:
            keys <<= np.uint64(32)
        else:
            keys *= np.uint64(_BAND_MULTIPLIER)
        keys += v
    order = np.argsort(keys)
    same = keys[order[1:]] == keys[order[:-1]]
    if r * 32 > 64:
        equal = same.copy()
        for v in values:
            sorted_v = v[order]
            equal &= sorted_v[1:] == sorted_v[:-1]
        if not np.array_equal(same, equal):
            order = np.lexsort(values[::-1])
            same = np.ones(len(order) - 1, dtype=bool)
            for v in values:
                sorted_v = v[order]
                same &= sorted_v[1:] == sorted_v[:-1]
    bucket = np.cumsum(np.concatenate([[True], ~same])) - 1
    shared = np.bincount(bucket)[bucket] > 1
    return order[shared], bucket[shared]


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
        # bucket_of is sorted: count the members of each bucket from its runs.
        run_start = np.flatnonzero(np.diff(bucket_of, prepend=-1))
        count = np.diff(run_start, append=bucket_of.size)
        keep = np.repeat(count > 1, count)
        members, bucket_of = members[keep], bucket_of[keep]
    if not a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(a), np.concatenate(b)


def _ids(index: dict[bytes, int], keys: list[bytes]) -> np.ndarray:
    """Ids of ``keys`` in ``index``, adding new keys with the next ids."""
    return np.fromiter((index.setdefault(key, len(index)) for key in keys), dtype=np.int64,
                       count=len(keys))


def _lookup(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``ids[rows]``, and -1 where ``rows`` is -1."""
    return np.where(rows >= 0, ids[np.maximum(rows, 0)], -1) if len(ids) else rows


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: faster than ``np.unique``'s hashing here)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])]


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
