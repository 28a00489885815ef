"""Tests of near-duplicate and vendor grouping.

All ads here are invented; phone numbers use the fictional 555-01xx range.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import adjusted_rand_score

from classifier.text._contacts import extract_contacts
from classifier.text._grouping import duplicate_stats, group_ads
from classifier.text._normalize import normalize_text

# A template posted many times by one vendor, with only the phone number changed.
TEMPLATE = (
    "Hey gentlemen, sweet and sexy {name} here, new in town for a few days only. "
    "Soft skin, long dark hair and a bubbly personality, ready to make your day. "
    "Incall near the airport or outcall to your hotel, clean and discreet place, "
    "no rush service. Call or text me at {phone}, serious gentlemen only, no blocked calls."
)
PHONES = ("(587) 555-0101", "403.555.0102", "780-555-0103", "2505550104", "604 555 0105")
# Plain words that share nothing with the template.
VOCABULARY = [
    "apple", "river", "stone", "cloud", "lamp", "music", "garden", "winter", "paper", "candle",
    "forest", "ocean", "silver", "mountain", "yellow", "thunder", "pencil", "window", "bridge",
    "rabbit", "orange", "violin", "harbor", "desert", "marble", "compass", "lantern", "meadow",
    "falcon", "copper", "tunnel", "velvet", "glacier", "canyon", "pepper", "saddle", "island",
    "cactus", "engine", "feather", "hammer", "jungle", "kettle", "ladder", "magnet", "nickel",
    "oyster", "pillow", "quartz", "ribbon", "spider", "tomato", "umbrella", "valley", "walnut",
    "zebra",
]  # fmt: skip


def distinct_ads(n: int, seed: int = 0, length: int = 40) -> list[str]:
    """``n`` ads of random words: any two share very few word triples."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(VOCABULARY, size=length)) for _ in range(n)]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return adjusted_rand_score(a, b) == 1.0 and len(set(a)) == len(set(b))


def test_templated_ads_with_different_phones_form_one_group():
    ads = [TEMPLATE.format(name="Mia", phone=p) for p in PHONES]
    texts = [*ads[:2], *distinct_ads(2), *ads[2:]]
    groups = group_ads(texts, link_contacts=False)
    assert len(set(groups[[0, 1, 4, 5, 6]])) == 1
    assert len(set(groups)) == 3


def test_template_with_small_edits_stays_together_but_other_text_does_not():
    base = TEMPLATE.format(name="Mia", phone=PHONES[0])
    edited = (
        base.replace("Mia", "Lola").replace("airport", "harbour").replace("hotel", "home")
        + " xoxo"
    )
    unrelated = distinct_ads(1)[0] + " call " + PHONES[1]
    groups = group_ads([base, edited, unrelated], link_contacts=False)
    assert groups.tolist() == [0, 0, 1]


def test_ads_sharing_only_a_phone_are_one_vendor():
    first, second, third = distinct_ads(3, seed=1)
    texts = [
        f"{first} call 587-555-0142",
        f"{second} text (587) 555 0142 anytime",
        f"{third} call 587-555-0199",
    ]
    assert group_ads(texts).tolist() == [0, 0, 1]
    # Same e-mail address, written in two cases.
    mail = [f"{first} mail Mia.B@example.com", f"{second} write to mia.b@EXAMPLE.com"]
    assert group_ads(mail).tolist() == [0, 0]


def test_link_contacts_false_ignores_shared_phones():
    first, second = distinct_ads(2, seed=2)
    texts = [f"{first} call 587-555-0142", f"{second} call 587-555-0142"]
    assert group_ads(texts, link_contacts=True).tolist() == [0, 0]
    assert group_ads(texts, link_contacts=False).tolist() == [0, 1]


def test_handles_do_not_link_ads():
    # Generic words are often read as handles ("snap: sexy"), so only phones and e-mails
    # link vendors.
    first, second = distinct_ads(2, seed=10)
    texts = [f"{first} add my snapchat: mia_b4u", f"{second} follow @mia_b4u"]
    assert all("handle:mia_b4u" in extract_contacts(t) for t in texts)
    assert group_ads(texts).tolist() == [0, 1]


def test_contact_links_are_transitive():
    a, b, c = distinct_ads(3, seed=3)
    texts = [
        f"{a} call 587-555-0101",
        f"{b} call 587-555-0101 or email lena@example.com",
        f"{c} email lena@example.com",
    ]
    assert group_ads(texts).tolist() == [0, 0, 0]


