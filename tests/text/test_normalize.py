"""Tests for classifier.text (normalisation): folding, contact masking and contact keys."""

from __future__ import annotations

import itertools
import os
import pickle
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from classifier.text import TextNormalizer
from classifier.text._contacts import (
    _DIGIT_GROUPINGS,
    _DOMAIN_SPELLED,
    _PLAIN_LOCAL,
    _PLAIN_PHONE,
    _phones_in_groups,
    _spelled_domains,
    _token_groups,
    extract_contacts,
    mask_contacts,
)
from classifier.text._fold import (
    _MOJIBAKE,
    _NON_ASCII_RUN,
    _fold,
    _fold_run,
    _repair_encoding,
    _skeleton,
)
from classifier.text._normalize import (
    _fold_edits,
    normalize_and_extract,
    normalize_text,
)
from classifier.text._tokens import (
    EMAIL_TOKEN,
    HANDLE_TOKEN,
    PHONE_OBF_TOKEN,
    PHONE_TOKEN,
    URL_TOKEN,
)
from classifier.text._words import (
    _LEET_TRIGGER,
    _SPACED_TRIGGER,
    _SPACED_TRIGGERS,
    _padding,
    _repeat_edits,
    _unelongate,
)

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
# A made-up number in the 555-01xx range reserved for fiction.
KEY = "phone:5875550143"


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normalize_text(text))


# --------------------------------------------------------------------------------------------
# Unicode folding
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EXØTiC ƒяєαк", "exotic freak"),
        ("𝐒𝐄𝐗𝐘 𝒈𝒊𝒓𝒍", "sexy girl"),  # math bold, bold italic
        ("𝕙𝕠𝕥 𝚋𝚊𝚋𝚎", "hot babe"),  # double-struck, monospace
        ("ｈｏｔ ⓖⓘⓡⓛ", "hot girl"),  # full-width, circled
        ("ɴᴇᴡ ɪɴ ᴛᴏᴡɴ", "new in town"),  # small capitals
        ("ѕтσρ ωαιѕтιиg уσυя", "stop waisting your"),  # Greek and Cyrillic look-alikes
        ("hᥱᥣᥣo gᥱᥒtᥣᥱmᥱᥒ", "hello gentlemen"),  # Tai Le letters as used in ads
        ("ßßßj", "bbbj"),
        ("café señorita", "cafe senorita"),
        ("s⃣n⃣e⃣a⃣k⃣ a⃣w⃣a⃣y⃣", "sneak away"),  # keycap marks on letters
        ("s\u200bexy\u00a0girl", "sexy girl"),  # zero-width and no-break spaces
        ("🅂🅴🆇🆈 ⒮⒠⒳⒴ 🅐🅑", "sexy sexy ab"),  # squared, negative squared, parenthesized
        ("ᴄᴀʟʟ ꞯᴜɪᴄᴋ", "call quick"),  # small capital Q has no look-alike in decancer
        ("hótel bientôt", "hotel bientot"),  # accents dropped (decancer reads "ó" as "p")
        ("s̶e̶x̶y̶ ṇẹẉ", "sexy new"),  # combining marks
        ("I\u2019m here", "i'm here"),
    ],
)
def test_fancy_letters_fold_to_ascii(text, expected):
    assert normalize_text(text) == expected


def test_fold_keeps_ideographs_as_separate_words():
    assert normalize_text("情人 massage") == "qing ren massage"


def test_symbols_are_dropped_not_spelled_out():
    # unidecode would turn "♡" into "hearts" and "♛" into "black queen".
    assert normalize_text("♡ sweet ★ girl ♛") == "sweet girl"


# --------------------------------------------------------------------------------------------
# Emoji
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("🌹", "emoji_rose"),
        ("🍒", "emoji_cherries"),
        ("🌸", "emoji_cherry_blossom"),
        ("💗", "emoji_growing_heart"),
        ("✈️", "emoji_airplane"),
        ("✈", "emoji_airplane"),  # without the variation selector
        ("👑", "emoji_crown"),
        ("💋", "emoji_kiss_mark"),
        ("👍🏽", "emoji_thumbs_up"),  # skin tone dropped
        ("🇫🇷", "emoji_france"),
    ],
)
def test_emoji_become_named_tokens(text, token):
    assert normalize_text(f"new{text}girl") == f"new {token} girl"


