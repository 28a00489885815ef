"""Trafficking-indicator features: named, lexicon-driven counts whose weights a model learns.

The lexicon lives in ``classifier/data/indicators.toml`` (one table per indicator, see the
comments at the top of that file). Indicators run on text already passed through
:func:`classifier.text.normalize_text`. They are evidence for a human reviewer and
inputs for a linear model, never verdicts: the only study with known case outcomes found
several popular "red flags" not predictive (see ``docs/field-notes.md``).

Besides one column per indicator, stated ages ("19 yrs", "age 20", "i am 21", "19yo",
"just turned 18") give five columns: whether an age is stated, the minimum stated age / 100,
and flags for a minimum stated age <= 18, <= 21 and < 23.

Speed matters (batch scoring of ~20,000 ads/s on two cores): all patterns, of every indicator
and of the stated ages, are compiled into one regular expression, scanned once per ad (see
"compiling" below for how it is kept fast)."""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.resources
import re
import tomllib
from dataclasses import dataclass
from itertools import pairwise, repeat
from pathlib import Path

import numpy as np

from classifier import _core
from classifier.features._core_regex import program, superset_regex
from classifier.features._csr import Rows
from classifier.features._regex import (
    _ASCII_NON_WORD,
    _LOOKAROUNDS,
    _ROOT_ATOMS,
    _expand,
    _non_word_class,
    _strip_lookarounds,
    _trie_regex,
)

__all__ = [
    "AGE_FEATURE_NAMES",
    "INDICATOR_NAMES",
    "extract_ages",
    "find_indicators",
    "indicator_feature_names",
    "indicator_rows",
    "indicators_from_features",
    "lexicon_sha256",
    "load_lexicon",
]

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_REQUIRED_KEYS = ("description", "source", "patterns")
_OPTIONAL_KEYS = ("category",)

#: Age columns appended after the indicator columns, in this order.
AGE_FEATURE_NAMES = (
    "age_stated",
    "age_min_scaled",
    "age_min_le_18",
    "age_min_le_21",
    "age_min_lt_23",
)
# The flags among AGE_FEATURE_NAMES: each holds when the minimum stated age is below the bound.
_AGE_FLAGS = (("age_min_le_18", 19), ("age_min_le_21", 22), ("age_min_lt_23", 23))
# Numbers outside this range next to "yrs" or "age" are sizes, prices or typos, not ages.
_AGE_RANGE = (12, 80)

# Stated ages, tried before the indicators so that "19 years old" is read as an age. Units are
# required ("yrs", "yo", "years old", "age", "i am") so that prices ("$200"), times ("24/7",
# "30 min"), heights and years of experience are not read as ages.
_AGE_PATTERNS = (
    # "19yo", "19 yrs", "19-25yro" (the lower bound), "30+ y/o", "20 y.o.", "26/yo"
    r"\d\d(?: ?(?:-|to) ?\d\d)?\+? ?[-/]?(?:yrs?|yo|yro|y ?/ ?o|y\.o\.?)(?:[ -]?(?:old|young))?"
    r"(?! ?(?:of )?(?:exp\w*|ago)| in (?:the|this) (?:business|industry|hobby))",
    # "19 years old", "19-year-old", "19 years young", "19 years of age"
    r"\d\d(?: ?(?:-|to) ?\d\d)?\+?[ -]?years?[ -]?(?:old|young|of age)",
    # "age 20", "aged: 20", "i am 21", "i'm 21"; not "age 18+", "i am 5'4", "i'm 25 min away"
    r"(?:age|aged|age is|i am|i'm|im|iam) ?[:=-]? ?\d\d"
    r"""(?![\d'"+%$/]| ?(?:ft|feet|cm|lbs?|kg|min|mins|minutes|hrs?|hours?|dollars|inch"""
    r"|or (?:older|over|above)|and (?:up|over|older|above)))",
    # "22 age" (a common word order in these ads)
    r"\d\d ?age",
    # "just turned 18" ("just turned" itself is youth language)
    r"\d\d(?<=turned \d\d)",
)
_TWO_DIGITS = re.compile(r"\d\d")


