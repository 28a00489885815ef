"""The compiled `_analyse` (skeleton, trigger words, contact spans) against the Python reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.text._contacts import _analyse, _analyse_py, extract_contacts, mask_contacts
from classifier.text._fold import _MOJIBAKE, _NBSP_MOJIBAKE


def _has_mojibake(text: str) -> bool:
    """Whether Python would try ftfy on ``text`` (the core then calls it too)."""
    plain = text.replace("\xa0", " ").replace("\u2019", "'")
    return bool(_MOJIBAKE.search(plain) or _NBSP_MOJIBAKE.search(text))


def _check(core, text: str) -> bool:
    """Assert both paths agree on ``text``; return whether the core declined it (only text
    with lone surrogates, which a ``str`` holds and UTF-8 cannot)."""
    found = core.analyse(text)
    if found is None:
        assert any("\ud800" <= c <= "\udfff" for c in text), repr(text)
        return True
    expected = _analyse_py(text)
    assert found == tuple(expected), repr(text)
    for got, want in zip(found, expected, strict=True):  # the same types, field by field
        assert type(got) is type(want), repr(text)
    return False


def test_corpus_identical(core, corpus):
    declined = sum(_check(core, text) for text in corpus)
    assert declined < 0.15 * len(corpus)


def test_dispatch_returns_the_named_tuple(core, corpus):
    for text in corpus[:200]:
        found = _analyse(text)
        assert type(found) is type(_analyse_py(text))
        assert found == _analyse_py(text)


def test_declines_what_it_cannot_read(core):
    assert core.analyse("\ud800 587 555 0143") is None  # a lone surrogate
    assert core.analyse(b"587 555 0143") is None
    assert _analyse("\ud800 587 555 0143") == _analyse_py("\ud800 587 555 0143")


def test_mojibake_is_repaired_by_ftfy_then_analysed_in_rust(core):
    # The repaired text, its skeleton, runs and spans are those of the Python path.
    for text in ["Ã°ÂŸÂŒÂ¹ new in town", "cafÃ© call 587 555 0143", "Â\xa0hot\xa0girl",
                 "naÃ¯ve â€™sweetâ€™ 5875550143 Ã°ÂŸÂ’Â‹", "Ã©tÃ© at the cafÃ©"]:
        assert _has_mojibake(text)
        assert not _check(core, text), repr(text)


_ACCENTED = st.sampled_from([*"éèàüöñçøß", "🌹", "💋", "3️⃣", "’", "\xa0", "—", "™"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["new in town", " ", "587 555 0143", "xx", "e-mail@x.com"])
                | _ACCENTED, max_size=12).map("".join),
       st.sampled_from(["cp1252", "latin-1"]), st.integers(0, 2), st.booleans())
def test_mojibake_of_any_text(core, text, codec, times, part):
    """Text garbled once or twice (UTF-8 read as Windows-1252 or Latin-1), whole or in part:
    the core repairs it as the Python path does (ftfy) and gives the same analysis."""
    garbled = text
    for _ in range(times):
        garbled = garbled.encode("utf-8").decode(codec, errors="replace")
    if part:
        garbled = text + " " + garbled
    assert not _check(core, garbled), repr(garbled)


def test_mask_and_extract_identical(core, corpus, python_path):
    compiled = [(mask_contacts(t), extract_contacts(t)) for t in corpus]
    with python_path():
        reference = [(mask_contacts(t), extract_contacts(t)) for t in corpus]
    assert compiled == reference


_CHUNKS = st.sampled_from(
    [
        *"0123456789", *"0123456789", " ", "  ", "-", ".", "(", ")", "+", "/", ",", ":", "_",
        "*", "\n", "\x00", "\xa0", "\u2019", "$", "@", "o", "O", "l", "I", "i", "a", "x", "h",
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "twenty", "nineteen", "dot", " dot ", "(dot)", "(at)", " at ", "[at]", "at", ".com",
        " .com", "com", ".net", "gmail", "www.", "http://", "https://", "snap", "kik", "sc",
        "ig", "insta", "telegram", "is", "id", "name", ":", "=", "mia", "mia_22", "Mia",
        "🌹", "💋", "5️⃣", "👍🏽", "Ⓜ️", "𝓗", "𝕘", "Ｆ", "ｗ", "🅂", "ƒ", "я", "é", "Ø", "ᥣ",
        "\u200b", "\ufe0f", "\u20e3", "０", "１", "٣", "①",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHUNKS, max_size=40).map("".join))
def test_random_texts_identical(core, text):
    _check(core, text)