def test_emoji_tokens_survive_the_default_token_pattern():
    text = "🌹🌹 👩‍❤️‍👨 🏳️‍🌈 ©️ 🇨🇮 🥇"
    out = normalize_text(text)
    assert out.split() == TOKEN.findall(out)
    assert out.split()[:2] == ["emoji_rose", "emoji_rose"]


def test_keycap_digits_are_digits_not_emoji():
    assert normalize_text("open 2️⃣4️⃣/7️⃣") == "open 24/7"


# --------------------------------------------------------------------------------------------
# Spacing, leetspeak, repetition, number words
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s e x y girl", "sexy girl"),
        ("S.E.X.Y girl", "sexy girl"),
        ("s. e. x. y girl", "sexy girl"),
        ("b_b_j and g*f*e", "bbj and gfe"),
        ("r e a l pics", "real pics"),
        ("j o b offer", "job offer"),  # three letters: a dictionary word
        ("stop!!c-u-m here", "stop!cum here"),
        ("h 0 t", "hot"),  # spaced and leet
        ("see w_h_o's here, y.o.u'll love", "see who's here, you'll love"),  # contractions
        ("I l o v e you", "i love you"),  # "I" stays a word
    ],
)
def test_spaced_letters_are_rejoined(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["a b c", "i am a nice girl", "if u r a gentleman", "open 2 4 7", "a.m. or p.m.", "b/c"],
)
def test_ordinary_text_is_not_rejoined(text):
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3xy h0t", "sexy hot"),
        ("b00ty gr33k", "booty greek"),
        ("$exy b@by", "sexy baby"),
        ("c1m and d@ty", "cim and daty"),
        ("l0v3", "love"),
    ],
)
def test_leetspeak_is_decoded(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["$200 for 150hh", "qv150 1hr 2hrs 30min", "36dd 5ft5", "4u b4u 24/7 69", "$ 100"],
)
def test_prices_and_codes_are_not_leeted(text):
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sooooo goooood", "so good"),
        ("kisssss babyyyy", "kiss baby"),
        ("outcalll heyyy", "outcall hey"),
        ("sexxxy", "sexy"),
        ("bbbj xxx xxxx", "bbbj xxx xxx"),  # abbreviations keep their triple letter
        ("hooot mooore reeed", "hot more red"),  # the commoner word, not "hoot", "moore"
        ("piiics facetiiime aaa+", "pics facetime aaa+"),  # unknown words lose vowel runs
        ("38ddd", "38ddd"),
        ("wow!!!! ok?? yes...", "wow! ok? yes."),
        ("  lots   of\tspace \n here ", "lots of space here"),
    ],
)
def test_repetition_is_undone(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nineteen years old", "19 years old"),
        ("twenty one yo", "21 yo"),
        ("twenty-one", "21"),
        ("i'm eighteen", "i'm 18"),
        ("just turned nineteen!", "just turned 19!"),
    ],
)
def test_number_words_become_digits(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize("text", ["no one else", "the one for you", "one on one", "two girls"])
def test_small_number_words_stay_words(text):
    assert normalize_text(text) == text


# --------------------------------------------------------------------------------------------
# Contact data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "587-555-0143",
        "587.555.0143",
        "587 555 0143",
        "5875550143",
        "(587) 555-0143",
        "(587)555-0143",
        "587 555-0143",
        "1-587-555-0143",
        "+1 587 555 0143",
    ],
)
def test_plain_phone_numbers(text):
    assert normalize_text(f"call {text} now") == f"call {PHONE_TOKEN} now"
    assert extract_contacts(f"call {text} now") == [KEY]


@pytest.mark.parametrize(
    "text",
    [
        "5 8 7 5 5 5 0 1 4 3",
        "5.8.7.5.5.5.0.1.4.3",
        "five eight seven five five five zero one four three",
        "five 8 seven 5 five 5 zero one 4 three",
        "587-555-O143",
        "587-555-0l43",
        "587-555-0I43",
        "587~555~0143",
        "587**555**0143",
        "587 - 555.0143",
        "𝟓𝟖𝟕-𝟓𝟓𝟓-𝟎𝟏𝟒𝟑",
        "５８７５５５０１４３",
        "5️⃣8️⃣7️⃣5️⃣5️⃣5️⃣0️⃣1️⃣4️⃣3️⃣",
    ],
)
def test_obscured_phone_numbers(text):
    assert normalize_text(f"call {text} now") == f"call {PHONE_OBF_TOKEN} now"
    assert extract_contacts(f"call {text} now") == [KEY]


