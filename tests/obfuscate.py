"""Rewrite ads the way evaders do, to test and benchmark robustness to obfuscation.

:func:`obfuscate` applies the tricks seen in real ads (fancy Unicode letters, spaced letters,
leetspeak, phone numbers in words or with odd separators, emoji between words, repeated letters
and punctuation, ages in words) while keeping the ad readable by a person. It is used by
robustness tests (:mod:`classifier.text` must undo it) and by a benchmark of how scores
change under obfuscation. Contact data other than phone numbers is never changed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence

import decancer_py
import emoji

from classifier.text._contacts import _analyse
from classifier.text._tokens import HANDLE_TOKEN, PHONE_OBF_TOKEN, PHONE_TOKEN

__all__ = ["ALL_KINDS", "EVERY_KIND", "NEW_KINDS", "obfuscate"]

ALL_KINDS = ("homoglyph", "spacing", "leet", "phone", "emoji", "repeat", "number_words")
#: Tricks of the field that the first kinds lack (field notes: zero-width characters,
#: combining marks, enclosed letters, mixed-script look-alikes, punctuation padding, phone
#: numbers reformatted, mojibake). Kept apart so that ALL_KINDS results stay comparable.
NEW_KINDS = ("zero_width", "combining", "enclosed", "confusable", "punctuation",
             "phone_format", "mojibake")  # fmt: skip
EVERY_KIND = ALL_KINDS + NEW_KINDS
_WORD_KINDS = ("homoglyph", "spacing", "leet", "repeat", "zero_width", "combining", "enclosed",
               "confusable")  # fmt: skip


def _letter_style(prefix: str, small: str = "SMALL", capital: str = "CAPITAL") -> dict[str, str]:
    """Map ASCII letters to the Unicode letters named ``"<prefix> <SMALL|CAPITAL> <X>"``."""
    table = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for case, char in ((small, letter), (capital, letter.upper())):
            for name in (
                f"{prefix} {case} {letter.upper()}",
                f"{prefix.removeprefix('MATHEMATICAL ')} {case} {letter.upper()}",
            ):
                try:
                    table[char] = unicodedata.lookup(name)
                    break
                except KeyError:
                    continue
    return table


def _lookalikes() -> dict[str, list[str]]:
    """Greek and Cyrillic letters that read as a Latin letter ("я" for r, "є" for e)."""
    table: dict[str, list[str]] = {}
    for code in range(0x370, 0x500):
        char = chr(code)
        if not unicodedata.category(char).startswith("L"):
            continue
        cured = str(decancer_py.parse(char))
        if len(cured) == 1 and "a" <= cured <= "z":
            table.setdefault(cured, []).append(char)
    return table


# Font styles of "fancy text" generators, as ads use them; one style is picked per ad.
_STYLES = {
    "bold": _letter_style("MATHEMATICAL BOLD"),
    "bold_italic": _letter_style("MATHEMATICAL BOLD ITALIC"),
    "sans_bold": _letter_style("MATHEMATICAL SANS-SERIF BOLD"),
    "monospace": _letter_style("MATHEMATICAL MONOSPACE"),
    "double_struck": _letter_style("MATHEMATICAL DOUBLE-STRUCK"),
    "fraktur": _letter_style("MATHEMATICAL BOLD FRAKTUR"),
    "circled": _letter_style("CIRCLED LATIN", "SMALL LETTER", "CAPITAL LETTER"),
    "fullwidth": _letter_style("FULLWIDTH LATIN", "SMALL LETTER", "CAPITAL LETTER"),
    "small_caps": {c: unicodedata.lookup(f"LATIN LETTER SMALL CAPITAL {c.upper()}")
                   for c in "abcdefghijklmnopqrstuvwyz"},
}  # fmt: skip
_LOOKALIKES = _lookalikes()
_LEET = {"a": "4@", "e": "3", "i": "1", "o": "0", "s": "5$", "t": "7"}
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen")  # fmt: skip
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty"}
# Emoji that ads use as code (price, youth, travel) or decoration.
_EMOJI = tuple(
    emoji.emojize(f":{name}:")
    for name in ("rose", "cherries", "cherry_blossom", "kiss_mark", "crown", "sparkles",
                 "fire", "red_heart", "two_hearts", "growing_heart", "airplane", "peach",
                 "water_wave", "star")
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")
# Words glued to digits, "@" or "$" are codes or prices, words between dots ("parties.com")
# web addresses: they are left alone.
_GLUE = re.compile(r"[\w@$]|\.\w")
_AGE = re.compile(r"\b(1[89]|[2-6][0-9])(?= (?:yo|y/o|yrs?|years?)\b)", re.IGNORECASE)
_PUNCT = re.compile(r"[!?]")


# Invisible characters put inside words to split them for filters: zero-width space,
# non-joiner and joiner, word joiner, byte-order mark, soft hyphen.
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
# Combining marks drawn over or under letters: strike-through, underline, accents, dots.
_COMBINING = ("\u0336", "\u0335", "\u0332", "\u0301", "\u0300", "\u0308", "\u0307", "\u0323")


def _enclosed_table() -> dict[str, list[str]]:
    """Letters drawn in boxes and circles: squared, negative squared and circled, parenthesized."""
    table: dict[str, list[str]] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for name in (f"SQUARED LATIN CAPITAL LETTER {letter.upper()}",
                     f"NEGATIVE SQUARED LATIN CAPITAL LETTER {letter.upper()}",
                     f"NEGATIVE CIRCLED LATIN CAPITAL LETTER {letter.upper()}",
                     f"PARENTHESIZED LATIN SMALL LETTER {letter.upper()}"):  # fmt: skip
            try:
                table.setdefault(letter, []).append(unicodedata.lookup(name))
            except KeyError:
                continue
    return table


def _confusable_table() -> dict[str, list[str]]:
    """Look-alikes from many scripts, mixed letter by letter (Armenian, Cherokee, Lisu, IPA...)."""
    table: dict[str, list[str]] = {}
    for code in [*range(0x250, 0x2B0), *range(0x370, 0x530), *range(0x530, 0x590),
                 *range(0x13A0, 0x13F6), *range(0x1D00, 0x1D2C), *range(0xA4D0, 0xA4FE)]:
        char = chr(code)
        if not unicodedata.category(char).startswith("L"):
            continue
        cured = str(decancer_py.parse(char))
        if len(cured) == 1 and "a" <= cured <= "z":
            table.setdefault(cured, []).append(char)
    return table


_ENCLOSED = _enclosed_table()
_CONFUSABLES = _confusable_table()
_PADDING = (" ... ", " !!! ", " ~~ ", " *** ", " ★ ", " • ", " -- ", " ♡ ", " ||| ")


def _zero_width(word: str, rng: random.Random) -> str:
    return "".join(c + (rng.choice(_INVISIBLE) if rng.random() < 0.5 else "") for c in word[:-1]) \
        + word[-1]


def _combining(word: str, rng: random.Random) -> str:
    mark = rng.choice(_COMBINING)  # one mark for the word, as text generators do
    return "".join(c + mark for c in word)


def _enclosed(word: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    return "".join(
        _ENCLOSED[c.lower()][min(style, len(_ENCLOSED[c.lower()]) - 1)] for c in word
    )


def _confusable(word: str, rng: random.Random) -> str:
    return "".join(
        rng.choice(_CONFUSABLES[c.lower()]) if c.lower() in _CONFUSABLES and rng.random() < 0.6
        else c
        for c in word
    )  # fmt: skip


def _phone_format(number: str, rng: random.Random) -> str:
    """Write a North American number in another usual format ("+1 587 555 0143")."""
    if number.startswith("+"):
        return number
    a, b, c = number[:3], number[3:6], number[6:]
    return rng.choice((f"+1 {a} {b} {c}", f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"1-{a}-{b}-{c}",
                       f"+1{a}{b}{c}", f"{a}-{b}-{c}", f"{a} {b} {c}"))  # fmt: skip


def _mojibake(text: str, rng: random.Random) -> str:
    """Read UTF-8 bytes as Windows-1252 (Latin-1 where it has no character), once or twice."""
    for _ in range(rng.choice((1, 2))):
        raw = text.encode("utf-8")
        text = "".join(
            bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
            else chr(b)
            for b in raw
        ) if not text.isascii() else text
    return text


def _homoglyph(word: str, style: str, rng: random.Random) -> str:
    if style == "lookalike":
        # Mixed-script spelling: replace about half the letters that have a look-alike.
        return "".join(
            rng.choice(_LOOKALIKES[c.lower()])
            if c.lower() in _LOOKALIKES and rng.random() < 0.5 else c
            for c in word
        )  # fmt: skip
    table = _STYLES[style]
    if style == "small_caps":
        return "".join(table.get(c, c) for c in word.lower())
    return "".join(table.get(c, c) for c in word)


def _spaced(word: str, rng: random.Random) -> str:
    # A blank separator needs a longer word to read as one; short ones get dots or stars.
    separators = (" ", ".", "*", "_", "-") if len(word) >= 4 else (".", "*", "_", "-")
    return rng.choice(separators).join(word)


def _leet(word: str, rng: random.Random) -> str:
    inner = [i for i in range(1, len(word) - 1) if word[i].lower() in _LEET]
    if word[0].lower() == "s" and rng.random() < 0.3:
        return "$" + word[1:]
    if not inner:
        return word
    chars = list(word)
    for i in rng.sample(inner, 2 if len(word) >= 6 and len(inner) >= 2 else 1):
        chars[i] = rng.choice(_LEET[word[i].lower()])
    # Two different symbols side by side ("h07t") read as noise; keep one of them.
    for i in range(1, len(chars)):
        if chars[i] != chars[i - 1] and not chars[i].isalpha() and not chars[i - 1].isalpha():
            chars[i] = word[i]
    return "".join(chars)


def _repeat(word: str, rng: random.Random) -> str:
    # Stretch a last "a", "i", "o", "u" or "y" ("sooo", "babyyy"), else the last vowel inside
    # the word ("sweeeet"); a final "e" is seldom stretched ("theee" reads as "thee").
    if word[-1].lower() in "aiouy":
        i = len(word) - 1
    else:
        inner = [i for i, c in enumerate(word[:-1]) if c.lower() in "aeiouy"]
        if not inner:
            return word
        i = inner[-1]
    return word[:i] + word[i] * rng.randint(3, 5) + word[i + 1 :]


def _age_in_words(match: re.Match) -> str:
    number = int(match.group(1))
    if number < 20:
        return _TEENS[number - 10]
    tens, unit = divmod(number, 10)
    return _TENS[tens] + (f" {_DIGIT_NAMES[unit]}" if unit else "")


def _phone(number: str, rng: random.Random) -> str:
    """Write the digits of a phone number (``"+"`` and digits if international) the way
    scrapers miss."""
    if number.startswith("+"):
        return "+" + _phone(number[1:], rng)
    digits = number
    style = rng.choice(("words", "mixed", "spaced", "dotted", "letters", "separators"))
    if style == "words":
        return " ".join(_DIGIT_NAMES[int(d)] for d in digits)
    if style == "mixed":
        return " ".join(_DIGIT_NAMES[int(d)] if rng.random() < 0.5 else d for d in digits)
    if style == "spaced":
        return " ".join(digits)
    if style == "dotted":
        return ".".join(digits)
    groups = (digits[:3], digits[3:6], digits[6:])
    if style == "letters" and any(d in "01" for d in digits):
        letters = {"0": "O", "1": rng.choice("lI")}
        return "-".join("".join(letters.get(d, d) for d in g) for g in groups)
    return rng.choice(("~", "**", " * ", "/", "..")).join(groups)


def obfuscate(
    text: str,
    *,
    seed: int | None = None,
    kinds: Sequence[str] = ALL_KINDS,
    rate: float = 0.25,
) -> str:
    """Rewrite an ad the way evaders do, keeping it readable by a person.

    Parameters
    ----------
    text : str
        Ad text.
    seed : int or None, default=None
        Seed of the random choices; the same seed gives the same output.
    kinds : sequence of str, default=ALL_KINDS
        Tricks to apply, among :data:`EVERY_KIND`:

        - ``"homoglyph"``: fancy Unicode letters (math bold, circled, full-width, small
          capitals, Greek and Cyrillic look-alikes), one style per ad;
        - ``"spacing"``: letters spaced out ("s e x y", "s.e.x.y");
        - ``"leet"``: leetspeak ("s3xy", "h0t", "$exy");
        - ``"phone"``: every phone number written with digit words, spaced or dotted digits,
          O and l for 0 and 1, or odd separators;
        - ``"emoji"``: emoji inserted between words;
        - ``"repeat"``: repeated letters ("sooo", "babyyy") and punctuation ("!!!");
        - ``"number_words"``: ages in words ("21 yo" -> "twenty one yo");
        - :data:`NEW_KINDS`: ``"zero_width"`` (invisible characters inside words),
          ``"combining"`` (marks over letters, "s̶e̶x̶y̶"), ``"enclosed"`` (squared, circled,
          parenthesized letters), ``"confusable"`` (look-alikes of many scripts mixed letter
          by letter), ``"punctuation"`` (padding "...", "!!!", "★" between words),
          ``"phone_format"`` (a plain number in another usual format, "+1 587 555 0143"),
          ``"mojibake"`` (the ad's UTF-8 read as Windows-1252, once or twice).
    rate : float, default=0.25
        Share of words changed by the word tricks (homoglyph, spacing, leet, repeat), and of
        word gaps given an emoji (a third of it) or of "!" and "?" repeated.

    Returns
    -------
    str
        The obfuscated ad. Contact data other than phone numbers is left as it is.

    Examples
    --------
    >>> obfuscate("Call 587-555-0143, new girl in town", seed=0, kinds=["phone"])
    'Call five eight seven five five five zero one four three, new girl in town'
    """
    unknown = set(kinds) - set(EVERY_KIND)
    if unknown:
        raise ValueError(f"unknown obfuscation kinds {sorted(unknown)}; use {EVERY_KIND}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be between 0 and 1, got {rate}")
    rng = random.Random(seed)
    kinds = set(kinds)
    word_kinds = [k for k in _WORD_KINDS if k in kinds]
    style = rng.choice([*_STYLES, "lookalike"])
    emoji_set = rng.sample(_EMOJI, 2)
    parts = []
    pos = 0
    for start, end, token, key in _analyse(text).spans:
        if token == HANDLE_TOKEN:
            # Keep the word that says which service the handle is on ("snap: mia").
            start = _keyword_start(text, pos, start)
        parts.append(_obfuscate_segment(text[pos:start], rng, kinds, word_kinds, style,
                                        emoji_set, rate))  # fmt: skip
        if "phone" in kinds and key and token in (PHONE_TOKEN, PHONE_OBF_TOKEN):
            # Digit words glued to the next word ("threecall") would not read as a number.
            left = " " if start > 0 and text[start - 1].isalnum() else ""
            right = " " if _GLUE.match(text, end) else ""
            parts.append(left + _phone(key.removeprefix("phone:"), rng) + right)
        elif "phone_format" in kinds and key and token == PHONE_TOKEN:
            left = " " if start > 0 and text[start - 1].isalnum() else ""
            right = " " if _GLUE.match(text, end) else ""
            parts.append(left + _phone_format(key.removeprefix("phone:"), rng) + right)
        else:
            parts.append(text[start:end])
        pos = end
    parts.append(_obfuscate_segment(text[pos:], rng, kinds, word_kinds, style, emoji_set, rate))
    out = "".join(parts)
    return _mojibake(out, rng) if "mojibake" in kinds else out


def _obfuscate_segment(
    segment: str,
    rng: random.Random,
    kinds: set[str],
    word_kinds: list[str],
    style: str,
    emoji_set: list[str],
    rate: float,
) -> str:
    """Obfuscate text that holds no contact data."""
    out = []
    pos = 0
    last_spaced = -2
    for n, m in enumerate(_WORD.finditer(segment)):
        start, end = m.span()
        word = m.group()
        out.append(segment[pos:start])
        pos = end
        glued = (
            (start > 0 and _GLUE.match(segment, start - 1))
            or (end < len(segment) and _GLUE.match(segment, end))
            or (start > 1 and segment[start - 1] == "." and segment[start - 2].isalnum())
        )
        if word_kinds and len(word) >= 3 and not glued and rng.random() < rate:
            kind = rng.choice(word_kinds)
            if kind == "spacing" and (n == last_spaced + 1 or _next_to_single_char(segment, m)):
                kind = "homoglyph" if "homoglyph" in word_kinds else None
            if kind == "homoglyph":
                word = _homoglyph(word, style, rng)
            elif kind == "spacing":
                word = _spaced(word, rng)
                last_spaced = n
            elif kind == "leet":
                word = _leet(word, rng)
            elif kind == "repeat":
                word = _repeat(word, rng)
            elif kind == "zero_width":
                word = _zero_width(word, rng)
            elif kind == "combining":
                word = _combining(word, rng)
            elif kind == "enclosed":
                word = _enclosed(word, rng)
            elif kind == "confusable":
                word = _confusable(word, rng)
        out.append(word)
        if "emoji" in kinds and segment[end : end + 1] == " " and rng.random() < rate / 3:
            out.append(" " + rng.choice(emoji_set))
        if "punctuation" in kinds and segment[end : end + 1] == " " and rng.random() < rate / 3:
            out.append(rng.choice(_PADDING).rstrip())
    out.append(segment[pos:])
    text = "".join(out)
    if "number_words" in kinds:
        text = _AGE.sub(_age_in_words, text)
    if "repeat" in kinds:
        text = _PUNCT.sub(lambda p: p.group() * (rng.randint(2, 4) if rng.random() < rate else 1),
                          text)  # fmt: skip
    return text


def _keyword_start(text: str, lower: int, start: int) -> int:
    """Return where the word before ``start`` begins, not before ``lower``."""
    m = re.search(r"\w+\W{0,4}$", text[lower:start])
    return lower + m.start() if m else start


def _next_to_single_char(segment: str, m: re.Match) -> bool:
    """Tell whether a word stands next to a one-character word ("a sexy"), which would merge."""
    before = segment[: m.start()].rstrip().rsplit(None, 1)
    after = segment[m.end() :].lstrip().split(None, 1)
    return (bool(before) and len(before[-1]) == 1) or (bool(after) and len(after[0]) == 1)
