"""Contact data (phones, e-mails, URLs, handles): found on a text skeleton, masked, extracted."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import NamedTuple

from classifier import _core
from classifier.text._fold import (
    _ALNUM,
    _DIGITS_AS_0,
    _LETTERS_ONLY,
    _byte_table,
    _is_letter,
    _repair_encoding,
    _skeleton,
)
from classifier.text._tokens import (
    EMAIL_TOKEN,
    HANDLE_TOKEN,
    PHONE_OBF_TOKEN,
    PHONE_TOKEN,
    URL_TOKEN,
    _Span,
)
from classifier.text._words import _NUMBER_WORD_TRIGGERS

# --------------------------------------------------------------------------------------------
# Contact data
# --------------------------------------------------------------------------------------------

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
# Words that may start a number written in words ("oh" alone is too common to start one).
_DIGIT_WORD_STARTS = frozenset(w.encode() for w in _DIGIT_WORDS if w != "oh")
# Letters that stand for digits inside a phone number: O for 0, l and I for 1.
_LETTER_DIGITS = {"o": "0", "l": "1", "i": "1"}
_WORD_ALT = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
# Separators inside an obscured number: blanks and punctuation, never "$" (prices) or newlines.
_SEP_CHARS = b"\x00\x01\t\x0b\x0c " + bytes(
    c for c in range(33, 127) if not chr(c).isalnum() and c != ord("$")
)
_SEP = b"[" + re.escape(_SEP_CHARS) + b"]{0,4}"
# Letters for digits may stand next to each other ("5OO1"), never inside a word ("pool",
# "0143license", "0143l\u200bandline": invisible marks are "\x00" in the skeleton) nor in
# spaced-out letters ("140 l*b*s").
_TOKEN = (
    rb"(?:0|(?<![a-z])(?:" + _WORD_ALT.encode() + rb")(?![a-z])"
    rb"|(?<![a-hjkmnp-z])[oli](?=[oli]*(?!\x00*[a-z]))(?![*._~+/|-][a-hjkmnp-z]))"
)
# Runs of at least 7 digit tokens, matched on the skeleton with every digit mapped to "0" so
# that the scan jumps from one "0" to the next.
_PHONE_RUN_DIGIT = re.compile(rb"0(?<!00)(?:" + _SEP + _TOKEN + rb"){6,}")
_PHONE_RUN_WORD = re.compile(
    rb"(?<![a-z])(?:" + _WORD_ALT.encode() + rb")(?![a-z])(?:" + _SEP + _TOKEN + rb"){6,}"
)
_PHONE_TOKEN_RX = re.compile(rb"[0-9]|" + _WORD_ALT.encode() + rb"|[oli]")
_TOKEN_DIGIT = {w.encode(): d for w, d in {**_DIGIT_WORDS, **_LETTER_DIGITS}.items()}
_TOKEN_DIGIT.update({str(d).encode(): str(d) for d in range(10)})
# Usual ways to write a North American number; anything else counts as obscured.
_PLAIN_PHONE = re.compile(
    r"(?:1(?:[ .-]|\s?\(|)?)?"
    r"(?:[0-9]{3}(?P<s>[ .-]?)[0-9]{3}(?P=s)[0-9]{4}"
    r"|[0-9]{3}\)?\s?-?\s?[0-9]{3}\s?-\s?[0-9]{4}"
    r"|[0-9]{3}\)[ -]?[0-9]{3}[ .-]?[0-9]{4}"
    r"|[0-9]{3}[-.]?[0-9]{7})"
)
_PLAIN_PHONE_BYTES = re.compile(_PLAIN_PHONE.pattern.replace(r"\s", " ").encode())
_PLAIN_LOCAL = re.compile(r"[0-9]{3}[-. ][0-9]{4}")
_NOT_DIGITS = bytes(c for c in range(256) if not 48 <= c <= 57)
_NOT_LETTERS = bytes(c for c in range(256) if not 97 <= c <= 122)
_DIGITS_ONLY = bytes(c if 48 <= c <= 57 else 32 for c in range(256))
# Digit-group sizes of a number written with digits only; others ("150/30 200/60") are prices.
_DIGIT_GROUPINGS = {(10,), (11,), (3, 7), (3, 3, 4), (6, 4), (3, 3, 2, 2), (1, 3, 3, 4)}
_LONG_NUMBER = b"0" * 7
_PHONE_CHARS = _byte_table(lambda c: ord("0") if c in _SEP_CHARS or c in b"0123456789oli" else 32)

# A common top-level domain may have the next word glued to it ("gmail.comtext me").
_EMAIL_DOMAIN = re.compile(
    rb" ?([a-z0-9-]+(?:\.[a-z0-9-]+)*?\.(?:com|net|org|ca|co|me|io|info|biz|us|uk)"
    rb"(?!-|\.[a-z0-9])|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![a-z0-9-]))"
)
_EMAIL_LOCAL = _byte_table(lambda c: 1 if c in b"abcdefghijklmnopqrstuvwxyz0123456789._%+-" else 0)
_HANDLE_NAME = re.compile(rb"[a-z_][a-z0-9_.]{1,29}")
_MAIL_HOSTS = (b"gmail", b"hotmail", b"yahoo", b"outlook", b"icloud", b"protonmail", b"proton",
               b"live", b"aol", b"ymail", b"msn")  # fmt: skip
_EMAIL_SPELLED = re.compile(
    rb"(?<![a-z0-9._%+-])(?P<user>[a-z0-9][a-z0-9._%+-]*)\s*"
    rb"(?:[\(\[\{<]\s*at\s*[\)\]\}>]|\s+at\s+(?=(?:" + b"|".join(_MAIL_HOSTS) + rb")\b))\s*"
    rb"(?P<host>[a-z0-9-]+)\s*(?:[\(\[\{<]\s*dot\s*[\)\]\}>]|\s+dot\s+|\.)\s*"
    rb"(?P<tld>com|ca|net|org|me|io|co)\b"
)
_TLDS = rb"com|ca|net|org|cc|me|co|io|ly|xxx|tv|info|biz|us|uk|link|site|online|club|app"
# A phone number may follow with no blank: "name.com5875550143".
_TLD = re.compile(rb"\.(?:" + _TLDS + rb")(?![a-z])")
# A domain written to dodge link filters: "name .com", "name(.)com", "name dot com". The
# separator and top-level domain, matched from each blank or bracket before "." or "dot".
_SPELLED_TLD = re.compile(
    rb"(?: \.|[(\[]\.[)\]]| dot |[(\[]dot[)\]])(?:com|net|org|ca)(?![a-z0-9])"
)
# The whole domain, as a regular expression: the reference :func:`_spelled_domains` follows.
_DOMAIN_SPELLED = re.compile(rb"[a-z0-9][a-z0-9-]*" + _SPELLED_TLD.pattern)
_DOMAIN_NAME_CHAR = _byte_table(lambda c: 1 if c in b"abcdefghijklmnopqrstuvwxyz0123456789-" else 0)
# Possible characters after the "." of a spelled domain's separator (com, net, org, ca, ")").
_TLD_AFTER_DOT = frozenset((b"c", b"n", b"o", b")", b"]"))
# Brackets read as blanks, so that two finds locate every separator of a spelled domain.
_BRACKETS_AS_BLANKS = bytes.maketrans(b"([", b"  ")
_DOMAIN_CHAR = _byte_table(lambda c: 1 if c in b"abcdefghijklmnopqrstuvwxyz0123456789.-" else 0)
_URL_PATH = re.compile(rb"/[a-z0-9\-._~/?#=&%]*")
# No brackets: a phone number often follows a URL with no blank ("/mia(587) 555-0143").
_URL_TAIL = rb"[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+"
_HTTP = re.compile(rb"https?:/+" + _URL_TAIL)
_WWW = re.compile(rb"www\. ?" + _URL_TAIL)
_HANDLE_KEYWORDS = frozenset(
    (b"snap", b"snapchat", b"sc", b"kik", b"ig", b"insta", b"instagram", b"twitter",
     b"telegram", b"tg", b"wechat", b"wickr", b"skype", b"tiktok")
)  # fmt: skip
_KEYWORD_HANDLE = re.compile(
    rb"[a-z]+\s*(?:id|name)?\s*(?:[:=;]+|-+|\bis\b)\s*@?(?P<name>[a-z0-9_][a-z0-9_.-]{2,29})"
)
# Words that follow "snap:" or "kik:" without being a user name.
# Every word that makes :func:`_analyse` or :func:`_normalize_words` run a rule.
_TRIGGER_WORDS = _HANDLE_KEYWORDS | _DIGIT_WORD_STARTS | _NUMBER_WORD_TRIGGERS | {b"at", b"dot"}

_NOT_HANDLES = frozenset(
    (b"me", b"only", b"is", b"available", b"text", b"call", b"dm", b"message", b"ask", b"same",
     b"add", b"follow", b"my", b"for", b"and", b"or", b"the", b"too", b"also", b"premium",
     b"yes", b"no")
)  # fmt: skip

# Priorities when spans overlap: an e-mail contains a domain, a URL may contain a handle.
_EMAIL_RANK, _URL_RANK, _HANDLE_RANK, _PHONE_RANK = range(4)


def _find_all(haystack: bytes, needle: bytes) -> Iterable[int]:
    start = haystack.find(needle)
    while start >= 0:
        yield start
        start = haystack.find(needle, start + 1)


def _phone_spans(sb: bytes, digits: bytes, words: frozenset[bytes], text: str) -> list[_Span]:
    """Find phone numbers, plain or obscured, in the skeleton bytes ``sb`` of ``text``."""
    starts = _DIGIT_WORD_STARTS & words
    if starts:
        # Digit words may stand anywhere in a number ("5 8 7 5 5 four 0 1 4 3").
        runs = [m.span() for m in _PHONE_RUN_DIGIT.finditer(digits)]
        for word in starts:
            for start in _find_all(sb, word):
                m = _PHONE_RUN_WORD.match(digits, start)
                if m:
                    runs.append((_digits_before(digits, start), m.end()))
        runs.sort()
    else:
        # Only stretches of seven or more digits, O, l, I and separators can hold a number;
        # scanning just those skips the prices and times of the rest of the ad.
        runs = []
        stretches = sb.translate(_PHONE_CHARS)
        pos = stretches.find(b"0000000")
        while pos >= 0:
            start = stretches.rfind(b" ", 0, pos) + 1
            end = stretches.find(b" ", pos)
            end = len(sb) if end < 0 else end
            # One character more, so that look-aheads see the letter after "0143li".
            runs += [m.span() for m in _PHONE_RUN_DIGIT.finditer(digits, start, end + 1)]
            pos = stretches.find(b"0000000", end)
    spans: list[_Span] = []
    merged: list[list[int]] = []
    for start, end in runs:  # a run in words may contain one that starts at a digit
        start = _letters_before(sb, start)
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        span = _digits_only_phone(sb, digits, start, end, text)
        if span:
            spans.append(span)
            continue
        groups = _token_groups(sb, start, end, text)
        if not groups:
            continue
        first = groups[0][0]
        if first[2] == "0" or (first[0] > 0 and sb[first[0] - 1] == 43):  # 43: "+"
            # A trunk "0" or a "+" first: no North American number ("0 2 0 7 9 4 ...").
            spans += _international_phones(groups, sb, text) or _phones_in_groups(
                groups, sb, text
            )
            continue
        found = _phones_in_groups(groups, sb, text)
        if not any(key for *_, key in found):
            found = _international_phones(groups, sb, text) or found
        spans += found
    return spans


# Countries whose national numbers start with a trunk "0" ("020 7946 0958"), tried in this
# order when the written grouping matches none of their usual formats, with the lengths of
# their national numbers (trunk "0" included): other lengths are not parsed (parsing costs
# tens of microseconds, and lists of times and prices reach here).
_TRUNK_REGIONS = {"GB": (10, 11), "FR": (10,), "AU": (10,), "DE": tuple(range(7, 15))}
_NATIONAL_SEPARATORS = str.maketrans("()-+", "    ")


def _international_phones(groups: list, sb: bytes, text: str) -> list[_Span]:
    """Numbers outside North America: after "+" or "00", with a trunk "0", or Mexican.

    Keys are E.164 ("phone:+442079460958"), the same for the national and the international
    spelling of a number. Runs that cannot hold one (no "+" or "0" at a group start, and not
    the Mexican "55 1234 5678" grouping) return at once: North American numbers and prices
    never reach the parser. From each possible start, the longest number written in its
    country's usual grouping wins, else the longest valid one (spaced digits tell no
    grouping); a number spans no "," "/" or ";" ("02 9374 4000 / +61 2 9374 4000" is two).
    """
    sizes = [len(g) for g in groups]
    starts = [
        i for i, g in enumerate(groups)
        if g[0][2] == "0" or (g[0][0] > 0 and sb[g[0][0] - 1] == 43)  # 43: "+"
    ]  # fmt: skip
    mexican = [i for i in range(len(groups) - 2) if sizes[i : i + 3] == [2, 4, 4]]
    if not starts and not mexican:
        return []
    import phonenumbers  # only here: its import costs ~50 ms and most ads never need it

    for i in sorted({*starts, *mexican}):
        found = None
        for j in range(i, len(groups)):
            if j > i and sb[groups[j - 1][-1][1] : groups[j][0][0]].strip(b" .-()"):
                break  # "," "/" ";" ":" between two groups: a list or a time, not one number
            digits = "".join(item[2] for group in groups[i : j + 1] for item in group)
            if len(digits) > 15:
                break
            if len(digits) < 7:
                continue
            number, usual = _parse_phone(phonenumbers, digits, sizes[i : j + 1], groups[i], sb)
            if number and (usual or not (found and found[2])):
                found = (j, number, usual)
        if found:
            j, number, usual = found
            start, end = groups[i][0][0], groups[j][-1][1]
            plain = usual and all(_is_digit_token(t) for g in groups[i : j + 1] for t in g)
            rest = _international_phones(groups[j + 1 :], sb, text)
            return [(start, end, PHONE_TOKEN if plain else PHONE_OBF_TOKEN, number), *rest]
    return []


def _parse_phone(
    phonenumbers, digits: str, sizes: list[int], first: list, sb: bytes
) -> tuple[str | None, bool]:
    """Return the key of a non-North-American number (or None), and whether it is written
    in the usual grouping of its country."""
    fmt = phonenumbers.PhoneNumberFormat
    plus = first[0][0] > 0 and sb[first[0][0] - 1] == 43
    if plus or digits.startswith("00"):
        international = "+" + (digits if plus else digits[2:])
        if international.startswith("+1") or len(international) < 9:
            return None, False  # North American: read by the rules above, keys without "+1"
        try:
            number = phonenumbers.parse(international, None)
        except phonenumbers.NumberParseException:
            return None, False
        if not phonenumbers.is_valid_number(number):
            return None, False
        written = phonenumbers.format_number(number, fmt.INTERNATIONAL)
        usual = _group_sizes(written) == (sizes if plus else [sizes[0] - 2, *sizes[1:]])
        return "phone:" + phonenumbers.format_number(number, fmt.E164), usual
    fallback = None
    regions = _TRUNK_REGIONS if digits[0] == "0" else {"MX": (10,)}
    for region, lengths in regions.items():
        if len(digits) not in lengths:
            continue
        number = phonenumbers.parse(digits, region)
        if not phonenumbers.is_valid_number(number):
            continue
        key = "phone:" + phonenumbers.format_number(number, fmt.E164)
        if _group_sizes(phonenumbers.format_number(number, fmt.NATIONAL)) == sizes:
            return key, True
        fallback = fallback or key
    return fallback, False


def _group_sizes(formatted: str) -> list[int]:
    """Digit-group sizes of a number as phonenumbers formats it ("(02) 9374 4000": 2, 4, 4)."""
    return [len(part) for part in formatted.translate(_NATIONAL_SEPARATORS).split()]


def _letters_before(sb: bytes, start: int) -> int:
    """Move a run's start back over letters for digits before its first digit ("Ol 23 45")."""
    pos = start
    while pos > 0 and start - pos < 4 and sb[pos - 1] in _SEP_CHARS:
        pos -= 1
    first = pos
    while first > 0 and sb[first - 1] in b"oli":
        first -= 1
    if first == pos or (first > 0 and _is_letter(sb[first - 1])):
        return start  # no letters, or the end of a word ("hello 587 ...")
    return first