def test_phone_next_to_other_numbers():
    assert extract_contacts("open 24/7 5 8 7 5 5 5 0 1 4 3") == [KEY]
    assert extract_contacts("suite 5 (587) 555-0143") == [KEY]
    assert extract_contacts("last night 22 five eight seven five five five zero one four three")
    assert extract_contacts("587-555-0143 or 403.555.0199") == ["phone:4035550199", KEY]
    assert extract_contacts("call5875550143now") == [KEY]


@pytest.mark.parametrize(
    "text",
    ["$100 $150 $200 $300", "60, 80, 100, 150, 200 roses", "150/30 200/60 300/90", "10am-11pm"],
)
def test_prices_and_times_are_not_phones(text):
    assert extract_contacts(text) == []
    assert PHONE_TOKEN not in normalize_text(text)


def test_short_and_long_numbers_are_masked_without_a_key():
    assert normalize_text("call 555-0143") == f"call {PHONE_TOKEN}"
    assert normalize_text("id 123456789") == f"id {PHONE_TOKEN}"
    assert extract_contacts("call 555-0143 id 123456789") == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("mail Mia.Rose+ads@Example.com now", "email:mia.rose+ads@example.com"),
        ("mail mia @ example.com now", "email:mia@example.com"),
        ("mail mia (at) gmail (dot) com now", "email:mia@gmail.com"),
        ("mail mia at hotmail dot com now", "email:mia@hotmail.com"),
    ],
)
def test_emails(text, key):
    assert normalize_text(text) == f"mail {EMAIL_TOKEN} now"
    assert extract_contacts(text) == [key]


@pytest.mark.parametrize(
    "text",
    ["https://example.com/mia?id=3", "http://www.example.ca", "www.example.com", "example.com/mia"],
)
def test_urls(text):
    assert normalize_text(f"see {text}, bye") == f"see {URL_TOKEN}, bye"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("follow @mia_rose22 now", "handle:mia_rose22"),
        ("snap: mia.rose now", "handle:mia.rose"),
        ("kik - miarose now", "handle:miarose"),
        ("my ig is mia_rose now", "handle:mia_rose"),
        ("wechat: goodday5875550143 now", "handle:goodday5875550143"),
    ],
)
def test_handles(text, key):
    out = normalize_text(text)
    assert HANDLE_TOKEN in out and out.endswith(" now")
    assert extract_contacts(text) == [key]


@pytest.mark.parametrize("text", ["snap: me for pics", "text me @ 5", "kik: available"])
def test_words_after_a_keyword_are_not_handles(text):
    assert HANDLE_TOKEN not in normalize_text(text)


def test_extract_contacts_links_plain_and_obscured_numbers():
    plain = "Mia 587-555-0143 mia@example.com"
    obscured = "𝕄𝕚𝕒 five 8 seven 5 five 5 O l 4 3, MIA@EXAMPLE.COM"
    assert extract_contacts(plain) == extract_contacts(obscured)
    assert extract_contacts(plain) == ["email:mia@example.com", KEY]


def test_extract_contacts_is_sorted_and_unique():
    text = "587-555-0143 or 5875550143, 403-555-0199 b@example.com a@example.com"
    assert extract_contacts(text) == sorted(set(extract_contacts(text)))
    assert len(extract_contacts(text)) == 4


def test_mask_contacts_keeps_everything_else():
    text = "Call Mia 🌹 at 587-555-0143 or MIA@Example.com, 𝐒𝐞𝐱𝐲 s3xy"
    assert mask_contacts(text) == f"Call Mia 🌹 at {PHONE_TOKEN} or {EMAIL_TOKEN}, 𝐒𝐞𝐱𝐲 s3xy"


def test_mask_contacts_separates_glued_tokens():
    assert mask_contacts("call5875550143now") == f"call {PHONE_TOKEN} now"