def _lexicon_text(path: str | Path | None) -> str:
    if path is None:
        return (
            importlib.resources.files("classifier")
            .joinpath("data", "indicators.toml")
            .read_text(encoding="utf-8")
        )
    return Path(path).read_text(encoding="utf-8")


def _validate(lexicon: dict, origin: str) -> None:
    if not lexicon:
        raise ValueError(f"{origin}: the lexicon defines no indicator")
    for name, table in lexicon.items():
        where = f"{origin}: [{name}]"
        if not isinstance(table, dict):
            raise ValueError(f"{where} must be a table")
        if not _NAME.fullmatch(name):
            raise ValueError(f"{where}: names must be lower_snake_case")
        if name in AGE_FEATURE_NAMES:
            raise ValueError(f"{where}: the name is reserved for an age feature")
        unknown = set(table) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        for key in _REQUIRED_KEYS:
            if key not in table:
                raise ValueError(f"{where}: missing {key!r}")
        for key in ("description", "source", *_OPTIONAL_KEYS):
            if key in table and not (isinstance(table[key], str) and table[key].strip()):
                raise ValueError(f"{where}: {key!r} must be a non-empty string")
        patterns = table["patterns"]
        if not (isinstance(patterns, list) and patterns):
            raise ValueError(f"{where}: 'patterns' must be a non-empty list")
        for pattern in patterns:
            if not isinstance(pattern, str):
                raise ValueError(f"{where}: pattern {pattern!r} is not a string")
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
            # Matches are told apart by group numbers: inner groups would shift them.
            if compiled.groups:
                raise ValueError(f"{where}: pattern {pattern!r} has a capturing group; use (?:...)")
            # An empty match would fire at every position of every ad.
            if compiled.fullmatch(""):
                raise ValueError(f"{where}: pattern {pattern!r} matches the empty string")


def load_lexicon(path: str | Path | None = None) -> dict[str, dict]:
    """Read and validate an indicator lexicon.

    Parameters
    ----------
    path : str or Path, default=None
        A TOML file with one table per indicator. ``None`` reads the packaged
        ``classifier/data/indicators.toml``.

    Returns
    -------
    lexicon : dict
        ``{name: {"description": str, "source": str, "patterns": list[str],
        "category": str (optional)}}`` in file order, which is the feature order.

    Raises
    ------
    ValueError
        If a table lacks a required key, has an unknown key, or a pattern does not compile,
        has a capturing group or matches the empty string.
    """
    origin = "packaged indicators.toml" if path is None else str(path)
    return copy.deepcopy(_validated(_lexicon_text(path), origin))


@functools.lru_cache(maxsize=8)
def _validated(text: str, origin: str) -> dict[str, dict]:
    # Validating compiles every pattern: once per lexicon text (callers get copies).
    try:
        lexicon = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: {exc}") from exc
    _validate(lexicon, origin)
    return lexicon




@dataclass
class _Entry:
    atoms: list[str]
    rest: str
    column: int

    @functools.cached_property
    def context_free(self) -> bool:
        # Without look-arounds, whether the entry matches a span depends on the span alone.
        return not any(look in self.rest for look in _LOOKAROUNDS)

    @functools.cached_property
    def superset(self) -> re.Pattern:
        return re.compile("".join(self.atoms) + _strip_lookarounds(self.rest))


# Codes besides indicator columns: a stated age; a matched string whose indicator depends on
# the text around it; a string not cached yet; the separator between ads scanned together.
_AGE = -1
_IN_CONTEXT = -2
_MISS = -3
_SEPARATOR = -4
_MAX_CACHE = 200_000
# Ads are scanned in batches joined by this separator (one regex call per batch instead of per
# ad); the scanner matches it as " \x00". Two spaces: a pattern ending in " ?" may take one.
_AD_SEPARATOR = "  \x00 "
_SEPARATOR_MATCH = " \x00"
_BATCH = 512


