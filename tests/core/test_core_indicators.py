"""The compiled indicator scanner and rule features against the Python reference.

``indicator_rows``, ``rule_rows`` (both rule files), ``find_indicators`` and ``extract_ages``
must give identical results on both paths: same Rows arrays (dtype, order, values), same lists.
"""

from __future__ import annotations

import re
import time
import tomllib
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.features import _indicators, _rules
from classifier.features._core_regex import Untranslatable, program, rule_regex
from classifier.features._indicators import (
    _core_scanner,
    extract_ages,
    find_indicators,
    indicator_rows,
)
from classifier.features._rules import _core_rules, rule_rows
from classifier.text import normalize_text

RULE_FILES = ("evidence", "chainbreaker_rules")


@pytest.fixture(scope="module")
def normalized(corpus) -> list[str]:
    return [normalize_text(text) for text in corpus]


def _same_rows(a, b) -> None:
    assert a.shape == b.shape
    for name in ("data", "indices", "indptr"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name
    assert a.has_sorted_indices == b.has_sorted_indices


def _both(python_path, function):
    compiled = function()
    with python_path():
        reference = function()
    return compiled, reference


def test_the_packaged_lexicon_and_rule_files_are_compiled(core):
    assert _core_scanner(None) is not None
    for name in RULE_FILES:
        assert _core_rules(name) is not None


@pytest.mark.parametrize("binary", [False, True])
def test_indicator_rows_on_the_corpus(core, python_path, normalized, binary):
    compiled, reference = _both(python_path, lambda: indicator_rows(normalized, binary=binary))
    _same_rows(compiled, reference)


@pytest.mark.parametrize("rules", RULE_FILES)
def test_rule_rows_on_the_corpus(core, python_path, normalized, rules):
    compiled, reference = _both(python_path, lambda: rule_rows(normalized, rules))
    _same_rows(compiled, reference)
    # Small batches: the Python path then searches without its RE2 prefilter.
    for i in range(0, 400, 7):
        compiled, reference = _both(python_path, lambda i=i: rule_rows(normalized[i:i + 7], rules))
        _same_rows(compiled, reference)


def test_find_indicators_and_extract_ages_on_the_corpus(core, python_path, normalized):
    compiled = [(find_indicators(t), extract_ages(t)) for t in normalized]
    with python_path():
        reference = [(find_indicators(t), extract_ages(t)) for t in normalized]
    assert compiled == reference


def test_declines_only_non_ascii_texts(core, normalized):
    scanner = _core_scanner(None)
    declined = [t for t in normalized if scanner.scan(t) is None]
    assert all(not t.isascii() or re.search("[\x1c-\x1f]", t) for t in declined)
    # Normalised ads are ASCII but for a few obfuscated or fuzz texts.
    assert len(declined) <= 0.02 * len(normalized)


def test_raw_texts_and_odd_strings(core, python_path, corpus):
    """Unnormalised texts (upper case, non-ASCII), lone surrogates, NULs and huge words."""
    texts = corpus[:500] + [
        "\ud800 she is new", "she\x00her 19 yrs", "no  \x00 bb", "bbbj" + "a" * 50_000,
        "2 " + "a" * 50_000 + " girls", "19" * 20_000, "$" + "9" * 50_000, " " * 10_000,
        "@" + "_" * 50_000, "i am 19 yrs old ago", "turned 18\x1c she",
    ]
    start = time.process_time()
    compiled, reference = _both(python_path, lambda: indicator_rows(texts))
    _same_rows(compiled, reference)
    for rules in RULE_FILES:
        _same_rows(*_both(python_path, lambda rules=rules: rule_rows(texts, rules)))
    compiled = [(find_indicators(t), extract_ages(t)) for t in texts]
    with python_path():
        assert compiled == [(find_indicators(t), extract_ages(t)) for t in texts]
    assert time.process_time() - start < 30


# --------------------------------------------------------------------------- hypothesis


def _vocabulary() -> list[str]:
    """Words and phrases of the lexicon's and the rule files' patterns (regex syntax dropped),
    ages with their units, and filler."""
    words = set()
    for name in ("indicators", *RULE_FILES):
        data = tomllib.loads(files("classifier").joinpath("data", f"{name}.toml").read_text())
        for table in data.values():
            for pattern in table["patterns"]:
                plain = re.sub(r"\\[wdWs]|\(\?<?[:=!]|[()\[\]?*+{}|\\]", " ", pattern)
                words.update(w for w in re.split(r"\s{2,}", plain) if w.strip())
                words.update(plain.split())
    words.update([
        "19", "21", "18", "75", "9", "150", "yrs", "yo", "y/o", "years old", "age", "aged",
        "i am", "i'm", "turned", "just turned 19", "no", "not", "the", "and", "a", "of",
        "exp", "ago", "in the business", "ft", "emoji_rose", "emoji_cherry_blossom", "xphonex",
        "columbia", "british", "kiss", "kissing", "$", "@", "/", "-", ":", "'", ",", ".", "!",
    ])
    return sorted(words)


VOCABULARY = _vocabulary()
SEPARATORS = st.sampled_from([" ", " ", " ", "", ", ", ". ", "-", "/", "  ", "\n", "!"])
TEXTS = st.lists(st.tuples(st.sampled_from(VOCABULARY), SEPARATORS), max_size=30).map(
    lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TEXTS, min_size=1, max_size=8))
