"""Rule features: one binary column per rule of a packaged rule file (no scikit-learn)."""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
import tomllib

import numpy as np

from classifier import _core
from classifier.features._core_regex import rule_regex
from classifier.features._csr import Rows

_EMOJI_TOKEN = re.compile(r"emoji_\w+ ?")


@functools.cache
def _rules(name: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    rules = _load_rules(name)
    patterns = tuple(
        re.compile(r"(?<!\w)(?:" + "|".join(rule["patterns"]) + ")")
        for rule in rules.values()
    )
    return tuple(rules), patterns


def _rules_text(name: str) -> str:
    return importlib.resources.files("classifier").joinpath("data", f"{name}.toml").read_text(
        encoding="utf-8")


def _load_rules(name: str) -> dict:
    return tomllib.loads(_rules_text(name))


# Regex syntax that means the same in Python's re and in RE2 on ASCII text: literal
# characters, escaped punctuation, \w \W \d, ".", "|", capturing and (?:...) groups, the
# quantifiers ? * + {m} {m,} {m,n} (lazy or not; RE2 refuses possessive ones), and classes of
# literals, ranges and \w \W \d. Not ^ or $ ($ also matches before a final newline in
# Python), nor lookarounds or flags, nor \s (Python's takes \x1c-\x1f).
_PORTABLE = re.compile(r"""(?x)
    (?: [A-Za-z0-9\ '"_,;:!&/%@=<>~-]
      | \\[wWd.?*+()\[\]{}|\\/'-]
      | [.|)?*+]
      | \((?:\?:|(?!\?))
      | \{\d+(?:,\d*)?\}
      | \[\^?(?:[A-Za-z0-9\ '"_,;:!&/%@=<>~.-]|\\[wWd])+\]
    )*""")


@functools.cache
def _prefilters(name: str) -> tuple[str | None, ...]:
    """For each rule of a rule file, its :func:`_prefilter`."""
    return tuple(_prefilter(rule["patterns"]) for rule in _load_rules(name).values())


def _prefilter(patterns: list[str]) -> str | None:
    r"""An RE2 pattern that finds, in ASCII text, where a rule's match could start.

    It is the rule's pattern with the leading ``(?<!\w)`` written ``(?:^|\W)`` and a final
    ``(?!\w)`` written ``(?:\W|$)``: RE2 has no lookarounds, and at the two ends of a match
    these say the same. So in ASCII text it matches wherever the rule does, starting at most
    one character earlier, and searching with the rule from there loses no match. ``None``
    when a pattern uses other syntax (see ``_PORTABLE``).
    """
    parts = []
    for pattern in patterns:
        part = pattern.removesuffix(r"(?!\w)")
        try:
            re.compile(pattern)  # on its own, so that no group spans two patterns
        except re.error:
            return None
        if not _PORTABLE.fullmatch(part):
            return None
        parts.append(part if part == pattern else part + r"(?:\W|$)")
    prefilter = r"(?:^|\W)(?:" + "|".join(parts) + ")"
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.find_substring_regex(pa.array([""]), pattern=prefilter)
    except pa.ArrowInvalid:  # beyond RE2's limits
        return None
    return prefilter


# Batches of at least this many texts are prefiltered with RE2.
_PREFILTER_BATCH = 64


def _without_emoji(text: str) -> str:
    """Rules are phrases: emoji between their words ("new 🌹 in town") must not hide them."""
    return _EMOJI_TOKEN.sub("", text) if "emoji_" in text else text


@functools.cache
def _core_rules(name: str):
    """The compiled rules of a rule file (``classifier_core.RuleSet``), or ``None`` when one of
    its patterns cannot be translated exactly (Python's regexes then run)."""
    compiled = getattr(_core.CORE, "RuleSet", None)  # None: an older build
    if compiled is None:
        return None
    try:
        patterns = [rule_regex(r"(?<!\w)(?:" + "|".join(rule["patterns"]) + ")")
                    for rule in _load_rules(name).values()]
        return compiled(patterns)
    except Exception:  # Untranslatable, size limits, or a change in re's private parser
        return None


def rule_rows(texts: list[str], rules: str = "chainbreaker_rules") -> Rows:
    """One binary column per rule of a packaged rule file (see :class:`RuleFeatures`).

    A rule is one Python regex, searched in every ad. To make that fast, an RE2 version of it
    (see :func:`_prefilter`) first scans the whole batch with pyarrow, in C++ and linear time;
    Python's regex then searches only the ASCII ads where that found something, from where it
    did, and the other ads. The result is that of searching every ad with Python's regex.
    """
    _, patterns = _rules(rules)
    if _core.CORE is not None and (compiled := _core_rules(rules)) is not None:
        # The compiled rules take the ASCII texts; Python's regexes search the others.
        texts = texts if isinstance(texts, list) else list(texts)
        dense, declined = compiled.rows(texts)
        for i in declined:
            text = _without_emoji(texts[i])
            dense[i] = [pattern.search(text) is not None for pattern in patterns]
        return Rows.from_dense(dense)
    texts = [_without_emoji(t) for t in texts]
    # The prefilters pay off on batches; on a few texts (``--text``, ``explain``) they would
    # cost more start-up (pyarrow, RE2 compilation) than they save.
    prefilters = _prefilters(rules) if len(texts) >= _PREFILTER_BATCH else (None,) * len(patterns)
    if any(prefilters):
        import pyarrow as pa
        import pyarrow.compute as pc
    dense = np.zeros((len(texts), len(patterns)), dtype=np.float64)
    if texts and any(prefilters):
        # RE2's \w is ASCII only: other texts are left out here and searched in full.
        ascii_ = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
        batch = pa.array([t if a else "" for t, a in zip(texts, ascii_, strict=True)],
                         type=pa.string())
    for j, (pattern, prefilter) in enumerate(zip(patterns, prefilters, strict=True)):
        if prefilter is None or not texts:
            starts = np.zeros(len(texts), dtype=np.int64)
        else:
            # Offsets in bytes, which are characters in ASCII text; -1: no match.
            found = pc.find_substring_regex(batch, pattern=prefilter).to_numpy()
            starts = np.where(ascii_, found, 0)
        rows = np.flatnonzero(starts >= 0).tolist()
        search = pattern.search
        dense[rows, j] = [search(texts[i], pos) is not None
                          for i, pos in zip(rows, starts[rows].tolist(), strict=True)]
    return Rows.from_dense(dense)


def rule_names(rules: str = "chainbreaker_rules") -> list[str]:
    """Names of the rules of a packaged rule file, in column order."""
    return list(_rules(rules)[0])


def rules_sha256(rules: str = "chainbreaker_rules") -> str:
    """SHA-256 of a packaged rule file's text: models record it, to notice a change."""
    return hashlib.sha256(_rules_text(rules).encode()).hexdigest()