class _Matcher:
    """One compiled lexicon: a fast scanner, and the indicator column of each matched string.

    Capture groups make every match cost time in proportion to the number of groups in the
    regex, so the scanner has none, and ``findall`` returns the matched strings. A string is
    named once, by a small regex holding the entries that can start with its first character
    (tried in the scanner's order, so it picks the same entry), then from a cache. A string
    that two indicators could match, depending on the text around it, is named in context.
    """

    def __init__(self, names: tuple[str, ...], entries: list[_Entry]) -> None:
        self.names = names
        entries = [*entries, _Entry([re.escape("\x00")], "", _SEPARATOR)]
        # The leading non-word character and (?!\w) keep every pattern to whole words; \w
        # includes "_" so that "emoji_cherry" does not fire inside "emoji_cherry_blossom".
        trie, order = _trie_regex([(e.atoms, e.rest, None) for e in entries], _ROOT_ATOMS)
        self._trie = trie
        # In the scanner's order, so that the per-character regexes try entries in that order.
        self._entries = [entries[i] for i in order]
        self._namers: dict[str, tuple[re.Pattern, tuple[int, ...], list[_Entry]]] = {}
        self._cache: dict[str, int] = {_SEPARATOR_MATCH: _SEPARATOR}

    @functools.cached_property
    def ascii_scanner(self) -> re.Pattern:
        """The scanner for pure-ASCII text (most ads): a small class is exact and tested
        faster. Compiled when first needed: the compiled core scans without it."""
        try:
            return re.compile(f"{_ASCII_NON_WORD}(?:{self._trie})(?!\\w)", re.ASCII)
        except re.error as exc:  # e.g. an inline flag such as (?i), valid only at the start
            raise ValueError(f"the lexicon's patterns cannot be combined: {exc}") from exc

    def check(self) -> re.Pattern:
        """The Python scanner; raises ``ValueError`` if the lexicon's patterns cannot be
        combined into one."""
        return self.ascii_scanner

    @functools.cached_property
    def scanner(self) -> re.Pattern:
        """The scanner for text with non-ASCII characters (compiled when first needed)."""
        return re.compile(f"{_non_word_class()}(?:{self._trie})(?!\\w)")

    def _namer(self, char: str) -> tuple[re.Pattern, tuple[int, ...], list[_Entry]]:
        namer = self._namers.get(char)
        if namer is not None:
            return namer
        entries = [e for e in self._entries if not e.atoms or re.fullmatch(e.atoms[0], char)]
        trie, order = _trie_regex([(e.atoms, e.rest, f"g{i}") for i, e in enumerate(entries)])
        regex = re.compile(f"{_non_word_class()}(?:{trie})(?!\\w)")
        column_of_group = [-1] * (regex.groups + 1)
        for name, index in regex.groupindex.items():
            column_of_group[index] = entries[int(name[1:])].column
        namer = regex, tuple(column_of_group), [entries[i] for i in order]
        self._namers[char] = namer
        return namer

    def _name(self, padded: str, start: int, matched: str) -> int:
        """Column of the scanner's match ``matched`` at ``start``; cache it if it can be."""
        cached = self._cache.get(matched)
        if cached is not None and cached != _IN_CONTEXT:
            return cached
        regex, column_of_group, ordered = self._namer(matched[1])
        column = column_of_group[regex.match(padded, start).lastindex]
        if cached is None:
            # The entries that could match this string anywhere, in the order they are tried.
            # If they all mean one column, or the first always matches, the string alone
            # names the column.
            candidates = [e for e in ordered if e.superset.fullmatch(matched, 1)]
            in_context = not candidates or (
                len({e.column for e in candidates}) > 1 and not candidates[0].context_free
            )
            if len(self._cache) >= _MAX_CACHE:
                self._cache.clear()
                self._cache[_SEPARATOR_MATCH] = _SEPARATOR
            self._cache[matched] = _IN_CONTEXT if in_context else column
        return column

    def scan(self, text: str) -> tuple[list[int], list[int]]:
        """Columns of all indicator matches in ``text`` (with repeats), and the stated ages."""
        # The leading space makes the first word a candidate (the scanner consumes a separator).
        padded = " " + text
        scanner = self.ascii_scanner if padded.isascii() else self.scanner
        found = scanner.findall(padded)
        codes = list(map(self._cache.get, found, repeat(_MISS)))
        if not codes or min(codes) >= 0:
            return codes, []
        if _MISS in codes or _IN_CONTEXT in codes:
            codes = [self._name(padded, m.start(), m.group()) for m in scanner.finditer(padded)]
        low, high = _AGE_RANGE
        pairs = zip(found, codes, strict=True)
        ages = [int(_TWO_DIGITS.search(s).group()) for s, c in pairs if c == _AGE]
        return [c for c in codes if c >= 0], [age for age in ages if low <= age <= high]

    def scan_many(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
        """Row and column of every indicator match in ``texts``, and minimum stated ages by row.

        Gives what :meth:`scan` gives for each ad, with one regex call per batch of ads.
        """
        rows: list[np.ndarray] = []
        columns: list[np.ndarray] = []
        min_ages: dict[int, int] = {}
        is_ascii = [text.isascii() for text in texts]
        for ascii_ in (True, False):
            subset = [i for i, flag in enumerate(is_ascii) if flag is ascii_]
            if not subset:
                continue
            scanner = self.ascii_scanner if ascii_ else self.scanner
            for start in range(0, len(subset), _BATCH):
                batch = subset[start : start + _BATCH]
                joined = " " + _AD_SEPARATOR.join([texts[i] for i in batch])
                found = scanner.findall(joined)
                n = len(batch) - 1
                if joined.count("\x00") != n or found.count(_SEPARATOR_MATCH) != n:
                    # An ad holds "\x00", or a match ran over a separator: scan ads one by one.
                    self._scan_each(texts, batch, rows, columns, min_ages)
                    continue
                codes = np.fromiter(
                    map(self._cache.get, found, repeat(_MISS)), dtype=np.int64, count=len(found)
                )
                row_of = np.asarray(batch)[np.cumsum(codes == _SEPARATOR)]
                uncached = np.unique(row_of[(codes == _MISS) | (codes == _IN_CONTEXT)])
                if uncached.size:
                    self._scan_each(texts, uncached.tolist(), rows, columns, min_ages)
                    keep = ~np.isin(row_of, uncached)
                    codes, row_of = codes[keep], row_of[keep]
                    found = [found[i] for i in np.flatnonzero(keep)]
                matched = codes >= 0
                rows.append(row_of[matched])
                columns.append(codes[matched])
                low, high = _AGE_RANGE
                for i in np.flatnonzero(codes == _AGE).tolist():
                    age = int(_TWO_DIGITS.search(found[i]).group())
                    row = int(row_of[i])
                    if low <= age <= high and age < min_ages.get(row, high + 1):
                        min_ages[row] = age
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), min_ages
        return np.concatenate(rows), np.concatenate(columns), min_ages

    def _scan_each(
        self,
        texts: list[str],
        indices: list[int],
        rows: list[np.ndarray],
        columns: list[np.ndarray],
        min_ages: dict[int, int],
    ) -> None:
        for i in indices:
            found, ages = self.scan(texts[i])
            rows.append(np.full(len(found), i, dtype=np.int64))
            columns.append(np.asarray(found, dtype=np.int64))
            if ages:
                min_ages[i] = min(ages)