def _token_groups(sb: bytes, start: int, end: int, text: str) -> list:
    """Split a run into groups of digit tokens written without a separator between them.

    Each group is a list of ``(start, end, digit, is_letter)`` tokens: "587", "five", "5o7".
    """
    groups: list[list[tuple[int, int, str, bool]]] = []
    last_end = -1
    for tok in _PHONE_TOKEN_RX.finditer(sb, start, end):
        word = tok.group()
        item = (tok.start(), tok.end(), _TOKEN_DIGIT[word], len(word) == 1 and word > b"9")
        if tok.start() == last_end:
            groups[-1].append(item)
        else:
            groups.append([item])
        last_end = tok.end()
    for k, group in enumerate(groups):
        # "...0143i travel": the pronoun glued after a number, not a 1 ("...014I").
        if len(group) > 1 and text[group[-1][0]] == "i" and not group[-2][3]:
            groups[k : k + 1] = [group[:-1], group[-1:]]
    return groups


def _digits_before(digits: bytes, start: int) -> int:
    """Move ``start`` back over the digits written before a digit word ("5 8 seven ...")."""
    for _ in range(11):
        pos = start
        while pos > start - 4 and pos > 0 and digits[pos - 1] in _SEP_CHARS:
            pos -= 1
        if pos == start or pos == 0 or digits[pos - 1] != 48:
            return start
        start = pos - 1
        while start > 0 and digits[start - 1] == 48:
            start -= 1
    return start


