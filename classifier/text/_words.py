"""Word rules on folded, lower-case ASCII text: number words, spaced letters, leet, repeats."""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib import resources

from classifier.text._fold import _CACHE_SIZE, _byte_table, _is_letter

# --------------------------------------------------------------------------------------------
# Word-level rules on folded, lower-case ASCII text
# --------------------------------------------------------------------------------------------


@cache
def _words() -> frozenset[str]:
    """English words plus ad vocabulary (see ``classifier/data/normalize/README.md``)."""
    folder = resources.files("classifier") / "data" / "normalize"
    with (folder / "english_words.txt.gz").open("rb") as raw, gzip.open(raw, "rt") as f:
        words = set(f.read().split())
    ad_words = (folder / "ad_words.txt").read_text(encoding="utf-8").splitlines()
    words.update(w for w in ad_words if w and not w.startswith("#"))
    return frozenset(words)


_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD_TRIGGERS = frozenset(w.encode() for w in (*_TEENS, *_TENS))
# Number words from ten up are always numbers ("nineteen years old", "twenty one yo"); single
# units are left alone ("no one", "the one").
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:[ -](?P<unit>{'|'.join(_UNITS)}))?"
    rf"|(?P<teen>{'|'.join(_TEENS)}))\b"
)


def _number_to_digits(m: re.Match) -> str:
    if m.group("teen"):
        return str(_TEENS[m.group("teen")])
    return str(_TENS[m.group("tens")] + _UNITS.get(m.group("unit") or "", 0))


# Class views for triggers: letters and digits "a", anything else "."; leet view: letters
# "a", leet characters "1".
_CLASSES = _byte_table(lambda c: ord("a") if chr(c).isascii() and chr(c).isalnum() else ord("."))
_LEET_CLASSES = _byte_table(
    lambda c: ord("a") if _is_letter(c) else ord("1") if c in b"013457@$" else ord(" ")
)
# Three single characters in a row, with one separator ("s e x y") or two ("s. e. x. y"),
# looked for in the view padded with a separator at both ends.
_SPACED_TRIGGERS = (b".a.a.a.", b".a..a..a.")
# Both triggers in one search: on a view of two symbols, ``bytes.find`` cannot skip ahead and
# the regular expression's literal-prefix search is twice as fast as two finds.
_SPACED_TRIGGER = re.compile(rb"\.a\.(?:a\.a\.|\.a\.\.a\.)")
# Single letters (or digits) joined by one repeated separator: "s e x y", "s.e.x.y", "b_b_j".
_SPACED = re.compile(
    r"[a-z0-9](?<![a-z0-9@$'][a-z0-9])(?P<sep> |[.*_~+/|-] ?)[a-z0-9](?:(?P=sep)[a-z0-9])+"
    r"(?![a-z0-9@$]|'(?![a-z]))"  # a contraction may follow: "w h o's", "d_o_n't"
)


def _rejoin(m: re.Match) -> str:
    items = m.group().split(m.group("sep"))
    if sum(item.isalpha() for item in items) < 2:
        return m.group()  # "2 4 7", "1.5.0": numbers, not a word
    joined = "".join(items)
    words = _words()
    if m.group("sep") == " " and len(items) < 4 and joined.translate(_LEET) not in words:
        return m.group()  # "a b c", "u r a": ordinary short words
    if (
        m.group("sep") == " "
        and items[0] in ("i", "a")
        and len(items) > 4
        and joined not in words
        and joined[1:] in words
    ):
        return f"{items[0]} {joined[1:]}"  # "i l o v e": "i" is a word of its own
    return joined


_LEET = str.maketrans("013457@$", "oieastas")
_LEET_RUN = re.compile(r"[013457@$]+")
# One or two leet characters between letters in the leet view ("a1a", "a11a"), in one search
# (faster than two ``in`` tests on a view of three symbols). The search starts at a "1" and
# looks behind for the letter: "1" is far rarer than "a", so fewer positions are tried.
_LEET_TRIGGER = re.compile(rb"1(?<=a1)1?a")
_LEET_WORD_CHAR = _byte_table(lambda c: 1 if _is_letter(c) or c in b"0123456789@$" else 0)
# Other digits, long numbers and "4u" mark prices and abbreviations ("qv150hh", "b4u").
_NOT_LEET = re.compile(r"[2689]|[0-9]{3}|4u$")
# A leading "$" for "s" ("$exy"), never a price ("$200").
_DOLLAR_S = re.compile(r"\$(?<![\w$]\$)(?=[a-z]{2})")


@lru_cache(maxsize=_CACHE_SIZE)
def _unleet(word: str) -> str:
    if _NOT_LEET.search(word):
        return word
    decoded = word.translate(_LEET)
    if decoded in _words():
        return decoded
    # Without a dictionary match, only decode simple substitutions ("c1m", "b00ty").
    if all(len(set(run)) == 1 for run in _LEET_RUN.findall(word)):
        return decoded
    return word


