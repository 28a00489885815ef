"""Tests for classifier.features (indicators): lexicon, scanner, ages, the transformer.

Ads written here are invented and already look like ``normalize_text`` output (lower case,
placeholder tokens for contact data, emoji as ``emoji_<name>``).
"""

from __future__ import annotations

import os
import pickle
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import skops.io as sio
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.features._indicators import (
    _AGE,
    AGE_FEATURE_NAMES,
    INDICATOR_NAMES,
    _matcher,
    _sources,
    extract_ages,
    find_indicators,
    indicators_from_features,
    load_lexicon,
)
from classifier.features._regex import _expand, _non_word_class
from classifier.features._transformers import IndicatorFeatures
from classifier.text._normalize import normalize_text

# One plain example per indicator of the packaged lexicon.
EXAMPLES = {
    "third_person": "she is waiting for you tonight",
    "multi_provider": "many girls available, ask for new faces",
    "agency": "outcall driver fees apply, call our agency",
    "first_person_plural": "we are ready when you are",
    "independent": "100% independent and private",
    "youth": "barely legal petite teen",
    "movement": "new in town for a few days",
    "availability_24_7": "available 24/7",
    "ethnicity": "sexy latina and exotic asian",
    "price": "$200 per hour, 120/hh",
    "price_code": "150 roses, donations only",
    "specials": "ask about my specials",
    "unsafe_services": "bbbj and bareback",
    "service_limits": "with condom only, no greek",
    "incall": "incall available",
    "outcall": "outcall to your hotel",
    "law_enforcement_avoidance": "no cops, not affiliated with law enforcement",
    "trustworthy": "100% real pics, verified",
    "professional": "discreet professional companion",
    "hygiene_safety": "always clean and safe",
    "client_screening": "screening required, no blocked calls",
    "phone_obfuscated": "text me at xphoneobfx",
    "email": "write to xemailx",
    "url": "see my site xurlx",
    "social_handle": "find me xhandlex",
    "social_media": "add me on snapchat",
    "emoji_price": "emoji_rose 150 emoji_rose",
    "emoji_youth": "emoji_cherry_blossom sweet",
    "emoji_minor": "emoji_growing_heart",
    "emoji_travel": "emoji_airplane visiting",
    "emoji_crown": "emoji_crown",
}

# Ordinary, non-escort classifieds with exactly the indicators they fire. Words such as
# "young", "experienced" or "clean" fire here too: indicators are evidence whose weights a
# model learns from labelled ads, never verdicts.
ORDINARY_ADS = [
    (
        "young professional seeking roommate for a 2 bedroom apartment downtown, "
        "rent 900 a month, no pets",
        ["youth", "professional"],
    ),
    ("experienced line cook wanted, full time, apply in person with your resume", ["professional"]),
    (
        "selling my 2012 honda civic, 120k km, clean title, $6500 obo, call xphonex",
        ["price", "hygiene_safety"],
    ),
    ("garage sale saturday 8am-2pm: furniture, kids clothes, books and tools", []),
    ("dog walker available weekdays, reliable and insured, references available", ["trustworthy"]),
    (
        "bright 1 bedroom basement suite, private entrance, utilities included, students welcome",
        ["youth"],
    ),
    ("lost cat near the park, grey tabby, reward offered, email xemailx", ["email"]),
    ("piano lessons for all ages, 30 min or 1 hour, first lesson free, see xurlx", ["url"]),
    (
        "our family bakery is hiring a part time cashier, weekends only, no experience needed",
        ["first_person_plural"],
    ),
    ("she is a friendly 3 year old lab mix looking for her forever home", ["third_person"]),
]


def _reference_columns(text: str) -> list[int]:
    """Indicator columns of all matches, by one plain alternation of the lexicon (slow)."""
    regex, column_of_group = _reference_regex()
    return sorted(c for m in regex.finditer(text) if (c := column_of_group[m.lastindex]) != _AGE)


_REFERENCE = {}