def _digits_only_phone(sb: bytes, digits: bytes, start: int, end: int, text: str) -> _Span | None:
    """Read a run written with digits and separators only; most runs are, and need no parse."""
    if _PLAIN_PHONE_BYTES.fullmatch(sb, start, end):
        number = sb[start:end].translate(None, _NOT_DIGITS).decode()
        token = PHONE_TOKEN if text[start:end].isascii() else PHONE_OBF_TOKEN
        return start, end, token, f"phone:{number[-10:]}"
    last_digit = digits.rfind(b"0", start, end) + 1
    # Letters among the digits are digit words or letters for digits, parsed token by token;
    # a lone letter after the last digit ("... 0143 i") is not part of the number.
    if (
        sb[start:last_digit].translate(None, _NOT_LETTERS)
        or len(sb[last_digit:end].translate(None, _NOT_LETTERS)) > 1
    ):
        return None
    end = last_digit
    segment = sb[start:end]
    number = segment.translate(None, _NOT_DIGITS)
    # North American area codes start with 2-9 ("0 2 5 5 ..." is a number of another country).
    if not (
        (len(number) == 10 and number[0] > 49)
        or (len(number) == 11 and number[0] == 49 and number[1] > 49)
    ):
        return None
    sizes = tuple(map(len, segment.translate(_DIGITS_ONLY).split()))
    if min(sizes) >= 2 and sizes not in _DIGIT_GROUPINGS:
        return None
    token = PHONE_TOKEN if _PLAIN_PHONE.fullmatch(text, start, end) else PHONE_OBF_TOKEN
    return start, end, token, f"phone:{number[-10:].decode()}"