def test_empty_and_plain_text():
    assert normalize_text("") == ""
    assert mask_contacts("") == ""
    assert extract_contacts("") == []
    assert normalize_text("Hello there") == "hello there"


# --------------------------------------------------------------------------------------------
# Transformer
# --------------------------------------------------------------------------------------------


def test_transformer_is_stateless_clonable_and_picklable():
    normalizer = TextNormalizer()
    assert normalizer.fit(["x"]) is normalizer
    assert normalizer.get_params() == {}
    docs = ["H0T ɢɪʀʟ 🍒 call 587 555 0143", "s e x y"]
    expected = ["hot girl emoji_cherries call xphonex", "sexy"]
    assert normalizer.transform(docs) == expected
    assert clone(normalizer).transform(iter(docs)) == expected
    assert pickle.loads(pickle.dumps(normalizer)).fit_transform(docs) == expected


def test_vocabulary_holds_no_contact_data():
    docs = ["Mia 587-555-0143 mia@example.com", "five 8 seven 5 five 5 zero one 4 three"]
    vectorizer = make_pipeline(TextNormalizer(), CountVectorizer()).fit(docs)
    vocabulary = vectorizer[-1].vocabulary_
    assert PHONE_TOKEN in vocabulary and PHONE_OBF_TOKEN in vocabulary
    assert not any(re.search(r"\d{3}|example", word) for word in vocabulary)


# --------------------------------------------------------------------------------------------
# Fast paths agree with the plain algorithms they replace
# --------------------------------------------------------------------------------------------


def fragments(*items: str | bytes) -> st.SearchStrategy:
    """Texts glued from ``items``: pieces that sit on the boundaries of a fast path."""
    return st.lists(st.sampled_from(items), max_size=25).map(items[0][:0].join)


@settings(max_examples=500, deadline=None)
@given(
    fragments(b"a", b"co", b"m", b"n", b"-", b" ", b".", b"(", b")", b"[", b"]", b"dot", b"com",
              b"net", b"org", b"ca", b"1", b" .", b"(.)", b" dot ", b"[dot]", b"mia .com",
              b"x-y(.)net", b"b dot ca", b"z[dot]org", b" .comx")
)  # fmt: skip
def test_spelled_domains_match_the_regex_scan(sb):
    expected = [m.span() for m in _DOMAIN_SPELLED.finditer(sb)]
    assert _spelled_domains(sb) == expected
    # Told whether "dot" is a word, as :func:`_analyse` tells it.
    assert _spelled_domains(sb, b"dot" in re.findall(rb"[a-z]+", sb)) == expected


@pytest.mark.parametrize(
    "sb", [b"name .com-x .net", b"me(.)com", b"mia [dot]com", b"u . com", b"-a .ca", b"x .comx"]
)
def test_spelled_domains_boundaries(sb):
    assert _spelled_domains(sb) == [m.span() for m in _DOMAIN_SPELLED.finditer(sb)]


@settings(max_examples=500, deadline=None)
@given(fragments(b"a", b".", b"..", b".a.", b"aa", b"a.a.a", b".a..a."))
def test_spaced_trigger_matches_the_two_substring_tests(view):
    expected = _SPACED_TRIGGERS[0] in view or _SPACED_TRIGGERS[1] in view
    assert bool(_SPACED_TRIGGER.search(view)) == expected


@settings(max_examples=500, deadline=None)
@given(fragments(b"a", b"1", b" ", b"aa", b"11", b"a1", b"1a", b"111"))
def test_leet_trigger_matches_the_two_substring_tests(view):
    assert bool(_LEET_TRIGGER.search(view)) == (b"a1a" in view or b"a11a" in view)