def _reference_regex():
    if not _REFERENCE:
        _, sources = _sources(None)
        alternatives, columns = [], []
        for column, patterns in sources:
            for pattern in patterns:
                alternatives.append(f"(?:{pattern})(?P<g{len(columns)}>)")
                columns.append(column)
        regex = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
        column_of_group = [None] * (regex.groups + 1)
        for name, index in regex.groupindex.items():
            column_of_group[index] = columns[int(name[1:])]
        _REFERENCE["regex"] = regex, column_of_group
    return _REFERENCE["regex"]


# ----------------------------------------------------------------------------- lexicon


def test_packaged_lexicon_is_complete():
    raw = tomllib.loads(files("classifier").joinpath("data", "indicators.toml").read_text())
    assert list(raw) == INDICATOR_NAMES == list(load_lexicon())
    for name, table in raw.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
        for key in ("description", "source"):
            assert isinstance(table[key], str) and table[key].strip(), (name, key)
        assert table["patterns"] and all(isinstance(p, str) and p for p in table["patterns"])
        assert isinstance(table.get("category", "x"), str)


def test_every_indicator_has_an_example():
    assert sorted(EXAMPLES) == sorted(INDICATOR_NAMES)


def test_a_phone_number_is_evidence_only_when_obscured():
    """A plain number is no indicator (the word block reads any number as ``xphonex``); an
    obscured one is (JRSA 2024), and is the only difference between the two writings."""
    assert find_indicators("call xphonex") == []
    assert find_indicators("call xphoneobfx") == ["phone_obfuscated"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_indicator_fires_on_its_example(name):
    assert name in find_indicators(EXAMPLES[name])


@pytest.mark.parametrize(("ad", "expected"), ORDINARY_ADS)
def test_ordinary_ads_fire_only_what_their_words_say(ad, expected):
    assert find_indicators(ad) == expected
    assert extract_ages(ad) == []


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("no incall, outcall only", "incall"),
        ("no bb, no bareback", "unsafe_services"),
        ("i love a french kiss", "ethnicity"),
        ("based in british columbia", "ethnicity"),
        ("fine china cabinet and a persian rug", "ethnicity"),
        ("the shelter is open", "third_person"),
        ("well, it went well", "first_person_plural"),
        ("emoji_cherry_blossom", "emoji_price"),
        ("first time visiting vancouver", "youth"),
        ("big screen tv", "client_screening"),
    ],
)
def test_near_misses_do_not_fire(text, absent):
    assert absent not in find_indicators(text)


def test_negated_services_move_to_their_own_indicator():
    assert find_indicators("no bb, no incall") == ["service_limits"]
    assert find_indicators("bb and incall") == ["unsafe_services", "incall"]


def test_emoji_codes_match_whole_tokens():
    assert find_indicators("emoji_cherry") == ["emoji_youth"]
    assert find_indicators("emoji_rosette") == ["emoji_price"]
    assert find_indicators("emoji_rose_gold") == []


def test_find_indicators_lists_in_lexicon_order_then_age_flags():
    names = find_indicators("call xemailx, she is 19 yrs, new girls")
    assert names == ["third_person", "multi_provider", "email", "age_min_le_21", "age_min_lt_23"]


# ----------------------------------------------------------------------------- ages


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("sexy 19 yrs", [19]),
        ("19yo, 5'4", [19]),
        ("real 20 y/o", [20]),
        ("age 20", [20]),
        ("age: 24", [24]),
        ("i am 21", [21]),
        ("i'm 22 years old", [22]),
        ("21 years young", [21]),
        ("a 23-year-old student", [23]),
        ("just turned 18", [18]),
        ("girls 19-25yro", [19]),
        ("22 age, 5.4, 120 lbs", [22]),
        ("i'm 25 and she is 19 yrs", [25, 19]),
        ("$200 for 30 min", []),
        ("available 24/7, 24 hours", []),
        ("10 years experience, 15 yrs in the business", []),
        ("clients must be age 18+", []),
        ("age 21 and over", []),
        ("i'm 5'4 and i am 100% real", []),
        ("i'm 10 min from downtown", []),
        ("a 3 year old car", []),
        ("99 years old", []),
    ],
)
def test_extract_ages(text, ages):
    assert extract_ages(text) == ages