def _phones_in_groups(groups: list, sb: bytes, text: str) -> list[_Span]:
    """Pick phone numbers among the digit groups of one run.

    Every group can start a candidate number. Overlapping candidates are ranked by how uniform
    their separators are, then by whether they mix multi-digit groups with single digits, so
    that a stray number before an obscured phone ("24/7 5 8 7 ...", "suite 5 (5 8 7 ...",
    "22 five eight ...") is left out of it.
    """
    candidates = _phone_candidates(groups, sb)
    if not candidates and len(groups) >= 3:
        # Digits glued before an area code ("5'6587 555 0143": a height, then the phone), in
        # three groups at least (tested first: most runs here are short prices and times).
        sizes = [len(g) if all(_is_digit_token(t) for t in g) else 0 for g in groups]
        for i in range(len(groups) - 2):
            if sizes[i] >= 4 and sizes[i + 1] == 3 and sizes[i + 2] == 4:
                groups = [*groups[:i], groups[i][:-3], groups[i][-3:], *groups[i + 1 :]]
                candidates = _phone_candidates(groups, sb)
                break
    spans: list[_Span] = []
    used = [False] * len(groups)
    for *_, i, j in candidates:
        if any(used[i : j + 1]):
            continue
        used[i : j + 1] = [True] * (j + 1 - i)
        digits = "".join(item[2] for group in groups[i : j + 1] for item in group)
        start, end = groups[i][0][0], groups[j][-1][1]
        token = PHONE_TOKEN if _PLAIN_PHONE.fullmatch(text, start, end) else PHONE_OBF_TOKEN
        spans.append((start, end, token, f"phone:{digits[-10:]}"))
    return spans + _unmatched_numbers(groups, used, sb, text)