def test_distinct_ads_stay_apart():
    texts = distinct_ads(60, seed=4)
    groups = group_ads(texts)
    assert groups.tolist() == list(range(60))


def test_group_ids_are_deterministic_and_in_first_appearance_order():
    rng = np.random.default_rng(5)
    pool = [TEMPLATE.format(name="Mia", phone=p) for p in PHONES] + distinct_ads(20, seed=5)
    texts = [pool[i] for i in rng.integers(0, len(pool), size=80)]
    groups = group_ads(texts)
    assert groups.dtype == np.int64
    assert groups.shape == (80,)
    assert groups[0] == 0
    # Each ad either joins a group seen before or opens the next id.
    assert np.all(groups <= np.maximum.accumulate(np.r_[-1, groups[:-1]]) + 1)
    assert np.array_equal(groups, group_ads(texts))
    # Another MinHash seed draws other permutations, but clean templates group the same way.
    assert np.array_equal(groups, group_ads(texts, seed=7))


def test_grouping_does_not_depend_on_input_order():
    pool = [TEMPLATE.format(name="Mia", phone=p) for p in PHONES] + distinct_ads(10, seed=6)
    texts = pool * 2
    order = np.random.default_rng(6).permutation(len(texts))
    groups = group_ads(texts)
    shuffled = group_ads([texts[i] for i in order])
    assert same_partition(groups[order], shuffled)


def test_parallel_jobs_give_the_same_groups():
    pool = [TEMPLATE.format(name="Mia", phone=p) for p in PHONES] + distinct_ads(15, seed=8)
    texts = pool * 3
    assert np.array_equal(group_ads(texts, n_jobs=1), group_ads(texts, n_jobs=2))


def test_empty_ads_do_not_merge_by_text():
    # MinHash of an empty shingle set is the same "empty" sketch for every ad, and equal
    # empty texts (or texts that are only a contact) are no evidence of a common author:
    # such ads stay apart unless a contact links them.
    texts = ["", "   ", None, float("nan"), "!!!", "...", "587-555-0150", "587-555-0151",
             "me@example.com", "you@example.com", *[""] * 20]
    groups = group_ads(texts)
    assert groups.tolist() == list(range(len(texts)))


def test_equal_short_ads_share_a_group_whatever_their_length():
    # Issue #12, case 14: a short template re-posted under other phone numbers.
    texts = ["hi", "hi", "i'm available", "i'm available", "🌹🌹", "🌹🌹",
             "Lena new in town, call 587-555-0150", "lena NEW in town call 587 555 0199",
             "Lena new in town"]
    assert group_ads(texts).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert group_ads(texts, link_contacts=False).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_short_ads_still_link_by_phone():
    texts = ["call 587-555-0150", "text 587.555.0150", "", "587-555-0151"]
    assert group_ads(texts).tolist() == [0, 0, 1, 2]
    # Equal once contacts are masked: one short template under two phone numbers.
    assert group_ads(["call 587-555-0150", "call 587-555-0151"]).tolist() == [0, 0]


def test_min_tokens_sets_the_shortest_text_linked_by_similarity():
    short = "sweet and sexy new in town for a few days"  # ten words
    edited = "sweet and sexy new in town for a few nights"
    assert len(re.findall(r"\w+", normalize_text(short))) == 10
    assert group_ads([short, edited], min_tokens=10, threshold=0.5).tolist() == [0, 0]
    assert group_ads([short, edited], min_tokens=11, threshold=0.5).tolist() == [0, 1]
    assert group_ads([short, short], min_tokens=11).tolist() == [0, 0]


def test_threshold_decides_how_similar_is_similar_enough():
    rng = np.random.default_rng(9)
    words = list(rng.choice(VOCABULARY, size=60))
    half = words[:30] + list(rng.choice(VOCABULARY, size=30))
    texts = [" ".join(words), " ".join(half)]
    # About 30 of 88 distinct word triples are shared: Jaccard near 0.3.
    assert group_ads(texts, threshold=0.2).tolist() == [0, 0]
    assert group_ads(texts, threshold=0.5).tolist() == [0, 1]


def test_lsh_candidates_are_checked_against_the_threshold():
    # 40 ads share one block of 20 words: each pair has a word-triple Jaccard near 0.18.
    # Some pairs collide in an LSH band anyway; the check on the full signature must keep
    # them apart, or they would chain into one group.
    rng = np.random.default_rng(11)
    block = " ".join(rng.choice(VOCABULARY, size=20))
    texts = [f"{block} {' '.join(rng.choice(VOCABULARY, size=40))}" for _ in range(40)]
    assert len(set(group_ads(texts, threshold=0.4))) == 40
    assert len(set(group_ads(texts, threshold=0.1))) == 1