def test_age_features():
    X = IndicatorFeatures().transform(["sexy 19 yrs and 25 yrs", "age 17", "no age here"])
    ages = pd.DataFrame(X[:, -len(AGE_FEATURE_NAMES) :].toarray(), columns=AGE_FEATURE_NAMES)
    assert ages.to_dict("list") == {
        "age_stated": [1.0, 1.0, 0.0],
        "age_min_scaled": [0.19, 0.17, 0.0],
        "age_min_le_18": [0.0, 1.0, 0.0],
        "age_min_le_21": [1.0, 1.0, 0.0],
        "age_min_lt_23": [1.0, 1.0, 0.0],
    }


# ----------------------------------------------------------------------------- transformer


def test_transform_output():
    texts = [EXAMPLES["multi_provider"], "girls girls girls", "", "nothing to see"]
    est = IndicatorFeatures()
    X = est.fit(texts).transform(texts)
    names = est.get_feature_names_out()
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.float64
    assert X.shape == (4, len(INDICATOR_NAMES) + len(AGE_FEATURE_NAMES)) == (4, len(names))
    assert list(names) == [f"ind_{n}" for n in INDICATOR_NAMES] + list(AGE_FEATURE_NAMES)
    column = list(names).index("ind_multi_provider")
    assert X[1, column] == pytest.approx(np.log1p(3))
    assert X[2].nnz == 0 and X[3].nnz == 0
    assert X.has_canonical_format
    binary = IndicatorFeatures(binary=True).transform(texts)
    assert binary[1, column] == 1.0
    assert (binary.toarray() > 0).tolist() == (X.toarray() > 0).tolist()


def test_transform_agrees_with_find_indicators():
    texts = list(EXAMPLES.values()) + [ad for ad, _ in ORDINARY_ADS] + ["she is 17 yrs"]
    X = IndicatorFeatures().transform(texts)
    assert indicators_from_features(X) == [find_indicators(t) for t in texts]


def test_transform_in_batches_keeps_rows_in_order():
    # More ads than one batch, pure-ASCII and other ads interleaved, an ad holding the batch
    # separator, empty ads, and a generator as input.
    base = list(EXAMPLES.values()) + [ad for ad, _ in ORDINARY_ADS]
    texts = [
        f"{base[i % len(base)]} café {i}" if i % 7 == 0 else base[i % len(base)]
        for i in range(1300)
    ]
    texts[5] = "she is 19 yrs \x00 call xphonex"
    texts[6] = ""
    X = IndicatorFeatures().transform(text for text in texts)
    assert X.shape[0] == len(texts)
    assert indicators_from_features(X) == [find_indicators(t) for t in texts]
    counts = np.zeros((len(texts), len(INDICATOR_NAMES)))
    for row, text in enumerate(texts):
        np.add.at(counts[row], _matcher(None).scan(text)[0], 1)
    np.testing.assert_allclose(X[:, : len(INDICATOR_NAMES)].toarray(), np.log1p(counts))
    assert IndicatorFeatures().transform([]).shape == (0, X.shape[1])


def test_transform_rejects_a_single_string():
    with pytest.raises(TypeError):
        IndicatorFeatures().transform("she is new in town")


def test_clone_pickle_and_skops_round_trip():
    est = IndicatorFeatures(binary=True)
    texts = list(EXAMPLES.values())
    expected = est.transform(texts).toarray()
    assert clone(est).get_params() == {"lexicon_path": None, "binary": True}
    for copy in (clone(est), pickle.loads(pickle.dumps(est))):
        np.testing.assert_array_equal(copy.transform(texts).toarray(), expected)
    data = sio.dumps(est)
    name = "classifier.features._transformers.IndicatorFeatures"
    assert sio.get_untrusted_types(data=data) == [name]
    loaded = sio.loads(data, trusted=[name])
    np.testing.assert_array_equal(loaded.transform(texts).toarray(), expected)