def _leet_edits(text: str, b: bytes, view: bytes) -> list[tuple[int, int, str]]:
    """Decode leetspeak words, found from each leet run between two letters in ``view``."""
    edits = []
    for pattern in (b"a1a", b"a11a"):
        pos = view.find(pattern)
        while pos >= 0:
            start, end = pos, pos + len(pattern)
            while start > 0 and _LEET_WORD_CHAR[b[start - 1]]:
                start -= 1
            while end < len(b) and _LEET_WORD_CHAR[b[end]]:
                end += 1
            word = text[start:end]
            decoded = _unleet(word)
            if decoded != word:
                edits.append((start, end, decoded))
            pos = view.find(pattern, end)
    return edits


def _spaced_edits(text: str, classes: bytes) -> list[tuple[int, int, str]]:
    """Rejoin spaced letters, found from the trigger patterns in the ``classes`` view."""
    edits = []
    for trigger in _SPACED_TRIGGERS:
        pos = classes.find(trigger)
        while pos >= 0:
            # ``pos`` is the separator before the first character (one more for the padding).
            m = _SPACED.match(text, pos)
            if m:
                joined = _rejoin(m)
                if joined != m.group():
                    edits.append((m.start(), m.end(), joined))
                pos = classes.find(trigger, m.end())
            else:
                pos = classes.find(trigger, pos + 1)
    return edits


# Mask bytes: 0x00 for letters, 0x80 for punctuation, 0xFF for the rest. ORed with the XOR of
# neighbours (below 0x80 for ASCII), a byte is 0x00 for a letter equal to the one before it and
# 0x80 for such a punctuation mark: one integer and one ``to_bytes`` serve both rules.
_REPEAT_MASK = _byte_table(
    lambda c: 0x00 if _is_letter(c)
    else 0x80 if 33 <= c <= 126 and not chr(c).isalnum()
    else 0xFF
)  # fmt: skip
_PRINTABLE_ASCII = bytes(range(32, 127))
_BLANKS = re.compile("  +")
_DIGIT_OR_UNDERSCORE = _byte_table(lambda c: 1 if 48 <= c <= 57 or c == 95 else 0)


def _repeat_edits(text: str, b: bytes) -> list[tuple[int, int, str]]:
    """Undo letter repetition ("sooo") and squeeze repeated punctuation ("!!!").

    Equal neighbours are found without a regex scan: with ``x`` the ASCII text as one big
    integer, a zero byte of ``x ^ (x >> 8)`` marks a character equal to the one before it; the
    mask keeps letters (two zero bytes in a row: three equal letters) or punctuation (0x80).
    """
    n = len(b)
    x = int.from_bytes(b, "big")
    marks = (x ^ (x >> 8) | int.from_bytes(b.translate(_REPEAT_MASK), "big")).to_bytes(n, "big")
    edits = []
    pos = marks.find(b"\0\0")
    while pos >= 0:
        start, end = pos - 1, pos + 2
        while start > 0 and _is_letter(b[start - 1]):
            start -= 1
        while end < n and _is_letter(b[end]):
            end += 1
        # Letters glued to digits ("38ddd") are sizes and codes, not elongated words.
        if not (
            (start > 0 and _DIGIT_OR_UNDERSCORE[b[start - 1]])
            or (end < n and _DIGIT_OR_UNDERSCORE[b[end]])
        ):
            word = text[start:end]
            fixed = _unelongate(word)
            if fixed != word:
                edits.append((start, end, fixed))
        pos = marks.find(b"\0\0", end)
    pos = marks.find(b"\x80")
    while pos >= 0:
        end = pos + 1
        while end < n and marks[end] == 0x80:
            end += 1
        edits.append((pos, end, ""))
        pos = marks.find(b"\x80", end)
    return edits