def test_threshold_one_links_equal_shingle_sets_only():
    # "a b c a b c" and "a b c a b c a b c" differ as texts but have the same word triples.
    base = " ".join(distinct_ads(1, seed=12, length=4)[0].split()[:3])
    texts = [" ".join([base] * 4), " ".join([base] * 5), " ".join([base] * 4) + " zebra"]
    assert group_ads(texts, threshold=1.0, min_tokens=3).tolist() == [0, 0, 1]


def test_empty_input():
    groups = group_ads([])
    assert groups.dtype == np.int64 and groups.shape == (0,)


@pytest.mark.parametrize(
    "kwargs",
    [{"threshold": 0.0}, {"threshold": 1.5}, {"num_perm": 2}, {"shingle_size": 0},
     {"min_tokens": 0}],
)
def test_invalid_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        group_ads(["some ad text"], **kwargs)


def test_duplicate_stats_values():
    stats = duplicate_stats(np.array([0, 0, 1, 2, 2, 2, 3]))
    assert stats == {
        "n_ads": 7,
        "n_groups": 4,
        "n_singletons": 2,
        "n_multi_groups": 2,
        "largest_group": 3,
        "ads_in_multi_groups": 5,
        "share_in_multi_groups": 5 / 7,
        "redundant_ads": 3,
        "group_size_quantiles": {"50": 2, "90": 3, "99": 3},
    }
    # Plain JSON: no numpy scalars.
    assert json.loads(json.dumps(stats)) == stats


def test_duplicate_stats_of_nothing_and_of_singletons():
    assert duplicate_stats(np.array([], dtype=np.int64))["n_groups"] == 0
    stats = duplicate_stats(np.arange(5))
    assert stats["n_singletons"] == 5
    assert stats["share_in_multi_groups"] == 0.0
    assert stats["redundant_ads"] == 0
    with pytest.raises(ValueError):
        duplicate_stats(np.zeros((2, 2)))


# --------------------------------------------------------------------------------------------
# ChainBreaker (skipped unless CLASSIFIER_DATA_DIR is set)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chainbreaker() -> tuple[list[str], np.ndarray]:
    """ChainBreaker texts and their default grouping, computed once for this module."""
    root = os.environ.get("CLASSIFIER_DATA_DIR")
    path = Path(root or ".") / "chainbreaker" / "raw.csv"
    if not root or not path.is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    texts = pd.read_csv(path, sep=";", index_col=0)["text"]
    texts = texts.fillna("").tolist()
    return texts, group_ads(texts)


def _exact_jaccard_groups(texts: list[str], threshold: float, min_tokens: int = 10) -> np.ndarray:
    """Connected components of exact word-triple Jaccard >= threshold (no MinHash)."""
    words = [re.findall(r"\w+", normalize_text(t)) for t in texts]
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, w in enumerate(words):
        if len(w) >= min_tokens:
            for s in {" ".join(w[j : j + 3]) for j in range(len(w) - 2)}:
                rows.append(i)
                cols.append(vocab.setdefault(s, len(vocab)))
    x = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))
    inter = (x @ x.T).toarray()
    size = np.asarray(x.sum(axis=1)).ravel()
    jaccard = inter / np.maximum(size[:, None] + size[None, :] - inter, 1)
    return connected_components(sp.csr_array(jaccard >= threshold), directed=False)[1]


def test_chainbreaker_groups_are_sane(chainbreaker):
    texts, groups = chainbreaker
    stats = duplicate_stats(groups)
    # Measured with the defaults: about 2,160 groups, 29% of the ads in a group of two or
    # more, the largest group one vendor's 35 ads. Text links alone give about 2,310
    # groups; contact links alone about 2,380. The bounds leave room for changes of the
    # normaliser, but fail on a giant component or on no grouping at all.
    assert stats["n_ads"] == 2677
    assert 2000 <= stats["n_groups"] <= 2300
    assert 0.2 <= stats["share_in_multi_groups"] <= 0.4
    assert 20 <= stats["largest_group"] <= 100
    # Contact links can only merge text groups further.
    assert stats["n_groups"] < len(set(group_ads(texts, link_contacts=False)))