def _phone_candidates(groups: list, sb: bytes) -> list[tuple]:
    """Rank the candidate numbers of a run (see :func:`_phones_in_groups`)."""
    sizes = [len(g) for g in groups]
    left = sum(sizes)  # tokens in groups[i:], for the start i tried next
    if left < 10:
        return []  # too few digits for any number (most runs here are prices and times)
    seps = [sb[groups[k][-1][1] : groups[k + 1][0][0]] for k in range(len(groups) - 1)]
    # Computed once for all the windows tried: whether each group is digits only (its tokens
    # touch, so its text tells) and whether each separator ends a number.
    digit_only = [sb[g[0][0] : g[-1][1]].isdigit() for g in groups]
    breaks = [b"," in sep or b";" in sep for sep in seps]
    candidates = []
    for i in range(len(groups)):
        if left < 10:
            break  # no number starts here or later
        left -= sizes[i]
        j = _phone_window(groups, sizes, digit_only, breaks, i, sb)
        if j is not None:
            window = range(i, j + 1)
            multi = any(sizes[k] >= 2 and digit_only[k] for k in window)
            mixed = multi and 1 in sizes[i : j + 1]
            inner = seps[i:j]
            # Cutting a blank-free join ("24/7" in "24/7 5 8 7 ...") from a number written
            # with blanks splits a word in two.
            spaced = bool(inner) and all(b" " in sep for sep in inner)
            cuts = spaced and (
                (i > 0 and b" " not in seps[i - 1]) or (j < len(seps) and b" " not in seps[j])
            )
            candidates.append((len(set(inner)), cuts, mixed, i, j))
    candidates.sort()
    return candidates


def _is_digit_token(item: tuple[int, int, str, bool]) -> bool:
    return item[1] - item[0] == 1 and not item[3]


def _phone_window(
    groups: list, sizes: list[int], digit_only: list[bool], breaks: list[bool], i: int, sb: bytes
) -> int | None:
    """Return the last group of a phone number starting at group ``i``, if there is one.

    ``sizes``, ``digit_only`` and ``breaks`` are those of :func:`_phone_candidates`.
    """
    first = groups[i]
    # A number neither starts nor ends with a lone letter ("I", "o"), nor starts inside a
    # word written in leetspeak ("c4ll", "an4l").
    if sizes[i] == 1 and first[0][3]:
        return None
    if first[0][0] > 0 and _is_letter(sb[first[0][0] - 1]) and any(item[3] for item in first):
        return None
    total = 0
    for j in range(i, len(groups)):
        if j > i and breaks[j - 1]:
            return None  # a list of prices or times, not one number
        total += sizes[j]
        if total > 11:
            return None
        if total < 10 or (sizes[j] == 1 and groups[j][0][3]):
            continue  # too few digits yet (checked first: the window tests cost more)
        # North American numbers: an area code never starts with 0 or 1, a leading 1 is the
        # country code ("1 5 8 7 ..." is eleven digits, not ten).
        first_digit = first[0][2]
        if total == 10 and first_digit in "01":
            continue
        if total == 11 and not (first_digit == "1" and _second_digit(groups, i) not in "01"):
            continue
        # A window of digits only, in groups of two or more, counts in a usual grouping only.
        window_sizes = tuple(sizes[i : j + 1])
        if min(window_sizes) < 2 or not all(digit_only[i : j + 1]):
            return j
        if window_sizes in _DIGIT_GROUPINGS:
            return j
    return None


