"""The compiled word rules (``classifier_core.normalized``) against the Python reference.

``_normalized`` turns one analysis into normalised text: contact tokens and folded runs put in
place, then the word rules of ``classifier/text/_words.py``. Analyses are computed once on the
Python path and fed to both paths, so that only this half of ``normalize_text`` is compared.
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import _core
from classifier.text import normalize_text
from classifier.text._contacts import _analyse, _Analysis
from classifier.text._normalize import _normalized


def _both(found: _Analysis, core) -> tuple[str | None, str]:
    """The compiled result (``None``: declined) and the reference (the Python path).

    A context manager, not the ``python_path`` fixture: hypothesis runs many inputs per test.
    """
    compiled = core.normalized(*found)
    with mock.patch.object(_core, "CORE", None):
        reference = _normalized(found)
    return compiled, reference


def _python_analysis(text: str) -> _Analysis:
    with mock.patch.object(_core, "CORE", None):
        return _analyse(text)


def test_corpus_identical(core, corpus: list[str]) -> None:
    analyses = [_python_analysis(text) for text in corpus if text]
    declined = 0
    for found in analyses:
        compiled, reference = _both(found, core)
        if compiled is None:
            declined += 1
            continue
        assert compiled == reference, found.text
    # Declines are for lone surrogates and non-ASCII left after folding: none here.
    assert declined <= len(analyses) // 1000


def test_dispatch_matches_reference(core, python_path, corpus: list[str]) -> None:
    compiled = [normalize_text(text) for text in corpus]
    with python_path():
        reference = [normalize_text(text) for text in corpus]
    assert compiled == reference


# Pieces that exercise every word rule: spaced letters with each separator, leet, number
# words, repeats, padding marks, dollar signs, blanks and control characters, contacts.
_PIECES = (
    "s", "e", "x", "y", "i", "a", "o", "l", "v", "t", "h", "0", "1", "3", "4", "5", "7", "2",
    "9", "@", "$", " ", " ", "  ", ".", ". ", "*", "_", "~", "+", "/", "|", "-", "'", "!",
    "?", ",", "&", ":", "\n", "\t", "\x00", "\x1c", "sexy", "hot", "love", "good", "tooo",
    "sooo", "hoooot", "gooood", "ddd", "xxxx", "bbbbj", "facetiiime", "piiics", "aaa",
    "nineteen", "twenty", "twenty one", "forty-two", "fourty", "ten", "one", "yo", "b4u",
    "h0t", "s3xy", "c1m", "b00ty", "$exy", "$200", "qv150hh", "38ddd", "4u", "w h o's",
    "d_o_n't", "i l o v e", "s.e.x.y", "b_b_j", "2 4 7", "1.5.0", " ... ", " * ", " - ",
    "!!!", "...", "***", "587-555-0143", "mia@example.com", "www.example.com", "snap: mia_22",
    "🌹", "ø", "ƒяєαк", "𝓗𝓸𝓽", "ｗ", "é", "3️⃣", "\xa0", "’",
)  # fmt: skip


def _texts() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_texts())
def test_pieces_identical(core, text: str) -> None:
    found = _python_analysis(text)
    compiled, reference = _both(found, core)
    assert compiled is None or compiled == reference


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("abehilostxy013457@$ .-_*~+/|'!?\n"), max_size=60))
def test_dense_identical(core, text: str) -> None:
    """Few characters, many collisions: overlapping triggers, runs of separators."""
    found = _python_analysis(text)
    compiled, reference = _both(found, core)
    assert compiled is None or compiled == reference


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab1@ .*!-"), min_size=50, max_size=300))
def test_long_blank_runs_identical(core, text: str) -> None:
    """Runs of blanks and padding marks across the 16- and 64-byte blocks the compiled code
    reads its byte classes in."""
    found = _python_analysis(text)
    compiled, reference = _both(found, core)
    assert compiled == reference  # ASCII without control characters: never declined


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_identical_or_declined(core, text: str) -> None:
    found = _python_analysis(text)
    compiled, reference = _both(found, core)
    assert compiled is None or compiled == reference


@pytest.mark.parametrize(
    "found",
    [
        _Analysis("ab", "ab", [], [(1, 5, "xphonex", None)], frozenset()),  # past the end
        _Analysis("abcd", "abcd", [], [(2, 1, "xphonex", None)], frozenset()),  # reversed
        _Analysis("\ud800x", "\x02x", [(0, 1, "?")], [], frozenset()),  # lone surrogate
        _Analysis("ab", "ab", [(0, 9, "x")], [], frozenset()),  # run past the end
    ],
)
def test_bad_input_declined(core, found: _Analysis) -> None:
    assert core.normalized(*found) is None


def test_wrong_types_declined(core) -> None:
    assert core.normalized("a", "a", None, [], frozenset()) is None
    assert core.normalized("a", "a", [], [("x", 1, "t", None)], frozenset()) is None
    assert core.normalized("a", "a", [], [], 5) is None
