"""Unicode folding: look-alike and fancy letters to ASCII, emoji to named tokens, skeletons."""

from __future__ import annotations

import codecs
import functools
import re
import threading
import unicodedata
from collections.abc import Callable

import decancer_py
import emoji
from unidecode import unidecode

from classifier.text._tokens import EMOJI_PREFIX

# --------------------------------------------------------------------------------------------
# Unicode folding
# --------------------------------------------------------------------------------------------


class _CharTable(dict):
    """``str.translate`` table filled on first use of each code point.

    Building the table for all of Unicode at import would take about a second; ads use a few
    hundred distinct non-ASCII characters, so each is computed once, when first seen.
    """

    __slots__ = ("_func",)

    def __init__(self, func: Callable[[str], str]) -> None:
        super().__init__()
        self._func = func

    def __missing__(self, key: int) -> str:
        value = self[key] = self._func(chr(key))
        return value


# Letters whose library mapping differs from how ads use them ("hᥱᥣᥣo", "ᥒᥲmᥱ").
_FOLD_OVERRIDES = {"ᥣ": "l", "ᥲ": "a"}
# Letters and symbols named after the Latin letter they draw: small capitals ("ꞯ"), squared
# and negative squared or circled letters ("🅂", "🆇", "🅐"), parenthesized ones ("⒮").
_LATIN_NAME = re.compile(r"\bLATIN (?:CAPITAL |SMALL )?LETTER (?:SMALL CAPITAL )?([A-Z])$")


def _latin_by_name(ch: str) -> str | None:
    """Return the lower-case Latin letter that ``ch`` is named after, if any."""
    m = _LATIN_NAME.search(unicodedata.name(ch, ""))
    return m.group(1).lower() if m else None


def _fold_char(ch: str) -> str:
    """Return the lower-case ASCII text that the character ``ch`` stands for."""
    if ch.isascii():
        return ch
    if ch in _FOLD_OVERRIDES:
        return _FOLD_OVERRIDES[ch]
    cat = unicodedata.category(ch)
    if ch.isspace() or cat in ("Zs", "Zl", "Zp", "Cc"):
        return " "
    if cat in ("Mn", "Mc", "Me", "Cf"):
        # Combining marks, joiners, variation selectors and bidi controls are invisible glue;
        # dropping them rejoins "s\u200bexy" and keycap letters "s⃣n⃣e⃣a⃣k⃣".
        return ""
    nfkc = unicodedata.normalize("NFKC", ch)
    if nfkc.isascii() and nfkc.strip():
        # Math alphanumerics, full-width and circled letters, ligatures, "…"; parenthesized
        # letters and digits ("⒮", "⑴") lose their brackets.
        if len(nfkc) == 3 and nfkc[0] == "(" and nfkc[2] == ")" and nfkc[1].isalnum():
            nfkc = nfkc[1]
        return nfkc.lower()
    if cat[0] in "LN":
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            return str(digit)
        if unicodedata.east_asian_width(ch) in "WF":
            # Ideographs imitate no Latin letter: transliterate them to separate words.
            return f" {unidecode(ch).strip().lower()} "
        # Accented Latin letters lose their accents ("ó" -> "o": decancer reads it as "p").
        base = unicodedata.normalize("NFKD", ch)[0]
        if base.isascii() and base.isalpha():
            return base.lower()
        # decancer maps look-alikes by shape ("я" -> "r", "ω" -> "w"), as ads use them, where
        # unidecode transliterates by sound ("я" -> "ia").
        cured = str(decancer_py.parse(ch))
        if cured and cured.isascii() and cured.isalnum():
            return cured
        letter = _latin_by_name(ch)
        if letter:
            return letter
        translit = unidecode(ch).strip().lower()
        return translit if translit.isalnum() else " "
    if cat == "Sc":
        return " $ "
    if cat == "So":
        letter = _latin_by_name(ch)
        if letter:
            return letter
    if cat[0] == "P":
        translit = unidecode(ch)
        # Keep ASCII punctuation ("’" -> "'", "–" -> "-"), never words ("♡" -> "hearts").
        if translit and translit.isascii() and not any(c.isalnum() for c in translit):
            return translit
    return " "


def _skeleton_char(ch: str) -> str:
    """Return one ASCII character standing for ``ch`` (see module docstring)."""
    if ch.isspace():
        return " "
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    folded = _FOLD_TABLE[ord(ch)]
    if folded == "":
        return "\x00"
    if len(folded) == 1 and folded != " ":
        return folded
    # Other letters must not act as separators inside a phone number or an e-mail.
    return "\x02" if unicodedata.category(ch)[0] in "LN" else "\x01"


_FOLD_TABLE = _CharTable(_fold_char)
_SKELETON_TABLE = _CharTable(_skeleton_char)
# Skin tones carry no meaning for triage and would split one emoji name into many.
_SKIN_TONES = dict.fromkeys(range(0x1F3FB, 0x1F400))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_NON_NAME = re.compile(r"[^a-z0-9]+")
_CACHE_SIZE = 50_000
# Non-ASCII run -> (skeleton, folded text); ads repeat the same fancy words and emoji.
_run_cache: dict[str, tuple[str, str]] = {}
_emoji_tokens: dict[str, str] = {}


def _emoji_token(chars: str, data: dict) -> str:
    token = _emoji_tokens.get(chars)
    if token is None:
        letter = chars.rstrip("\ufe0f")
        if len(letter) == 1 and "LATIN" in unicodedata.name(letter, ""):
            # "Ⓜ" and "🅰" are emoji, but fancy-text ads use them as letters.
            token = _FOLD_TABLE[ord(letter)]
        else:
            name = _NON_NAME.sub("_", unidecode(data["en"]).lower()).strip("_")
            token = f" {EMOJI_PREFIX}{name} "
        _emoji_tokens[chars] = token
    return token