def _second_digit(groups: list, i: int) -> str:
    """Return the second digit of a number starting at group ``i`` (it has two or more)."""
    return groups[i][1][2] if len(groups[i]) > 1 else groups[i + 1][0][2]


_LIST_SEPARATORS = frozenset(b"/:,;")


def _unmatched_numbers(groups: list, used: list[bool], sb: bytes, text: str) -> list[_Span]:
    """Mask 7-digit local numbers and long obscured digit runs that form no 10-digit number."""
    spans: list[_Span] = []
    for is_used, run in itertools.groupby(range(len(groups)), key=used.__getitem__):
        if is_used:
            continue
        indices = list(run)
        first, last = indices[0], indices[-1]
        sizes = tuple(map(len, groups[first : last + 1]))
        start, end = groups[first][0][0], groups[last][-1][1]
        if sizes == (3, 4) and _PLAIN_LOCAL.fullmatch(text, start, end):
            if start == 0 or sb[start - 1] != ord("$"):
                spans.append((start, end, PHONE_TOKEN, None))
        elif sum(sizes) >= 7 and 2 * sizes.count(1) >= len(sizes):
            # Spaced single digits that do not add up to a valid number are still personal data.
            spans.append((start, end, PHONE_OBF_TOKEN, None))
        elif sum(sizes) >= 7 and max(sizes) >= 4 and not _LIST_SEPARATORS.intersection(
            sb[start:end]
        ):
            # A mistyped number ("250-334-79101") or one of unknown format: personal data
            # too. Lists of prices and times have groups of three digits at most, dates and
            # lists a "/", ":" or ",".
            spans.append((start, end, PHONE_TOKEN, None))
    return spans


def _at_spans(sb: bytes) -> list[tuple[int, int, int, str, str]]:
    """E-mail addresses and ``@handles``, found from each "@"."""
    found = []
    for at in _find_all(sb, b"@"):
        domain = _EMAIL_DOMAIN.match(sb, at + 1)
        stop = at - 1 if at > 0 and sb[at - 1] == 32 else at  # "name @gmail.com"
        start = stop
        while start > 0 and _EMAIL_LOCAL[sb[start - 1]]:
            start -= 1
        while start < stop and not _ALNUM[sb[start]]:
            start += 1
        start = _skip_glued_phone(sb, start, stop)
        if domain and start < stop:
            address = sb[start:stop] + b"@" + domain.group(1)
            found.append((_EMAIL_RANK, start, domain.end(1), EMAIL_TOKEN,
                          "email:" + address.decode()))  # fmt: skip
        else:
            # "@mia", and "mia22@mia_x": a handle glued after a user name that ends with a
            # digit or "_" ("me@home" is no handle, "mia22@gmail" a broken e-mail).
            name = _HANDLE_NAME.match(sb, at + 1)
            glued = at > 0 and _EMAIL_LOCAL[sb[at - 1]]
            # "@five eight seven ...": a number in words after "at", not a user name.
            if (
                name
                and name.group().decode() not in _DIGIT_WORDS
                and (not glued or (sb[at - 1] in b"0123456789_"
                                   and not name.group().startswith(_MAIL_HOSTS)))
            ):
                name_text = name.group().rstrip(b".")
                found.append((_HANDLE_RANK, at, at + 1 + len(name_text), HANDLE_TOKEN,
                              "handle:" + name_text.decode()))  # fmt: skip
    return found


def _skip_glued_phone(sb: bytes, start: int, stop: int) -> int:
    """Move the start of an e-mail's user name past a phone number glued before it."""
    pos, n_digits = start, 0
    while pos < stop and sb[pos] in b"0123456789().+- ":
        n_digits += 48 <= sb[pos] <= 57
        pos += 1
    if n_digits < 10 or pos == stop:  # "123mia@..." is a user name
        return start
    while pos < stop and not _ALNUM[sb[pos]]:
        pos += 1
    return pos