def _apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    edits.sort()
    parts = []
    pos = 0
    for start, end, new in edits:
        if start < pos:  # a run found twice
            continue
        parts.append(text[pos:start])
        parts.append(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


_LETTER_RUN = re.compile(r"([a-z])\1{2,}")


@cache
def _word_counts() -> dict[str, int]:
    """Corpus counts of the words that differ only by a doubled letter ("hot", "hoot").

    See ``classifier/data/normalize/README.md``: they choose between such words when a
    stretched letter is undone ("hooot" -> "hot", "goood" -> "good").
    """
    path = resources.files("classifier") / "data" / "normalize" / "word_counts.txt.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        return {word: int(count) for word, count in (line.split("\t") for line in f)}


@lru_cache(maxsize=_CACHE_SIZE)
def _unelongate(word: str) -> str:
    pieces = _LETTER_RUN.split(word)  # [text, letter, text, letter, ..., text]
    runs = [len(r.group()) for r in _LETTER_RUN.finditer(word)]
    if len(runs) > 3:
        return word
    words = _words()
    # Prefer a triple ("xxxx" -> "xxx", "bbbbj" -> "bbbj": no English word has one), then a
    # word with a double or single letter: at the end of the word the double ("tooo" -> "too",
    # "sooo" -> "so"), inside it the commoner word ("goood" -> "good", "hooot" -> "hot").
    for counts in itertools.product(*([3] for _ in runs)):
        candidate = _assemble(pieces, counts)
        if candidate in words:
            return candidate
    found = [
        candidate
        for counts in itertools.product(*([2, 1] for _ in runs))
        if (candidate := _assemble(pieces, counts)) in words
    ]
    if found:
        if not pieces[-1]:
            return found[0]  # a stretched last letter keeps a double: "tooo" -> "too"
        known = _word_counts()
        return max(found, key=lambda w: known.get(w, 0))  # max keeps the first of ties
    # No word found: keep a run of three consonants (abbreviations: "ddd", "bbb"), shorten
    # other runs ("facetiiime" -> "facetime", "piiics" -> "pics").
    letters = pieces[1::2]
    if len(runs) == 1 and not pieces[0] and not pieces[2]:
        return _assemble(pieces, [3 if runs[0] == 3 else 1])  # one letter only: "aaa", "xxxx"
    counts = [3 if n == 3 and c not in "aeiouy" else 1 for n, c in zip(runs, letters, strict=True)]
    return _assemble(pieces, counts)


def _assemble(pieces: list[str], counts: Iterable[int]) -> str:
    out = [pieces[0]]
    for i, count in enumerate(counts):
        out.append(pieces[2 * i + 1] * count)
        out.append(pieces[2 * i + 2])
    return "".join(out)


def _number_words(text: str, words: frozenset[bytes]) -> str:
    """Number words from ten up become digits ("nineteen" -> "19")."""
    if words.isdisjoint(_NUMBER_WORD_TRIGGERS):
        return text
    return _NUMBER_WORDS.sub(_number_to_digits, text)


def _spaced_letters(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """Spaced-out letters are rejoined ("s e x y" -> "sexy")."""
    classes = b"." + text.encode("ascii", "replace").translate(_CLASSES) + b"."
    if not _SPACED_TRIGGER.search(classes):
        return text
    return _apply_edits(text, _spaced_edits(text, classes))


def _leet(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """Leetspeak between letters is decoded ("h0t" -> "hot")."""
    b = text.encode("ascii", "replace")
    leet = b.translate(_LEET_CLASSES)
    if not _LEET_TRIGGER.search(leet):
        return text
    return _apply_edits(text, _leet_edits(text, b, leet))


def _dollar_s(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """A leading "$" for "s" ("$exy"), never a price."""
    return _DOLLAR_S.sub("s", text) if "$" in text else text


def _repeats(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """Letter repetitions are undone and repeated punctuation squeezed."""
    return _apply_edits(text, _repeat_edits(text, text.encode("ascii", "replace")))


# Punctuation standing alone between words, as padding ("new ... in ★ town": "★" folds to
# "*"), once repeats are squeezed. "&", "/", "$", "+", ":" and "," carry meaning: kept. The
# view maps padding marks to "p" and blanks to " ", so that one ``bytes.find`` locates them.
_PADDING_VIEW = _byte_table(lambda c: ord("p") if c in b".*|~!?_-" else 32 if c == 32 else 0)


def _padding(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """Punctuation padding between words is dropped ("new ... in town" -> "new in town")."""
    view = text.encode("ascii", "replace").translate(_PADDING_VIEW)
    pos = view.find(b" p ")
    if pos < 0:
        return text
    parts = []
    last = 0
    while pos >= 0:
        parts.append(text[last : pos + 1])
        last = pos + 3  # the mark and the blank after it
        pos = view.find(b" p ", pos + 2)
    parts.append(text[last:])
    return "".join(parts)


def _blanks(text: str, words: frozenset[bytes]) -> str:  # noqa: ARG001
    """White space squeezed to single blanks."""
    # Tabs and newlines, tested on bytes first: ``str.isprintable`` costs three times more.
    controls = not text.isascii() or text.encode("ascii").translate(None, _PRINTABLE_ASCII)
    if controls and not text.isprintable():
        return " ".join(text.split())
    if "  " in text:  # one substitution, cheaper than split and join or repeated replaces
        text = _BLANKS.sub(" ", text)
    return text.strip(" ")


#: The word rules, in order: each takes the text and the set of trigger words of the ad
#: (from the analysis that found its contacts) and returns the text.
WORD_STEPS: tuple[tuple[str, Callable[[str, frozenset[bytes]], str]], ...] = (
    ("number_words", _number_words),
    ("spaced_letters", _spaced_letters),
    ("leet", _leet),
    ("dollar_s", _dollar_s),
    ("repeats", _repeats),
    ("padding", _padding),
    ("blanks", _blanks),
)


def _normalize_words(text: str, words: frozenset[bytes]) -> str:
    """Apply the word rules to folded, lower-case text with contacts masked."""
    for _, step in WORD_STEPS:
        text = step(text, words)
    return text