def _fold_run(run: str) -> tuple[str, str]:
    """Return the skeleton and the folded text of a run of non-ASCII characters."""
    entry = _run_cache.get(run)
    if entry is None:
        folded = emoji.replace_emoji(run.translate(_SKIN_TONES), replace=_emoji_token)
        entry = (run.translate(_SKELETON_TABLE), folded.translate(_FOLD_TABLE))
        if len(_run_cache) >= _CACHE_SIZE:
            _run_cache.clear()
        # Runs with mojibake stay out of the cache: a cached run is known to hold none.
        if not _MOJIBAKE.search(run):
            _run_cache[run] = entry
    return entry


def _fold(text: str) -> str:
    """Fold non-ASCII characters to ASCII; emoji become ``emoji_<name>`` tokens."""
    if text.isascii():
        return text
    return _NON_ASCII_RUN.sub(lambda m: _fold_run(m.group())[1], text)


# Mojibake: UTF-8 bytes read as Windows-1252 or Latin-1 show a lead byte "Â".."ô" followed by a
# continuation byte, 0x80-0xBF, as Latin-1 or Windows-1252 draws it ("Ã©", "ðŸŒ¹").
_CP1252_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", "ignore")
_MOJIBAKE = re.compile("[\xc2-\xf4][\x80-\xbf" + re.escape(_CP1252_CONTINUATION) + "]")
# The mojibake of a no-break space or "à" ("Â\xa0", "Ã\xa0"), looked for before the no-break
# spaces are replaced.
_NBSP_MOJIBAKE = re.compile("[\xc2-\xf4]\xa0")


@functools.cache
def _ftfy_config():
    """ftfy's encoding repair only: no quote, width, line-break or normalisation changes.

    ftfy is imported here, on the first text with mojibake: its import costs ~50 ms.
    """
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
        fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False,
    )  # fmt: skip


def _fix_encoding(text: str) -> str:
    import ftfy

    return ftfy.fix_text(text, _ftfy_config())


def _repair_encoding(text: str) -> str:
    """Undo mojibake ("Ã°ÂŸÂŒÂ¹" -> "🌹"); ASCII text and text without its marks pass untouched.

    Only ftfy's encoding repair runs (no quote, width or line-break changes), and only where
    a lead byte is followed by a continuation byte, which ordinary accented text seldom has.
    """
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    return _fix_encoding(text)


def _skeleton(text: str) -> tuple[str, str, list[tuple[int, int, str]]]:
    """Return ``text`` with common characters made ASCII, its skeleton, and its folded runs.

    The first string has no-break spaces and curly apostrophes replaced (same length). The
    skeleton is a lower-case ASCII string of the same length as ``text`` (see the module
    docstring). Runs of non-ASCII characters only are folded: a keycap "5️⃣" keeps its ASCII
    digit and loses the invisible keycap marks instead of becoming an emoji "keycap_5".
    """
    if text.isascii():
        return text, text.lower(), []
    # The commonest non-ASCII characters, handled in C before the per-run work.
    plain = text.replace("\xa0", " ").replace("\u2019", "'")
    if plain.isascii():
        return plain, plain.lower(), []
    # The ASCII codec finds the runs in C and calls the error handler once per run, where a
    # regular-expression scan of the text costs more than all the runs together. The handler
    # also tells whether a run looks like mojibake: only then is the text repaired (as it was
    # written: "’" is part of some mojibake, "Å’").
    _local.runs = runs = []
    _local.mojibake = "\xa0" in text and _NBSP_MOJIBAKE.search(text) is not None
    skeleton = plain.encode("ascii", _SKELETON_ERRORS).lower().decode("ascii")
    if _local.mojibake:
        repaired = _fix_encoding(text)
        if repaired != text:
            return _skeleton(repaired)
    return plain, skeleton, runs


def _skeleton_errors(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: skeleton of a run of non-ASCII characters, recorded with its fold.

    The ASCII encoder passes each maximal run of non-ASCII characters at once, so each run is
    that of the regular expression ``[^\\x00-\\x7f]+``.
    """
    if not isinstance(error, UnicodeEncodeError):
        raise error
    start, end = error.start, error.end  # attributes of the error are slow to read
    run = error.object[start:end]
    entry = _run_cache.get(run)
    if entry is None:
        if _MOJIBAKE.search(run):
            _local.mojibake = True
        entry = _fold_run(run)
    skeleton, folded = entry
    _local.runs.append((start, end, folded))
    return skeleton, end


# The runs recorded by the error handler (per thread: the handler is global to the process).
_local = threading.local()
_SKELETON_ERRORS = "classifier.text.skeleton"
codecs.register_error(_SKELETON_ERRORS, _skeleton_errors)


def _byte_table(mapping: Callable[[int], int]) -> bytes:
    return bytes(mapping(c) for c in range(256))


def _is_letter(c: int) -> bool:
    return 97 <= c <= 122


_ALNUM = _byte_table(lambda c: 1 if chr(c).isascii() and chr(c).isalnum() else 0)
# Views of the skeleton for cheap substring triggers (bytes.translate runs in C).
_DIGITS_AS_0 = bytes.maketrans(b"0123456789", b"0" * 10)
_LETTERS_ONLY = _byte_table(lambda c: c if _is_letter(c) else 32)