def test_chainbreaker_text_groups_match_exact_jaccard(chainbreaker):
    texts, _ = chainbreaker
    exact = _exact_jaccard_groups(texts, threshold=0.4)
    minhash = group_ads(texts, link_contacts=False)
    # MinHash estimates Jaccard with a standard error of about 0.06 at 64 permutations, so
    # pairs near the threshold may fall either way; the groupings must still agree closely.
    assert adjusted_rand_score(exact, minhash) >= 0.9
    assert abs(len(set(minhash)) - len(set(exact))) <= 0.02 * len(texts)


def test_chainbreaker_ads_sharing_a_contact_are_grouped(chainbreaker):
    texts, groups = chainbreaker
    ads_of: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        for key in extract_contacts(text):
            if key.startswith(("phone:", "email:")):
                ads_of.setdefault(key, []).append(i)
    shared = [ads for ads in ads_of.values() if len(ads) > 1]
    assert len(shared) >= 100  # phones re-used across ads: the vendor signal exists
    assert all(len(set(groups[ads])) == 1 for ads in shared)


# --------------------------------------------------------------------------------------------
# The vectorised implementation against a reference written one ad at a time
# --------------------------------------------------------------------------------------------


def _reference_groups(
    texts: list,
    *,
    threshold: float = 0.4,
    num_perm: int = 64,
    shingle_size: int = 3,
    min_tokens: int = 10,
    link_contacts: bool = True,
    seed: int = 0,
) -> np.ndarray:
    """:func:`group_ads` by its definition: one ad at a time, datasketch's ``MinHash`` and
    ``MinHashLSH``, a union-find, and the candidates of each LSH bucket checked against its
    smallest member, then the smallest of those that failed, and so on (at most 8 pivots)."""
    from datasketch import MinHash, MinHashLSH

    from classifier.text._normalize import normalize_and_extract
    from classifier.text._tokens import (
        EMAIL_TOKEN,
        HANDLE_TOKEN,
        PHONE_OBF_TOKEN,
        PHONE_TOKEN,
        URL_TOKEN,
    )

    contact_words = {PHONE_TOKEN, PHONE_OBF_TOKEN, EMAIL_TOKEN, URL_TOKEN, HANDLE_TOKEN}
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    def shingle_hash(word_hashes: list[int]) -> int:
        value = 0
        for h in word_hashes:
            value = (value * 0x9E3779B1 + h) & 0xFFFFFFFF
        return value

    first_of: dict[tuple[str, str], int] = {}
    sketches: dict[int, MinHash] = {}  # first ad of each distinct long text
    for i, text in enumerate(texts):
        normalized, contacts = normalize_and_extract(text if isinstance(text, str) else "")
        words = re.findall(r"\w+", normalized)
        key = " ".join(words)
        if link_contacts:
            for contact in contacts:
                if contact.startswith(("phone:", "email:")):
                    union(i, first_of.setdefault(("contact", contact), i))
        if len(words) < min_tokens:
            if not set(words) <= contact_words:
                union(i, first_of.setdefault(("short", key), i))
            continue
        first = first_of.setdefault(("long", key), i)
        union(i, first)
        if first == i:
            hashes = [zlib.crc32(w.encode()) for w in words]
            k = shingle_size
            shingles = [shingle_hash(hashes[j : j + k]) for j in range(len(hashes) - k + 1)]
            sketches[i] = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme="affine32")
            sketches[i].update_batch(shingles or [shingle_hash(hashes)])
    if len(sketches) > 1:
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.4, 0.6))
            params = (lsh.b, lsh.r)
        except ValueError:
            params = (2, num_perm // 2)
        lsh = MinHashLSH(num_perm=num_perm, params=params)
        for i, sketch in sketches.items():
            lsh.insert(i, sketch)
        for table in lsh.hashtables:
            for bucket in table.keys():  # noqa: SIM118
                remaining = sorted(table.get(bucket))
                for _ in range(8):
                    if len(remaining) < 2:
                        break
                    pivot, failed = remaining[0], []
                    for member in remaining[1:]:
                        if sketches[pivot].jaccard(sketches[member]) >= threshold:
                            union(pivot, member)
                        else:
                            failed.append(member)
                    remaining = failed
    roots = [find(i) for i in range(len(texts))]
    ids: dict[int, int] = {}
    return np.array([ids.setdefault(root, len(ids)) for root in roots], dtype=np.int64)


def _mixed_ads(n: int, seed: int) -> list:
    """Templates with edits and other phones, re-posts, short and empty ads, contacts."""
    rng = np.random.default_rng(seed)
    templates = [TEMPLATE.format(name=name, phone=PHONES[j % len(PHONES)])
                 for j, name in enumerate(["Mia", "Lola", "Ana", "Kim"])]
    templates += distinct_ads(6, seed=seed, length=30)
    ads: list = []
    for _ in range(n):
        kind = rng.integers(0, 10)
        if kind < 6:
            words = templates[rng.integers(0, len(templates))].split()
            for _ in range(rng.integers(0, 8)):  # small edits
                j = int(rng.integers(0, len(words)))
                op = rng.integers(0, 3)
                if op == 0:
                    del words[j]
                elif op == 1:
                    words.insert(j, str(rng.choice(VOCABULARY)))
                else:
                    words[j] = str(rng.choice(VOCABULARY))
            if rng.random() < 0.3:
                words.append(f"call {rng.integers(200, 999)}-555-01{rng.integers(10, 99)}")
            ads.append(" ".join(words))
        elif kind < 8 and ads:
            ads.append(ads[int(rng.integers(0, len(ads)))])  # re-post
        elif kind == 8:
            ads.append(" ".join(rng.choice(VOCABULARY, size=int(rng.integers(0, 12)))))
        else:
            ads.append(rng.choice(["", None, "587-555-0150", "call 587-555-0151 ok", "hi",
                                   "Jolie fille très câline 🌹 à Montréal, appelle-moi " * 2]))
    return ads


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"link_contacts": False}, {"threshold": 0.2}, {"threshold": 0.8}, {"threshold": 1.0},
     {"num_perm": 32, "shingle_size": 1}, {"num_perm": 128, "shingle_size": 5, "seed": 3},
     {"min_tokens": 2}],
)
def test_groups_equal_the_reference_implementation(kwargs):
    texts = _mixed_ads(400, seed=len(kwargs))
    assert np.array_equal(group_ads(texts, **kwargs), _reference_groups(texts, **kwargs))