def _url_spans(sb: bytes, dot_word: bool = True) -> list[tuple[int, int, int, str, None]]:
    """Web addresses in ``sb``; ``dot_word`` tells whether "dot" occurs as a word."""
    found = []
    # A URL with "http" has a ":", found with memchr: faster than a search for "http".
    for rx, guard, needle in ((_HTTP, b":", b"http"), (_WWW, b"w", b"www")):
        if guard in sb and needle in sb:
            for m in rx.finditer(sb):
                url = m.group().rstrip(b".,;:!?)]'\"")
                found.append((_URL_RANK, m.start(), m.start() + len(url), URL_TOKEN, None))
    for start, end in _spelled_domains(sb, dot_word):
        found.append((_URL_RANK, start, end, URL_TOKEN, None))
    for m in _TLD.finditer(sb):
        # A bare domain ("example.com/name"): walk back to its first character.
        start = m.start()
        while start > 0 and _DOMAIN_CHAR[sb[start - 1]]:
            start -= 1
        while start < m.start() and not _ALNUM[sb[start]]:
            start += 1
        if start == m.start() or (start > 0 and sb[start - 1] == ord("_")):
            continue
        path = _URL_PATH.match(sb, m.end())
        found.append((_URL_RANK, start, path.end() if path else m.end(), URL_TOKEN, None))
    return found


def _spelled_domains(sb: bytes, dot_word: bool = True) -> list[tuple[int, int]]:
    """Return the spans of ``_DOMAIN_SPELLED.finditer(sb)`` without scanning all of ``sb``.

    A regular-expression scan costs tens of microseconds and the trigger " ." is common (a
    blank before a full stop); the separators are found with ``bytes.find`` instead, and the
    name before each is walked back over, no further than the end of the previous match.
    With ``dot_word`` false ("dot" is no word of ``sb``: a separator " dot " or "(dot)" has
    it as one), only the separators with a "." are looked for.
    """
    view = sb.translate(_BRACKETS_AS_BLANKS)
    seps = [*_find_all(view, b" ."), *(_find_all(view, b" dot") if dot_word else ())]
    if not seps:
        return []
    seps.sort()
    spans = []
    last_end = 0
    for sep in seps:
        # After " ." comes the first letter of the domain, or the ")" of "(.)": a cheap test
        # before the regular expression, as most " ." are a blank before a full stop.
        if sep < last_end or (sb[sep + 1] == 46 and sb[sep + 2 : sep + 3] not in _TLD_AFTER_DOT):
            continue
        tail = _SPELLED_TLD.match(sb, sep)
        if not tail:
            continue
        start = sep
        while start > last_end and _DOMAIN_NAME_CHAR[sb[start - 1]]:
            start -= 1
        while start < sep and sb[start] == 45:  # a name starts with a letter or digit, not "-"
            start += 1
        if start < sep:
            spans.append((start, tail.end()))
            last_end = tail.end()
    return spans


def _keyword_handle_spans(
    sb: bytes, words: frozenset[bytes]
) -> list[tuple[int, int, int, str, str]]:
    found = []
    for keyword in _HANDLE_KEYWORDS & words:
        for start in _find_all(sb, keyword):
            if start > 0 and _is_letter(sb[start - 1]):
                continue
            m = _KEYWORD_HANDLE.match(sb, start)
            if not m or m.end() - m.start() > 60:
                continue
            name = m.group("name").rstrip(b".-")
            if name not in _NOT_HANDLES and not name.isdigit():
                found.append((_HANDLE_RANK, m.start("name"), m.start("name") + len(name),
                              HANDLE_TOKEN, "handle:" + name.decode()))  # fmt: skip
    return found


class _Analysis(NamedTuple):
    """What :func:`_analyse` finds in one ad."""

    text: str  # the ad with no-break spaces and curly apostrophes made ASCII (same length)
    skeleton: str
    runs: list[tuple[int, int, str]]  # (start, end, folded text) of each non-ASCII run
    spans: list[_Span]  # contact data, sorted and non-overlapping
    words: frozenset[bytes]  # the words of the ad that trigger a rule


def _analyse(text: str) -> _Analysis:
    """Compute the skeleton of ``text`` and find its contact data.

    The compiled core computes it where it can; it declines (None) texts it cannot analyse
    exactly as :func:`_analyse_py` (lone surrogates), which then runs; mojibake it repairs
    with the same ftfy call.
    """
    core = _core.CORE
    if core is not None:
        found = core.analyse(text)
        if found is not None:
            return tuple.__new__(_Analysis, found)
    return _analyse_py(text)


