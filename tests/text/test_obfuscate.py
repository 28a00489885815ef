"""Tests for tests/obfuscate.py, and robustness of classifier.text to it."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from obfuscate import ALL_KINDS, EVERY_KIND, NEW_KINDS, obfuscate

from classifier.text._contacts import _analyse, extract_contacts
from classifier.text._normalize import normalize_text
from classifier.text._tokens import PHONE_OBF_TOKEN, PHONE_TOKEN

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
AD = (
    "Hi gentlemen, my name is Mia, 21 yo and new in town! Sweet sexy young lady, call "
    "587-555-0143 for incall or outcall. Genuine pictures, discreet and classy. Kisses"
)
SEEDS = range(12)  # enough seeds to draw every font style at least once


def token_set(text: str) -> set[str]:
    # A plain number made obscure must change the phone token (an obscured number is an
    # indicator), so the two phone tokens count as one word when comparing token sets.
    return set(TOKEN.findall(normalize_text(text).replace(PHONE_OBF_TOKEN, PHONE_TOKEN)))


def test_kinds_and_validation():
    assert ALL_KINDS == ("homoglyph", "spacing", "leet", "phone", "emoji", "repeat",
                         "number_words")  # fmt: skip
    with pytest.raises(ValueError, match="unknown obfuscation kinds"):
        obfuscate(AD, kinds=["homoglyph", "rot13"])
    with pytest.raises(ValueError, match="rate"):
        obfuscate(AD, rate=1.5)


def test_deterministic_for_a_seed():
    assert obfuscate(AD, seed=3) == obfuscate(AD, seed=3)
    assert len({obfuscate(AD, seed=seed) for seed in SEEDS}) == len(SEEDS)
    assert obfuscate(AD, seed=3) != AD


def test_nothing_to_do():
    assert obfuscate(AD, kinds=()) == AD
    assert obfuscate(AD, kinds=["homoglyph", "spacing", "leet", "emoji"], rate=0.0) == AD
    assert obfuscate("", seed=1) == ""


@pytest.mark.parametrize("seed", SEEDS)
def test_homoglyphs_fold_back(seed):
    out = obfuscate(AD, seed=seed, kinds=["homoglyph"], rate=1.0)
    assert not out.isascii()
    assert normalize_text(out) == normalize_text(AD)


@pytest.mark.parametrize("seed", SEEDS)
def test_spacing_is_rejoined(seed):
    out = obfuscate(AD, seed=seed, kinds=["spacing"], rate=1.0)
    assert re.search(r"\b\w([ .*_-])\w\1\w\b", out)
    assert normalize_text(out) == normalize_text(AD)


@pytest.mark.parametrize("seed", SEEDS)
def test_leetspeak_is_decoded(seed):
    out = obfuscate(AD, seed=seed, kinds=["leet"], rate=1.0)
    assert re.search(r"[a-zA-Z][013457@$]|\$[a-zA-Z]", out)
    assert normalize_text(out) == normalize_text(AD)


@pytest.mark.parametrize("seed", SEEDS)
def test_repeated_letters_are_undone(seed):
    ad = "hey baby, sweet sexy lady here. call me now!"
    out = obfuscate(ad, seed=seed, kinds=["repeat"], rate=1.0)
    assert re.search(r"(\w)\1\1", out)
    assert normalize_text(out) == normalize_text(ad)


@pytest.mark.parametrize("seed", SEEDS)
def test_phone_numbers_are_obscured_and_still_linked(seed):
    out = obfuscate(AD, seed=seed, kinds=["phone"])
    assert "587-555-0143" not in out
    assert PHONE_OBF_TOKEN in normalize_text(out)
    assert extract_contacts(out) == extract_contacts(AD) == ["phone:5875550143"]
    assert out.replace(out[out.index("call") + 5 : out.index(" for incall")], "X") == (
        AD.replace("587-555-0143", "X")
    )


@pytest.mark.parametrize("kind", ["zero_width", "combining", "enclosed", "confusable"])
@pytest.mark.parametrize("seed", range(4))
def test_new_letter_tricks_fold_back(kind, seed):
    out = obfuscate(AD, seed=seed, kinds=[kind], rate=1.0)
    assert not out.isascii()
    assert normalize_text(out) == normalize_text(AD)


@pytest.mark.parametrize("seed", range(6))
def test_padding_phone_formats_and_mojibake_keep_the_tokens(seed):
    ad = AD + " 🌹🌹 ✨"
    for kind in ("punctuation", "phone_format", "mojibake"):
        out = obfuscate(ad, seed=seed, kinds=[kind], rate=1.0)
        assert TOKEN.findall(normalize_text(out)) == TOKEN.findall(normalize_text(ad)), kind
        assert extract_contacts(out) == extract_contacts(ad), kind
    assert "Ã" in obfuscate(ad, seed=seed, kinds=["mojibake"]) or "ð" in obfuscate(
        ad, seed=seed, kinds=["mojibake"]
    )


def test_every_kind_is_known():
    assert EVERY_KIND == ALL_KINDS + NEW_KINDS
    assert obfuscate(AD, seed=1, kinds=EVERY_KIND) != AD


def test_emoji_are_inserted_between_words():
    out = obfuscate(AD, seed=0, kinds=["emoji"], rate=1.0)
    normalized = normalize_text(out)
    assert "emoji_" in normalized
    assert re.sub(r" emoji_\w+", "", normalized) == normalize_text(AD)


def test_ages_are_written_in_words():
    ad = "Mia, 21 yo, and Zoe, 19 years old"
    out = obfuscate(ad, seed=0, kinds=["number_words"])
    assert out == "Mia, twenty one yo, and Zoe, nineteen years old"
    assert normalize_text(out) == normalize_text(ad)


def test_other_contacts_are_left_alone():
    ad = "mail Mia.Rose@Example.com or see https://example.com/mia, snap: mia_rose22"
    out = obfuscate(ad, seed=0, rate=1.0)
    for contact in ("Mia.Rose@Example.com", "https://example.com/mia", "mia_rose22"):
        assert contact in out
    assert extract_contacts(out) == extract_contacts(ad)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_kinds_keep_the_ad(seed):
    original = token_set(AD)
    obfuscated = token_set(obfuscate(AD, seed=seed))
    assert original <= obfuscated
    assert all(word.startswith("emoji_") for word in obfuscated - original)


# --------------------------------------------------------------------------------------------
# Properties on real ads
# --------------------------------------------------------------------------------------------


@cache
def _read_ads(path: str) -> tuple[str, ...]:
    import pandas as pd

    return tuple(pd.read_csv(path, sep=";", index_col=0)["text"].fillna("").astype(str))


def load_ads() -> tuple[str, ...]:
    """The ChainBreaker ads, or a skip when ``CLASSIFIER_DATA_DIR`` is unset."""
    data_dir = os.environ.get("CLASSIFIER_DATA_DIR")
    if not data_dir:
        pytest.skip("CLASSIFIER_DATA_DIR is not set")
    return _read_ads(str(Path(data_dir) / "chainbreaker" / "raw.csv"))


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_obfuscated_ads_keep_their_tokens(data, seed):
    # Measured on all 2,677 ads x 10 seeds with the default kinds and rate: the obfuscated ad
    # keeps 99.8% of the ad's tokens on average and never loses more than one token or a fifth
    # of them (the worst: one of five); the Jaccard index of the two token sets is 0.97 on
    # average (0.1% quantile 0.85) and at least 0.806 for the 2,520 ads of 20 words or more.
    # Shorter ads are dominated by the emoji that obfuscation adds (two words and an emoji:
    # 0.67), so Jaccard is bounded for longer ads only, a little below the measured minimum.
    ads = load_ads()
    # Draw an index, not the text: a failure report must not print an ad's phone number.
    ad = ads[data.draw(st.integers(0, len(ads) - 1), label="ad index")]
    original = token_set(ad)
    obfuscated = token_set(obfuscate(ad, seed=seed))
    assert len(original - obfuscated) <= max(1, len(original) // 5)
    if len(original) >= 20:
        assert len(original & obfuscated) / len(original | obfuscated) >= 0.75


def _phones_stand_apart(ad: str) -> bool:
    """Tell whether no phone number of ``ad`` touches other digits ("24/7587-555-0143")."""
    for start, end, _, key in _analyse(ad).spans:
        if (
            key
            and key.startswith("phone:")
            and (
                re.search(r"\d\W{0,3}$", ad[max(0, start - 4) : start])
                or re.match(r"\W{0,3}\d", ad[end : end + 4])
            )
        ):
            return False
    return True


@PROPERTY
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_obscured_phones_keep_their_keys(data, seed):
    # Numbers glued to other digits are ambiguous once spaced out (88 of 2,677 ads); for the
    # 2,589 others the keys were equal for each of 10 seeds.
    ads = load_ads()
    ad = ads[data.draw(st.integers(0, len(ads) - 1), label="ad index")]
    assume(_phones_stand_apart(ad))
    phones = [key for key in extract_contacts(ad) if key.startswith("phone:")]
    obfuscated = obfuscate(ad, seed=seed, kinds=["phone"])
    same = [key for key in extract_contacts(obfuscated) if key.startswith("phone:")] == phones
    assert same, "phone keys differ"  # keys are personal data: not in the report


def test_obfuscated_ads_hold_no_phone_number_or_email():
    long_number = re.compile(r"\d{7,}")
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for i, ad in enumerate(load_ads()):
        out = normalize_text(obfuscate(ad, seed=i))
        # Report the row, never the text: it holds personal data.
        assert not long_number.search(out), f"digit run left in obfuscated ad {i}"
        assert not email.search(out), f"e-mail left in obfuscated ad {i}"