def phones_in_groups_reference(groups: list, sb: bytes, text: str) -> list:
    """:func:`_phones_in_groups` as first written: every window of every start is tested."""

    def is_digit_token(item):
        return item[1] - item[0] == 1 and not item[3]

    def is_phone_window(window):
        sizes = tuple(len(group) for group in window)
        digits_only = all(is_digit_token(item) for group in window for item in group)
        return sizes in _DIGIT_GROUPINGS if digits_only and min(sizes) >= 2 else True

    def phone_window(groups, seps, i):
        first = groups[i]
        if len(first) == 1 and first[0][3]:
            return None
        if first[0][0] > 0 and 97 <= sb[first[0][0] - 1] <= 122 and any(t[3] for t in first):
            return None
        total = 0
        for j in range(i, len(groups)):
            if j > i and (b"," in seps[j - 1] or b";" in seps[j - 1]):
                return None
            total += len(groups[j])
            if total > 11:
                return None
            if total < 10 or (len(groups[j]) == 1 and groups[j][0][3]):
                continue
            window = groups[i : j + 1]
            flat = [item[2] for group in window for item in group]
            if total == 10 and flat[0] in "01":
                continue
            if total == 11 and not (flat[0] == "1" and flat[1] not in "01"):
                continue
            if is_phone_window(window):
                return j
        return None

    def candidates_of(groups):
        seps = [sb[groups[k][-1][1] : groups[k + 1][0][0]] for k in range(len(groups) - 1)]
        candidates = []
        for i in range(len(groups)):
            j = phone_window(groups, seps, i)
            if j is not None:
                window = groups[i : j + 1]
                multi = any(len(g) >= 2 and all(map(is_digit_token, g)) for g in window)
                mixed = multi and any(len(g) == 1 for g in window)
                inner = seps[i:j]
                spaced = bool(inner) and all(b" " in sep for sep in inner)
                cuts = spaced and (
                    (i > 0 and b" " not in seps[i - 1]) or (j < len(seps) and b" " not in seps[j])
                )
                candidates.append((len(set(inner)), cuts, mixed, i, j))
        return sorted(candidates)

    candidates = candidates_of(groups)
    if not candidates and len(groups) >= 3:
        sizes = [len(g) if all(map(is_digit_token, g)) else 0 for g in groups]
        for i in range(len(groups) - 2):
            if sizes[i] >= 4 and sizes[i + 1] == 3 and sizes[i + 2] == 4:
                groups = [*groups[:i], groups[i][:-3], groups[i][-3:], *groups[i + 1 :]]
                candidates = candidates_of(groups)
                break
    spans, used = [], [False] * len(groups)
    for *_, i, j in candidates:
        if any(used[i : j + 1]):
            continue
        used[i : j + 1] = [True] * (j + 1 - i)
        digits = "".join(item[2] for group in groups[i : j + 1] for item in group)
        start, end = groups[i][0][0], groups[j][-1][1]
        token = PHONE_TOKEN if _PLAIN_PHONE.fullmatch(text, start, end) else PHONE_OBF_TOKEN
        spans.append((start, end, token, f"phone:{digits[-10:]}"))
    for is_used, run in itertools.groupby(zip(used, groups, strict=True), key=lambda x: x[0]):
        if is_used:
            continue
        rest = [group for _, group in run]
        sizes = tuple(len(group) for group in rest)
        start, end = rest[0][0][0], rest[-1][-1][1]
        if sizes == (3, 4) and _PLAIN_LOCAL.fullmatch(text, start, end):
            if start == 0 or sb[start - 1] != ord("$"):
                spans.append((start, end, PHONE_TOKEN, None))
        elif sum(sizes) >= 7 and 2 * sum(size == 1 for size in sizes) >= len(sizes):
            spans.append((start, end, PHONE_OBF_TOKEN, None))
        elif sum(sizes) >= 7 and max(sizes) >= 4 and not set(sb[start:end]) & set(b"/:,;"):
            spans.append((start, end, PHONE_TOKEN, None))
    return spans


@settings(max_examples=1000, deadline=None)
@given(
    fragments(b"5", b"1", b"0", b"2", b"58", b"587", b"555", b"0143", b"15875", b"5'6587",
              b" ", b"  ", b"-", b".", b", ", b";", b"/", b"(", b")", b"+", b"$", b"o", b"l", b"i",
              b"oh", b"five", b"one", b"zero", b"x", b"call")
)  # fmt: skip
def test_phone_groups_match_the_window_by_window_search(sb):
    text = sb.decode()
    groups = _token_groups(sb, 0, len(sb), text)
    if groups:
        expected = phones_in_groups_reference(groups, sb, text)
        assert _phones_in_groups(groups, sb, text) == expected