def _sources(path: str | None) -> tuple[tuple[str, ...], list[tuple[int, list[str]]]]:
    """Indicator names, and ``(column, patterns)`` pairs with the stated ages (_AGE) first."""
    lexicon = load_lexicon(path)
    names = tuple(lexicon)
    sources = [(_AGE, list(_AGE_PATTERNS))]
    sources += [(column, lexicon[name]["patterns"]) for column, name in enumerate(names)]
    return names, sources


@functools.lru_cache(maxsize=8)
def _matcher(path: str | None) -> _Matcher:
    # Cached per lexicon path so that estimators hold only the path (clonable, picklable).
    names, sources = _sources(path)
    entries = []
    for column, patterns in sources:
        for pattern in patterns:
            for atoms, rest in _expand(pattern):
                entries.append(_Entry(atoms, rest, column))
    return _Matcher(names, entries)


@functools.lru_cache(maxsize=8)
def _core_scanner(path: str | None):
    """The compiled scanner of a lexicon (``classifier_core.IndicatorScanner``), or ``None``
    when one of its patterns cannot be translated exactly (the Python scanner then runs)."""
    compiled = getattr(_core.CORE, "IndicatorScanner", None)  # None: an older build
    if compiled is None:
        return None
    matcher = _matcher(path)
    try:
        entries = []
        for entry in matcher._entries:
            prog = program("".join(entry.atoms) + entry.rest)
            entries.append((superset_regex(prog), prog, entry.column))
        # The automaton has size limits that a huge user lexicon could pass.
        return compiled(entries)
    except Exception:  # Untranslatable, size limits, or a change in re's private parser
        return None