def _analyse_py(text: str) -> _Analysis:
    """:func:`_analyse` in Python: the reference."""
    text, skel, runs = _skeleton(text)
    sb = skel.encode("ascii")
    words = _TRIGGER_WORDS.intersection(sb.translate(_LETTERS_ONLY).split())
    digits = sb.translate(_DIGITS_AS_0)
    found: list[tuple[int, int, int, str, str | None]] = []
    if b"@" in sb:
        found += _at_spans(sb)
    if b"at" in words and (b"dot" in words or b"(at)" in sb or b"[at]" in sb):
        for m in _EMAIL_SPELLED.finditer(sb):
            key = b"email:%s@%s.%s" % (m.group("user"), m.group("host"), m.group("tld"))
            found.append((_EMAIL_RANK, m.start(), m.end(), EMAIL_TOKEN, key.decode()))
    if b"." in sb or b"dot" in sb:
        found += _url_spans(sb, b"dot" in words)
    if not words.isdisjoint(_HANDLE_KEYWORDS):
        found += _keyword_handle_spans(sb, words)
    if b"0" in digits or not words.isdisjoint(_DIGIT_WORD_STARTS):
        for start, end, token, key in _phone_spans(sb, digits, words, text):
            # The span takes an opening bracket or plus sign: "(587) 555-0143", "+1 587 ...".
            while start > 0 and sb[start - 1] in b"(+":
                start -= 1
            found.append((_PHONE_RANK, start, end, token, key))
        # Last guard for privacy: no long digit run may reach a model's vocabulary.
        for start in _find_all(digits, _LONG_NUMBER) if _LONG_NUMBER in digits else ():
            if start == 0 or digits[start - 1] != 48:
                end = start + len(_LONG_NUMBER)
                while end < len(digits) and digits[end] == 48:
                    end += 1
                found.append((_PHONE_RANK + 1, start, end, PHONE_TOKEN, None))
    spans: list[_Span] = []
    if len(found) == 1:  # the usual single phone number: nothing to rank or merge
        spans.append(found[0][1:])
    elif found:
        found.sort()
        for rank, start, end, token, key in found:
            if rank == _URL_RANK:
                # A web address glued to an e-mail or another address ("...@gmail.comonly
                # fans.com/mia"): keep the part outside it.
                for s, e, _, _ in spans:
                    if s <= start < e < end:
                        start = e
                    elif start < s < end <= e:
                        end = s
            if all(end <= s or start >= e for s, e, _, _ in spans):
                spans.append((start, end, token, key))
        spans.sort()
    if found:
        for k, (start, end, token, key) in enumerate(spans):
            # A span also takes the invisible marks after it (the keycap of "3️⃣").
            while end < len(sb) and sb[end] == 0:
                end += 1
            spans[k] = (start, end, token, key)
    # tuple.__new__ skips the namedtuple's Python-level constructor (hot path).
    return tuple.__new__(_Analysis, (text, skel, runs, spans, words))


def _replace_spans(text: str, spans: list[_Span]) -> str:
    """Replace each span by its token, adding blanks only where the token would touch a word."""
    if not spans:
        return text
    parts = []
    pos = 0
    for start, end, token, _ in spans:
        parts.append(text[pos:start])
        # "@" and "$" count as letters: the word rules read them as "a" and "s" ("c@xurlx").
        left = " " if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "@$") else ""
        right = " " if end < len(text) and (text[end].isalnum() or text[end] in "@$") else ""
        parts.append(f"{left}{token}{right}")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def mask_contacts(text: str) -> str:
    """Replace phone numbers, e-mails, URLs and social handles with placeholder tokens.

    Everything else, case included, is kept, so the result can be shown to a reviewer.

    Parameters
    ----------
    text : str
        Ad text.

    Returns
    -------
    str
        ``text`` with each contact replaced by :data:`PHONE_TOKEN`, :data:`PHONE_OBF_TOKEN`
        (a number written to evade scrapers), :data:`EMAIL_TOKEN`, :data:`URL_TOKEN` or
        :data:`HANDLE_TOKEN`.

    Examples
    --------
    >>> mask_contacts("Call Mia 587-555-0143 or mia@example.com")
    'Call Mia xphonex or xemailx'
    >>> mask_contacts("text five 8 seven 5 five 5 zero one 4 three")
    'text xphoneobfx'
    """
    # Spans index the text with its mojibake repaired (the repair changes its length).
    text = _repair_encoding(text)
    return _replace_spans(text, _analyse(text).spans)


def extract_contacts(text: str) -> list[str]:
    """Return the canonical contact keys found in ``text``, to link ads of one vendor.

    Obscured phone numbers (spaced or dotted digits, digit words, ``O`` for 0 and ``l``/``I``
    for 1, fancy Unicode digits) give the same key as the plainly written number. Numbers
    outside North America (after "+" or "00", with a trunk "0" as in the UK, France,
    Australia and Germany, or in the Mexican "55 1234 5678" grouping) are read with
    ``phonenumbers``; their national and international spellings give one E.164 key.

    Parameters
    ----------
    text : str
        Ad text.

    Returns
    -------
    list of str
        Sorted unique keys: ``"phone:<10 digits>"`` (North America, as before),
        ``"phone:+<E.164 digits>"`` (other countries: ``"phone:+442079460958"``),
        ``"email:<address>"`` and ``"handle:<user name>"``, all lower-case.

    Examples
    --------
    >>> extract_contacts("587.555.0143 / five 8 seven 5 five 5 O l 4 3, Mia@Example.com")
    ['email:mia@example.com', 'phone:5875550143']
    >>> extract_contacts("020 7946 0958 or +44 20 7946 0958")
    ['phone:+442079460958']
    """
    return _contact_keys(_analyse(text))


def _contact_keys(found: _Analysis) -> list[str]:
    return sorted({key for *_, key in found.spans if key})