def test_hypothesis_texts(core, python_path, texts):
    _same_rows(*_both(python_path, lambda: indicator_rows(texts)))
    for rules in RULE_FILES:
        _same_rows(*_both(python_path, lambda rules=rules: rule_rows(texts, rules)))
    compiled = [(find_indicators(t), extract_ages(t)) for t in texts]
    with python_path():
        assert compiled == [(find_indicators(t), extract_ages(t)) for t in texts]


# --------------------------------------------------------------------------- user lexicons

USER_LEXICON = """
[cheap]
description = "Cheap, not as in cheap talk."
source = "test"
patterns = ['(?<!not )cheap(?! talk)', 'bargain\\w*', '\\d+ ?(?:roses?|kisses)']

[visits]
description = "Visits."
source = "test"
patterns = ['(?:short|long) (?:\\w+ )??visits?', 'x{2,3}y', 'z[^a-c]z', 'q.q', 'cheap talk']
"""


@pytest.fixture
def user_lexicon(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text(USER_LEXICON, encoding="utf-8")
    return path


USER_TEXTS = [
    "cheap and not cheap, cheap talk, bargains galore 100 roses 3kisses",
    "short visit, long nice visits, short a b visit xxy xxxy xxxxy zdz zaz q q qq q\nq",
    "she is 19 yrs old, cheapest cheap! " * 3,
    "",
]


def test_user_lexicon(core, python_path, user_lexicon):
    assert _core_scanner(_indicators._key(user_lexicon)) is not None
    texts = USER_TEXTS
    _same_rows(*_both(python_path, lambda: indicator_rows(texts, str(user_lexicon))))
    compiled = [find_indicators(t, user_lexicon) for t in texts]
    with python_path():
        assert compiled == [find_indicators(t, user_lexicon) for t in texts]
    assert compiled[0] == ["cheap", "visits"]


def _user_lexicon_with(tmp_path, name: str, description: str, patterns: str):
    """The user lexicon and one more indicator, as a file."""
    path = tmp_path / f"{name}.toml"
    path.write_text(USER_LEXICON + f"""
[{name}]
description = "{description}"
source = "test"
patterns = {patterns}
""", encoding="utf-8")
    return path


def test_entries_that_start_with_a_non_word_byte(core, python_path, tmp_path):
    # The scanner finds its candidates from a mask of word bytes, plus the other bytes
    # entries start with: "$", "#", "+", "." here, at the start, the end and mid-text.
    path = _user_lexicon_with(tmp_path, "prices", "Prices and tags.",
                              r"""['\$\d+', '#\w+', '\+\d', '\.\.\.', 'roses?']""")
    assert _core_scanner(_indicators._key(path)) is not None
    texts = [*USER_TEXTS, "$200 roses #new +1 ... $5", "a$5 b#c ($40) [#x] ...+2 roses$",
             "#" * 70 + " $1" + " ." * 40 + "...", "$", "+", "#a"]
    _same_rows(*_both(python_path, lambda: indicator_rows(texts, str(path))))
    compiled = [find_indicators(t, path) for t in texts]
    with python_path():
        assert compiled == [find_indicators(t, path) for t in texts]
    assert "prices" in compiled[len(USER_TEXTS)]


def test_untranslatable_lexicon_falls_back_to_python(core, python_path, tmp_path):
    path = _user_lexicon_with(tmp_path, "anchored", "At the end only.", "['bye$']")
    assert _core_scanner(_indicators._key(path)) is None
    texts = [*USER_TEXTS, "ok bye", "bye now"]
    _same_rows(*_both(python_path, lambda: indicator_rows(texts, str(path))))
    assert find_indicators("ok bye", path) == ["anchored"]


@pytest.mark.parametrize("pattern", [
    "a$", "^a", r"\bfoo", r"(a)\1", "(?i)a", "(?i:a)", "(?:a?)*b", "a*+", "(?>ab)",
    r"(?<=a+)b",
])
def test_untranslatable_patterns(pattern):
    with pytest.raises(Untranslatable):
        program(pattern)


def test_rule_look_arounds_other_than_word_edges_are_untranslatable():
    assert rule_regex(r"(?<!\w)(?:new(?!\w))") == r"(?:\b{start-half}\x6e\x65\x77\b{end-half})"
    with pytest.raises(Untranslatable):
        rule_regex(r"(?<!no )new")


def test_python_path_without_the_core(python_path, normalized):
    """The dispatch reads ``_core.CORE`` at call time: with it off, nothing compiled runs."""
    with python_path():
        assert _indicators._core.CORE is None and _rules._core.CORE is None
        indicator_rows(normalized[:10])
        rule_rows(normalized[:10], "evidence")


def test_a_quadratic_user_lexicon_is_declined_in_bounded_time(core, tmp_path):
    """'x.*y' makes every 'x' walk to the end of the text (Python too): past a linear budget
    of DFA steps the compiled scanner declines the text."""
    path = tmp_path / "greedy.toml"
    path.write_text("""
[greedy]
description = "An x, then a y."
source = "test"
patterns = ['x.*y']
""", encoding="utf-8")
    scanner = _core_scanner(_indicators._key(path))
    assert scanner.scan("x and then y") == ([0], [])
    start = time.process_time()
    assert scanner.scan("x " * 50_000) is None
    assert time.process_time() - start < 2