def test_works_in_a_feature_union():
    texts = list(EXAMPLES.values())
    union = FeatureUnion([("words", TfidfVectorizer()), ("indicators", IndicatorFeatures())])
    X = union.fit_transform(texts)
    names = union.get_feature_names_out()
    assert X.shape == (len(texts), len(names))
    assert "indicators__ind_third_person" in names


# ----------------------------------------------------------------------------- user lexicons


def test_user_lexicon(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        "[hotel_names]\n"
        'description = "Named hotel chains."\n'
        'source = "local investigators"\n'
        "patterns = ['(?:grand|royal) (?:inn|suites)', 'motel \\d+']\n"
    )
    est = IndicatorFeatures(lexicon_path=str(path))
    assert list(est.get_feature_names_out()) == ["ind_hotel_names", *AGE_FEATURE_NAMES]
    X = est.transform(["at the royal suites, 20 yrs", "motel 6", "grand hotel"])
    assert X[:, 0].toarray().ravel().tolist() == [np.log1p(1), np.log1p(1), 0.0]
    assert find_indicators("the grand inn", lexicon_path=path) == ["hotel_names"]


def test_a_string_named_by_its_context(tmp_path):
    # " foo" means [before_bar] or [plain] depending on the next word: it must not be cached.
    path = tmp_path / "context.toml"
    path.write_text(
        "[before_bar]\ndescription = 'd'\nsource = 's'\npatterns = ['foo(?= bar)']\n"
        "[plain]\ndescription = 'd'\nsource = 's'\npatterns = ['foo', 'bar']\n"
    )
    texts = ["foo bar", "foo baz", "foo bar", "foo"] * 3
    expected = [["before_bar", "plain"], ["plain"], ["before_bar", "plain"], ["plain"]] * 3
    assert [find_indicators(t, lexicon_path=path) for t in texts] == expected
    X = IndicatorFeatures(lexicon_path=str(path)).transform(texts)
    assert indicators_from_features(X, lexicon_path=path) == expected


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("description = 'd'\npatterns = ['x']", "missing 'source'"),
        ("description = 'd'\nsource = 's'\npatterns = []", "non-empty list"),
        ("description = 'd'\nsource = 's'\npatterns = ['(x)']", "capturing group"),
        ("description = 'd'\nsource = 's'\npatterns = ['x?']", "empty string"),
        ("description = 'd'\nsource = 's'\npatterns = ['(x']", "bad pattern"),
        ("description = 'd'\nsource = 's'\nweight = 2\npatterns = ['x']", "unknown keys"),
        ("description = 'd'\nsource = 's'\npatterns = ['(?i)x']", "cannot be combined"),
    ],
)
def test_bad_lexicons_are_refused(tmp_path, table, message):
    path = tmp_path / "bad.toml"
    path.write_text(f"[bad]\n{table}\n")
    with pytest.raises(ValueError, match=re.escape(message)):
        IndicatorFeatures(lexicon_path=str(path)).fit(["x"])


# ----------------------------------------------------------------------------- the scanner


def test_non_word_class_equals_backslash_w_on_the_bmp():
    ours = re.compile(_non_word_class())
    word = re.compile(r"\W")
    bmp = map(chr, range(0x10000))
    assert [c for c in bmp if bool(ours.fullmatch(c)) != bool(word.fullmatch(c))] == []