def test_groups_equal_the_reference_with_jobs_chunks_and_blocks(monkeypatch):
    # Small chunks and blocks: texts re-posted across chunks, LSH bands in several threads.
    import classifier.text._grouping as grouping

    monkeypatch.setattr(grouping, "_CHUNK_SIZE", 97)
    monkeypatch.setattr(grouping, "_WORDS_BLOCK", 31)
    monkeypatch.setattr(grouping, "_MINHASH_BLOCK", 7)
    texts = _mixed_ads(600, seed=21)
    assert np.array_equal(group_ads(texts, n_jobs=2), _reference_groups(texts))


def test_band_key_collisions_fall_back_to_an_exact_sort(monkeypatch):
    # With a zero multiplier a band's key is its last value only: rows that differ elsewhere
    # collide, and the buckets must still be sets of equal rows.
    import classifier.text._grouping as grouping

    texts = _mixed_ads(400, seed=22)
    expected = _reference_groups(texts, threshold=0.3)
    monkeypatch.setattr(grouping, "_BAND_MULTIPLIER", 0)
    assert np.array_equal(group_ads(texts, threshold=0.3), expected)


def test_words_are_found_and_hashed_like_the_regex_and_zlib():
    from classifier.text._grouping import _Words

    rng = np.random.default_rng(23)
    alphabet = list("abcxyz_019 \n\t.,-'") + ["é", "ß", "東", "🌹", "\u0301", "\udc80", "٣"]
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 90)))) for _ in range(500)]
    texts += ["a" * 64, "b" * 65, "c" * 200 + " d", "é" * 70, "", " ", "x"]
    for block in (texts, [t for t in texts if t.isascii()]):
        words = _Words.of(block)
        for t, text in enumerate(block):
            expected = re.findall(r"\w+", text)
            first, count = words.first[t], words.count[t]
            assert count == len(expected)
            assert words.hashes[first : first + count].tolist() == [
                zlib.crc32(w.encode()) for w in expected
            ]
            key = words.keys[words.key_start[t] : words.key_stop[t]]
            assert key == " ".join(expected).encode()


@pytest.mark.parametrize("link_contacts", [True, False])
def test_chainbreaker_groups_equal_the_reference(chainbreaker, link_contacts):
    texts, groups = chainbreaker
    if not link_contacts:
        groups = group_ads(texts, link_contacts=False)
    assert np.array_equal(groups, _reference_groups(texts, link_contacts=link_contacts))