def skeleton_reference(text: str) -> tuple[str, str, list[tuple[int, int, str]]]:
    """:func:`_skeleton` written with a regular-expression scan of the non-ASCII runs."""
    plain = text.replace("\xa0", " ").replace("\u2019", "'")
    if _MOJIBAKE.search(plain) or re.search("[\xc2-\xf4]\xa0", text):
        repaired = _repair_encoding(text)
        if repaired != text:
            return skeleton_reference(repaired)
    text = plain
    parts, runs, pos = [], [], 0
    for m in _NON_ASCII_RUN.finditer(text):
        skeleton, folded = _fold_run(m.group())
        parts += [text[pos : m.start()], skeleton]
        runs.append((m.start(), m.end(), folded))
        pos = m.end()
    parts.append(text[pos:])
    return text, "".join(parts).lower(), runs


UNICODE_PIECES = ("a", "B", "5", " ", ".", "\xa0", "\u2019", "é", "𝐒", "ｈ", "ɢ", "я", "𝟓", "🌹",
                  "👍🏽", "3️⃣", "\u200b", "情", "♡", "€", "\t", "Ã", "°", "ðŸŒ¹", "Â")  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(fragments(*UNICODE_PIECES))
def test_skeleton_codec_matches_the_regex_scan(text):
    assert _skeleton(text) == skeleton_reference(text)


def test_skeleton_runs_are_kept_per_thread():
    texts = ["".join(UNICODE_PIECES[i:] + UNICODE_PIECES[:i]) * 20 for i in range(8)] * 25
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(_skeleton, texts)) == [skeleton_reference(t) for t in texts]


def fold_edits_reference(
    text: str, runs: list[tuple[int, int, str]], spans: list[tuple]
) -> list[tuple[int, int, str]]:
    """:func:`_fold_edits` testing every span against every run."""
    edits = []
    for start, end, folded in runs:
        inside = [(s, e) for s, e, _, _ in spans if s < end and e > start]
        if not inside:
            edits.append((start, end, folded))
            continue
        pos = start
        for s, e in inside:
            if s > pos:
                edits.append((pos, s, _fold(text[pos:s])))
            pos = max(pos, e)
        if pos < end:
            edits.append((pos, end, _fold(text[pos:end])))
    return edits


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=16, unique=True), st.data())
def test_fold_edits_match_the_pairwise_test(bounds, data):
    # Sorted bounds cut 0..60 into pieces; each piece is a run, a span or neither.
    bounds = sorted(bounds)
    text = "".join("é𝐒я🌹"[i % 4] for i in range(61))
    runs, spans = [], []
    for start, end in zip(bounds, bounds[1:], strict=False):
        kind = data.draw(st.sampled_from(["run", "span", "both", "none"]))
        if kind in ("run", "both"):
            runs.append((start, end, _fold(text[start:end])))
        if kind in ("span", "both"):
            spans.append((start, end, PHONE_TOKEN, None))
    # Runs longer than one piece, to straddle the spans.
    pairs = zip(runs[::2], runs[1::2], strict=False)
    runs = [(s, e, _fold(text[s:e])) for (s, _, _), (_, e, _) in pairs]
    assert _fold_edits(text, runs, spans) == fold_edits_reference(text, runs, spans)


def repeat_edits_reference(text: str) -> list[tuple[int, int, str]]:
    """:func:`_repeat_edits` with regular expressions instead of big-integer masks."""
    edits = []
    for m in re.finditer(r"[a-z]+", text):
        start, end = m.span()
        glued = (start > 0 and text[start - 1] in "0123456789_") or (
            end < len(text) and text[end] in "0123456789_"
        )
        fixed = _unelongate(m.group())
        if re.search(r"([a-z])\1\1", m.group()) and not glued and fixed != m.group():
            edits.append((start, end, fixed))
    for m in re.finditer(r"([!-/:-@\[-`{-~])\1+", text):
        edits.append((m.start() + 1, m.end(), ""))
    return sorted(edits)


@settings(max_examples=500, deadline=None)
@given(fragments("a", "b", "c", "o", "s", "sooo", "yyy", "!", "?", ".", "`", "@", "-", "~", " ",
                 "  ", "9", "_", "\t", "\x7f", "\x00", "zzz", "bbbj"))  # fmt: skip