@pytest.mark.parametrize(
    "pattern",
    [
        "no (?:bb|cim|bare back)",
        "(?:many|several) (?:\\w+ )?(?:girls|ladies)",
        "(?<!no )in ?-?calls?",
        "french(?! (?:kiss\\w*|doors?))",
        "x(?:a|b(?:c|d))e",
        "\\d+ ?\\$",
        "snap ?chat",
        "with (?:a |the )?condoms?",
        "x??y",
        "mexican[ao]?",
        "x[.-]y",
        "x[^.]y",
        "(?:age|i'm) ?[:=-]? ?\\d\\d",
    ],
)
def test_expand_keeps_the_language(pattern):
    expanded = re.compile(
        "|".join(f"(?:{''.join(atoms)}{rest})" for atoms, rest in _expand(pattern))
    )
    original = re.compile(pattern)
    samples = [
        "no bb",
        "no cim",
        "no bare back",
        "no bbb",
        "many girls",
        "several hot ladies",
        "many",
        "incall",
        "in-calls",
        "no incall",
        "in-call",
        "snapchat",
        "snap chat",
        "snap  chat",
        "with condom",
        "with a condoms",
        "with the condom",
        "with  condom",
        "xy",
        "xxy",
        "x.y",
        "x-y",
        "xzy",
        "mexican",
        "mexicana",
        "mexicano",
        "age 21",
        "age: 21",
        "age:21",
        "i'm - 21",
        "i'm  21",
        "age=2",
        "french",
        "french kiss",
        "french doors",
        "xae",
        "xbce",
        "xbde",
        "xbe",
        "200$",
        "200 $",
        "$",
        "in call",
    ]
    for text in samples:
        for start in range(len(text)):
            a = original.match(text, start)
            b = expanded.match(text, start)
            assert (a and a.group()) == (b and b.group()), (pattern, text, start)


def test_expand_moves_look_behinds_after_the_literal_prefix():
    expanded = ["".join(atoms) + "|" + rest for atoms, rest in _expand("(?<!no )in ?calls?")]
    assert expanded == [
        "in\\ calls|(?<!(?:no )in\\ calls)",
        "in\\ call|(?<!(?:no )in\\ call)",
        "incalls|(?<!(?:no )incalls)",
        "incall|(?<!(?:no )incall)",
    ]


def test_expand_keeps_an_exploding_pattern_whole():
    pattern = "a?" * 12 + "b"  # 4,096 variants
    assert _expand(pattern) == [([], pattern)]


def test_scanner_matches_a_plain_alternation():
    texts = list(EXAMPLES.values()) + [ad for ad, _ in ORDINARY_ADS]
    for text in texts:
        assert sorted(_matcher(None).scan(text)[0]) == _reference_columns(text), text


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def chainbreaker_texts():
    """The ChainBreaker ads, normalised once for this module; skips without the data."""
    value = os.environ.get("CLASSIFIER_DATA_DIR")
    path = Path(value or ".") / "chainbreaker" / "raw.csv"
    if not value or not path.is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    frame = pd.read_csv(path, sep=";", index_col=0)
    return [normalize_text(text) for text in frame["text"].fillna("").astype(str)]


def test_chainbreaker_features_are_sane(chainbreaker_texts):
    est = IndicatorFeatures()
    X = est.transform(chainbreaker_texts)
    assert X.shape == (len(chainbreaker_texts), len(est.get_feature_names_out()))
    assert np.isfinite(X.data).all() and (X.data > 0).all()
    scaled = X[:, list(est.get_feature_names_out()).index("age_min_scaled")].data
    assert ((scaled >= 0.12) & (scaled <= 0.80)).all()
    valid = set(INDICATOR_NAMES) | {"age_min_le_18", "age_min_le_21", "age_min_lt_23"}
    fired = indicators_from_features(X)
    assert set().union(*fired) <= valid
    assert fired[:200] == [find_indicators(t) for t in chainbreaker_texts[:200]]


def test_chainbreaker_scanner_matches_a_plain_alternation(chainbreaker_texts):
    # The trie scanner finds the same indicators as the plain alternation on every ad. (Counts
    # may differ where a match ending in a separator, like "160 $", is directly followed by a
    # pattern starting with one, like "/hr": the scanner consumed that separator.)
    # Row numbers only: a failure must not print the ads.
    matcher = _matcher(None)
    differ = [
        row
        for row, text in enumerate(chainbreaker_texts)
        if set(matcher.scan(text)[0]) != set(_reference_columns(text))
    ]
    assert differ == []