def _scan(path: str | None, text: str) -> tuple[list[int], list[int]]:
    """``_matcher(path).scan(text)``, by the compiled scanner where it handles the text."""
    if _core.CORE is not None and (scanner := _core_scanner(path)) is not None:
        found = scanner.scan(text)
        if found is not None:
            return found
    return _matcher(path).scan(text)


def _key(path: str | Path | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def extract_ages(normalized_text: str) -> list[int]:
    """Return the ages stated in ``normalized_text``, in order of appearance.

    Only numbers with an age unit count: "19 yrs", "19yo", "19 y/o", "19 years old",
    "age 20", "aged 20", "i am 21", "i'm 21", "just turned 18". Prices, times, heights,
    "18+" and years of experience are not ages; numbers outside 12-80 are ignored.

    Parameters
    ----------
    normalized_text : str
        Output of :func:`classifier.text.normalize_text` (number words already digits).

    Returns
    -------
    ages : list of int
    """
    return _scan(None, normalized_text)[1]


def find_indicators(normalized_text: str, lexicon_path: str | Path | None = None) -> list[str]:
    """Return the names of the indicators that fire on one normalised ad.

    Parameters
    ----------
    normalized_text : str
        Output of :func:`classifier.text.normalize_text`.
    lexicon_path : str or Path, default=None
        A user lexicon; ``None`` uses the packaged one.

    Returns
    -------
    names : list of str
        Lexicon indicators in lexicon order, then the age flags that hold
        (``"age_min_le_18"``, ``"age_min_le_21"``, ``"age_min_lt_23"``), for the per-ad
        ``indicators`` column shown to reviewers.
    """
    key = _key(lexicon_path)
    matcher = _matcher(key)
    columns, ages = _scan(key, normalized_text)
    names = [matcher.names[c] for c in sorted(set(columns))]
    if ages:
        min_age = min(ages)
        names += [flag for flag, bound in _AGE_FLAGS if min_age < bound]
    return names


def _counts(key: str | None, texts: list[str], n_indicators: int) -> Rows:
    """Match counts per indicator column, then the age columns, of each ad (Python scanner)."""
    rows, columns, min_ages = _matcher(key).scan_many(texts)
    age_stated, age_scaled, *age_flags = range(
        n_indicators, n_indicators + len(AGE_FEATURE_NAMES)
    )
    # Every match adds 1 to its column (summed below); stated ages add their columns once.
    age_rows = np.fromiter(min_ages, dtype=np.int64, count=len(min_ages))
    ages = np.fromiter(min_ages.values(), dtype=np.float64, count=len(min_ages))
    parts = [
        (rows, columns, np.ones(len(rows))),
        (age_rows, np.full(len(ages), age_stated), np.ones(len(ages))),
        (age_rows, np.full(len(ages), age_scaled), ages / 100),
    ]
    for column, (_, bound) in zip(age_flags, _AGE_FLAGS, strict=True):
        holds = ages < bound
        parts.append((age_rows[holds], np.full(holds.sum(), column), np.ones(holds.sum())))
    row, column, data = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
    # Match counts per indicator, sorted by column within a row.
    return Rows.from_entries(row, column, data,
                             (len(texts), n_indicators + len(AGE_FEATURE_NAMES)))


def _core_counts(key: str | None, texts: list[str], n_indicators: int) -> Rows | None:
    """:func:`_counts` by the compiled scanner (``None`` without one); the rows of the texts it
    declines come from :func:`_counts`."""
    scanner = _core_scanner(key) if _core.CORE is not None else None
    if scanner is None:
        return None
    texts = texts if isinstance(texts, list) else list(texts)
    n_columns = n_indicators + len(AGE_FEATURE_NAMES)
    data, indices, indptr, declined = scanner.rows(
        texts, n_indicators, [bound for _, bound in _AGE_FLAGS])
    features = Rows(data, indices, indptr, (len(texts), n_columns))
    if not declined:
        return features
    # The declined rows (empty here) are taken from rows of their own, stacked below.
    other = _counts(key, [texts[i] for i in declined], n_indicators)
    stacked = Rows(np.concatenate([data, other.data]), np.concatenate([indices, other.indices]),
                   np.concatenate([indptr[:-1], other.indptr + indptr[-1]]),
                   (len(texts) + len(declined), n_columns))
    order = np.arange(len(texts))
    order[declined] = len(texts) + np.arange(len(declined))
    return stacked.take(order)


def indicator_rows(texts: list[str], lexicon_path: str | None = None,
                   binary: bool = False) -> Rows:
    """Indicator and stated-age feature rows of normalised ads (see :class:`IndicatorFeatures`).

    One column per lexicon indicator, holding ``log1p(number of matches)`` (1.0 when
    ``binary``), then the columns of :data:`AGE_FEATURE_NAMES`.
    """
    key = _key(lexicon_path)
    n_indicators = len(_matcher(key).names)
    features = _core_counts(key, texts, n_indicators)
    if features is None:
        features = _counts(key, texts, n_indicators)
    counted = features.indices < n_indicators
    if binary:
        features.data[counted] = 1.0
    else:
        features.data[counted] = np.log1p(features.data[counted])
    return features


def indicator_feature_names(lexicon_path: str | None = None) -> list[str]:
    """``ind_<indicator>`` for each indicator of the lexicon, then the age feature names."""
    names = [f"ind_{name}" for name in _matcher(_key(lexicon_path)).names]
    return names + list(AGE_FEATURE_NAMES)


def lexicon_sha256(lexicon_path: str | None = None) -> str:
    """SHA-256 of a lexicon's text: models record it, to notice a changed lexicon."""
    return hashlib.sha256(_lexicon_text(lexicon_path).encode()).hexdigest()


def indicators_from_features(
    features, lexicon_path: str | Path | None = None
) -> list[list[str]]:
    """Turn rows of :meth:`IndicatorFeatures.transform` into lists of indicator names.

    Gives what :func:`find_indicators` gives for each ad, without scanning the text again.

    Parameters
    ----------
    features : sparse matrix of shape (n_ads, n_features)
        Output of :meth:`IndicatorFeatures.transform` with the same lexicon.
    lexicon_path : str or Path, default=None
        The lexicon the features were made with; ``None`` for the packaged one.

    Returns
    -------
    names : list of list of str
        For each row, the indicators with a non-zero value in lexicon order, then the age flags
        that hold.
    """
    names = list(_matcher(_key(lexicon_path)).names)
    # Whether an age is stated, and its value, are no evidence on their own.
    labels = names + [name if name.startswith("age_min_l") else None for name in AGE_FEATURE_NAMES]
    import scipy.sparse as sp  # only here: scoring needs no SciPy

    features = sp.csr_matrix(features)
    if features.shape[1] != len(labels):
        raise ValueError(f"expected {len(labels)} feature columns, got {features.shape[1]}")
    features.sort_indices()
    # Explicit zeros do not fire.
    columns = np.where(features.data != 0, features.indices, -1).tolist()
    ptr = features.indptr.tolist()
    labels.append(None)  # column -1
    return [[labels[c] for c in columns[a:b] if labels[c]] for a, b in pairwise(ptr)]


#: Indicator names of the packaged lexicon, in feature order (read without validating the
#: patterns, which compiles them all: :func:`load_lexicon` does that on first use).
INDICATOR_NAMES: list[str] = list(tomllib.loads(_lexicon_text(None)))