def test_repeat_edits_match_the_regex_rules(text):
    assert sorted(_repeat_edits(text, text.encode())) == repeat_edits_reference(text)


@settings(max_examples=300, deadline=None)
@given(fragments("hi", "sooo", " ", "  ", "\t", "\n", "\x0b", "\x1f", "\x00", "!!", "é", "🌹",
                 "587 555 0143", "s e x y", "h0t"))  # fmt: skip
def test_white_space_is_squeezed_with_or_without_control_characters(text):
    out = normalize_text(text)
    assert out == " ".join(out.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi\tthere  you\x0bgirl\n", "hi there you girl"),
        ("a\x00b  c", "a\x00b c"),
        ("x\x1fy", "x y"),
        ("sooo!!! b!!c @@` aa--bbb", "so! b!c @` aa-bbb"),
        ("yesss...  ok??", "yes. ok?"),
        ("name .com-x .net", f"{URL_TOKEN}-{URL_TOKEN}"),
        ("587     5550143", f"587 {PHONE_TOKEN}"),
        ("587    5550143", PHONE_OBF_TOKEN),
        ("é\xa0ü 🌹\u2019s", "e u emoji_rose 's"),
        ("3️⃣ 🌹 587 555 0143 🌹", f"3 emoji_rose {PHONE_TOKEN} emoji_rose"),
    ],
)
def test_fast_path_boundaries(text, expected):
    assert normalize_text(text) == expected


# --------------------------------------------------------------------------------------------
# Real ads
# --------------------------------------------------------------------------------------------


def load_ads() -> list[str]:
    """The ChainBreaker ads, or a skip when ``CLASSIFIER_DATA_DIR`` is unset."""
    data_dir = os.environ.get("CLASSIFIER_DATA_DIR")
    if not data_dir:
        pytest.skip("CLASSIFIER_DATA_DIR is not set")
    import pandas as pd

    path = Path(data_dir) / "chainbreaker" / "raw.csv"
    return pd.read_csv(path, sep=";", index_col=0)["text"].fillna("").astype(str).tolist()


def test_normalized_ads_hold_no_phone_number_or_email():
    long_number = re.compile(r"\d{7,}")
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for i, ad in enumerate(load_ads()):
        out = normalize_text(ad)
        # Report the row, never the text: it holds personal data.
        assert not long_number.search(out), f"digit run left in ad {i}"
        assert not email.search(out), f"e-mail left in ad {i}"
        assert out.split() == out.split(" "), f"white space not squeezed in ad {i}"


def test_normalized_ads_are_plain_ascii_and_contacts_are_found():
    ads = load_ads()
    outs = TextNormalizer().transform(ads)
    assert all(out.isascii() and out == out.lower() for out in outs)
    # Counts only: an assertion message must not print the ads (they hold phone numbers).
    n_ads = len(ads)
    n_linked = sum(bool(extract_contacts(ad)) for ad in ads)
    n_masked = sum(PHONE_TOKEN in out or PHONE_OBF_TOKEN in out for out in outs)
    # Measured: 1,649 of 2,677 ads give a contact key and 1,545 show a phone token; the
    # others hold no contact data (most ads with ten digits or more and no phone list prices).
    assert n_linked >= 0.6 * n_ads
    assert n_masked >= 0.55 * n_ads


def test_normalize_and_extract_equals_the_two_functions():
    """One analysis gives what normalize_text and extract_contacts give separately."""
    texts = [*load_ads(), "", "H0T girl 587 555 0143 mia@example.com",
             "ｃａｌｌ ５８７ ５５５ ０１４３"]
    for i, text in enumerate(texts):
        # Compare without printing: the ads hold real contact data.
        assert normalize_and_extract(text) == (normalize_text(text),
                                               extract_contacts(text)), f"ad {i}"


@settings(max_examples=500, deadline=None)
@given(fragments("a", "bc", " ", "  ", ".", "-", "*", "|", "!", "&", "$", "/", "emoji_rose"))
def test_padding_matches_the_regex_rule(text):
    # Reference: every padding mark with a blank on both sides goes; blanks are squeezed after.
    expected = re.sub(r"(?<= )[.*|~!?_-](?= )", "", text)
    assert re.sub(" +", " ", _padding(text, frozenset())) == re.sub(" +", " ", expected)
